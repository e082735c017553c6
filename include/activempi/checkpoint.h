/*
 * checkpoint: one HDF5 file with everything a run needs to continue bitwise.
 *
 * Design. A checkpoint holds the step, N, d, nq, L, every position and
 * internal coordinate in id order (row i is the particle with id i, written
 * by id blocks as trajectories are, see h5md.h), the number of trajectory
 * frames written so far (amp_h5md_resume cuts the trajectory back to it) and
 * a few named scalar accumulators of the caller (running sums, counters as
 * doubles). Layout (doc/output-format.md):
 *
 *   /  attributes format = "activempi checkpoint", format_version = 1,
 *      step, particles, dimension, internal_components, box, trajectory_frames
 *   /position [N][d], /internal [N][nq]   doubles
 *   /accumulators  one double attribute per accumulator name
 *
 * It is written under a temporary name (files.h, chosen by rank 0) and
 * renamed over `path` only when complete, so a job killed at any moment
 * leaves the previous checkpoint whole. Reading gives every rank all N rows,
 * whatever the number of ranks that wrote it; each rank then keeps its own.
 * Both functions are collective and return a status of io.h.
 */
#ifndef ACTIVEMPI_CHECKPOINT_H
#define ACTIVEMPI_CHECKPOINT_H

#include <mpi.h>
#include <stdint.h>

#include "activempi/io.h"
#include "activempi/particles.h"

typedef struct {
  int64_t step;              /* the step the state belongs to */
  int64_t trajectory_frames; /* frames of the trajectory written up to it */
  int64_t particles;         /* N */
  double box;                /* L */
  int naccumulators;
  const char *const *accumulator_names; /* [naccumulators], names without '/' */
  double *accumulators;                 /* [naccumulators] values */
} amp_checkpoint;

/* Write the state: c, and the owned rows of p (ids over all ranks 0..N-1,
 * each once; N is c->particles). */
int amp_checkpoint_write(const char *path, MPI_Comm comm, const amp_checkpoint *c, const amp_particles *p,
                         char *err);

/* Read a checkpoint: fills c->step, trajectory_frames, particles and box, and
 * the accumulators named in c->accumulator_names into c->accumulators (a name
 * the file lacks is AMP_IO_INVALID). p, initialised with the run's d and nq
 * (AMP_IO_INVALID if the file's differ), gets all N rows on every rank,
 * row i the id i (p->nowned = N, p->nghost = 0). */
int amp_checkpoint_read(const char *path, MPI_Comm comm, amp_checkpoint *c, amp_particles *p, char *err);

#endif

/*
 * h5md: particle trajectories as H5MD 1.1 files, written in parallel, with an
 * XDMF sidecar for ParaView, and read back for initial conditions and restarts.
 *
 * Design. One replica's communicator writes one file through the MPI-IO
 * driver with collective transfers (or several replicas one file, a frame
 * each per round: amp_h5md_append_round). Row i of every per-particle dataset is the
 * particle with global id i, whatever the number of ranks: before each frame
 * the owned rows are regrouped by id with one MPI_Alltoallv (io/id_blocks.h)
 * and each rank writes one contiguous hyperslab per dataset, so files written
 * on 1 or 1000 ranks hold the same numbers. The layout is in
 * doc/output-format.md; in short:
 *
 *   /  attributes model, internal_coordinate, configuration (TOML), provenance
 *   /h5md                      version = [1, 1]; author/name; creator/name, version
 *   /particles/all/position    step [T] int64, time [T] double, value [T][N][d]
 *   /particles/all/box         dimension = d, boundary = d x "periodic",
 *                              edges/{step, time, value [T][d][d] = L I}
 *   /particles/all/<internal>  step, time, value [T][N][nq] (self_propulsion, orientation)
 *   /observables/<name>        step, time, value [T] or [T][w] (per frame), [T][N] or [T][N][w] (per
 *                              particle), [T][n]..[n] or [T][n]..[n][w] (on a grid: see below)
 *
 * Grid observables are fields on a periodic grid of n cells per side over
 * the box: value [T][n_z][n_y][n_x][w] in 3-D ([T][n_y][n_x][w] in 2-D,
 * [T][n_x][w] in 1-D; no w axis when w = 1), x varying fastest as in a
 * PETSc DMDA, so a rank that owns a box of cells writes it as one
 * hyperslab. Cell (i, j, k) spans [origin + i h, origin + (i + 1) h) along
 * x (and likewise along y, z), recorded as attributes of the element's
 * group: cells [d] (int, x first), spacing h = L/n [d] and origin -L/2 [d].
 *
 * Every step and time is a hard link to position's, so the frames of all
 * elements agree by construction. The box is a time-dependent element (the
 * same L at every frame) rather than a fixed dataset because MDAnalysis's
 * H5MD reader only reads box/edges/value[frame]; its value is the diagonal
 * edge matrix, which H5MD allows and MDAnalysis reads as a box.
 *
 * Files appear whole. The writer works on "<path>.partial" (a fixed name, so
 * a restarted job finds it) and renames it to path at amp_h5md_close; a job
 * killed at any moment leaves no file under path. amp_h5md_resume reopens the
 * partial file, cuts every time series back to the number of frames the last
 * checkpoint counted, and continues. The XDMF file "<path without .h5>.xdmf"
 * is written at close as well, after the HDF5 file is in place.
 *
 * All functions are collective over the communicator given at creation and
 * return a status of io.h, the same on every rank (see io.h for err).
 */
#ifndef ACTIVEMPI_H5MD_H
#define ACTIVEMPI_H5MD_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "activempi/io.h"
#include "activempi/particles.h"

/* What a trajectory holds; the same on every rank. Names are HDF5 link
 * names (no '/', not empty) and are copied. */
typedef struct {
  int64_t particles;                      /* N */
  int dim;                                /* d, 1 to 3 */
  double box;                             /* L: the periodic box [-L/2, L/2)^d */
  const char *model;                      /* recorded as the root attribute "model" ("AOUP") */
  const char *internal;                   /* element of q: "self_propulsion" or "orientation" */
  int internal_components;                /* nq: columns of q */
  int particle_observables;               /* per-particle observables, value [T][N] or [T][N][w] */
  const char *const *particle_observable_names;
  const int *particle_observable_widths;  /* [particle_observables] components w of each, 1 to 9
                                             (w = 1: value [T][N]); NULL: 1 each */
  int scalar_observables;                 /* per frame, value [T] or [T][w] */
  const char *const *scalar_observable_names;
  const int *scalar_observable_widths;    /* [scalar_observables] numbers w >= 1 of each (w = 1: value
                                             [T]); NULL: 1 each */
  int grid_cells;                         /* n: cells per side of the grid observables' grid */
  int grid_observables;                   /* fields on that grid (0: none) */
  const char *const *grid_observable_names;
  const int *grid_observable_widths;      /* [grid_observables] components w of each, 1 to 9; NULL: 1 each */
  const char *configuration;              /* the resolved configuration (TOML text) */
  const char *provenance;                 /* versions (amp_version_write's text) */
  const char *author;                     /* /h5md/author name; NULL: "unknown" */
} amp_h5md_spec;

typedef struct amp_h5md amp_h5md;

/* The name a trajectory has while it is written: "<path>.partial". Returns 0,
 * or -1 when it does not fit in size bytes. */
int amp_h5md_partial_name(const char *path, char *partial, size_t size);

/* Start a new trajectory for `path` (replacing any partial one) with zero
 * frames. On success *w is the writer; on failure *w is NULL. */
int amp_h5md_create(amp_h5md **w, const char *path, MPI_Comm comm, const amp_h5md_spec *spec, char *err);

/* Continue the partial trajectory of `path` after `frames` frames: every time
 * series is cut to that length (frames written after the checkpoint are
 * dropped). AMP_IO_INVALID when the partial file is missing, does not match
 * spec (N, d, the internal element, the observables) or has fewer frames. */
int amp_h5md_resume(amp_h5md **w, const char *path, MPI_Comm comm, const amp_h5md_spec *spec, int64_t frames,
                    char *err);

/* Append one frame: step and time, the owned rows [0, p->nowned) of p
 * (positions and q; p->dim and p->nq must match the spec), per-particle
 * observables particle_obs[k][row * w_k + c] for those same rows, and the
 * per-frame observables, their numbers one after the other in scalar_obs
 * (scalar_obs[0 .. w_0) for the first; rank 0's values are written). The ids over all
 * ranks must be 0..N-1, each once (AMP_IO_INVALID otherwise, nothing
 * written). After any failure the writer can only be released. */
int amp_h5md_append(amp_h5md *w, int64_t step, double time, const amp_particles *p,
                    const double *const *particle_obs, const double *scalar_obs, char *err);

/* Append a round of `frames` frames written side by side by groups of the
 * writer's ranks (replicas, each with its own communicator `group`): the
 * group with slot s (0 <= s < frames) writes frame amp_h5md_frames(w) + s
 * as amp_h5md_append writes a frame with comm = group (its rows regrouped
 * by id over the group, each id once; the group's rank 0 writes the
 * per-frame numbers). A group with slot < 0 has no frame this round and
 * joins the collective calls only (p, particle_obs, scalar_obs unread).
 * Every rank passes the same `frames`. amp_h5md_append is the round of one
 * frame by the whole communicator. */
int amp_h5md_append_round(amp_h5md *w, int frames, int slot, MPI_Comm group, int64_t step, double time,
                          const amp_particles *p, const double *const *particle_obs, const double *scalar_obs,
                          char *err);

/* This rank's block of every grid observable at frame `frame` (0 ..
 * amp_h5md_frames(w) - 1): the cells start[a] <= i_a < start[a] + count[a]
 * along each axis a (x first; count[a] = 0 on a rank that has none), from
 * block[count[d-1]]..[count[0]][W], x fastest, the W = sum of w_k
 * components of the grid observables one after the other in spec order
 * (a DMDA global vector's own array). Ranks may pass different frames. */
int amp_h5md_write_grid(amp_h5md *w, int64_t frame, const int64_t *start, const int64_t *count, const double *block,
                        char *err);

/* The same block written once, as the time-independent datasets
 * /observables/<name><suffix> [n]..[n] or [n]..[n][w] (e.g. suffix "_mean"
 * for time averages), with the grid's attributes. */
int amp_h5md_write_grid_fixed(amp_h5md *w, const char *suffix, const int64_t *start, const int64_t *count,
                              const double *block, char *err);

/* A root attribute of the file being written: n doubles (n = 0: a scalar),
 * or a text. Every rank passes the same values. */
int amp_h5md_attr_numbers(amp_h5md *w, const char *name, int n, const double *values, char *err);
int amp_h5md_attr_text(amp_h5md *w, const char *name, const char *text, char *err);

/* Frames in the trajectory so far. */
int64_t amp_h5md_frames(const amp_h5md *w);

/* Flush everything appended so far to the partial file (before a checkpoint
 * counts its frames). */
int amp_h5md_flush(amp_h5md *w, char *err);

/* Finish: close the file, rename it to path, write the XDMF sidecar. Frees w,
 * whatever the outcome. */
int amp_h5md_close(amp_h5md *w, char *err);

/* Close without publishing: the partial file stays for amp_h5md_resume and
 * nothing appears under path. Frees w. */
int amp_h5md_release(amp_h5md *w, char *err);

/* --- reading ------------------------------------------------------------- */

typedef struct {
  int64_t particles;       /* N */
  int dim;                 /* d */
  double box;              /* L */
  int64_t frames;          /* T */
  char internal[64];       /* element name of q */
  int internal_components; /* nq */
} amp_h5md_info;

typedef struct amp_h5md_reader amp_h5md_reader;

/* Open a finished trajectory (or a partial one, by its own name) collectively
 * over comm (MPI_COMM_SELF for one process) and describe it in *info. */
int amp_h5md_open(amp_h5md_reader **r, const char *path, MPI_Comm comm, amp_h5md_info *info, char *err);

/* Frame `frame` (0 .. T-1; negative counts from the end: -1 is the last) on
 * every rank: all N rows, row i the particle of id i, into p, which must have
 * been initialised with the file's d and nq (p->nowned = N, p->nghost = 0).
 * step and time may be NULL. */
int amp_h5md_read_frame(amp_h5md_reader *r, int64_t frame, amp_particles *p, int64_t *step, double *time,
                        char *err);

/* Frame `frame` of /observables/<name>/value on every rank: one value for a
 * scalar observable, w for a per-frame one of w numbers, N (or N w) for a
 * per-particle one, n^d (or n^d w) for a grid one, x fastest (count says
 * how many). */
int amp_h5md_read_observable(amp_h5md_reader *r, const char *name, int64_t frame, double *values, size_t size,
                             size_t *count, char *err);

/* Close the reader and free it. */
int amp_h5md_reader_close(amp_h5md_reader *r, char *err);

#endif

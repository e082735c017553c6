/*
 * drift: the drift b_x of every owned particle of a configuration, outside
 * the simulator's loop (analysis module) — what the probability flow
 * v_x = b_x - eps s_x needs at a snapshot.
 *
 * Design. The simulator keeps Verlet lists alive across steps; a snapshot
 * is seen once, so this builds cells and a list with the bare force cutoff
 * (no skin), computes the pair forces with the simulator's own kernel
 * (amp_pair_forces: the same sums, in the same order) and forms
 * b_x = v0 e(q) + k F - A x with amp_drift, and its divergence. The rows
 * must include the ghosts within the force cutoff of the owned ones. Bonds
 * are not included (the stages that use this refuse bonded inputs).
 */
#ifndef ACTIVEMPI_DRIFT_H
#define ACTIVEMPI_DRIFT_H

#include <stddef.h>

#include "activempi/config.h"
#include "activempi/neighbors.h"
#include "activempi/physics.h"

typedef struct {
  amp_pair pair;
  amp_dynamics dyn;
  double cutoff;      /* force cutoff (0: no pair forces) */
  double L;
  amp_cells cells;
  amp_verlet verlet;
  amp_pair_work work;
  double *force, *div; /* [capacity][d], [capacity] */
  size_t capacity;
} amp_drift_work;

/* Returns 0, or -1 when out of memory. */
int amp_drift_init(amp_drift_work *w, const amp_config *cfg);
void amp_drift_free(amp_drift_work *w);

/* b [nowned][d]: the drift of p's owned rows, and div_b [nowned] (NULL:
 * skip) its divergence div_{x_i} b_i = pair terms - A d (physics.h).
 * Returns 0, or -1 (memory). */
int amp_drift_compute(amp_drift_work *w, const amp_particles *p, double *b, double *div_b);

#endif

/*
 * drift: the drift b_x of every owned particle of a configuration, outside
 * the simulator's loop (analysis module) — what the probability flow
 * v_x = b_x - eps s_x needs at a snapshot.
 *
 * Design. The simulator keeps Verlet lists alive across steps; a snapshot
 * is seen once, so this builds cells and a list with the bare force cutoff
 * (no skin), computes the pair forces with the simulator's own kernel
 * (amp_pair_forces: the same sums, in the same order) and forms
 * b_x = v0 e(q) + k F - A x with amp_drift, and its divergence. Bonds, when
 * the system has them, add their forces after the pair forces, partners in
 * id order, as in the simulator (amp_bond_forces). The rows must include the
 * ghosts within max(force cutoff, bond_reach) of the owned ones.
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
  const amp_bonds *bonds; /* the caller's graph; NULL when there are none */
  double reach;           /* [interaction] bond_reach */
  int32_t *row_of;        /* [N] row of each id in the last compute, -1 absent */
  int64_t bad[2];         /* the bond that stopped the last compute (returned -2) */
} amp_drift_work;

/* The ghost width the drift needs: max(force cutoff, bond_reach when the
 * system has bonds). */
double amp_drift_halo_width(const amp_config *cfg);

/* For cfg's system; bonds (NULL, or a graph without bonds: none) stays the
 * caller's and must outlive w. Returns 0, or -1 when out of memory. */
int amp_drift_init(amp_drift_work *w, const amp_config *cfg, const amp_bonds *bonds);
void amp_drift_free(amp_drift_work *w);

/* b [nowned][d]: the drift of p's owned rows, and div_b [nowned] (NULL:
 * skip) its divergence div_{x_i} b_i = pair and bond terms - A d
 * (physics.h). Returns 0, -1 (memory), or -2 when a bond of an owned particle
 * is longer than bond_reach or its partner is not a row of p (w->bad holds
 * its ids). */
int amp_drift_compute(amp_drift_work *w, const amp_particles *p, double *b, double *div_b);

/* force [rows][d]: the interaction force k F - A x (the drift less the
 * self-propulsion) on every row of p, owned and ghost alike, with the same
 * sums in the same order as amp_drift_compute. A row's force is complete
 * when every particle within the force cutoff of it is a row of p: for the
 * ghosts, those within (halo width - force cutoff) of the owned region. For
 * systems without bonds (w built with none). Returns 0, or -1 (memory, or bonds). */
int amp_drift_forces_all(amp_drift_work *w, const amp_particles *p, double *force);

#endif

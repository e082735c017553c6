/*
 * Drift of a snapshot's particles (drift.h): cells, a skin-less list, the
 * simulator's pair-force kernel, its bond forces, then b_x per particle.
 */
#include <stdlib.h>
#include <string.h>

#include "activempi/drift.h"

double amp_drift_halo_width(const amp_config *cfg) {
  double width = cfg->interaction.potential == AMP_POTENTIAL_NONE ? 0 : cfg->derived.force_cutoff;
  if (cfg->interaction.bonds != AMP_BONDS_NONE && cfg->interaction.bond_reach > width)
    width = cfg->interaction.bond_reach;
  return width;
}

int amp_drift_init(amp_drift_work *w, const amp_config *cfg, const amp_bonds *bonds) {
  memset(w, 0, sizeof *w);
  amp_dynamics_setup(&w->dyn, cfg);
  w->cutoff = cfg->interaction.potential == AMP_POTENTIAL_NONE ? 0 : cfg->derived.force_cutoff;
  w->L = cfg->system.box_length;
  if (bonds && bonds->n > 0 && bonds->start[bonds->n] > 0) {
    w->bonds = bonds;
    w->reach = cfg->interaction.bond_reach;
    if (!(w->row_of = malloc((size_t)bonds->n * sizeof *w->row_of))) return -1;
  }
  return amp_pair_setup(&w->pair, cfg);
}

void amp_drift_free(amp_drift_work *w) {
  amp_pair_free(&w->pair);
  amp_cells_free(&w->cells);
  amp_verlet_free(&w->verlet);
  amp_pair_work_free(&w->work);
  free(w->force);
  free(w->div);
  free(w->row_of);
  memset(w, 0, sizeof *w);
}

static int reserve(amp_drift_work *w, size_t n, int d) {
  if (n <= w->capacity) return 0;
  double *force = realloc(w->force, n * (size_t)d * sizeof *force);
  if (force) w->force = force;
  double *div = realloc(w->div, n * sizeof *div);
  if (div) w->div = div;
  if (!force || !div) return -1;
  w->capacity = n;
  return 0;
}

/* The bonds' share of force and div, partners found through row_of. */
static int bond_forces(amp_drift_work *w, const amp_particles *p) {
  memset(w->row_of, 0xff, (size_t)w->bonds->n * sizeof *w->row_of);
  for (size_t r = 0; r < p->nowned + p->nghost; ++r) w->row_of[p->id[r]] = (int32_t)r;
  return amp_bond_forces(w->bonds, p, p->nowned, w->row_of, w->L, w->reach, w->force, w->div, w->bad);
}

/* w->force [nowned][d], w->div [nowned]: the pair and bond terms of p's owned rows */
static int interaction(amp_drift_work *w, const amp_particles *p) {
  const size_t n = p->nowned;
  const int d = p->dim;
  if (reserve(w, n ? n : 1, d)) return -1;
  memset(w->force, 0, n * (size_t)d * sizeof *w->force);
  memset(w->div, 0, n * sizeof *w->div);
  if (w->cutoff > 0) {
    if (amp_cells_build(&w->cells, p, w->L, w->cutoff) || amp_verlet_build(&w->verlet, &w->cells, p, w->cutoff) ||
        amp_pair_work_build(&w->work, p, n, w->verlet.start, w->verlet.index))
      return -1;
    amp_pair_forces(&w->pair, p, n, w->verlet.start, w->verlet.index, &w->work, w->L, w->force, w->div);
  }
  return w->bonds && bond_forces(w, p) ? -2 : 0;
}

int amp_drift_compute(amp_drift_work *w, const amp_particles *p, double *b, double *div_b) {
  const size_t n = p->nowned;
  const int d = p->dim;
  int status = interaction(w, p);
  if (status) return status;
  for (size_t i = 0; i < n; i++)
    amp_drift(&w->dyn, p->x + i * (size_t)d, p->q + i * (size_t)p->nq, w->force + i * (size_t)d, b + i * (size_t)d);
  for (size_t i = 0; div_b && i < n; i++) div_b[i] = w->div[i] - w->dyn.trap * d;
  return 0;
}

int amp_drift_forces_all(amp_drift_work *w, const amp_particles *p, double *force) {
  if (w->bonds) return -1;
  amp_particles all = *p;
  all.nowned = p->nowned + p->nghost;
  all.nghost = 0;
  if (interaction(w, &all)) return -1;
  const size_t n = all.nowned * (size_t)p->dim;
  for (size_t k = 0; k < n; k++) force[k] = w->force[k] - w->dyn.trap * p->x[k];
  return 0;
}

/*
 * The tokens of a batch of targets from a configuration (score.h): cells
 * over its rows, with [network] forces = "input" the interaction force on
 * every row (amp_drift_forces_all: the drift's own sums, so a token's force
 * is the same bits on any decomposition), then the neighbourhood build.
 * The stages that feed the network (train's steps and validation, evaluate)
 * all build their tokens here, so they cannot disagree on what a token holds.
 */
#include <stdlib.h>

#include "activempi/score.h"

int amp_token_forces_init(amp_token_forces *f, const amp_config *cfg) {
  *f = (amp_token_forces){.on = cfg->network.forces != AMP_FORCES_NONE};
  return f->on ? amp_drift_init(&f->drift, cfg, NULL) : 0;
}

void amp_token_forces_free(amp_token_forces *f) {
  if (f->on) amp_drift_free(&f->drift);
  free(f->force);
  *f = (amp_token_forces){0};
}

/* f->force [rows][d] for p's rows. Returns 0 or -1. */
static int compute_forces(amp_token_forces *f, const amp_particles *p) {
  size_t n = (p->nowned + p->nghost) * (size_t)p->dim;
  if (n > f->cap) {
    double *more = realloc(f->force, n * sizeof *more);
    if (!more) return -1;
    f->force = more, f->cap = n;
  }
  return amp_drift_forces_all(&f->drift, p, f->force);
}

int amp_score_tokens(amp_token_forces *f, amp_neighborhoods *nb, const amp_neighborhood_spec *s, amp_cells *c,
                     const amp_particles *p, const size_t *target, size_t n) {
  if (amp_cells_build(c, p, s->L, s->R)) return amp_nb_fail_oom(nb);
  if (s->force && compute_forces(f, p)) return amp_nb_fail_oom(nb);
  return amp_neighborhood_build_with_force(nb, s, c, p, s->force ? f->force : NULL, target, n);
}

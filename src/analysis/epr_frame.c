/*
 * epr_frame: a snapshot's per-particle entropy production from a score
 * network (see epr_frame.h).
 */
#include <stdlib.h>
#include <string.h>

#include "activempi/epr_frame.h"
#include "activempi/score.h"

int amp_epr_frame_init(amp_epr_frame *f, const amp_config *cfg, const amp_nn_arch *a, const amp_bonds *bonds) {
  memset(f, 0, sizeof *f);
  f->q_outputs = a->q_outputs;
  f->x_outputs = a->x_outputs;
  amp_epr_law_setup(&f->law, cfg, a->x_outputs > 0);
  return amp_drift_init(&f->drift, cfg, bonds);
}

void amp_epr_frame_free(amp_epr_frame *f) {
  amp_drift_free(&f->drift);
  free(f->s_q);
  free(f->s_x);
  free(f->jq);
  free(f->b);
  free(f->div_b);
  memset(f, 0, sizeof *f);
}

/* Grow one buffer to n elements of `size` bytes; 0 or -1. */
static int grow(void **buf, size_t n, size_t size) {
  void *p = realloc(*buf, n * size);
  if (!p) return -1;
  *buf = p;
  return 0;
}

static int reserve(amp_epr_frame *f, size_t n) {
  if (n <= f->capacity) return 0;
  const size_t qo = (size_t)f->q_outputs, d = (size_t)f->law.dim;
  const size_t xo = f->x_outputs ? (size_t)f->x_outputs : 1;
  if (grow((void **)&f->s_q, n * qo, sizeof *f->s_q) || grow((void **)&f->s_x, n * xo, sizeof *f->s_x) ||
      grow((void **)&f->jq, n * qo * (size_t)f->law.nf, sizeof *f->jq) ||
      grow((void **)&f->b, n * d, sizeof *f->b) || grow((void **)&f->div_b, n, sizeof *f->div_b))
    return -1;
  f->capacity = n;
  return 0;
}

/* Row i's formulas from the float network outputs. */
static void point(const amp_epr_frame *f, const amp_particles *p, size_t i, int jacobian, amp_epr_point *out) {
  const amp_epr_law *law = &f->law;
  const size_t qo = (size_t)f->q_outputs, nj = qo * (size_t)law->nf, d = (size_t)law->dim;
  double s_q[3], jq[9], s_x[3];
  for (size_t k = 0; k < qo; ++k) s_q[k] = f->s_q[i * qo + k];
  for (size_t k = 0; jacobian && k < nj; ++k) jq[k] = f->jq[i * nj + k];
  for (size_t k = 0; law->position && k < d; ++k) s_x[k] = f->s_x[i * (size_t)f->x_outputs + k];
  amp_epr_point_eval(law, p->q + i * (size_t)p->nq, s_q, jacobian ? jq : NULL, s_x, f->b + i * d, out);
}

int amp_epr_frame_compute(amp_epr_frame *f, const amp_nn_layout *l, const float *params, amp_nn_workspace *ws,
                          const amp_neighborhoods *nb, const amp_particles *p, int jacobian, amp_epr_point *out,
                          double *free_term) {
  const size_t n = p->nowned;
  const int d = f->law.dim;
  if (nb->B != n || reserve(f, n ? n : 1)) return -1;
  amp_score_evaluate(l, params, ws, nb, d, f->s_q, f->x_outputs ? f->s_x : NULL, jacobian ? f->jq : NULL, NULL);
  int drift = f->law.position || free_term;
  int status = drift ? amp_drift_compute(&f->drift, p, f->b, f->div_b) : 0;
  if (status) return status;
  for (size_t i = 0; i < n; ++i) {
    point(f, p, i, jacobian, &out[i]);
    if (free_term) free_term[i] = amp_epr_free_term(&f->drift.dyn, f->b + i * (size_t)d, f->div_b[i]);
  }
  return 0;
}

/*
 * Scores of many particles in micro-batches (score.h): the token tensors of
 * a batch are contiguous per particle, so micro-batch m is the same arrays
 * offset by m * capacity particles; the network's outputs are copied out
 * after each micro-batch (the Jacobians are written in place), and its
 * activations are then reused.
 * Peak activation memory is that of one micro-batch, whatever B.
 */
#include <string.h>

#include "activempi/score.h"

static void copy_rows(float *dst, const float *src, size_t b0, size_t n, size_t width) {
  if (dst && width) memcpy(dst + b0 * width, src, n * width * sizeof *dst);
}

void amp_score_evaluate(const amp_nn_layout *l, const float *params, amp_nn_workspace *ws,
                        const amp_neighborhoods *nb, int dim, float *s_q, float *s_x, float *jq, float *jx) {
  const amp_nn_arch *a = &l->arch;
  const size_t T = (size_t)nb->T, qo = (size_t)a->q_outputs, xo = (size_t)a->x_outputs;
  for (size_t b0 = 0; b0 < nb->B; b0 += (size_t)ws->capacity) {
    size_t n = nb->B - b0 < (size_t)ws->capacity ? nb->B - b0 : (size_t)ws->capacity;
    amp_nn_forward(l, params, ws, (int)n, nb->q + b0 * T * nb->nf, nb->x + b0 * T * nb->nx, nb->mask + b0 * T);
    copy_rows(s_q, ws->s_q, b0, n, qo);
    copy_rows(s_x, ws->s_x, b0, n, xo);
    if (jq || jx)
      amp_nn_input_jacobian(l, params, ws, dim, nb->absolute_position, nb->drift_scale,
                            jq ? jq + b0 * qo * (size_t)a->q_features : NULL, jx ? jx + b0 * xo * (size_t)dim : NULL);
  }
}

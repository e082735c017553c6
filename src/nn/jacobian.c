/*
 * The Jacobian of a particle's scores with respect to its own inputs, by
 * reverse mode: one backward pass (without parameter gradients) per output
 * component k, seeded with dL/ds = e_k for every particle of the batch at
 * once (particles do not interact inside a micro-batch).
 *
 *   jq[b, k, :] = d s_q[b, k] / d q_self = g_q_in[b, token 0, :]
 *   jx[b, k, :] = d s_x[b, k] / d x_self = sum_{t >= 1} g_x_in[b, t, 0:d]
 *                                          (+ g_x_in[b, 0, d:2d] with absolute positions)
 * since x_i enters token t >= 1 as x_i - x_j, and token 0's absolute part is x_i;
 * columns beyond those (a bond-graph token's hop) do not depend on x_i.
 * Cost: (q_outputs + x_outputs) backward passes, each about the forward's.
 */
#include <string.h>

#include "kernels.h"

/* seed [B, n] = e_k in every row */
static void unit_seed(amp_nn_real *seed, int B, int n, int k) {
  memset(seed, 0, (size_t)B * n * sizeof *seed);
  for (int b = 0; b < B; b++) seed[(size_t)b * n + k] = 1;
}

void AMP_NN(input_jacobian)(const amp_nn_layout *l, const amp_nn_real *params, AMP_NN(workspace) *ws,
                            int dim, int absolute, amp_nn_real *jq, amp_nn_real *jx) {
  const amp_nn_arch *a = &l->arch;
  const int B = ws->batch, T = ws->tokens, nf = a->q_features, nx = a->x_features;
  for (int k = 0; jq && k < a->q_outputs; k++) {
    unit_seed(ws->g_unit, B, a->q_outputs, k);
    AMP_NN(backward)(l, params, ws, ws->g_unit, NULL, NULL);
    for (int b = 0; b < B; b++)
      memcpy(jq + ((size_t)b * a->q_outputs + k) * nf, ws->g_q_in + (size_t)b * T * nf, (size_t)nf * sizeof *jq);
  }
  for (int k = 0; jx && k < a->x_outputs; k++) {
    unit_seed(ws->g_unit, B, a->x_outputs, k);
    AMP_NN(backward)(l, params, ws, NULL, ws->g_unit, NULL);
    for (int b = 0; b < B; b++) {
      amp_nn_real *row = jx + ((size_t)b * a->x_outputs + k) * dim;
      const amp_nn_real *g = ws->g_x_in + (size_t)b * T * nx;
      for (int c = 0; c < dim; c++) row[c] = absolute ? g[dim + c] : 0;
      for (int t = 1; t < T; t++)
        for (int c = 0; c < dim; c++) row[c] += g[(size_t)t * nx + c];
    }
  }
}

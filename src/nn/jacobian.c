/*
 * The Jacobian of a particle's scores with respect to its own inputs, by
 * reverse mode: one backward pass (without parameter gradients) per output
 * component k, seeded with dL/ds = e_k for every particle of the batch at
 * once (particles do not interact inside a micro-batch).
 *
 *   jq[b, k, :] = d s_q[b, k] / d q_self = g_q_in[b, token 0, :]
 *                 (- v0 sum_{t >= 1} g_x_in[b, t, drift columns] with the drift columns,
 *                  b_j - b_i, b = v0 q + F: v0 = drift_scale)
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

/* row [nf] -= v0 sum_{t >= 1} g[t, nx - nf + c]: q_self moves every
 * neighbour token's drift column b_j - b_i by -v0 (g [T, nx]) */
static void add_drift_paths(amp_nn_real *row, const amp_nn_real *g, int T, int nx, int nf, double v0) {
  for (int c = 0; c < nf; c++) {
    double sum = 0;
    for (int t = 1; t < T; t++) sum += g[(size_t)t * nx + nx - nf + c];
    row[c] -= (amp_nn_real)(v0 * sum);
  }
}

void AMP_NN(input_jacobian)(const amp_nn_layout *l, const amp_nn_real *params, AMP_NN(workspace) *ws,
                            int dim, int absolute, double drift_scale, amp_nn_real *jq, amp_nn_real *jx) {
  const amp_nn_arch *a = &l->arch;
  const int B = ws->batch, T = ws->tokens, nf = a->q_features, nx = a->x_features;
  for (int k = 0; jq && k < a->q_outputs; k++) {
    unit_seed(ws->g_unit, B, a->q_outputs, k);
    AMP_NN(backward)(l, params, ws, ws->g_unit, NULL, NULL);
    for (int b = 0; b < B; b++) {
      amp_nn_real *row = jq + ((size_t)b * a->q_outputs + k) * nf;
      memcpy(row, ws->g_q_in + (size_t)b * T * nf, (size_t)nf * sizeof *jq);
      if (a->drift_features) add_drift_paths(row, ws->g_x_in + (size_t)b * T * nx, T, nx, nf, drift_scale);
    }
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

/*
 * The distance input (nn.h, amp_nn_arch.distance): the position embedding of
 * token t reads, after its nx features, the norm of their first d columns,
 *
 *   r = |x_t[0:d]|   (the token's x_i - x_j; 0 for the particle itself)
 *
 * A radial feature of the neighbourhood (a contact at r = 2a, sharp on the
 * scale 1/beta of the softplus force) is then a function of one input for
 * the embedding MLP, rather than a ring in the d-dimensional plane that its
 * first layer's half-spaces can only approximate by a polygon.
 *
 * Forward:  xa[m, 0:nx] = x[m, :],  xa[m, nx] = r_m                 [M, nx + 1]
 * Backward: g_x[m, c] = g_xa[m, c] + g_xa[m, nx] x[m, c] / r_m       c < d, r_m > 0
 *           g_x[m, c] = g_xa[m, c]                                   otherwise
 * (r is not differentiable at 0; only the particle's own token and padding,
 * neither a function of any position, sit there: their gradient is dropped.)
 */
#include <math.h>

#include "kernels.h"

static double norm(const amp_nn_real *x, int d) {
  double r2 = 0;
  for (int c = 0; c < d; c++) r2 += (double)x[c] * x[c];
  return sqrt(r2);
}

void nn_distance_forward(amp_nn_real *xa, const amp_nn_real *x, size_t M, int nx, int d) {
  for (size_t m = 0; m < M; m++) {
    const amp_nn_real *in = x + m * nx;
    amp_nn_real *out = xa + m * (nx + 1);
    for (int c = 0; c < nx; c++) out[c] = in[c];
    out[nx] = (amp_nn_real)norm(in, d);
  }
}

void nn_distance_backward(amp_nn_real *g_x, const amp_nn_real *g_xa, const amp_nn_real *x, size_t M, int nx, int d) {
  for (size_t m = 0; m < M; m++) {
    const amp_nn_real *in = x + m * nx, *g = g_xa + m * (nx + 1);
    amp_nn_real *out = g_x + m * nx;
    double r = norm(in, d), dr = r > 0 ? g[nx] / r : 0;
    for (int c = 0; c < nx; c++) out[c] = g[c] + (c < d ? (amp_nn_real)(dr * in[c]) : 0);
  }
}

/*
 * LayerNorm over a token's C channels with a learned scale and offset
 * (hk.LayerNorm(axis=-1, create_scale=True, create_offset=True): eps 1e-5,
 * the biased variance mean((x - mean)^2)).
 *
 * The moments are computed and kept in double (two passes), so the float
 * build loses nothing to cancellation when a token's mean is large. The
 * backward pass is the standard one:
 *   xhat = (x - mean) rstd,  dn = dout scale,
 *   dx = rstd (dn - mean_c(dn) - xhat mean_c(dn xhat)),
 * with the scale and offset gradients summed over rows in double. The loops
 * over channels are vectorised (double lanes; NN_CLONES, fastmath.h).
 */
#include <math.h>

#include "fastmath.h"
#include "kernels.h"

#define LN_EPS 1e-5

NN_CLONES void nn_layernorm_forward(amp_nn_real *out, double *mean, double *rstd, const amp_nn_real *in,
                          const amp_nn_real *scale, const amp_nn_real *offset, int M, int C) {
  for (int r = 0; r < M; r++) {
    const amp_nn_real *x = in + (size_t)r * C;
    amp_nn_real *y = out + (size_t)r * C;
    double m = 0, v = 0;
#pragma omp simd reduction(+ : m)
    for (int c = 0; c < C; c++) m += x[c];
    m /= C;
#pragma omp simd reduction(+ : v)
    for (int c = 0; c < C; c++) v += (x[c] - m) * (x[c] - m);
    double s = 1 / sqrt(v / C + LN_EPS);
#pragma omp simd
    for (int c = 0; c < C; c++) y[c] = (amp_nn_real)((x[c] - m) * s) * scale[c] + offset[c];
    mean[r] = m;
    rstd[r] = s;
  }
}

NN_CLONES void nn_layernorm_backward(amp_nn_real *din, amp_nn_real *dscale, amp_nn_real *doffset, const amp_nn_real *dout,
                           const amp_nn_real *in, const double *mean, const double *rstd,
                           const amp_nn_real *scale, double *colsum, int M, int C) {
  double *acc_scale = colsum, *acc_offset = colsum + C;
  for (int c = 0; c < 2 * C; c++) colsum[c] = 0;
  for (int r = 0; r < M; r++) {
    const amp_nn_real *x = in + (size_t)r * C, *g = dout + (size_t)r * C;
    amp_nn_real *dx = din + (size_t)r * C;
    double m = mean[r], s = rstd[r], dn_mean = 0, dn_xhat_mean = 0;
#pragma omp simd reduction(+ : dn_mean, dn_xhat_mean)
    for (int c = 0; c < C; c++) {
      double xhat = (x[c] - m) * s, dn = (double)g[c] * scale[c];
      dn_mean += dn;
      dn_xhat_mean += dn * xhat;
      acc_scale[c] += g[c] * xhat;
      acc_offset[c] += g[c];
    }
    dn_mean /= C;
    dn_xhat_mean /= C;
#pragma omp simd
    for (int c = 0; c < C; c++) {
      double xhat = (x[c] - m) * s, dn = (double)g[c] * scale[c];
      dx[c] = (amp_nn_real)(s * (dn - dn_mean - xhat * dn_xhat_mean));
    }
  }
  if (!dscale) return;
  for (int c = 0; c < C; c++) {
    dscale[c] += (amp_nn_real)acc_scale[c];
    doffset[c] += (amp_nn_real)acc_offset[c];
  }
}

/*
 * The smooth cutoff envelope (nn.h, amp_nn_arch.envelope_radius): each
 * neighbour token t of a particle is weighed by
 *
 *   w(r) = (1 - (r/R)^2)^2  for r < R,   r = |x_t[0:d]|  (the token's x_i - x_j)
 *
 * in every attention row (its logit gains log w) and in mean pooling. w and
 * w' vanish at R, so the network's outputs are continuous, with continuous
 * first derivatives, when a neighbour crosses the neighbourhood's cutoff R
 * and its token appears or disappears. Token 0 (the particle itself, r = 0)
 * and padding get log w = 0 (padding is masked anyway). A weight below
 * e^-80 counts as e^-80 (the softmax's own floor), with zero derivative.
 *
 * Forward:  kbias[b, t] = log w(r_bt)                                  [B, T]
 * Backward: from g_kbias[b, t] = dL/d log w(r_bt),
 *           g_x[b, t, c] += g_kbias[b, t] (d log w / dr) x[b, t, c] / r   c < d
 *           with d log w / dr = -4 r / (R^2 - r^2).
 */
#include <math.h>

#include "kernels.h"

#define LOG_WEIGHT_FLOOR -80.0

/* log w(r) from r^2, and d log w / dr / r into *dlog_over_r (0 on the floor). */
static double log_weight(double r2, double R, double *dlog_over_r) {
  double R2 = R * R, gap = R2 - r2;
  double lw = gap > 0 ? 2 * log(gap / R2) : LOG_WEIGHT_FLOOR;
  if (lw <= LOG_WEIGHT_FLOOR) {
    *dlog_over_r = 0;
    return LOG_WEIGHT_FLOOR;
  }
  *dlog_over_r = -4 / gap;
  return lw;
}

/* r^2 of the relative position of one token, x[0:d] */
static double radius2(const amp_nn_real *x, int d) {
  double r2 = 0;
  for (int c = 0; c < d; c++) r2 += (double)x[c] * x[c];
  return r2;
}

void nn_envelope_forward(amp_nn_real *kbias, const amp_nn_real *x, const unsigned char *mask, int B, int T, int nx,
                         int d, double R) {
  for (size_t bt = 0; bt < (size_t)B * T; bt++) {
    double unused;
    int neighbour = bt % (size_t)T != 0 && mask[bt];
    kbias[bt] = neighbour ? (amp_nn_real)log_weight(radius2(x + bt * nx, d), R, &unused) : 0;
  }
}

void nn_envelope_backward(amp_nn_real *g_x, const amp_nn_real *g_kbias, const amp_nn_real *x,
                          const unsigned char *mask, int B, int T, int nx, int d, double R) {
  for (size_t bt = 0; bt < (size_t)B * T; bt++) {
    if (bt % (size_t)T == 0 || !mask[bt]) continue;
    const amp_nn_real *xt = x + bt * nx;
    double dlog_over_r;
    log_weight(radius2(xt, d), R, &dlog_over_r);
    for (int c = 0; c < d; c++) g_x[bt * nx + c] += (amp_nn_real)(g_kbias[bt] * dlog_over_r * xt[c]);
  }
}

/*
 * Denoising score-matching loss terms and their gradient with respect to the
 * network's outputs (loss.h). Sums in double: a batch has thousands of terms.
 */
#include "activempi/loss.h"

double amp_loss_denoising(const float *s, const float *zeta, size_t n, int k, double sign, double sigma,
                          float *ds) {
  double sum = 0;
  for (size_t i = 0; i < n * (size_t)k; i++) {
    double si = s[i], zi = sign * zeta[i] / sigma;
    sum += si * si + 2 * si * zi;
    ds[i] = (float)(2 * si + 2 * zi);
  }
  return sum;
}

/*
 * Elementary functions for the network's vectorised loops (private).
 *
 * The float build computes e^y with its own polynomial so that loops over
 * activations vectorise (libm's expf is a scalar call): y = n ln 2 + r,
 * n rounded to nearest by adding and subtracting 1.5 2^23, ln 2 split in a
 * part exact in float and a remainder (Cody-Waite), |r| <= ln2/2, e^r by
 * its Taylor series to degree 7 (truncation r^8/8! < 5e-9, below float's
 * resolution), 2^n written into the exponent bits. Valid for |y| <= 80
 * (callers clamp); relative error about 2 ulp. The double build (gradient
 * checks) uses libm, so its derivatives are those of exact functions.
 *
 * NN_CLONES builds a function for AVX-512, AVX2 and baseline x86-64 and
 * picks one at load time (GCC target_clones), as OpenBLAS does for its
 * kernels; its loops are marked `omp simd` (-fopenmp-simd).
 */
#ifndef ACTIVEMPI_NN_FASTMATH_H
#define ACTIVEMPI_NN_FASTMATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(AMP_NN_DOUBLE)
#define NN_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define NN_CLONES
#endif

#ifdef AMP_NN_DOUBLE
static inline double nn_exp(double y) { return exp(y); }
static inline double nn_tanh(double u) { return tanh(u); }
#else
static inline float nn_exp(float y) {
  const float log2e = 1.44269504f, ln2_hi = 0.693145751953125f, ln2_lo = 1.428606820309417e-06f;
  const float round = 12582912.f; /* 1.5 2^23 */
  float n = (y * log2e + round) - round;
  float r = (y - n * ln2_hi) - n * ln2_lo;
  float p = 1.f / 5040 + r * (1.f / 40320);
  p = 1.f / 720 + r * p;
  p = 1.f / 120 + r * p;
  p = 1.f / 24 + r * p;
  p = 1.f / 6 + r * p;
  p = 0.5f + r * p;
  p = 1 + r * p;
  p = 1 + r * p;
  int32_t bits = ((int32_t)n + 127) << 23; /* 2^n, |n| <= 116 */
  float scale;
  memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

/* tanh u = 1 - 2 / (e^{2u} + 1); |2u| clamped to 40, where tanh is 1 in float */
static inline float nn_tanh(float u) {
  float y = 2 * u;
  y = y > 40 ? 40 : y;
  y = y < -40 ? -40 : y;
  return 1 - 2 / (nn_exp(y) + 1);
}
#endif

#endif

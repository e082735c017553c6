/*
 * GELU in its tanh form, gelu(x) = x/2 (1 + tanh(a (x + b x^3))),
 * a = sqrt(2/pi), b = 0.044715: jax.nn.gelu's default (approximate=True),
 * so the reference's. The backward pass recomputes tanh from the saved input
 * rather than storing it:
 *   gelu'(x) = (1 + t)/2 + x/2 (1 - t^2) a (1 + 3 b x^2),  t = tanh(a (x + b x^3)).
 *
 * Speed. libm's tanhf is a scalar call of ~10 ns; with every hidden layer of
 * the reference network behind a GELU it was a third of the forward pass.
 * The float build computes tanh u = 1 - 2 / (exp(2u) + 1) with its own exp:
 * 2u = n ln 2 + r (n rounded to nearest by the 1.5 2^23 trick; Cody-Waite, |r| <= ln2/2, ln 2 split in a part exact in
 * float and a remainder), e^r by its Taylor series to degree 7 (truncation
 * r^8/8! < 5e-9), 2^n put into the exponent bits; |2u| is clamped to 40
 * where tanh is 1 in float. The absolute error of tanh is about 1e-7, what
 * float resolves anyway. The loops are plain arithmetic marked `omp simd`
 * (compiled with -fopenmp-simd), built for AVX-512, AVX2 and baseline x86-64
 * and chosen at load time (target_clones), as OpenBLAS chooses its kernels.
 * The double build (gradient checks) keeps libm's tanh, so its backward is
 * the exact derivative of its forward.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kernels.h"

#define GELU_A 0.7978845608028654 /* sqrt(2/pi) */
#define GELU_B 0.044715

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(AMP_NN_DOUBLE)
#define NN_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define NN_CLONES
#endif

#ifdef AMP_NN_DOUBLE
static inline double nn_tanh(double u) { return tanh(u); }
#else
/* e^y for |y| <= 40 (see above) */
static inline float nn_exp(float y) {
  const float log2e = 1.44269504f, ln2_hi = 0.693145751953125f, ln2_lo = 1.428606820309417e-06f;
  const float round = 12582912.f; /* 1.5 2^23: adding and subtracting it rounds to an integer */
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
  int32_t bits = ((int32_t)n + 127) << 23; /* 2^n, n in [-58, 58] */
  float scale;
  memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

static inline float nn_tanh(float u) {
  float y = 2 * u;
  y = y > 40 ? 40 : y;
  y = y < -40 ? -40 : y;
  return 1 - 2 / (nn_exp(y) + 1);
}
#endif

NN_CLONES void nn_gelu_forward(amp_nn_real *out, const amp_nn_real *in, size_t n) {
  const amp_nn_real a = (amp_nn_real)GELU_A, b = (amp_nn_real)GELU_B;
#pragma omp simd
  for (size_t i = 0; i < n; i++) {
    amp_nn_real x = in[i];
    out[i] = (amp_nn_real)0.5 * x * (1 + nn_tanh(a * (x + b * x * x * x)));
  }
}

NN_CLONES void nn_gelu_backward(amp_nn_real *din, const amp_nn_real *dout, const amp_nn_real *in, size_t n) {
  const amp_nn_real a = (amp_nn_real)GELU_A, b = (amp_nn_real)GELU_B;
#pragma omp simd
  for (size_t i = 0; i < n; i++) {
    amp_nn_real x = in[i], t = nn_tanh(a * (x + b * x * x * x));
    amp_nn_real slope = (amp_nn_real)0.5 * (1 + t) + (amp_nn_real)0.5 * x * (1 - t * t) * a * (1 + 3 * b * x * x);
    din[i] = dout[i] * slope;
  }
}

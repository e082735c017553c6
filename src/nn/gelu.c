/*
 * GELU in its tanh form, gelu(x) = x/2 (1 + tanh(a (x + b x^3))),
 * a = sqrt(2/pi), b = 0.044715: jax.nn.gelu's default (approximate=True),
 * so the reference's. The backward pass recomputes tanh from the saved input
 * rather than storing it:
 *   gelu'(x) = (1 + t)/2 + x/2 (1 - t^2) a (1 + 3 b x^2),  t = tanh(a (x + b x^3)).
 *
 * Speed. libm's tanhf is a scalar call of ~10 ns; with every hidden layer of
 * the reference network behind a GELU it was a third of the forward pass.
 * The float build uses fastmath.h's tanh (absolute error about 1e-7) in
 * vectorised loops; the double build keeps libm's, so its backward is the
 * exact derivative of its forward.
 */
#include "fastmath.h"
#include "kernels.h"

#define GELU_A 0.7978845608028654 /* sqrt(2/pi) */
#define GELU_B 0.044715

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

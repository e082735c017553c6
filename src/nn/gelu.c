/*
 * GELU in its tanh form, gelu(x) = x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))),
 * which is jax.nn.gelu's default (approximate=True) and so the reference's.
 * The backward pass recomputes tanh from the saved input rather than storing it.
 */
#include <math.h>

#include "kernels.h"

#define GELU_A 0.7978845608028654 /* sqrt(2/pi) */
#define GELU_B 0.044715

#ifdef AMP_NN_DOUBLE
#define TANH tanh
#else
#define TANH tanhf
#endif

void nn_gelu_forward(amp_nn_real *out, const amp_nn_real *in, size_t n) {
  const amp_nn_real a = (amp_nn_real)GELU_A, b = (amp_nn_real)GELU_B;
  for (size_t i = 0; i < n; i++) {
    amp_nn_real x = in[i];
    out[i] = (amp_nn_real)0.5 * x * (1 + TANH(a * (x + b * x * x * x)));
  }
}

/* gelu'(x) = (1 + t)/2 + x/2 (1 - t^2) a (1 + 3 b x^2), t = tanh(a (x + b x^3)) */
void nn_gelu_backward(amp_nn_real *din, const amp_nn_real *dout, const amp_nn_real *in, size_t n) {
  const amp_nn_real a = (amp_nn_real)GELU_A, b = (amp_nn_real)GELU_B;
  for (size_t i = 0; i < n; i++) {
    amp_nn_real x = in[i], t = TANH(a * (x + b * x * x * x));
    amp_nn_real slope = (amp_nn_real)0.5 * (1 + t) + (amp_nn_real)0.5 * x * (1 - t * t) * a * (1 + 3 * b * x * x);
    din[i] = dout[i] * slope;
  }
}

/*
 * Initial parameters, as the reference's initialisers (haiku):
 *   hk.Linear's default        truncated normal at +-2 sd, sd = 1/sqrt(fan_in)
 *                              (the truncation shrinks the variance; haiku does not correct it)
 *   VarianceScaling(1.0)       truncated normal, sd = sqrt(1/fan_in) / 0.87962566103423978,
 *                              the factor that restores variance 1/fan_in after truncation
 *   biases, LayerNorm offsets  0;  LayerNorm scales 1.
 * Each element's draw depends only on (seed, element index): Philox with
 * counter (index, attempt, AMP_RNG_NETWORK_INIT), the first of the four
 * normals inside +-2 accepted. The bits differ from JAX's generator; the law
 * is the same.
 */
#include <math.h>

#include "activempi/rng.h"
#include "kernels.h"

/* sd of the unit normal truncated to [-2, 2] (haiku's correction constant) */
#define TRUNCATED_SD 0.87962566103423978

static double truncated_normal(const amp_rng *rng, uint64_t index) {
  for (uint64_t attempt = 0;; attempt++) {
    double z[4];
    amp_rng_normal4(rng, index, attempt, AMP_RNG_NETWORK_INIT, z);
    for (int i = 0; i < 4; i++)
      if (fabs(z[i]) < 2) return z[i];
  }
}

static void init_tensor(const amp_nn_tensor *t, const amp_rng *rng, amp_nn_real *params) {
  size_t n = (size_t)t->shape[0] * (t->rank == 2 ? (size_t)t->shape[1] : 1);
  double sd = 1 / sqrt((double)t->fan_in);
  if (t->init == AMP_NN_INIT_SCALED) sd /= TRUNCATED_SD;
  for (size_t i = 0; i < n; i++) {
    size_t e = t->offset + i;
    switch (t->init) {
      case AMP_NN_INIT_LINEAR:
      case AMP_NN_INIT_SCALED: params[e] = (amp_nn_real)(sd * truncated_normal(rng, e)); break;
      case AMP_NN_INIT_ZEROS: params[e] = 0; break;
      case AMP_NN_INIT_ONES: params[e] = 1; break;
    }
  }
}

void AMP_NN(init_params)(const amp_nn_layout *l, uint64_t seed, amp_nn_real *params) {
  amp_rng rng;
  amp_rng_init(&rng, seed, 0);
  for (int i = 0; i < l->ntensors; i++) init_tensor(&l->tensor[i], &rng, params);
}

/*
 * initial: starting configurations as functions of the particle id (see
 * physics.h), drawn from the counter-based generator at step 0.
 */
#include <math.h>

#include "activempi/physics.h"

void amp_initial_random(const amp_rng *rng, int64_t id, int dim, double L, double *x) {
  double u[4];
  amp_rng_uniform4(rng, (uint64_t)id, 0, AMP_RNG_INITIAL, u);
  for (int a = 0; a < dim; ++a) x[a] = amp_wrap(L * (u[a] - 0.5), L);
}

void amp_initial_lattice(int64_t id, int64_t n, int dim, double L, double *x) {
  int64_t side = (int64_t)ceil(pow((double)n, 1.0 / dim) - 1e-9);
  while (side > 1 && (int64_t)pow((double)(side - 1), dim) >= n) --side; /* exact ceil of the root */
  double spacing = L / (double)side;
  for (int a = 0; a < dim; ++a, id /= side) x[a] = amp_wrap(-L / 2 + spacing * ((double)(id % side) + 0.5), L);
}

void amp_initial_internal(const amp_dynamics *dyn, const amp_rng *rng, int64_t id, double *q) {
  double z[4], u[4];
  amp_rng_normal4(rng, (uint64_t)id, 0, AMP_RNG_INITIAL_INTERNAL, z);
  if (dyn->model == AMP_MODEL_AOUP) {
    for (int a = 0; a < dyn->dim; ++a) q[a] = z[a];
  } else if (dyn->dim == 2) {
    amp_rng_uniform4(rng, (uint64_t)id, 0, AMP_RNG_INITIAL_INTERNAL, u);
    q[0] = 2 * M_PI * u[0] - M_PI;
  } else {
    double norm = sqrt(z[0] * z[0] + z[1] * z[1] + z[2] * z[2]);
    for (int a = 0; a < 3; ++a) q[a] = z[a] / norm;
  }
}

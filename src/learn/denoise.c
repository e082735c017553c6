/*
 * Batch selection and denoising noise (denoise.h): thin the particles by a
 * counter-based uniform, draw each particle's noise from its id, and build
 * the perturbed copies of a configuration.
 */
#include <string.h>

#include "activempi/denoise.h"

size_t amp_denoise_select(const amp_rng *rng, const amp_particles *p, long long step, double fraction,
                          size_t *target) {
  size_t n = 0;
  for (size_t i = 0; i < p->nowned; i++) {
    double u[4];
    amp_rng_uniform4(rng, (uint64_t)p->id[i], (uint64_t)step, AMP_RNG_TRAIN_SELECT, u);
    if (u[0] < fraction) target[n++] = i;
  }
  return n;
}

void amp_denoise_noise(const amp_rng *rng, const amp_particles *p, long long step, double *zq, double *zx) {
  const size_t rows = p->nowned + p->nghost;
  for (size_t i = 0; i < rows; i++) {
    double z[4];
    amp_rng_normals(rng, (uint64_t)p->id[i], (uint64_t)step, AMP_RNG_TRAIN_NOISE_Q, p->nq, z);
    memcpy(zq + i * (size_t)p->nq, z, (size_t)p->nq * sizeof *z);
    amp_rng_normals(rng, (uint64_t)p->id[i], (uint64_t)step, AMP_RNG_TRAIN_NOISE_X, p->dim, z);
    memcpy(zx + i * (size_t)p->dim, z, (size_t)p->dim * sizeof *z);
  }
}

void amp_denoise_perturb(const amp_particles *base, amp_particles *pert, const double *zq, const double *zx,
                         double s, int perturb_positions, double L) {
  const size_t rows = base->nowned + base->nghost, nx = rows * (size_t)base->dim, nq = rows * (size_t)base->nq;
  pert->nowned = base->nowned;
  pert->nghost = base->nghost;
  memcpy(pert->id, base->id, rows * sizeof *pert->id);
  for (size_t k = 0; k < nx; k++) pert->x[k] = perturb_positions ? amp_wrap(base->x[k] + s * zx[k], L) : base->x[k];
  for (size_t k = 0; k < nq; k++) pert->q[k] = base->q[k] + s * zq[k];
}

/*
 * dynamics: drift and the time step of AOUPs and ABPs (see physics.h).
 *
 * The step is the reference scheme: Euler-Maruyama for x with the drift at
 * the start of the step, then the internal coordinate: the exact
 * Ornstein-Uhlenbeck update for g, a Gaussian angle increment for the 2-D
 * orientation, and for the 3-D orientation a rotation by a Gaussian angle
 * vector (Rodrigues' formula), which keeps |n| = 1 up to rounding, removed by
 * renormalising. Noise comes from the counter-based generator keyed by
 * (global id, step), so a particle's trajectory does not depend on the rank
 * that integrates it.
 */
#include <math.h>

#include "activempi/physics.h"

void amp_dynamics_setup(amp_dynamics *dyn, const amp_config *cfg) {
  const double dt = cfg->dynamics.dt;
  *dyn = (amp_dynamics){.model = cfg->system.model,
                        .dim = cfg->system.dimension,
                        .v0 = cfg->dynamics.v0,
                        .trap = cfg->interaction.trap,
                        .dt = dt,
                        .diffusion = cfg->dynamics.translational_diffusion,
                        .gamma = cfg->dynamics.gamma,
                        .rotational = cfg->dynamics.rotational_diffusion};
  dyn->ou_decay = exp(-dyn->gamma * dt);
  dyn->ou_kick = sqrt(-expm1(-2 * dyn->gamma * dt));
  dyn->position_kick = sqrt(2 * dyn->diffusion * dt);
  dyn->rotation_kick = sqrt(2 * dyn->rotational * dt);
}

void amp_self_propulsion(const amp_dynamics *dyn, const double *q, double *e) {
  if (dyn->model == AMP_MODEL_ABP && dyn->dim == 2) {
    e[0] = cos(q[0]);
    e[1] = sin(q[0]);
    return;
  }
  for (int a = 0; a < dyn->dim; ++a) e[a] = q[a];
}

void amp_drift(const amp_dynamics *dyn, const double *x, const double *q, const double *force, double *b) {
  double e[3];
  amp_self_propulsion(dyn, q, e);
  for (int a = 0; a < dyn->dim; ++a) b[a] = dyn->v0 * e[a] + force[a] - dyn->trap * x[a];
}

/* Rotate the unit vector n by the angle vector w (Rodrigues), then renormalise. */
static void rotate(double n[3], const double w[3]) {
  double angle = sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
  if (angle == 0) return;
  double u[3] = {w[0] / angle, w[1] / angle, w[2] / angle};
  double c = cos(angle), s = sin(angle), un = u[0] * n[0] + u[1] * n[1] + u[2] * n[2];
  double cross[3] = {u[1] * n[2] - u[2] * n[1], u[2] * n[0] - u[0] * n[2], u[0] * n[1] - u[1] * n[0]};
  double norm = 0;
  for (int a = 0; a < 3; ++a) {
    n[a] = n[a] * c + cross[a] * s + u[a] * un * (1 - c);
    norm += n[a] * n[a];
  }
  norm = sqrt(norm);
  for (int a = 0; a < 3; ++a) n[a] /= norm;
}

static void step_internal(const amp_dynamics *dyn, const amp_rng *rng, uint64_t id, uint64_t step, double *q) {
  double z[4];
  int needed = dyn->model == AMP_MODEL_AOUP ? dyn->dim : dyn->dim == 2 ? 1 : 3;
  amp_rng_normals(rng, id, step, AMP_RNG_INTERNAL_NOISE, needed, z);
  if (dyn->model == AMP_MODEL_AOUP) {
    for (int a = 0; a < dyn->dim; ++a) q[a] = dyn->ou_decay * q[a] + dyn->ou_kick * z[a];
  } else if (dyn->dim == 2) {
    q[0] += dyn->rotation_kick * z[0];
  } else {
    double w[3] = {dyn->rotation_kick * z[0], dyn->rotation_kick * z[1], dyn->rotation_kick * z[2]};
    rotate(q, w);
  }
}

double amp_dynamics_step(const amp_dynamics *dyn, const amp_rng *rng, uint64_t step, amp_particles *p, size_t n,
                         const double *force, double L) {
  const int d = dyn->dim;
  double largest = 0;
  for (size_t i = 0; i < n; ++i) {
    double *x = p->x + i * (size_t)d, *q = p->q + i * (size_t)p->nq, b[3], z[4] = {0, 0, 0, 0};
    uint64_t id = (uint64_t)p->id[i];
    amp_drift(dyn, x, q, force + i * (size_t)d, b);
    if (dyn->position_kick > 0) amp_rng_normals(rng, id, step, AMP_RNG_POSITION_NOISE, d, z);
    double moved = 0;
    for (int a = 0; a < d; ++a) {
      double dx = dyn->dt * b[a] + dyn->position_kick * z[a];
      x[a] = amp_wrap(x[a] + dx, L);
      moved += dx * dx;
    }
    if (!isfinite(moved))
      largest = NAN;
    else if (!isnan(largest) && moved > largest * largest)
      largest = sqrt(moved);
    step_internal(dyn, rng, id, step, q);
  }
  return largest;
}

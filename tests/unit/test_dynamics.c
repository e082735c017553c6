/*
 * The time step against exact results, with many independent particles and
 * fixed seeds; statistical checks allow 4 standard errors (deterministic for
 * the seed, and a 1-in-15000 false alarm had the seed been random).
 *   - exact OU update: stationary mean 0, variance 1, autocorrelation exp(-gamma t);
 *   - free AOUP and ABP (2-D and 3-D) mean-square displacement against the
 *     exact value of the discrete scheme, sum over step pairs of
 *     dt^2 v0^2 <e_k . e_l> + 2 d D dt n, with <e_k . e_l> = c^|k-l|;
 *   - trapped non-interacting AOUPs (science.md I7): stationary covariance
 *     and the network-free EPR, for eps > 0 and eps = 0, within 4 standard
 *     errors and 3 % of the exact values, on several parameter sets;
 *   - the step is the same for a particle whatever rows it shares.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "activempi/physics.h"

typedef struct {
  const char *model;
  int dim;
  double v0, gamma, eps, rotational, trap, dt;
} params;

static amp_config config_for(const params *s) {
  char text[1024], err[AMP_ERR_LEN], rates[256];
  if (!strcmp(s->model, "aoup"))
    snprintf(rates, sizeof rates, "gamma = %.17g", s->gamma);
  else
    snprintf(rates, sizeof rates, "rotational_diffusion = %.17g", s->rotational);
  snprintf(text, sizeof text,
           "[system]\nmodel = \"%s\"\ndimension = %d\nparticles = 10\nbox_length = 100000.0\n"
           "[interaction]\npotential = \"none\"\ntrap = %.17g\n"
           "[dynamics]\nv0 = %.17g\n%s\ntranslational_diffusion = %.17g\ndt = %.17g\n",
           s->model, s->dim, s->trap, s->v0, rates, s->eps, s->dt);
  amp_config cfg;
  if (amp_config_parse(text, strlen(text), "test", &cfg, err)) fail_msg("%s", err);
  return cfg;
}

/* mean and standard error of n samples */
static void mean_se(const double *v, size_t n, double *mean, double *se) {
  double s = 0, s2 = 0;
  for (size_t i = 0; i < n; ++i) s += v[i];
  *mean = s / (double)n;
  for (size_t i = 0; i < n; ++i) s2 += (v[i] - *mean) * (v[i] - *mean);
  *se = sqrt(s2 / (double)(n - 1) / (double)n);
}

static void expect_within(double mean, double se, double exact, double sigmas, const char *what) {
  if (!(fabs(mean - exact) <= sigmas * se + 1e-10 * fabs(exact))) /* a constant estimator has se = 0 */
    fail_msg("%s: %.6g +- %.2g, exact %.6g (%.1f standard errors off)", what, mean, se, exact,
             fabs(mean - exact) / se);
}

/* n particles at the origin with stationary internal coordinates. */
static void stationary_particles(amp_particles *p, const amp_dynamics *dyn, const amp_rng *rng, size_t n) {
  assert_int_equal(amp_particles_init(p, dyn->dim, amp_internal_components(dyn->model, dyn->dim), n), 0);
  p->nowned = n;
  for (size_t i = 0; i < n; ++i) {
    p->id[i] = (int64_t)i;
    for (int a = 0; a < dyn->dim; ++a) p->x[i * dyn->dim + a] = 0;
    amp_initial_internal(dyn, rng, (int64_t)i, p->q + i * p->nq);
  }
}

static void exact_ou_update_is_stationary_with_exponential_memory(void **state) {
  (void)state;
  const params s = {"aoup", 1, 0.0, 0.5, 0.0, 0, 0, 0.1};
  amp_config cfg = config_for(&s);
  amp_dynamics dyn;
  amp_dynamics_setup(&dyn, &cfg);
  amp_rng rng;
  amp_rng_init(&rng, 11, 0);
  enum { N = 40000, STEPS = 10 };
  amp_particles p;
  stationary_particles(&p, &dyn, &rng, N);
  double *g0 = malloc(N * sizeof *g0), *force = calloc(N, sizeof *force), *v = malloc(N * sizeof *v);
  memcpy(g0, p.q, N * sizeof *g0);
  for (uint64_t step = 1; step <= STEPS; ++step) amp_dynamics_step(&dyn, &rng, step, &p, N, force, cfg.system.box_length);
  double mean, se;
  mean_se(p.q, N, &mean, &se);
  expect_within(mean, se, 0, 4, "<g>");
  for (size_t i = 0; i < N; ++i) v[i] = p.q[i] * p.q[i];
  mean_se(v, N, &mean, &se);
  expect_within(mean, se, 1, 4, "<g^2>");
  for (size_t i = 0; i < N; ++i) v[i] = p.q[i] * g0[i];
  mean_se(v, N, &mean, &se);
  expect_within(mean, se, exp(-s.gamma * s.dt * STEPS), 4, "<g(t) g(0)>");
  free(g0);
  free(force);
  free(v);
  amp_particles_free(&p);
}

/* Exact MSD of the scheme after n steps: 2 d D dt n + v0^2 dt^2 [n + 2 sum_m (n - m) c^m]. */
static double scheme_msd(const params *s, int n, double c) {
  double sum = n;
  for (int m = 1; m < n; ++m) sum += 2.0 * (n - m) * pow(c, m);
  return 2 * s->dim * s->eps * s->dt * n + s->v0 * s->v0 * s->dt * s->dt * sum;
}

/* Mean square displacement of N free particles after `steps`, with its standard error. */
static void measure_msd(const params *s, int steps, double *msd, double *se) {
  amp_config cfg = config_for(s);
  amp_dynamics dyn;
  amp_dynamics_setup(&dyn, &cfg);
  amp_rng rng;
  amp_rng_init(&rng, 5, 1);
  enum { N = 20000 };
  amp_particles p;
  stationary_particles(&p, &dyn, &rng, N);
  double *force = calloc((size_t)N * s->dim, sizeof *force), *d2 = malloc(N * sizeof *d2);
  for (uint64_t step = 1; step <= (uint64_t)steps; ++step)
    amp_dynamics_step(&dyn, &rng, step, &p, N, force, cfg.system.box_length);
  for (size_t i = 0; i < N; ++i) {
    d2[i] = 0;
    for (int a = 0; a < s->dim; ++a) d2[i] += p.x[i * s->dim + a] * p.x[i * s->dim + a];
  }
  mean_se(d2, N, msd, se);
  free(force);
  free(d2);
  amp_particles_free(&p);
}

static void free_aoup_mean_square_displacement(void **state) {
  (void)state;
  const params s = {"aoup", 2, 1.0, 0.2, 0.05, 0, 0, 0.05};
  const int steps = 200;
  double msd, se;
  measure_msd(&s, steps, &msd, &se);
  /* <g_k . g_l> per component = exp(-gamma dt |k - l|); d components */
  double exact = s.dim * scheme_msd(&(params){"aoup", 1, s.v0, s.gamma, s.eps, 0, 0, s.dt}, steps, exp(-s.gamma * s.dt));
  expect_within(msd, se, exact, 4, "AOUP MSD");
}

static void free_abp_mean_square_displacement_2d(void **state) {
  (void)state;
  const params s = {"abp", 2, 1.0, 0, 0.02, 0.3, 0, 0.05};
  const int steps = 200;
  double msd, se;
  measure_msd(&s, steps, &msd, &se);
  /* <cos(theta_k - theta_l)> = exp(-Dr dt |k - l|) for Gaussian angle increments */
  expect_within(msd, se, scheme_msd(&s, steps, exp(-s.rotational * s.dt)), 4, "ABP 2-D MSD");
}

static void free_abp_mean_square_displacement_3d(void **state) {
  (void)state;
  const params s = {"abp", 3, 1.0, 0, 0.02, 0.3, 0, 0.05};
  const int steps = 200;
  double msd, se;
  measure_msd(&s, steps, &msd, &se);
  /* a rotation by a Gaussian angle vector w (variance s2 per component):
   * <R n . n> = 1/3 + (2/3) <cos|w|> = 1/3 + (2/3)(1 - s2) exp(-s2/2) */
  double s2 = 2 * s.rotational * s.dt, c = 1.0 / 3 + 2.0 / 3 * (1 - s2) * exp(-s2 / 2);
  expect_within(msd, se, scheme_msd(&s, steps, c), 4, "ABP 3-D MSD");
}

/* science.md (I7): Sigma_xx = (eps + v0^2/(A + gamma))/A, Sigma_xg = v0/(A + gamma),
 * EPR per particle per dimension v0^2 gamma / (eps (A + gamma)), or A if eps = 0. */
static void check_trap(const params *s, size_t N, int steps) {
  amp_config cfg = config_for(s);
  amp_dynamics dyn;
  amp_dynamics_setup(&dyn, &cfg);
  amp_rng rng;
  amp_rng_init(&rng, 3, 2);
  const double A = s->trap, sxg = s->v0 / (A + s->gamma), sxx = (s->eps + s->v0 * s->v0 / (A + s->gamma)) / A;
  const double epr = s->eps > 0 ? s->v0 * s->v0 * s->gamma / (s->eps * (A + s->gamma)) : A;
  amp_particles p;
  stationary_particles(&p, &dyn, &rng, N);
  for (size_t i = 0; i < (size_t)N * s->dim; ++i) { /* x | g from the exact Gaussian */
    double z[4];
    amp_rng_normal4(&rng, i, 1, AMP_RNG_INITIAL, z);
    p.x[i] = sxg * p.q[i] + sqrt(sxx - sxg * sxg) * z[0];
  }
  double *zero = calloc((size_t)N * s->dim, sizeof *zero);
  for (uint64_t step = 1; step <= (uint64_t)steps; ++step) amp_dynamics_step(&dyn, &rng, step, &p, N, zero, cfg.system.box_length);
  size_t m = N * s->dim;
  double *xx = malloc(m * sizeof *xx), *xg = malloc(m * sizeof *xg), *sigma = malloc(N * sizeof *sigma);
  for (size_t i = 0; i < m; ++i) {
    xx[i] = p.x[i] * p.x[i];
    xg[i] = p.x[i] * p.q[i];
  }
  for (size_t i = 0; i < N; ++i) {
    double b[3];
    amp_drift(&dyn, p.x + i * s->dim, p.q + i * s->dim, zero, b);
    sigma[i] = amp_epr_free_term(&dyn, b, -A * s->dim) / s->dim;
  }
  const double *samples[] = {xx, xg, sigma}, exact[] = {sxx, sxg, epr};
  const size_t counts[] = {m, m, N};
  const char *names[] = {"Sigma_xx", "Sigma_xg", "network-free EPR per particle and dimension"};
  for (int k = 0; k < 3; ++k) {
    double mean, se;
    mean_se(samples[k], counts[k], &mean, &se);
    expect_within(mean, se, exact[k], 4, names[k]);
    if (!(fabs(mean - exact[k]) <= 0.03 * fabs(exact[k]))) fail_msg("%s: %g, exact %g: more than 3 %% off", names[k], mean, exact[k]);
  }
  free(zero);
  free(xx);
  free(xg);
  free(sigma);
  amp_particles_free(&p);
}

static void trapped_aoups_match_the_exact_gaussian_state(void **state) {
  (void)state;
  /* samples: N d values of x^2, N of the EPR term; 3 % must exceed 4 standard errors */
  check_trap(&(params){"aoup", 2, 0.5, 0.1, 0.1, 0, 0.05, 0.01}, 20000, 2000); /* EPR 1.6667 (science.md) */
  check_trap(&(params){"aoup", 3, 1.0, 1.0, 0.5, 0, 1.0, 0.002}, 20000, 1000); /* EPR 1 */
  check_trap(&(params){"aoup", 2, 0.7, 0.3, 0.2, 0, 0.4, 0.005}, 40000, 500);  /* EPR 1.05 */
  check_trap(&(params){"aoup", 1, 1.0, 0.5, 0.0, 0, 0.2, 0.005}, 100000, 300); /* hypoelliptic: EPR = A */
}

/* A particle's step depends on its id and the step, not on its row or neighbours. */
static void step_depends_on_id_not_row(void **state) {
  (void)state;
  const params s = {"aoup", 2, 1.0, 0.3, 0.1, 0, 0.1, 0.01};
  amp_config cfg = config_for(&s);
  amp_dynamics dyn;
  amp_dynamics_setup(&dyn, &cfg);
  amp_rng rng;
  amp_rng_init(&rng, 9, 0);
  amp_particles a, c;
  stationary_particles(&a, &dyn, &rng, 6);
  double force[12] = {0};
  stationary_particles(&c, &dyn, &rng, 6);
  for (size_t i = 0; i < 6; ++i) { /* c: rows in reverse order of a */
    c.id[i] = a.id[5 - i];
    memcpy(c.x + 2 * i, a.x + 2 * (5 - i), 2 * sizeof(double));
    memcpy(c.q + 2 * i, a.q + 2 * (5 - i), 2 * sizeof(double));
  }
  amp_dynamics_step(&dyn, &rng, 42, &a, 6, force, cfg.system.box_length);
  amp_dynamics_step(&dyn, &rng, 42, &c, 6, force, cfg.system.box_length);
  for (size_t i = 0; i < 6; ++i) {
    assert_memory_equal(a.x + 2 * i, c.x + 2 * (5 - i), 2 * sizeof(double));
    assert_memory_equal(a.q + 2 * i, c.q + 2 * (5 - i), 2 * sizeof(double));
  }
  amp_particles_free(&a);
  amp_particles_free(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(exact_ou_update_is_stationary_with_exponential_memory),
      cmocka_unit_test(free_aoup_mean_square_displacement),
      cmocka_unit_test(free_abp_mean_square_displacement_2d),
      cmocka_unit_test(free_abp_mean_square_displacement_3d),
      cmocka_unit_test(trapped_aoups_match_the_exact_gaussian_state),
      cmocka_unit_test(step_depends_on_id_not_row),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

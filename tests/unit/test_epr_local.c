/*
 * The pointwise flow and entropy production formulas (epr_local.h) fed
 * with known scores:
 *   - trapped non-interacting AOUPs (science.md I7), whose exact score is
 *     s = -Sigma^{-1} z: sigma_i, v and the signed density agree with an
 *     independent evaluation (v = B z - D s over the whole state, sigma =
 *     v . D^{-1} v) to 1e-10, the pointwise stationarity identity
 *     div v + v . s = 0 (I1) holds with the signed density as div_g v_g,
 *     and over exact Gaussian samples the mean of sigma approaches the
 *     exact EPR per particle (elliptic and hypoelliptic), the signed
 *     density's mean that of sigma_g (I3);
 *   - 2-D ABPs with a score linear in (cos theta, sin theta), and 3-D ABPs
 *     with s = M n, against finite differences on the circle and sphere.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "activempi/epr_local.h"
#include "activempi/rng.h"

#define TOL 1e-10

/* |got - want| <= tol, or the test fails showing both. */
static void near(double got, double want, double tol) {
  if (!(fabs(got - want) <= tol)) fail_msg("got %.17g, want %.17g (tolerance %g)", got, want, tol);
}

/* The reference trap: A = 0.05, gamma = 0.1, v0 = 0.5 (science.md I7). */
static const double A = 0.05, GAMMA = 0.1, V0 = 0.5;

static amp_config trapped_aoups(double eps, int position_head, amp_epr_law *law) {
  amp_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.system.model = AMP_MODEL_AOUP;
  cfg.system.dimension = 2;
  cfg.dynamics.gamma = GAMMA;
  cfg.dynamics.translational_diffusion = eps;
  amp_epr_law_setup(law, &cfg, position_head);
  return cfg;
}

/* Sigma^{-1} of one dimension's (x, g): inv[0] xx, inv[1] xg, inv[2] gg. */
static void precision(double eps, double inv[3], double cov[3]) {
  cov[0] = (eps + V0 * V0 / (A + GAMMA)) / A;
  cov[1] = V0 / (A + GAMMA);
  cov[2] = 1;
  double det = cov[0] * cov[2] - cov[1] * cov[1];
  inv[0] = cov[2] / det;
  inv[1] = -cov[1] / det;
  inv[2] = cov[0] / det;
}

/* A particle at (x, g): exact scores, the drift, and the Jacobian d s_g / d g. */
typedef struct {
  double x[2], g[2], s_x[2], s_g[2], b[2], jq[4];
} state;

static void exact_state(double eps, const double x[2], const double g[2], state *s) {
  double inv[3], cov[3];
  precision(eps, inv, cov);
  memset(s, 0, sizeof *s);
  for (int a = 0; a < 2; ++a) {
    s->x[a] = x[a];
    s->g[a] = g[a];
    s->s_x[a] = -(inv[0] * x[a] + inv[1] * g[a]);
    s->s_g[a] = -(inv[1] * x[a] + inv[2] * g[a]);
    s->b[a] = V0 * g[a] - A * x[a];
    s->jq[a * 2 + a] = -inv[2];
  }
}

/* sigma = v . D^{-1} v with v = B z - D s over z = (x_1, x_2, g_1, g_2). */
static double sigma_reference(double eps, const state *s, double v[4]) {
  const double B[4][4] = {{-A, 0, V0, 0}, {0, -A, 0, V0}, {0, 0, -GAMMA, 0}, {0, 0, 0, -GAMMA}};
  const double z[4] = {s->x[0], s->x[1], s->g[0], s->g[1]}, score[4] = {s->s_x[0], s->s_x[1], s->s_g[0], s->s_g[1]};
  const double D[4] = {eps, eps, GAMMA, GAMMA};
  double sigma = 0;
  for (int r = 0; r < 4; ++r) {
    v[r] = -D[r] * score[r];
    for (int c = 0; c < 4; ++c) v[r] += B[r][c] * z[c];
    if (D[r] > 0) sigma += v[r] * v[r] / D[r];
  }
  return sigma;
}

static void aoup_points_match_the_reference(void **state_) {
  (void)state_;
  const double points[3][4] = {{0.3, -1.2, 0.7, -0.4}, {-4.0, 2.5, -1.1, 2.2}, {0, 0, 0, 0}};
  for (int k = 0; k < 3; ++k) {
    amp_epr_law law;
    trapped_aoups(0.1, 1, &law);
    state s;
    exact_state(0.1, points[k], points[k] + 2, &s);
    amp_epr_point out;
    amp_epr_point_eval(&law, s.g, s.s_g, s.jq, s.s_x, s.b, &out);
    double v[4], sigma = sigma_reference(0.1, &s, v);
    near(out.sigma, sigma, TOL * (1 + sigma));
    for (int a = 0; a < 2; ++a) {
      near(out.v_x[a], v[a], TOL);
      near(out.v_q[a], v[2 + a], TOL);
    }
    /* I1: div v + v . s = 0, div v = div_x v_x + div_g v_g, with
     * div_x v_x = -A d - eps tr(d s_x / dx) = -2 A + 2 eps inv_xx */
    double inv[3], cov[3];
    precision(0.1, inv, cov);
    double div = -2 * A + 2 * 0.1 * inv[0] + out.signed_density, vs = 0;
    for (int a = 0; a < 2; ++a) vs += out.v_x[a] * s.s_x[a] + out.v_q[a] * s.s_g[a];
    near(div + vs, 0, TOL);
  }
}

/* Mean sigma, sigma_g and signed density over n exact samples, with the
 * standard error of the mean sigma. */
static void sample_means(double eps, int n, double mean[3], double *error) {
  amp_epr_law law;
  trapped_aoups(eps, 1, &law);
  amp_rng rng;
  amp_rng_init(&rng, 7, 0);
  double inv[3], cov[3], sum[3] = {0}, sum2 = 0;
  precision(eps, inv, cov);
  const double l00 = sqrt(cov[0]), l10 = cov[1] / l00, l11 = sqrt(cov[2] - l10 * l10); /* Cholesky */
  for (int i = 0; i < n; ++i) {
    double z[4], x[2], g[2];
    amp_rng_normal4(&rng, (uint64_t)i, 0, AMP_RNG_INITIAL, z);
    for (int a = 0; a < 2; ++a) {
      x[a] = l00 * z[2 * a];
      g[a] = l10 * z[2 * a] + l11 * z[2 * a + 1];
    }
    state s;
    exact_state(eps, x, g, &s);
    amp_epr_point out;
    amp_epr_point_eval(&law, s.g, s.s_g, s.jq, s.s_x, s.b, &out);
    sum[0] += out.sigma;
    sum[1] += out.sigma_q;
    sum[2] += out.signed_density;
    sum2 += out.sigma * out.sigma;
  }
  for (int k = 0; k < 3; ++k) mean[k] = sum[k] / n;
  *error = sqrt((sum2 / n - mean[0] * mean[0]) / (n - 1));
}

static void sample_mean_approaches_the_exact_epr(void **state_) {
  (void)state_;
  const int n = 200000;
  const struct {
    double eps, exact; /* EPR per particle, d = 2 */
  } cases[2] = {{0.1, 2 * V0 * V0 * GAMMA / (0.1 * (A + GAMMA))}, {0, 2 * A}};
  for (int k = 0; k < 2; ++k) {
    double mean[3], error;
    sample_means(cases[k].eps, n, mean, &error);
    printf("# eps %g: mean sigma %.6f +- %.2g, exact %.6f; sigma_g %.6f, signed density %.6f\n", cases[k].eps,
           mean[0], error, cases[k].exact, mean[1], mean[2]);
    assert_true(fabs(mean[0] - cases[k].exact) < 5 * error);
    assert_true(fabs(mean[2] - mean[1]) < 0.05 * mean[1]); /* I3 */
  }
}

/* ABPs in dim dimensions with rotational diffusion Dr, no translational noise. */
static amp_epr_law abp_law(int dim, double Dr) {
  amp_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.system.model = AMP_MODEL_ABP;
  cfg.system.dimension = dim;
  cfg.dynamics.rotational_diffusion = Dr;
  amp_epr_law law;
  amp_epr_law_setup(&law, &cfg, 0);
  return law;
}

static void abp_2d_uses_the_angle_derivative(void **state_) {
  (void)state_;
  amp_epr_law law = abp_law(2, 0.3);
  const double a = 1.7, c = -0.4, theta = 0.9;
  /* s(f) = a f_0 + c with f = (cos, sin): J = [a, 0], ds/dtheta = -a sin */
  double s = a * cos(theta) + c, jq[2] = {a, 0};
  amp_epr_point out;
  amp_epr_point_eval(&law, &theta, &s, jq, NULL, NULL, &out);
  near(out.v_q[0], -0.3 * s, TOL);
  near(out.sigma, 0.3 * s * s, TOL);
  near(out.signed_density, -0.3 * (-a * sin(theta)), TOL);
}

/* u(y) = (I - y y^T) M y, the tangential part of s = M n, extended off the sphere. */
static void tangential(const double M[9], const double y[3], double u[3]) {
  double s[3], ys = 0;
  for (int r = 0; r < 3; ++r) {
    s[r] = M[r * 3] * y[0] + M[r * 3 + 1] * y[1] + M[r * 3 + 2] * y[2];
    ys += y[r] * s[r];
  }
  for (int r = 0; r < 3; ++r) u[r] = s[r] - ys * y[r];
}

static void abp_3d_surface_divergence(void **state_) {
  (void)state_;
  amp_epr_law law = abp_law(3, 0.2);
  const double M[9] = {0.3, -1.1, 0.4, 0.8, 0.2, -0.5, 1.3, 0.6, -0.7};
  const double n[3] = {2.0 / 7, 3.0 / 7, 6.0 / 7}; /* unit */
  const double t1[3] = {3.0 / sqrt(13), -2.0 / sqrt(13), 0}; /* n . t1 = 0 */
  const double t2[3] = {n[1] * t1[2] - n[2] * t1[1], n[2] * t1[0] - n[0] * t1[2], n[0] * t1[1] - n[1] * t1[0]};
  const double *t[2] = {t1, t2}, h = 1e-5;
  double div = 0; /* sum_k t_k . (u(n + h t_k) - u(n - h t_k)) / 2h */
  for (int k = 0; k < 2; ++k) {
    double yp[3], ym[3], up[3], um[3];
    for (int r = 0; r < 3; ++r) yp[r] = n[r] + h * t[k][r], ym[r] = n[r] - h * t[k][r];
    tangential(M, yp, up);
    tangential(M, ym, um);
    for (int r = 0; r < 3; ++r) div += t[k][r] * (up[r] - um[r]) / (2 * h);
  }
  double s[3], u[3];
  for (int r = 0; r < 3; ++r) s[r] = M[r * 3] * n[0] + M[r * 3 + 1] * n[1] + M[r * 3 + 2] * n[2];
  tangential(M, n, u);
  amp_epr_point out;
  amp_epr_point_eval(&law, n, s, M, NULL, NULL, &out);
  double u2 = 0;
  for (int r = 0; r < 3; ++r) {
    near(out.v_q[r], -0.2 * u[r], TOL);
    u2 += u[r] * u[r];
  }
  near(out.sigma, 0.2 * u2, TOL);
  near(out.signed_density, -0.2 * div, 1e-8);
}

static void no_jacobian_no_signed_density(void **state_) {
  (void)state_;
  amp_epr_law law;
  trapped_aoups(0.0, 0, &law);
  state s;
  const double x[2] = {1, 2}, g[2] = {0.5, -0.5};
  exact_state(0.0, x, g, &s);
  amp_epr_point out;
  amp_epr_point_eval(&law, s.g, s.s_g, NULL, NULL, NULL, &out);
  assert_true(isnan(out.signed_density));
  near(out.sigma_x, 0, 0);
  near(out.sigma, GAMMA * (pow(g[0] + s.s_g[0], 2) + pow(g[1] + s.s_g[1], 2)), TOL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(aoup_points_match_the_reference),
      cmocka_unit_test(sample_mean_approaches_the_exact_epr),
      cmocka_unit_test(abp_2d_uses_the_angle_derivative),
      cmocka_unit_test(abp_3d_surface_divergence),
      cmocka_unit_test(no_jacobian_no_signed_density),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

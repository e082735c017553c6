/*
 * Bonds (physics/bonds.c) and the Gaussian modes (exact/gaussian_modes.c):
 *   - the graphs: degrees and partners of chain, ring, lattice and distance bonds;
 *   - forces are minus the gradient of the bond energy (central differences,
 *     relative 1e-7), across the periodic boundary too, and the divergence is
 *     -k_b d degree;
 *   - a bond longer than the reach is reported with its two ids;
 *   - the per-mode formulas against science.md (I7) (A = 0.05, gamma = 0.1,
 *     eps = 0.1, v0 = 0.5: EPR 1.6667) and the hypoelliptic rate kappa;
 *   - a trapped chain of 4 simulated with the real kernels (bond forces, the
 *     time step, the network-free estimator I5 and I4) against the exact
 *     covariance Q diag(Sigma_mode) Q^T (LAPACK dsyev) and the exact total
 *     EPR, within 4 blocking standard errors plus 2 % for the time step.
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

#include "activempi/blocking.h"
#include "activempi/exact.h"
#include "activempi/physics.h"

void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w, double *work,
            const int *lwork, int *info, size_t jobz_len, size_t uplo_len);

static amp_config config_for(const char *bonds, int n, int dim, double L, const char *extra) {
  char text[1024], err[AMP_ERR_LEN];
  snprintf(text, sizeof text,
           "[system]\ndimension = %d\nparticles = %d\nbox_length = %.17g\n"
           "[interaction]\npotential = \"none\"\ntrap = 1.0\nbonds = \"%s\"\n%s\n"
           "[dynamics]\nv0 = 1.0\ngamma = 1.0\ntranslational_diffusion = 0.5\ndt = 0.002\n",
           dim, n, L, bonds, extra);
  amp_config cfg;
  if (amp_config_parse(text, strlen(text), "test", &cfg, err)) fail_msg("%s", err);
  return cfg;
}

static void expect_partners(const amp_bonds *b, int64_t id, int count, const int64_t *want) {
  assert_int_equal(amp_bonds_degree(b, id), count);
  for (int k = 0; k < count; ++k) assert_int_equal(b->partner[b->start[id] + k], want[k]);
}

static void graphs_have_the_documented_bonds(void **state) {
  (void)state;
  amp_bonds b;
  amp_config cfg = config_for("chain", 5, 1, 100, "");
  assert_int_equal(amp_bonds_build(&b, &cfg, NULL), 0);
  expect_partners(&b, 0, 1, (int64_t[]){1});
  expect_partners(&b, 2, 2, (int64_t[]){1, 3});
  expect_partners(&b, 4, 1, (int64_t[]){3});
  amp_bonds_free(&b);
  cfg = config_for("ring", 5, 1, 100, "");
  assert_int_equal(amp_bonds_build(&b, &cfg, NULL), 0);
  expect_partners(&b, 0, 2, (int64_t[]){1, 4});
  expect_partners(&b, 4, 2, (int64_t[]){0, 3});
  amp_bonds_free(&b);
}

static void lattice_and_distance_bonds(void **state) {
  (void)state;
  amp_bonds b;
  amp_config cfg = config_for("lattice", 7, 2, 100, ""); /* 3 x 3 sites, ids 0..6: x = id % 3, y = id / 3 */
  assert_int_equal(amp_bonds_build(&b, &cfg, NULL), 0);
  expect_partners(&b, 0, 2, (int64_t[]){1, 3});
  expect_partners(&b, 4, 3, (int64_t[]){1, 3, 5}); /* site 7 is missing */
  expect_partners(&b, 6, 1, (int64_t[]){3});
  expect_partners(&b, 5, 2, (int64_t[]){2, 4});
  amp_bonds_free(&b);
  cfg = config_for("distance", 4, 1, 10, "bond_distance = 1.5\nbond_reference = \"unused.h5\"");
  const double x[4] = {0.0, 1.0, 4.9, -4.2}; /* 0-1 and, across the boundary, 2-3 */
  assert_int_equal(amp_bonds_build(&b, &cfg, x), 0);
  expect_partners(&b, 0, 1, (int64_t[]){1});
  expect_partners(&b, 2, 1, (int64_t[]){3});
  expect_partners(&b, 3, 1, (int64_t[]){2});
  amp_bonds_free(&b);
}

static void forces_are_minus_the_energy_gradient(void **state) {
  (void)state;
  const int n = 6, d = 2;
  const double L = 10, k = 1.7;
  amp_config cfg = config_for("ring", n, d, L, "bond_stiffness = 1.7\nbond_reach = 4.9");
  amp_bonds b;
  assert_int_equal(amp_bonds_build(&b, &cfg, NULL), 0);
  amp_particles p;
  assert_int_equal(amp_particles_init(&p, d, d, n), 0);
  p.nowned = n;
  int32_t row_of[6];
  for (int i = 0; i < n; ++i) { /* around the corner of the box, so some bonds cross it */
    p.id[i] = i;
    row_of[i] = i;
    p.x[i * d] = amp_wrap(4.2 + 0.9 * i, L);
    p.x[i * d + 1] = amp_wrap(-4.6 + 0.5 * sin(i), L);
  }
  double force[12] = {0}, div[6] = {0};
  int64_t bad[2];
  assert_int_equal(amp_bond_forces(&b, &p, n, row_of, L, 4.9, force, div, bad), 0);
  for (int i = 0; i < n * d; ++i) {
    const double h = 1e-5, keep = p.x[i];
    p.x[i] = keep + h;
    double up = amp_bonds_energy(&b, p.x, L);
    p.x[i] = keep - h;
    double down = amp_bonds_energy(&b, p.x, L);
    p.x[i] = keep;
    double want = -(up - down) / (2 * h);
    if (!(fabs(force[i] - want) <= 1e-7 * (1 + fabs(want)))) fail_msg("force[%d] = %.12g, -dU/dx = %.12g", i, force[i], want);
  }
  for (int i = 0; i < n; ++i) assert_true(fabs(div[i] - (-k * d * 2)) < 1e-14);
  /* with a reach of 0.5, the first bond met, (0, 1), is too long */
  assert_int_equal(amp_bond_forces(&b, &p, n, row_of, L, 0.5, force, div, bad), -1);
  assert_int_equal(bad[0], 0);
  assert_int_equal(bad[1], 1);
  amp_particles_free(&p);
  amp_bonds_free(&b);
}

static void modes_are_science_md_i7(void **state) {
  (void)state;
  amp_gaussian_model m = {.v0 = 0.5, .gamma = 0.1, .eps = 0.1, .zero_tol = 1e-12};
  assert_true(fabs(amp_gaussian_mode_epr(&m, 0.05) - 1.6666666666666667) < 1e-12);
  amp_gaussian_cov c = amp_gaussian_mode_covariance(&m, 0.05);
  assert_true(fabs(c.xg - 0.5 / 0.15) < 1e-13 && fabs(c.xx - (0.1 + 0.25 / 0.15) / 0.05) < 1e-12 && c.gg == 1);
  assert_true(fabs(amp_gaussian_mode_epr(&m, 0) - 0.25 / 0.1) < 1e-12); /* zero mode: v0^2 / eps */
  double sx, sg;
  amp_gaussian_mode_score(&m, 0, 3.0, 0.4, &sx, &sg);
  assert_true(sx == 0 && sg == -0.4);
  m.eps = 0;
  assert_true(fabs(amp_gaussian_mode_epr(&m, 0.05) - 0.05) < 1e-15);
  assert_true(amp_gaussian_mode_epr(&m, 0) == 0);
}

/* The exact covariances of the trapped chain in particle space: xx[N][N], xg[N][N]. */
static void exact_covariance(const amp_bonds *b, double trap, const amp_gaussian_model *m, double *xx, double *xg,
                             double *total) {
  const int n = (int)b->n;
  double K[16] = {0}, w[4], work[64];
  int lwork = 64, info;
  for (int i = 0; i < n; ++i) {
    K[i * n + i] = trap + b->k * (double)amp_bonds_degree(b, i);
    for (int64_t e = b->start[i]; e < b->start[i + 1]; ++e) K[i * n + b->partner[e]] = -b->k;
  }
  dsyev_("V", "L", &n, K, &n, w, work, &lwork, &info, 1, 1); /* column k of K: mode k */
  assert_int_equal(info, 0);
  *total = 0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      xx[i * n + j] = xg[i * n + j] = 0;
      for (int k = 0; k < n; ++k) {
        amp_gaussian_cov c = amp_gaussian_mode_covariance(m, w[k]);
        xx[i * n + j] += K[k * n + i] * c.xx * K[k * n + j];
        xg[i * n + j] += K[k * n + i] * c.xg * K[k * n + j];
      }
    }
  for (int k = 0; k < n; ++k) *total += amp_gaussian_mode_epr(m, w[k]); /* d = 1 */
}

static void simulated_chain_matches_the_exact_gaussian(double eps) {
  char extra[64];
  snprintf(extra, sizeof extra, "bond_stiffness = 1.5");
  amp_config cfg = config_for("chain", 4, 1, 1000, extra);
  cfg.dynamics.translational_diffusion = eps;
  amp_bonds b;
  assert_int_equal(amp_bonds_build(&b, &cfg, NULL), 0);
  amp_dynamics dyn;
  amp_dynamics_setup(&dyn, &cfg);
  amp_rng rng;
  amp_rng_init(&rng, 17, 0);
  amp_particles p;
  assert_int_equal(amp_particles_init(&p, 1, 1, 4), 0);
  p.nowned = 4;
  int32_t row_of[4] = {0, 1, 2, 3};
  for (int i = 0; i < 4; ++i) {
    p.id[i] = i;
    p.x[i] = 0;
    amp_initial_internal(&dyn, &rng, i, p.q + i);
  }
  amp_gaussian_model m = {.v0 = cfg.dynamics.v0, .gamma = cfg.dynamics.gamma, .eps = eps, .zero_tol = 1e-12};
  double xx[16], xg[16], total;
  exact_covariance(&b, cfg.interaction.trap, &m, xx, xg, &total);
  /* observables: x0^2, x1^2, x0 x1, x0 g0, x1 g0, x0 g1, the network-free EPR */
  enum { NOBS = 7 };
  const double exact[NOBS] = {xx[0], xx[5], xx[1], xg[0], xg[4], xg[1], total};
  const char *names[NOBS] = {"<x0 x0>", "<x1 x1>", "<x0 x1>", "<x0 g0>", "<x1 g0>", "<x0 g1>", "EPR"};
  amp_blocking obs[NOBS];
  for (int k = 0; k < NOBS; ++k) amp_blocking_init(&obs[k]);
  double force[4], div[4];
  int64_t bad[2];
  const long burn = 10000, steps = 2000000, every = 10;
  for (long step = 0; step < burn + steps; ++step) {
    memset(force, 0, sizeof force);
    memset(div, 0, sizeof div);
    assert_int_equal(amp_bond_forces(&b, &p, 4, row_of, 1000, 100, force, div, bad), 0);
    if (step >= burn && step % every == 0) {
      double epr = 0;
      for (int i = 0; i < 4; ++i) {
        double drift[1];
        amp_drift(&dyn, p.x + i, p.q + i, force + i, drift);
        epr += amp_epr_free_term(&dyn, drift, div[i] - dyn.trap);
      }
      const double v[NOBS] = {p.x[0] * p.x[0], p.x[1] * p.x[1], p.x[0] * p.x[1], p.x[0] * p.q[0],
                              p.x[1] * p.q[0], p.x[0] * p.q[1], epr};
      for (int k = 0; k < NOBS; ++k) amp_blocking_add(&obs[k], v[k]);
    }
    amp_dynamics_step(&dyn, &rng, (uint64_t)step, &p, 4, force, 1000);
  }
  for (int k = 0; k < NOBS; ++k) {
    double mean = amp_blocking_mean(&obs[k]), se = amp_blocking_error(&obs[k]);
    print_message("eps = %g: %s = %.5g +- %.2g, exact %.5g\n", eps, names[k], mean, se, exact[k]);
    if (!(fabs(mean - exact[k]) <= 4 * se + 0.02 * fabs(exact[k])))
      fail_msg("eps = %g: %s = %.6g +- %.2g, exact %.6g", eps, names[k], mean, se, exact[k]);
  }
  amp_particles_free(&p);
  amp_bonds_free(&b);
}

static void simulated_chain_elliptic(void **state) {
  (void)state;
  simulated_chain_matches_the_exact_gaussian(0.5);
}

static void simulated_chain_hypoelliptic(void **state) {
  (void)state;
  simulated_chain_matches_the_exact_gaussian(0.0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(graphs_have_the_documented_bonds),
      cmocka_unit_test(lattice_and_distance_bonds),
      cmocka_unit_test(forces_are_minus_the_energy_gradient),
      cmocka_unit_test(modes_are_science_md_i7),
      cmocka_unit_test(simulated_chain_elliptic),
      cmocka_unit_test(simulated_chain_hypoelliptic),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

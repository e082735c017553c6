/*
 * Pair forces against the energy they derive from: f = -dU/dr and f' by
 * central differences (the softplus force from its table, which is also
 * checked against the closed form), the softplus energy (a dilogarithm) against direct
 * quadrature of its force, and for whole configurations across the periodic
 * boundary in 1, 2 and 3 dimensions: the force on each particle against minus
 * the finite-difference gradient of the total energy, and div_x b against the
 * finite-difference divergence of the drift.
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

static amp_config config_for(const char *potential, int dim, double box, double trap) {
  char text[512], err[AMP_ERR_LEN];
  snprintf(text, sizeof text,
           "[system]\ndimension = %d\nparticles = 2\nbox_length = %g\n"
           "[interaction]\npotential = \"%s\"\nstiffness = 2.5\ntrap = %g\n"
           "[dynamics]\nv0 = 0.5\ngamma = 0.1\ndt = 0.01\n",
           dim, box, potential, trap);
  amp_config cfg;
  if (amp_config_parse(text, strlen(text), "test", &cfg, err)) fail_msg("%s", err);
  return cfg;
}

/* |got - want| <= rel max(|want|, floor): relative, or absolute below `floor`
 * where finite differences of a sum of O(1) terms lose relative accuracy. */
static void assert_near(double got, double want, double rel, double floor, const char *what, double r) {
  if (!(fabs(got - want) <= rel * fmax(fabs(want), floor)))
    fail_msg("%s at %g: %.12g, expected %.12g", what, r, got, want);
}

static void assert_close(double got, double want, double rel, const char *what, double r) {
  assert_near(got, want, rel, 1e-12, what, r);
}

static void check_potential(const char *name, const double *radii, size_t n) {
  amp_config cfg = config_for(name, 2, 40, 0);
  amp_pair pair;
  assert_int_equal(amp_pair_setup(&pair, &cfg), 0);
  const double h = 1e-5;
  for (size_t i = 0; i < n; ++i) {
    double r = radii[i], f, df, fp, dfp, fm, dfm;
    amp_pair_force(&pair, r, &f, &df);
    amp_pair_force(&pair, r + h, &fp, &dfp);
    amp_pair_force(&pair, r - h, &fm, &dfm);
    double du = (amp_pair_energy(&pair, r + h) - amp_pair_energy(&pair, r - h)) / (2 * h);
    assert_close(f, -du, 1e-7, "f = -U'", r);
    assert_close(df, (fp - fm) / (2 * h), 1e-7, "f'", r);
  }
  amp_pair_free(&pair);
}

static void softplus_force_is_minus_energy_gradient(void **state) {
  (void)state;
  const double radii[] = {0.3, 1.0, 1.9, 2.0, 2.4, 3.1, 4.0, 4.4};
  check_potential("softplus_harmonic", radii, sizeof radii / sizeof *radii);
}

static void harmonic_force_is_minus_energy_gradient(void **state) {
  (void)state;
  const double radii[] = {0.2, 0.9, 1.5, 1.99};
  check_potential("harmonic", radii, sizeof radii / sizeof *radii);
}

static void wca_force_is_minus_energy_gradient(void **state) {
  (void)state;
  const double radii[] = {1.8, 1.95, 2.05, 2.2, 2.24};
  check_potential("wca", radii, sizeof radii / sizeof *radii);
}

/* The dilogarithm energy against composite Simpson quadrature of f from r to
 * the cutoff (U(r) = int_r^rc f), and the cutoff of science.md: 4.46. */
static void softplus_energy_is_the_integral_of_its_force(void **state) {
  (void)state;
  amp_config cfg = config_for("softplus_harmonic", 2, 40, 0);
  amp_pair pair;
  assert_int_equal(amp_pair_setup(&pair, &cfg), 0);
  assert_float_equal(pair.cutoff, 2 + log(1e8) / 7.5, 1e-12);
  const double radii[] = {0.0, 0.5, 1.5, 2.0, 3.0, 4.2};
  for (size_t i = 0; i < sizeof radii / sizeof *radii; ++i) {
    const int m = 20000;
    double a = radii[i], b = pair.cutoff, h = (b - a) / m, sum = 0;
    for (int k = 0; k <= m; ++k) {
      double f, df, w = k == 0 || k == m ? 1 : k % 2 ? 4 : 2;
      amp_pair_force(&pair, a + k * h, &f, &df);
      sum += w * f;
    }
    assert_close(amp_pair_energy(&pair, a), sum * h / 3, 1e-10, "U = int f", a);
  }
  assert_true(amp_pair_energy(&pair, pair.cutoff) == 0);
  amp_pair_free(&pair);
}

/* The softplus table against the closed form, everywhere inside the cutoff:
 * f and f' within 1e-11 k (the force is of order k at contact). */
static void softplus_table_matches_the_closed_form(void **state) {
  (void)state;
  amp_config cfg = config_for("softplus_harmonic", 2, 40, 0);
  amp_pair pair;
  assert_int_equal(amp_pair_setup(&pair, &cfg), 0);
  assert_non_null(pair.table);
  double worst_f = 0, worst_df = 0;
  for (int i = 0; i < 1000003; ++i) {
    double r = pair.cutoff * i / 1000003.0, f, df, fe, dfe;
    amp_pair_force(&pair, r, &f, &df);
    amp_pair_force_exact(&pair, r, &fe, &dfe);
    worst_f = fmax(worst_f, fabs(f - fe));
    worst_df = fmax(worst_df, fabs(df - dfe));
  }
  print_message("# table error: f %.2g, f' %.2g (k = %g)\n", worst_f, worst_df, pair.k);
  assert_true(worst_f < 1e-11 * pair.k && worst_df < 1e-11 * pair.k);
  amp_pair_free(&pair);
}

/* Total energy of a configuration: sum over pairs with minimum image. */
static double total_energy(const amp_pair *pair, const amp_particles *p, double L) {
  double e = 0;
  for (size_t i = 0; i < p->nowned; ++i)
    for (size_t j = i + 1; j < p->nowned; ++j) {
      double r2 = 0;
      for (int a = 0; a < p->dim; ++a) {
        double dx = amp_min_image(p->x[i * p->dim + a] - p->x[j * p->dim + a], L);
        r2 += dx * dx;
      }
      e += amp_pair_energy(pair, sqrt(r2));
    }
  return e;
}

/* A full list of every other particle (ids equal rows, so it is sorted by id). */
static void all_pairs(size_t n, size_t *start, uint32_t *index) {
  size_t k = 0;
  for (size_t i = 0; i < n; ++i) {
    start[i] = k;
    for (size_t j = 0; j < n; ++j)
      if (j != i) index[k++] = (uint32_t)j;
  }
  start[n] = k;
}

/* Particles packed densely near a box corner, so pairs cross the periodic boundary. */
static void random_configuration(amp_particles *p, size_t n, double L, unsigned seed) {
  srand(seed);
  p->nowned = n;
  for (size_t i = 0; i < n; ++i) {
    p->id[i] = (int64_t)i;
    for (int a = 0; a < p->dim; ++a) p->x[i * p->dim + a] = amp_wrap(L / 2 - 3 + 6.0 * rand() / RAND_MAX, L);
    for (int c = 0; c < p->nq; ++c) p->q[i * p->nq + c] = 0;
  }
}

static void check_configuration(int dim, const char *potential) {
  enum { N = 12 };
  const double L = 14, h = 1e-6, trap = 0.05;
  amp_config cfg = config_for(potential, dim, L, trap);
  amp_pair pair;
  assert_int_equal(amp_pair_setup(&pair, &cfg), 0);
  amp_dynamics dyn;
  amp_dynamics_setup(&dyn, &cfg);
  amp_particles p;
  assert_int_equal(amp_particles_init(&p, dim, dim, N), 0);
  random_configuration(&p, N, L, 7u + (unsigned)dim);
  size_t start[N + 1];
  uint32_t index[N * N];
  double force[N * 3], div[N], fp[N * 3], fm[N * 3], scratch[N];
  all_pairs(N, start, index);
  amp_pair_work work = {0};
  assert_int_equal(amp_pair_work_build(&work, &p, N, start, index), 0);
  amp_pair_forces(&pair, &p, N, start, index, &work, L, force, div);
  for (size_t i = 0; i < N; ++i) {
    double divergence = 0;
    for (int a = 0; a < dim; ++a) {
      double *xa = &p.x[i * dim + a], saved = *xa, bp[3], bm[3];
      *xa = saved + h;
      double ep = total_energy(&pair, &p, L);
      amp_pair_forces(&pair, &p, N, start, index, &work, L, fp, scratch);
      amp_drift(&dyn, p.x + i * dim, p.q + i * dim, fp + i * dim, bp);
      *xa = saved - h;
      double em = total_energy(&pair, &p, L);
      amp_pair_forces(&pair, &p, N, start, index, &work, L, fm, scratch);
      amp_drift(&dyn, p.x + i * dim, p.q + i * dim, fm + i * dim, bm);
      *xa = saved;
      assert_near(force[i * dim + a], -(ep - em) / (2 * h), 1e-6, 1, "force = -grad E, particle", (double)i);
      divergence += (bp[a] - bm[a]) / (2 * h);
    }
    assert_near(div[i] - trap * dim, divergence, 1e-6, 1, "div_x b, particle", (double)i);
  }
  amp_pair_free(&pair);
  amp_pair_work_free(&work);
  amp_particles_free(&p);
}

static void forces_and_divergence_in_1d_2d_3d(void **state) {
  (void)state;
  for (int dim = 1; dim <= 3; ++dim) {
    check_configuration(dim, "softplus_harmonic");
    check_configuration(dim, "harmonic");
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(softplus_force_is_minus_energy_gradient),
      cmocka_unit_test(harmonic_force_is_minus_energy_gradient),
      cmocka_unit_test(wca_force_is_minus_energy_gradient),
      cmocka_unit_test(softplus_energy_is_the_integral_of_its_force),
      cmocka_unit_test(softplus_table_matches_the_closed_form),
      cmocka_unit_test(forces_and_divergence_in_1d_2d_3d),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

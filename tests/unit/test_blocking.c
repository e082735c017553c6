/*
 * Blocking error of the mean: exact mean, the naive error for independent
 * values, and for an AR(1) series x_t = rho x_{t-1} + sqrt(1 - rho^2) z_t
 * (unit variance) the known error sqrt((1 + rho) / ((1 - rho) n)), which the
 * naive formula underestimates by a factor sqrt((1 + rho)/(1 - rho)).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "activempi/blocking.h"
#include "activempi/rng.h"

static double normal(const amp_rng *rng, uint64_t t) {
  double z[4];
  amp_rng_normal4(rng, t, 0, AMP_RNG_INITIAL, z);
  return z[0];
}

static void mean_is_exact_and_short_series_use_the_naive_error(void **state) {
  (void)state;
  amp_blocking b;
  amp_blocking_init(&b);
  assert_true(amp_blocking_error(&b) == 0);
  const double v[] = {1, 2, 3, 4, 10};
  for (int i = 0; i < 5; ++i) amp_blocking_add(&b, v[i]);
  assert_float_equal(amp_blocking_mean(&b), 4.0, 1e-15);
  assert_float_equal(amp_blocking_count(&b), 5, 0);
  /* sample variance with 1/n: (9+4+1+0+36)/5 = 10; sqrt(10/4) */
  assert_float_equal(amp_blocking_error(&b), sqrt(10.0 / 4), 1e-14);
}

static double ar1_error(double rho, int n, double *mean) {
  amp_rng rng;
  amp_rng_init(&rng, 17, 3);
  amp_blocking b;
  amp_blocking_init(&b);
  double x = normal(&rng, 0);
  for (int t = 1; t <= n; ++t) {
    x = rho * x + sqrt(1 - rho * rho) * normal(&rng, (uint64_t)t);
    amp_blocking_add(&b, x);
  }
  *mean = amp_blocking_mean(&b);
  return amp_blocking_error(&b);
}

static void correlated_series_get_the_integrated_error(void **state) {
  (void)state;
  const int n = 1 << 20;
  const double rhos[] = {0.0, 0.9, 0.99};
  for (int i = 0; i < 3; ++i) {
    double mean, error = ar1_error(rhos[i], n, &mean);
    double exact = sqrt((1 + rhos[i]) / ((1 - rhos[i]) * n));
    /* the plateau estimate is within 15 % of the exact error, and the mean within 4 of it */
    if (!(fabs(error - exact) <= 0.15 * exact)) fail_msg("rho %g: error %g, exact %g", rhos[i], error, exact);
    if (!(fabs(mean) <= 4 * exact)) fail_msg("rho %g: mean %g, error %g", rhos[i], mean, exact);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(mean_is_exact_and_short_series_use_the_naive_error),
      cmocka_unit_test(correlated_series_get_the_integrated_error),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

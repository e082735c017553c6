/*
 * Initial conditions: random positions fill the box uniformly, lattice sites
 * are distinct and evenly spaced, and both depend on the id alone.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "activempi/physics.h"

static void random_positions_fill_the_box_uniformly(void **state) {
  (void)state;
  amp_rng rng;
  amp_rng_init(&rng, 1, 0);
  enum { N = 100000 };
  const double L = 10;
  int bins[10] = {0};
  for (int64_t id = 0; id < N; ++id) {
    double x[3], again[3];
    amp_initial_random(&rng, id, 3, L, x);
    amp_initial_random(&rng, id, 3, L, again);
    for (int a = 0; a < 3; ++a) {
      assert_true(x[a] >= -L / 2 && x[a] < L / 2);
      assert_true(x[a] == again[a]);
    }
    bins[(int)floor(x[0] + L / 2)]++;
  }
  for (int k = 0; k < 10; ++k) /* binomial: mean N/10, sd sqrt(N 0.09) = 95 */
    assert_true(fabs(bins[k] - N / 10.0) < 5 * sqrt(N * 0.09));
}

static void lattice_sites_are_distinct_and_evenly_spaced(void **state) {
  (void)state;
  const double L = 12;
  const int64_t counts[] = {10, 16, 17};
  for (int dim = 1; dim <= 3; ++dim)
    for (int c = 0; c < 3; ++c) {
      int64_t n = counts[c];
      int side = (int)ceil(pow((double)n, 1.0 / dim) - 1e-9);
      double spacing = L / side, nearest = INFINITY, x[64][3];
      for (int64_t i = 0; i < n; ++i) amp_initial_lattice(i, n, dim, L, x[i]);
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = i + 1; j < n; ++j) {
          double r2 = 0;
          for (int a = 0; a < dim; ++a) r2 += pow(amp_min_image(x[i][a] - x[j][a], L), 2);
          nearest = fmin(nearest, sqrt(r2));
        }
      assert_float_equal(nearest, spacing, 1e-12);
    }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(random_positions_fill_the_box_uniformly),
      cmocka_unit_test(lattice_sites_are_distinct_and_evenly_spaced),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

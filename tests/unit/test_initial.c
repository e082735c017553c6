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
#include <stdlib.h>

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

/* No two particles closer than the spacing, all in the box; and the packing
 * fraction beyond what random sequential addition can reach is refused. */
static void nonoverlapping_positions_keep_their_distance(void **state) {
  (void)state;
  amp_rng rng;
  amp_rng_init(&rng, 4, 0);
  const struct { int dim; int64_t n; double phi; } cases[] = {{1, 200, 0.5}, {2, 800, 0.45}, {3, 600, 0.25}};
  for (int c = 0; c < 3; ++c) {
    int dim = cases[c].dim;
    int64_t n = cases[c].n;
    double volume = dim == 1 ? 2 : dim == 2 ? M_PI : 4 * M_PI / 3, L = pow(n * volume / cases[c].phi, 1.0 / dim);
    double *x = malloc((size_t)n * dim * sizeof *x), nearest = INFINITY;
    int64_t stuck;
    assert_int_equal(amp_initial_nonoverlapping(&rng, n, dim, L, 2.0, x, &stuck), 0);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = i + 1; j < n; ++j) {
        double r2 = 0;
        for (int a = 0; a < dim; ++a) r2 += pow(amp_min_image(x[i * dim + a] - x[j * dim + a], L), 2);
        nearest = fmin(nearest, sqrt(r2));
      }
    assert_true(nearest >= 2.0 && nearest < 2.5);
    free(x);
  }
  double L = sqrt(400 * M_PI / 0.75), *x = malloc(400 * 2 * sizeof *x);
  int64_t stuck = -1;
  assert_int_equal(amp_initial_nonoverlapping(&rng, 400, 2, L, 2.0, x, &stuck), -1);
  assert_true(stuck > 0 && stuck < 400);
  free(x);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(random_positions_fill_the_box_uniformly),
      cmocka_unit_test(lattice_sites_are_distinct_and_evenly_spaced),
      cmocka_unit_test(nonoverlapping_positions_keep_their_distance),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

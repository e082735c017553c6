/*
 * test_util: what the unit tests share (include after cmocka.h): a seeded
 * xorshift generator, so a test's random inputs are the same on every run,
 * and the closeness of float arrays relative to their scale.
 */
#ifndef ACTIVEMPI_TEST_UTIL_H
#define ACTIVEMPI_TEST_UTIL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

static uint64_t test_rng_state = 88172645463325252ull;

/* uniform in [lo, hi) */
static inline double test_uniform(double lo, double hi) {
  test_rng_state ^= test_rng_state << 13;
  test_rng_state ^= test_rng_state >> 7;
  test_rng_state ^= test_rng_state << 17;
  return lo + (hi - lo) * (double)(test_rng_state >> 11) * 0x1.0p-53;
}

/* max |got - want| <= tol max |want|, else fail naming `what` */
static inline void assert_floats_close(const float *got, const float *want, size_t n, double tol, const char *what) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < n; i++) {
    diff = fmax(diff, fabs((double)got[i] - want[i]));
    scale = fmax(scale, fabs((double)want[i]));
  }
  if (!(diff <= tol * scale)) fail_msg("%s: relative difference %.3g > %g", what, diff / scale, tol);
}

#endif

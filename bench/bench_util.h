/*
 * bench_util: what the benchmarks share: a monotonic clock and a seeded
 * xorshift generator (the same inputs on every run).
 */
#ifndef ACTIVEMPI_BENCH_UTIL_H
#define ACTIVEMPI_BENCH_UTIL_H

#include <stdint.h>
#include <time.h>

/* seconds, monotonic */
static inline double bench_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint64_t bench_state = 88172645463325252ULL;

/* uniform in [0, 1) */
static inline double bench_uniform(void) {
  bench_state ^= bench_state << 13;
  bench_state ^= bench_state >> 7;
  bench_state ^= bench_state << 17;
  return (double)(bench_state >> 11) * 0x1.0p-53;
}

#endif

/*
 * sample: deterministic particle data for the io tests. Any rank computes the
 * value of any (frame, id, column) from a counter-based hash, so a test can
 * deal the particles to ranks at random and still know every expected number.
 */
#ifndef ACTIVEMPI_TEST_SAMPLE_H
#define ACTIVEMPI_TEST_SAMPLE_H

#include <stdint.h>
#include <stdlib.h>

#include "activempi/particles.h"

enum { SAMPLE_X, SAMPLE_Q, SAMPLE_OBS, SAMPLE_DEAL };

/* splitmix64's finaliser. */
static inline uint64_t sample_mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static inline uint64_t sample_key(uint64_t kind, int64_t frame, int64_t id, int col) {
  return sample_mix(sample_mix(sample_mix(kind + 0x9e3779b97f4a7c15ull) ^ (uint64_t)frame) ^ (uint64_t)id) ^
         (uint64_t)col;
}

/* A double in [-L/2, L/2) for (kind, frame, id, col). */
static inline double sample_value(int kind, int64_t frame, int64_t id, int col, double L) {
  return ((double)(sample_mix(sample_key((uint64_t)kind, frame, id, col)) >> 11) * 0x1.0p-53 - 0.5) * L;
}

/* The ids of rank `rank` of `size` when N ids are dealt at random (keyed by
 * seed), in a shuffled order; returns their count, ids has room for N. */
static inline size_t sample_deal(int64_t N, int rank, int size, uint64_t seed, int64_t *ids) {
  size_t n = 0;
  for (int64_t i = 0; i < N; ++i)
    if ((int)(sample_mix(sample_key(SAMPLE_DEAL, (int64_t)seed, i, 0)) % (uint64_t)size) == rank) ids[n++] = i;
  for (size_t i = n; i > 1; --i) {
    size_t j = (size_t)(sample_mix(sample_key(SAMPLE_DEAL, (int64_t)seed + 1, (int64_t)i, 1)) % i);
    int64_t t = ids[i - 1];
    ids[i - 1] = ids[j];
    ids[j] = t;
  }
  return n;
}

/* Owned rows of p at frame t: ids[n], positions in the box, q and one
 * per-particle observable obs[n] from the hash (offset shifts every value). */
static inline void sample_fill(amp_particles *p, size_t n, const int64_t *ids, int64_t t, double L, double *obs) {
  amp_particles_reserve(p, n);
  p->nowned = n;
  p->nghost = 0;
  for (size_t i = 0; i < n; ++i) {
    p->id[i] = ids[i];
    for (int a = 0; a < p->dim; ++a) p->x[i * (size_t)p->dim + a] = sample_value(SAMPLE_X, t, ids[i], a, L);
    for (int c = 0; c < p->nq; ++c) p->q[i * (size_t)p->nq + c] = sample_value(SAMPLE_Q, t, ids[i], c, 2.0);
    if (obs) obs[i] = sample_value(SAMPLE_OBS, t, ids[i], 0, 1.0);
  }
}

#endif

/*
 * forces: pair forces and their divergence over a full neighbour list.
 *
 * Two passes. The first computes each pair once, for the entry from the
 * particle of smaller id (or for every entry with a ghost), and writes the
 * force into that entry and its negation into the mirror entry: negating a
 * minimum-image difference is exact, so the mirror holds bitwise what the
 * other particle would have computed. The second pass adds each particle's
 * entries in list order, which is global-id order, so a particle's force is
 * the same sum on any decomposition; half the transcendental work of
 * visiting every pair from both sides, the same bits.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "activempi/physics.h"

static int grow(void **ptr, size_t bytes) {
  void *bigger = realloc(*ptr, bytes);
  if (!bigger) return -1;
  *ptr = bigger;
  return 0;
}

/* Entry of id `target` in the id-sorted neighbours of owned row j, or -1. */
static int64_t find_entry(const amp_particles *p, const size_t *start, const uint32_t *index, size_t j, int64_t target) {
  size_t lo = start[j], hi = start[j + 1];
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int64_t id = p->id[index[mid]];
    if (id == target) return (int64_t)mid;
    if (id < target) lo = mid + 1; else hi = mid;
  }
  return -1;
}

int amp_pair_work_build(amp_pair_work *w, const amp_particles *p, size_t n, const size_t *start,
                        const uint32_t *index) {
  size_t npairs = start[n], width = (size_t)p->dim + 1;
  if (npairs > w->capacity) {
    size_t cap = npairs + npairs / 4 + 64;
    if (grow((void **)&w->mirror, cap * sizeof *w->mirror) || grow((void **)&w->value, cap * width * sizeof *w->value) ||
        grow((void **)&w->in_range, cap * sizeof *w->in_range))
      return -1;
    w->capacity = cap;
  }
  w->npairs = npairs;
  w->dim = p->dim;
  for (size_t i = 0; i < n; ++i)
    for (size_t k = start[i]; k < start[i + 1]; ++k)
      w->mirror[k] = index[k] < n ? find_entry(p, start, index, index[k], p->id[i]) : -1;
  return 0;
}

void amp_pair_work_free(amp_pair_work *w) {
  free(w->mirror);
  free(w->value);
  free(w->in_range);
  *w = (amp_pair_work){0};
}

/* Pass 1: every pair once, into its entry and its mirror. */
static void pair_values(const amp_pair *pair, const amp_particles *p, size_t n, const size_t *start,
                        const uint32_t *index, amp_pair_work *w, double L) {
  const int d = p->dim;
  const size_t width = (size_t)d + 1;
  const double cut2 = pair->cutoff * pair->cutoff;
  for (size_t i = 0; i < n; ++i) {
    const double *xi = p->x + i * (size_t)d;
    for (size_t k = start[i]; k < start[i + 1]; ++k) {
      size_t j = index[k];
      if (j < n && p->id[j] < p->id[i]) continue; /* the mirror of an entry of j */
      const double *xj = p->x + j * (size_t)d;
      double dx[3], r2 = 0, *v = w->value + k * width;
      for (int a = 0; a < d; ++a) {
        dx[a] = amp_min_image(xi[a] - xj[a], L);
        r2 += dx[a] * dx[a];
      }
      w->in_range[k] = r2 < cut2;
      if (w->in_range[k]) {
        double r = sqrt(r2), f, df;
        amp_pair_force(pair, r, &f, &df);
        double f_over_r = f / r;
        for (int a = 0; a < d; ++a) v[a] = f_over_r * dx[a];
        v[d] = f_over_r * (d - 1) + df;
      }
      if (w->mirror[k] < 0) continue;
      double *m = w->value + (size_t)w->mirror[k] * width;
      w->in_range[w->mirror[k]] = w->in_range[k];
      for (int a = 0; a < d; ++a) m[a] = -v[a];
      m[d] = v[d];
    }
  }
}

void amp_pair_forces(const amp_pair *pair, const amp_particles *p, size_t n, const size_t *start,
                     const uint32_t *index, amp_pair_work *w, double L, double *force, double *div) {
  const int d = p->dim;
  const size_t width = (size_t)d + 1;
  pair_values(pair, p, n, start, index, w, L);
  memset(force, 0, n * (size_t)d * sizeof *force);
  for (size_t i = 0; i < n; ++i) { /* pass 2: each particle's entries in id order */
    double *fi = force + i * (size_t)d, divergence = 0;
    for (size_t k = start[i]; k < start[i + 1]; ++k) {
      if (!w->in_range[k]) continue;
      const double *v = w->value + k * width;
      for (int a = 0; a < d; ++a) fi[a] += v[a];
      divergence += v[d];
    }
    div[i] = divergence;
  }
}

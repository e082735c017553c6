/*
 * neighbors: the Verlet list of every owned row, sorted by global id.
 *
 * Design (see neighbors.h). For owned row i the cells give the candidate
 * rows within the cutoff (amp_cells_query); they are sorted by global id,
 * which a rank's row order does not follow, and appended to the CSR arrays.
 * Lists are short (about 10 at the force cutoff of dense soft disks, a few
 * hundred at a network's neighbourhood radius), so a list of up to 32 is
 * sorted by insertion in place, a longer one by qsort of (id, row) pairs.
 * The arrays grow geometrically and are kept between builds, so a rebuild
 * in steady state allocates nothing.
 *
 * Displacement since the build is measured by minimum image against the
 * positions recorded at the build, because positions wrap.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "activempi/neighbors.h"

typedef struct {
  int64_t id;
  uint32_t row;
} keyed;

enum { INSERTION_MAX = 32 };

static int by_id(const void *a, const void *b) {
  int64_t x = ((const keyed *)a)->id, y = ((const keyed *)b)->id;
  return (x > y) - (x < y);
}

static void insertion_sort(uint32_t *row, size_t n, const int64_t *id) {
  for (size_t k = 1; k < n; ++k) {
    uint32_t r = row[k];
    size_t m = k;
    for (; m > 0 && id[row[m - 1]] > id[r]; --m) row[m] = row[m - 1];
    row[m] = r;
  }
}

/* Sort rows[n] by id through (id, row) pairs. */
static int pair_sort(amp_verlet *v, uint32_t *row, size_t n, const int64_t *id) {
  if (n > v->cap_pairs) {
    keyed *more = realloc(v->pairs, n * sizeof *more);
    if (!more) return -1;
    v->pairs = more, v->cap_pairs = n;
  }
  keyed *pair = v->pairs;
  for (size_t k = 0; k < n; ++k) pair[k] = (keyed){id[row[k]], row[k]};
  qsort(pair, n, sizeof *pair, by_id);
  for (size_t k = 0; k < n; ++k) row[k] = pair[k].row;
  return 0;
}

static int grow(void **ptr, size_t *cap, size_t need, size_t size) {
  if (need <= *cap && *ptr) return 0;
  size_t n = *cap ? *cap : 64;
  while (n < need) n *= 2;
  void *more = realloc(*ptr, n * size);
  if (!more) return -1;
  *ptr = more, *cap = n;
  return 0;
}

/* Room for the offsets and the positions of n owned rows (exact: n is known). */
static int reserve_owned(amp_verlet *v, size_t n) {
  if (n + 1 <= v->cap_n && v->start) return 0;
  size_t *start = realloc(v->start, (n + 1) * sizeof *start);
  if (!start) return -1;
  v->start = start;
  double *x0 = realloc(v->x0, (n + 1) * (size_t)v->dim * sizeof *x0);
  if (!x0) return -1;
  v->x0 = x0;
  v->cap_n = n + 1;
  return 0;
}

/* Append owned row i's neighbours, sorted by id. */
static int append(amp_verlet *v, const amp_cells *c, const amp_particles *p, size_t i) {
  amp_rows *cand = &v->scratch;
  cand->n = 0;
  if (amp_cells_query(c, p, i, v->cutoff, cand)) return -1;
  if (cand->n <= INSERTION_MAX)
    insertion_sort(cand->row, cand->n, p->id);
  else if (pair_sort(v, cand->row, cand->n, p->id))
    return -1;
  size_t at = v->start[i];
  if (grow((void **)&v->index, &v->cap_index, at + cand->n, sizeof *v->index)) return -1;
  if (cand->n) memcpy(v->index + at, cand->row, cand->n * sizeof *cand->row); /* row is NULL while empty */
  v->start[i + 1] = at + cand->n;
  return 0;
}

int amp_verlet_build(amp_verlet *v, const amp_cells *c, const amp_particles *p, double cutoff) {
  if (v->dim != p->dim) v->cap_n = 0; /* the positions' shape changed: reallocate them */
  v->dim = p->dim;
  v->L = c->L;
  v->cutoff = cutoff;
  v->n = p->nowned;
  if (reserve_owned(v, v->n)) return -1;
  v->start[0] = 0;
  for (size_t i = 0; i < v->n; ++i)
    if (append(v, c, p, i)) return -1;
  memcpy(v->x0, p->x, v->n * (size_t)v->dim * sizeof *v->x0);
  return 0;
}

double amp_verlet_max_displacement(const amp_verlet *v, const amp_particles *p) {
  if (p->nowned != v->n) return HUGE_VAL;
  double most = 0;
  for (size_t i = 0; i < v->n; ++i) {
    double d2 = 0;
    for (int a = 0; a < v->dim; ++a) {
      double dx = amp_min_image(p->x[i * (size_t)v->dim + a] - v->x0[i * (size_t)v->dim + a], v->L);
      d2 += dx * dx;
    }
    if (d2 > most) most = d2;
  }
  return sqrt(most);
}

size_t amp_verlet_bytes(const amp_verlet *v) {
  return v->cap_n * (sizeof *v->start + (size_t)v->dim * sizeof *v->x0) + v->cap_index * sizeof *v->index;
}

void amp_verlet_free(amp_verlet *v) {
  free(v->start);
  free(v->index);
  free(v->x0);
  free(v->pairs);
  amp_rows_free(&v->scratch);
  *v = (amp_verlet){0};
}

/*
 * brute_neighborhood: O(N^2) reference tokens (see brute_neighborhood.h).
 */
#include "brute_neighborhood.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

typedef struct {
  double d2;
  int64_t id;
  size_t row;
} candidate;

static int by_distance_then_id(const void *a, const void *b) {
  const candidate *x = a, *y = b;
  if (x->d2 != y->d2) return x->d2 < y->d2 ? -1 : 1;
  return (x->id > y->id) - (x->id < y->id);
}

/* Rows j != i within R of row i, sorted; returns how many. */
static size_t within(const amp_neighborhood_spec *s, const amp_particles *all, size_t i, candidate *out) {
  size_t n = 0, rows = all->nowned + all->nghost;
  for (size_t j = 0; j < rows; ++j) {
    double d2 = 0;
    for (int a = 0; a < s->dim; ++a) {
      double dx = amp_min_image(all->x[i * (size_t)s->dim + a] - all->x[j * (size_t)s->dim + a], s->L);
      d2 += dx * dx;
    }
    if (j != i && d2 < s->R * s->R) out[n++] = (candidate){d2, all->id[j], j};
  }
  qsort(out, n, sizeof *out, by_distance_then_id);
  return n;
}

int brute_check_target(const amp_neighborhoods *nb, size_t b, const amp_neighborhood_spec *s,
                       const amp_particles *all, size_t i) {
  int nf, nx, T = s->K + 1, d = s->dim;
  amp_neighborhood_widths(s->model, d, s->absolute_position, &nf, &nx);
  candidate *c = malloc((all->nowned + all->nghost) * sizeof *c);
  size_t n = within(s, all, i, c), m = n < (size_t)s->K ? n : (size_t)s->K;
  float *q = calloc((size_t)(T * nf), sizeof *q), *x = calloc((size_t)(T * nx), sizeof *x);
  unsigned char *mask = calloc((size_t)T, 1);
  int64_t *id = malloc((size_t)T * sizeof *id);
  for (int t = 0; t < T; ++t) {
    size_t j = t == 0 ? i : (size_t)t <= m ? c[t - 1].row : SIZE_MAX;
    id[t] = j == SIZE_MAX ? -1 : all->id[j];
    if (j == SIZE_MAX) continue;
    mask[t] = 1;
    amp_neighborhood_features(s->model, d, all->q + j * (size_t)all->nq, q + t * nf);
    for (int a = 0; a < d; ++a) {
      x[t * nx + a] = (float)amp_min_image(all->x[i * (size_t)d + a] - all->x[j * (size_t)d + a], s->L);
      if (s->absolute_position) x[t * nx + d + a] = (float)all->x[j * (size_t)d + a];
    }
  }
  assert_int_equal(nb->T, T);
  assert_int_equal(nb->nf, nf);
  assert_int_equal(nb->nx, nx);
  assert_int_equal(nb->count[b], m);
  assert_memory_equal(nb->id + b * (size_t)T, id, (size_t)T * sizeof *id);
  assert_memory_equal(nb->mask + b * (size_t)T, mask, (size_t)T);
  assert_memory_equal(nb->q + b * (size_t)(T * nf), q, (size_t)(T * nf) * sizeof *q);
  assert_memory_equal(nb->x + b * (size_t)(T * nx), x, (size_t)(T * nx) * sizeof *x);
  free(c), free(q), free(x), free(mask), free(id);
  return (int)m;
}

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
  int hop;
  double d2;
  int64_t id;
  size_t row;
} candidate;

static int by_hop_distance_then_id(const void *a, const void *b) {
  const candidate *x = a, *y = b;
  if (x->hop != y->hop) return x->hop < y->hop ? -1 : 1;
  if (x->d2 != y->d2) return x->d2 < y->d2 ? -1 : 1;
  return (x->id > y->id) - (x->id < y->id);
}

/* hop[N]: bonds from id `from` to every id, -1 where the graph does not reach. */
static int *hops_by_relaxation(const amp_bonds *b, int64_t from) {
  int *hop = malloc((size_t)b->n * sizeof *hop);
  for (int64_t v = 0; v < b->n; ++v) hop[v] = v == from ? 0 : -1;
  for (int changed = 1; changed;) {
    changed = 0;
    for (int64_t u = 0; u < b->n; ++u)
      for (int64_t e = b->start[u]; hop[u] >= 0 && e < b->start[u + 1]; ++e) {
        int64_t v = b->partner[e];
        if (hop[v] < 0 || hop[v] > hop[u] + 1) hop[v] = hop[u] + 1, changed = 1;
      }
  }
  return hop;
}

/* Rows j != i within R of row i (with bonds: reached by the graph), sorted; returns how many. */
static size_t within(const amp_neighborhood_spec *s, const amp_particles *all, size_t i, candidate *out) {
  size_t n = 0, rows = all->nowned + all->nghost;
  int *hop = s->bonds ? hops_by_relaxation(s->bonds, all->id[i]) : NULL;
  for (size_t j = 0; j < rows; ++j) {
    double d2 = 0;
    for (int a = 0; a < s->dim; ++a) {
      double dx = amp_min_image(all->x[i * (size_t)s->dim + a] - all->x[j * (size_t)s->dim + a], s->L);
      d2 += dx * dx;
    }
    int h = hop ? hop[all->id[j]] : 0;
    if (j != i && (hop ? h > 0 : d2 < s->R * s->R)) out[n++] = (candidate){h, d2, all->id[j], j};
  }
  free(hop);
  qsort(out, n, sizeof *out, by_hop_distance_then_id);
  return n;
}

int brute_check_target(const amp_neighborhoods *nb, size_t b, const amp_neighborhood_spec *s,
                       const amp_particles *all, size_t i) {
  int nf, nx, T = s->K + 1, d = s->dim;
  amp_neighborhood_widths(s->model, d, s->absolute_position, s->bonds != NULL, 0, 0, &nf, &nx);
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
    if (s->bonds) x[t * nx + nx - 1] = t == 0 ? 0.0f : (float)c[t - 1].hop;
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

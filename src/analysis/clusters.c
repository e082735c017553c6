/*
 * clusters: connected components by union-find over cell lists, and the
 * periodic centre (see clusters.h).
 */
#include "activempi/clusters.h"

#include <math.h>
#include <stdlib.h>

static int reserve(amp_cluster_work *w, size_t n) {
  if (n <= w->capacity) return 0;
  size_t *parent = realloc(w->parent, n * sizeof *parent);
  if (parent) w->parent = parent;
  size_t *size = parent ? realloc(w->size, n * sizeof *size) : NULL;
  if (!size) return -1;
  w->size = size;
  w->capacity = n;
  return 0;
}

/* The root of row i, halving the path on the way. */
static size_t root(size_t *parent, size_t i) {
  while (parent[i] != i) {
    parent[i] = parent[parent[i]];
    i = parent[i];
  }
  return i;
}

/* Join the components of rows i and j under the lower root. */
static void join(size_t *parent, size_t i, size_t j) {
  size_t a = root(parent, i), b = root(parent, j);
  if (a < b) parent[b] = a;
  if (b < a) parent[a] = b;
}

/* Every link of the owned rows into the forest. */
static int link_rows(amp_cluster_work *w, const amp_particles *p, double radius) {
  for (size_t i = 0; i < p->nowned; ++i) w->parent[i] = i;
  for (size_t i = 0; i < p->nowned; ++i) {
    w->rows.n = 0;
    if (amp_cells_query(&w->cells, p, i, radius, &w->rows)) return -1;
    for (size_t k = 0; k < w->rows.n; ++k)
      if (w->rows.row[k] > i) join(w->parent, i, w->rows.row[k]);
  }
  return 0;
}

long long amp_largest_cluster(amp_cluster_work *w, const amp_particles *p, double L, double radius,
                              unsigned char *member) {
  const size_t n = p->nowned;
  if (n == 0) return 0;
  if (reserve(w, n) || amp_cells_build(&w->cells, p, L, radius) || link_rows(w, p, radius)) return -1;
  size_t best = 0;
  for (size_t i = 0; i < n; ++i) w->size[i] = 0;
  for (size_t i = 0; i < n; ++i) ++w->size[root(w->parent, i)];
  for (size_t i = 1; i < n; ++i)
    if (w->size[i] > w->size[best]) best = i;
  for (size_t i = 0; i < n; ++i) member[i] = root(w->parent, i) == best;
  return (long long)w->size[best];
}

void amp_periodic_center(const amp_particles *p, const unsigned char *member, double L, double *c) {
  const int d = p->dim;
  for (int a = 0; a < d; ++a) {
    double s = 0, co = 0;
    for (size_t i = 0; i < p->nowned; ++i) {
      if (!member[i]) continue;
      double theta = 2 * M_PI * (p->x[i * (size_t)d + (size_t)a] + 0.5 * L) / L;
      s += sin(theta);
      co += cos(theta);
    }
    c[a] = amp_wrap(L * atan2(s, co) / (2 * M_PI) - 0.5 * L, L);
  }
}

void amp_cluster_work_free(amp_cluster_work *w) {
  amp_cells_free(&w->cells);
  amp_rows_free(&w->rows);
  free(w->parent);
  free(w->size);
  *w = (amp_cluster_work){0};
}

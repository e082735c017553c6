/*
 * cells: a window of the global periodic cell grid, and radius queries.
 *
 * Design (see neighbors.h). Building is O(nrows + sum_a ncells[a] + ncell):
 *
 *   1. per dimension, mark the global cells that hold a row and take the
 *      shortest periodic arc containing all marks (first, nlocal);
 *   2. count rows per stored cell, prefix-sum into start, place rows
 *      (a counting sort, stable: rows ascend within a cell).
 *
 * A query walks, along each dimension, `span` consecutive global cells from
 * cell - reach (or the whole dimension once when 2 reach + 1 >= ncells),
 * maps each to the window and skips those outside it (they hold no rows).
 * Unused dimensions have one cell, so the three nested loops serve d = 1, 2, 3.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "activempi/neighbors.h"

/* The global cell of coordinate x (canonical, in [-L/2, L/2)) along a. */
static int cell_of(const amp_cells *c, int a, double x) {
  int g = (int)floor((x + c->L / 2) / c->edge[a]);
  return g < 0 ? 0 : g >= c->ncells[a] ? c->ncells[a] - 1 : g;
}

/* The window index of global cell g along a, or -1 outside the window. */
static int local_of(const amp_cells *c, int a, int g) {
  int l = (g - c->first[a]) % c->ncells[a];
  if (l < 0) l += c->ncells[a];
  return l < c->nlocal[a] ? l : -1;
}

/* The shortest periodic arc holding every marked cell of `mark` [n]. */
static void window(const unsigned char *mark, int n, int *first, int *count) {
  int best = 0, best_end = 0, run = 0, any = 0;
  for (int k = 0; k < 2 * n; ++k) { /* twice round, so a gap across the end is seen whole */
    if (mark[k % n]) {
      any = 1;
      run = 0;
    } else if (++run > best && run <= n) {
      best = run;
      best_end = k % n;
    }
  }
  if (!any) {
    *first = 0, *count = 0;
  } else {
    *first = best ? (best_end + 1) % n : 0;
    *count = n - best;
  }
}

static int find_window(amp_cells *c, const amp_particles *p) {
  int most = 1;
  for (int a = 0; a < c->dim; ++a)
    if (c->ncells[a] > most) most = c->ncells[a];
  unsigned char *mark = malloc((size_t)most);
  if (!mark) return -1;
  c->ncell = 1;
  for (int a = 0; a < c->dim; ++a) {
    memset(mark, 0, (size_t)c->ncells[a]);
    for (size_t i = 0; i < c->nrows; ++i) mark[cell_of(c, a, p->x[i * (size_t)c->dim + a])] = 1;
    window(mark, c->ncells[a], &c->first[a], &c->nlocal[a]);
    c->ncell *= (size_t)c->nlocal[a];
  }
  free(mark);
  return 0;
}

/* The window cell (row-major) of row i. */
static size_t local_cell(const amp_cells *c, const amp_particles *p, size_t i) {
  size_t k = 0;
  for (int a = 0; a < c->dim; ++a)
    k = k * (size_t)c->nlocal[a] + (size_t)local_of(c, a, cell_of(c, a, p->x[i * (size_t)c->dim + a]));
  return k;
}

static int reserve(amp_cells *c) {
  if (c->ncell + 1 > c->cap_cell) {
    size_t *s = realloc(c->start, (c->ncell + 1) * sizeof *s);
    if (!s) return -1;
    c->start = s, c->cap_cell = c->ncell + 1;
  }
  if (c->nrows > c->cap_row || !c->row) {
    uint32_t *r = realloc(c->row, (c->nrows ? c->nrows : 1) * sizeof *r);
    if (!r) return -1;
    c->row = r, c->cap_row = c->nrows ? c->nrows : 1;
  }
  return 0;
}

int amp_cells_build(amp_cells *c, const amp_particles *p, double L, double cutoff) {
  c->dim = p->dim;
  c->L = L;
  c->nrows = p->nowned + p->nghost;
  if (!(cutoff > 0) || c->nrows > UINT32_MAX) return -1;
  for (int a = 0; a < 3; ++a) {
    double n = a < c->dim ? floor(L / cutoff) : 1; /* capped at 2^20 cells so indices stay ints */
    c->ncells[a] = n < 1 ? 1 : n > 1 << 20 ? 1 << 20 : (int)n;
    c->edge[a] = L / c->ncells[a];
    c->first[a] = 0, c->nlocal[a] = 1;
  }
  if (find_window(c, p) || reserve(c)) return -1;
  memset(c->start, 0, (c->ncell + 1) * sizeof *c->start);
  for (size_t i = 0; i < c->nrows; ++i) ++c->start[local_cell(c, p, i) + 1];
  for (size_t k = 0; k < c->ncell; ++k) c->start[k + 1] += c->start[k];
  for (size_t i = 0; i < c->nrows; ++i) c->row[c->start[local_cell(c, p, i)]++] = (uint32_t)i;
  for (size_t k = c->ncell; k > 0; --k) c->start[k] = c->start[k - 1];
  c->start[0] = 0;
  return 0;
}

static int push(amp_rows *out, uint32_t row) {
  if (out->n == out->capacity) {
    size_t cap = out->capacity ? 2 * out->capacity : 64;
    uint32_t *more = realloc(out->row, cap * sizeof *more);
    if (!more) return -1;
    out->row = more, out->capacity = cap;
  }
  out->row[out->n++] = row;
  return 0;
}

/* Rows j != i of window cell k within R of xi. */
static int scan_cell(const amp_cells *c, const amp_particles *p, size_t i, size_t k, double R2, amp_rows *out) {
  const double *xi = p->x + i * (size_t)c->dim;
  for (size_t s = c->start[k]; s < c->start[k + 1]; ++s) {
    uint32_t j = c->row[s];
    const double *xj = p->x + (size_t)j * (size_t)c->dim;
    double d2 = 0;
    for (int a = 0; a < c->dim; ++a) {
      double dx = amp_min_image(xj[a] - xi[a], c->L);
      d2 += dx * dx;
    }
    if (d2 < R2 && j != i && push(out, j)) return -1;
  }
  return 0;
}

int amp_cells_query(const amp_cells *c, const amp_particles *p, size_t i, double R, amp_rows *out) {
  int from[3] = {0, 0, 0}, span[3] = {1, 1, 1};
  for (int a = 0; a < c->dim; ++a) {
    int reach = (int)ceil(R / c->edge[a]);
    if (2 * reach + 1 >= c->ncells[a]) {
      span[a] = c->ncells[a];
    } else {
      from[a] = cell_of(c, a, p->x[i * (size_t)c->dim + a]) - reach;
      span[a] = 2 * reach + 1;
    }
  }
  for (int t0 = 0; t0 < span[0]; ++t0) {
    int l0 = local_of(c, 0, from[0] + t0);
    if (l0 < 0) continue;
    for (int t1 = 0; t1 < span[1]; ++t1) {
      int l1 = c->dim > 1 ? local_of(c, 1, from[1] + t1) : 0;
      if (l1 < 0) continue;
      for (int t2 = 0; t2 < span[2]; ++t2) {
        int l2 = c->dim > 2 ? local_of(c, 2, from[2] + t2) : 0;
        if (l2 < 0) continue;
        size_t k = ((size_t)l0 * (size_t)c->nlocal[1] + (size_t)l1) * (size_t)c->nlocal[2] + (size_t)l2;
        if (scan_cell(c, p, i, k, R * R, out)) return -1;
      }
    }
  }
  return 0;
}

size_t amp_cells_bytes(const amp_cells *c) {
  return c->cap_cell * sizeof *c->start + c->cap_row * sizeof *c->row;
}

void amp_cells_free(amp_cells *c) {
  free(c->start);
  free(c->row);
  *c = (amp_cells){0};
}

void amp_rows_free(amp_rows *r) {
  free(r->row);
  *r = (amp_rows){0};
}

/*
 * Cells and Verlet lists on one rank, against brute force: every particle's
 * list holds exactly the ids within the cutoff by minimum image, ascending,
 * in 1, 2 and 3 dimensions, with 1, 2, 3 and many cells along a dimension,
 * with rows in an order unrelated to their ids, and with cells finer than
 * the cutoff. Radius queries beyond one cell, the window of stored cells
 * across the periodic edge, and the displacement since the build.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "activempi/neighbors.h"

static uint64_t state_ = 12345;

static double uniform(void) {
  state_ ^= state_ << 13;
  state_ ^= state_ >> 7;
  state_ ^= state_ << 17;
  return (double)(state_ >> 11) * 0x1.0p-53;
}

/* n particles uniform in [lo, lo + span)^dim (wrapped into the box of side
 * L), ids a random permutation of 0 .. n-1. */
static void random_rows(amp_particles *p, int dim, size_t n, double L, double lo, double span) {
  amp_particles_init(p, dim, 1, n);
  p->nowned = n;
  for (size_t i = 0; i < n; ++i) {
    p->id[i] = (int64_t)i;
    p->q[i] = 0;
    for (int a = 0; a < dim; ++a) p->x[i * (size_t)dim + a] = amp_wrap(lo + span * uniform(), L);
  }
  for (size_t i = n; i > 1; --i) { /* Fisher-Yates on the ids */
    size_t j = (size_t)(uniform() * (double)i);
    int64_t t = p->id[i - 1];
    p->id[i - 1] = p->id[j];
    p->id[j] = t;
  }
}

static double distance2(const amp_particles *p, size_t i, size_t j, double L) {
  double d2 = 0;
  for (int a = 0; a < p->dim; ++a) {
    double dx = amp_min_image(p->x[j * (size_t)p->dim + a] - p->x[i * (size_t)p->dim + a], L);
    d2 += dx * dx;
  }
  return d2;
}

static int cmp_id(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* The ids within R of row i, ascending, into out; returns the count. */
static size_t brute_force(const amp_particles *p, size_t i, double L, double R, int64_t *out) {
  size_t n = 0;
  for (size_t j = 0; j < p->nowned; ++j)
    if (j != i && distance2(p, i, j, L) < R * R) out[n++] = p->id[j];
  qsort(out, n, sizeof *out, cmp_id);
  return n;
}

/* Cells at cell_cutoff, a Verlet list at cutoff, compared particle by particle. */
static void check_lists(int dim, size_t n, double L, double cell_cutoff, double cutoff, int expect_cells) {
  amp_particles p;
  amp_cells c = {0};
  amp_verlet v = {0};
  random_rows(&p, dim, n, L, -L / 2, L);
  assert_int_equal(amp_cells_build(&c, &p, L, cell_cutoff), 0);
  for (int a = 0; a < dim; ++a) {
    assert_int_equal(c.ncells[a], expect_cells);
    assert_true(c.edge[a] >= cell_cutoff);
  }
  assert_int_equal(amp_verlet_build(&v, &c, &p, cutoff), 0);
  int64_t *want = malloc(n * sizeof *want);
  size_t pairs = 0;
  for (size_t i = 0; i < n; ++i) {
    size_t m = brute_force(&p, i, L, cutoff, want);
    assert_int_equal(v.start[i + 1] - v.start[i], m);
    for (size_t k = 0; k < m; ++k) assert_int_equal(p.id[v.index[v.start[i] + k]], want[k]);
    pairs += m;
  }
  assert_true(pairs >= n); /* not vacuous */
  assert_int_equal(v.start[n], pairs);
  free(want);
  amp_verlet_free(&v);
  amp_cells_free(&c);
  amp_particles_free(&p);
}

static void lists_match_brute_force_with_many_cells(void **state) {
  (void)state;
  check_lists(1, 300, 60.0, 2.0, 2.0, 30);
  check_lists(2, 800, 30.0, 2.0, 2.0, 15);
  check_lists(3, 1500, 15.0, 2.0, 2.0, 7);
}

static void lists_match_with_one_two_or_three_cells(void **state) {
  (void)state;
  for (int dim = 1; dim <= 3; ++dim) {
    size_t n = dim == 1 ? 20 : dim == 2 ? 60 : 150;
    check_lists(dim, n, 6.0, 3.5, 3.5, 1); /* cutoff > L/2: one cell, every image counted once */
    check_lists(dim, n, 6.0, 2.9, 2.9, 2);
    check_lists(dim, n, 6.0, 2.0, 1.99, 3);
  }
}

static void lists_match_with_cells_finer_than_the_cutoff(void **state) {
  (void)state;
  check_lists(2, 600, 20.0, 0.9, 2.5, 22);
  check_lists(3, 600, 10.0, 0.9, 2.2, 11);
}

static void long_lists_are_sorted_by_id(void **state) {
  (void)state;
  check_lists(2, 1500, 20.0, 4.0, 4.0, 5); /* about 100 neighbours: the qsort path */
}

static void a_query_beyond_one_cell_finds_every_row_once(void **state) {
  (void)state;
  amp_particles p;
  amp_cells c = {0};
  amp_rows out = {0};
  random_rows(&p, 2, 700, 24.0, -12.0, 24.0);
  assert_int_equal(amp_cells_build(&c, &p, 24.0, 1.5), 0);
  int64_t *want = malloc(700 * sizeof *want), *got = malloc(700 * sizeof *got);
  for (size_t i = 0; i < p.nowned; i += 7) {
    out.n = 0;
    assert_int_equal(amp_cells_query(&c, &p, i, 5.3, &out), 0);
    size_t m = brute_force(&p, i, 24.0, 5.3, want);
    assert_int_equal(out.n, m);
    for (size_t k = 0; k < m; ++k) got[k] = p.id[out.row[k]];
    qsort(got, m, sizeof *got, cmp_id);
    assert_memory_equal(got, want, m * sizeof *got);
  }
  free(want);
  free(got);
  amp_rows_free(&out);
  amp_cells_free(&c);
  amp_particles_free(&p);
}

static void cells_store_one_window_across_the_periodic_edge(void **state) {
  (void)state;
  amp_particles p;
  amp_cells c = {0};
  amp_verlet v = {0};
  random_rows(&p, 2, 400, 40.0, 14.0, 12.0); /* x in [14, 26): wraps to [-20, -14) */
  assert_int_equal(amp_cells_build(&c, &p, 40.0, 2.0), 0);
  for (int a = 0; a < 2; ++a) {
    assert_int_equal(c.ncells[a], 20);
    assert_true(c.nlocal[a] >= 6 && c.nlocal[a] <= 7); /* 12 / 2 cells, not the whole box */
    assert_true(c.first[a] >= 16 && c.first[a] <= 17);
  }
  assert_int_equal(c.ncell, (size_t)c.nlocal[0] * (size_t)c.nlocal[1]);
  assert_int_equal(amp_verlet_build(&v, &c, &p, 2.0), 0);
  int64_t *want = malloc(400 * sizeof *want);
  for (size_t i = 0; i < p.nowned; ++i) {
    size_t m = brute_force(&p, i, 40.0, 2.0, want);
    assert_int_equal(v.start[i + 1] - v.start[i], m);
    for (size_t k = 0; k < m; ++k) assert_int_equal(p.id[v.index[v.start[i] + k]], want[k]);
  }
  free(want);
  amp_verlet_free(&v);
  amp_cells_free(&c);
  amp_particles_free(&p);
}

static void the_displacement_since_the_build_is_minimum_image(void **state) {
  (void)state;
  amp_particles p;
  amp_cells c = {0};
  amp_verlet v = {0};
  random_rows(&p, 2, 50, 10.0, -5.0, 10.0);
  p.x[6] = 4.9; /* row 3 sits at the edge and crosses it */
  assert_int_equal(amp_cells_build(&c, &p, 10.0, 2.0), 0);
  assert_int_equal(amp_verlet_build(&v, &c, &p, 2.0), 0);
  assert_true(amp_verlet_max_displacement(&v, &p) == 0.0);
  p.x[6] = amp_wrap(4.9 + 0.3, 10.0);
  p.x[11] += 0.1;
  assert_float_equal(amp_verlet_max_displacement(&v, &p), 0.3, 1e-12);
  p.nowned = 49;
  assert_true(isinf(amp_verlet_max_displacement(&v, &p)));
  amp_verlet_free(&v);
  amp_cells_free(&c);
  amp_particles_free(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(lists_match_brute_force_with_many_cells),
      cmocka_unit_test(lists_match_with_one_two_or_three_cells),
      cmocka_unit_test(lists_match_with_cells_finer_than_the_cutoff),
      cmocka_unit_test(long_lists_are_sorted_by_id),
      cmocka_unit_test(a_query_beyond_one_cell_finds_every_row_once),
      cmocka_unit_test(cells_store_one_window_across_the_periodic_edge),
      cmocka_unit_test(the_displacement_since_the_build_is_minimum_image),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

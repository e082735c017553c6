/*
 * Verlet lists across ranks: after migration and a halo of the list's
 * cutoff, every owned particle's neighbour ids (through its rows) are the
 * brute-force O(N^2) minimum-image list of ids within the cutoff, sorted by
 * id, whatever the number of ranks; in 1, 2 and 3 dimensions, in small boxes
 * of 2 cells along a dimension, and with cutoffs wider than a subdomain.
 */
#include <mpi.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "activempi/domain.h"
#include "activempi/neighbors.h"
#include "fixture.h"
#include "mpi_test.h"

/* ids j != id within cutoff of id, ascending, into out; returns the count. */
static size_t brute_force(const fx_config *c, const double *all, int64_t id, double cutoff, int64_t *out) {
  size_t n = 0;
  for (int64_t j = 0; j < c->n; ++j) {
    double d2 = 0;
    for (int a = 0; a < c->dim; ++a) {
      double dx = amp_min_image(all[j * c->dim + a] - all[id * c->dim + a], c->L);
      d2 += dx * dx;
    }
    if (j != id && d2 < cutoff * cutoff) out[n++] = j;
  }
  return n;
}

/* The lists of every owned particle against brute force; returns the pairs seen here. */
static long long check_lists(const fx_config *c, const amp_particles *p, const amp_verlet *v, double cutoff) {
  double *all = malloc((size_t)c->n * (size_t)c->dim * sizeof *all);
  int64_t *want = malloc((size_t)c->n * sizeof *want);
  for (int64_t id = 0; id < c->n; ++id) fx_position(c, id, all + id * c->dim);
  long long pairs = 0;
  assert_int_equal(v->n, p->nowned);
  for (size_t i = 0; i < p->nowned; ++i) {
    size_t n = brute_force(c, all, p->id[i], cutoff, want);
    assert_int_equal(v->start[i + 1] - v->start[i], n);
    for (size_t k = 0; k < n; ++k) assert_int_equal(p->id[v->index[v->start[i] + k]], want[k]);
    pairs += (long long)n;
  }
  free(all);
  free(want);
  return pairs;
}

static void check_decomposed(int dim, double L, int64_t n, double cutoff) {
  fx_config c = {.seed = 21 + (uint64_t)dim, .dim = dim, .nq = 1, .L = L, .n = n};
  amp_domain dom;
  amp_particles p;
  amp_halo h;
  amp_cells cells = {0};
  amp_verlet v = {0};
  assert_int_equal(amp_domain_create(&dom, MPI_COMM_WORLD, dim, L), 0);
  fx_fill(&c, MPI_COMM_WORLD, &p);
  assert_int_equal(amp_domain_migrate(&dom, &p), 0);
  assert_int_equal(amp_halo_build(&h, &dom, &p, cutoff), 0);
  assert_int_equal(amp_cells_build(&cells, &p, L, cutoff), 0);
  assert_int_equal(amp_verlet_build(&v, &cells, &p, cutoff), 0);
  long long pairs = check_lists(&c, &p, &v, cutoff);
  MPI_Allreduce(MPI_IN_PLACE, &pairs, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
  assert_true(pairs > n); /* the case is not vacuous: several neighbours each */
  amp_verlet_free(&v);
  amp_cells_free(&cells);
  amp_halo_free(&h);
  amp_particles_free(&p);
  amp_domain_free(&dom);
}

static void lists_match_brute_force_in_every_dimension(void **state) {
  (void)state;
  check_decomposed(1, 100.0, 400, 1.7);
  check_decomposed(2, 30.0, 1200, 1.7);
  check_decomposed(3, 12.0, 1500, 1.9);
}

static void lists_match_in_boxes_of_two_cells(void **state) {
  (void)state;
  check_decomposed(1, 5.0, 60, 2.3);
  check_decomposed(2, 5.0, 200, 2.3);
  check_decomposed(3, 5.0, 300, 2.3);
}

static void lists_match_when_the_cutoff_spans_several_subdomains(void **state) {
  (void)state;
  check_decomposed(1, 20.0, 300, 9.0);
  check_decomposed(2, 12.0, 500, 4.5);
  check_decomposed(3, 8.0, 400, 3.5);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(lists_match_brute_force_in_every_dimension),
      cmocka_unit_test(lists_match_in_boxes_of_two_cells),
      cmocka_unit_test(lists_match_when_the_cutoff_spans_several_subdomains),
  };
  int status = mpi_test_finish(cmocka_run_group_tests(tests, NULL, NULL));
  MPI_Finalize();
  return status;
}

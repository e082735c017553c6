/*
 * Load balance: a cluster holding most particles makes equal slabs
 * unbalanced; balancing moves the boundaries (the same on every rank, no
 * slab thinner than asked) until max/mean is below 1.2, and every id is
 * still owned exactly once, inside its rank's subdomain. A balanced
 * configuration is left alone.
 */
#include <mpi.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "activempi/domain.h"
#include "fixture.h"
#include "mpi_test.h"

/* Every rank holds rank 0's boundaries, and no slab is thinner than w. */
static void assert_same_bounds(const amp_domain *dom, double w) {
  for (int a = 0; a < dom->dim; ++a) {
    int n = dom->dims[a];
    double *root = malloc((size_t)(n + 1) * sizeof *root);
    memcpy(root, dom->bounds[a], (size_t)(n + 1) * sizeof *root);
    assert_int_equal(MPI_Bcast(root, n + 1, MPI_DOUBLE, 0, dom->comm), MPI_SUCCESS);
    assert_memory_equal(root, dom->bounds[a], (size_t)(n + 1) * sizeof *root);
    for (int k = 0; k < n; ++k) assert_true(root[k + 1] - root[k] >= w * (1 - 1e-12));
    free(root);
  }
}

static void balance_cluster(int dim, int64_t n, double L, double radius) {
  fx_config c = {.seed = 8, .dim = dim, .nq = dim, .L = L, .n = n, .cluster_fraction = 0.85,
                 .cluster_radius = radius, .cluster_centre = {0.2 * L, -0.15 * L, 0.1 * L}};
  amp_domain dom;
  amp_particles p;
  assert_int_equal(amp_domain_create(&dom, MPI_COMM_WORLD, dim, L), 0);
  fx_fill(&c, MPI_COMM_WORLD, &p);
  assert_int_equal(amp_domain_migrate(&dom, &p), 0);
  double imbalance[2], min_width = 4.0;
  int rc = amp_domain_balance(&dom, &p, 1.2, min_width, imbalance);
  if (dom.rank == 0) print_message("%d-D on %d ranks: imbalance %.3f -> %.3f\n", dim, dom.nranks, imbalance[0], imbalance[1]);
  if (dom.nranks == 1) {
    assert_int_equal(rc, 0);
    assert_true(imbalance[0] == 1.0 && imbalance[1] == 1.0);
  } else {
    assert_int_equal(rc, 1);
    assert_true(imbalance[0] > 1.5); /* the cluster unbalances equal slabs */
  }
  assert_true(imbalance[1] < 1.2);
  assert_true(fx_ids_once(&dom, &p, n));
  assert_same_bounds(&dom, min_width);
  double again[2];
  assert_int_equal(amp_domain_balance(&dom, &p, 1.2, min_width, again), 0); /* balanced: left alone */
  assert_true(again[0] == imbalance[1]);
  amp_particles_free(&p);
  amp_domain_free(&dom);
}

static void a_disc_cluster_is_balanced_below_the_threshold(void **state) {
  (void)state;
  balance_cluster(2, 20000, 160.0, 25.0);
}

static void a_ball_cluster_is_balanced_in_three_dimensions(void **state) {
  (void)state;
  balance_cluster(3, 20000, 60.0, 12.0);
}

static void the_minimum_width_holds_against_the_quantiles(void **state) {
  (void)state;
  const double L = 160.0;
  fx_config c = {.seed = 9, .dim = 2, .nq = 2, .L = L, .n = 5000, .cluster_fraction = 0.85,
                 .cluster_radius = 20.0, .cluster_centre = {0.3 * L, -0.3 * L}};
  amp_domain dom;
  amp_particles p;
  double imbalance[2];
  assert_int_equal(amp_domain_create(&dom, MPI_COMM_WORLD, 2, L), 0);
  fx_fill(&c, MPI_COMM_WORLD, &p);
  assert_int_equal(amp_domain_migrate(&dom, &p), 0);
  double min_width = 0.9 * L / dom.dims[0]; /* the quantiles would cut near the cluster at 0.3 L */
  int rc = amp_domain_balance(&dom, &p, 1.2, min_width, imbalance);
  assert_int_equal(rc, dom.nranks > 1);
  assert_same_bounds(&dom, min_width);
  if (dom.nranks > 1) assert_true(imbalance[1] < imbalance[0]);
  assert_true(fx_ids_once(&dom, &p, c.n));
  amp_particles_free(&p);
  amp_domain_free(&dom);
}

static void an_impossible_minimum_width_is_refused(void **state) {
  (void)state;
  fx_config c = {.seed = 8, .dim = 2, .nq = 2, .L = 10.0, .n = 100};
  amp_domain dom;
  amp_particles p;
  double imbalance[2];
  assert_int_equal(amp_domain_create(&dom, MPI_COMM_WORLD, 2, c.L), 0);
  fx_fill(&c, MPI_COMM_WORLD, &p);
  int rc = amp_domain_balance(&dom, &p, 1.2, 11.0, imbalance);
  assert_int_equal(rc, -1);
  assert_non_null(strstr(dom.error, "minimum slab width 11"));
  amp_particles_free(&p);
  amp_domain_free(&dom);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_disc_cluster_is_balanced_below_the_threshold),
      cmocka_unit_test(a_ball_cluster_is_balanced_in_three_dimensions),
      cmocka_unit_test(the_minimum_width_holds_against_the_quantiles),
      cmocka_unit_test(an_impossible_minimum_width_is_refused),
  };
  int status = mpi_test_finish(cmocka_run_group_tests(tests, NULL, NULL));
  MPI_Finalize();
  return status;
}

/*
 * The process grid and migration: any rank count, any dimension; every id
 * exactly once on the rank that owns its position, with its own x and q,
 * after random displacements as large as the box and after the boundaries
 * move.
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

static int nranks;

/* Every owned row carries the x of its id at `step` and the q of step 0. */
static void assert_rows_match(const fx_config *c, const amp_particles *p, int step, double jump) {
  double x[3], q[3];
  for (size_t i = 0; i < p->nowned; ++i) {
    fx_moved(c, p->id[i], step, jump, x);
    fx_internal(c, p->id[i], 0, q);
    assert_memory_equal(p->x + i * (size_t)c->dim, x, (size_t)c->dim * sizeof *x);
    assert_memory_equal(p->q + i * (size_t)c->nq, q, (size_t)c->nq * sizeof *q);
  }
}

static void the_grid_uses_every_rank_and_owners_agree_with_mpi(void **state) {
  (void)state;
  for (int dim = 1; dim <= 3; ++dim) {
    amp_domain dom;
    assert_int_equal(amp_domain_create(&dom, MPI_COMM_WORLD, dim, 10.0), 0);
    int product = 1;
    for (int a = 0; a < dim; ++a) product *= dom.dims[a];
    assert_int_equal(product, nranks);
    fx_config c = {.seed = 7, .dim = dim, .nq = 1, .L = 10.0, .n = 500};
    for (int64_t id = 0; id < c.n; ++id) {
      double x[3], lo[3], hi[3];
      int coords[3], cart;
      fx_position(&c, id, x);
      int owner = amp_domain_owner(&dom, x);
      for (int a = 0; a < dim; ++a) coords[a] = (int)((x[a] + 5.0) / (10.0 / dom.dims[a]));
      assert_int_equal(MPI_Cart_rank(dom.comm, coords, &cart), MPI_SUCCESS);
      assert_int_equal(owner, cart);
      amp_domain_subdomain(&dom, owner, lo, hi);
      for (int a = 0; a < dim; ++a) assert_true(x[a] >= lo[a] && x[a] < hi[a]);
      assert_true(amp_domain_distance2(&dom, x, owner) == 0.0);
    }
    amp_domain_free(&dom);
  }
}

static void migration_conserves_ids_after_large_displacements(void **state) {
  (void)state;
  for (int dim = 1; dim <= 3; ++dim) {
    fx_config c = {.seed = 11 + (uint64_t)dim, .dim = dim, .nq = dim, .L = 12.0, .n = 3000};
    amp_domain dom;
    amp_particles p;
    assert_int_equal(amp_domain_create(&dom, MPI_COMM_WORLD, dim, c.L), 0);
    fx_fill(&c, MPI_COMM_WORLD, &p);
    const double jump = 0.4 * c.L; /* several subdomains at once */
    for (int step = 0; step <= 3; ++step) {
      for (size_t i = 0; i < p.nowned; ++i) fx_moved(&c, p.id[i], step, jump, p.x + i * (size_t)dim);
      p.nghost = 3; /* stale ghost rows must be dropped */
      assert_int_equal(amp_domain_migrate(&dom, &p), 0);
      assert_int_equal(p.nghost, 0);
      assert_true(fx_ids_once(&dom, &p, c.n));
      assert_rows_match(&c, &p, step, jump);
    }
    amp_particles_free(&p);
    amp_domain_free(&dom);
  }
}

static void migration_follows_moved_boundaries(void **state) {
  (void)state;
  fx_config c = {.seed = 5, .dim = 2, .nq = 2, .L = 20.0, .n = 2000};
  amp_domain dom;
  amp_particles p;
  assert_int_equal(amp_domain_create(&dom, MPI_COMM_WORLD, 2, c.L), 0);
  fx_fill(&c, MPI_COMM_WORLD, &p);
  assert_int_equal(amp_domain_migrate(&dom, &p), 0);
  for (int trial = 0; trial < 3; ++trial) {
    for (int a = 0; a < 2; ++a) { /* the same random cuts on every rank */
      int n = dom.dims[a];
      double b[65];
      b[0] = -c.L / 2;
      for (int k = 1; k < n; ++k) b[k] = b[k - 1] + (c.L / 2 - b[k - 1]) * fx_uniform(99, (uint64_t)trial, (uint64_t)a, (uint64_t)k) / (n - k);
      b[n] = c.L / 2;
      assert_int_equal(amp_domain_set_bounds(&dom, a, b), 0);
    }
    assert_int_equal(amp_domain_migrate(&dom, &p), 0);
    assert_true(fx_ids_once(&dom, &p, c.n));
    assert_rows_match(&c, &p, 0, 0.0);
  }
  double bad[65] = {-c.L / 2, 3.0};
  bad[dom.dims[0]] = c.L / 2 + 1;
  assert_int_equal(amp_domain_set_bounds(&dom, 0, bad), -1);
  assert_non_null(strstr(dom.error, "from -L/2 to L/2"));
  amp_particles_free(&p);
  amp_domain_free(&dom);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_size(MPI_COMM_WORLD, &nranks);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(the_grid_uses_every_rank_and_owners_agree_with_mpi),
      cmocka_unit_test(migration_conserves_ids_after_large_displacements),
      cmocka_unit_test(migration_follows_moved_boundaries),
  };
  int status = mpi_test_finish(cmocka_run_group_tests(tests, NULL, NULL));
  MPI_Finalize();
  return status;
}

/*
 * The halo: after a build, the ghosts of a rank are exactly the particles
 * owned elsewhere whose minimum-image distance to its subdomain is below the
 * width, each once, with their owners' x and q; for widths below and above
 * a subdomain's width (multi-hop), in 1, 2 and 3 dimensions. An update
 * carries the owners' new x and q to the same ghost rows. A width of L/2
 * is refused on every rank with a message.
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

static int cmp_id(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* The ids a rank must hold as ghosts, ascending: [*n]. */
static int64_t *expected_ghosts(const fx_config *c, const amp_domain *dom, double width, size_t *n) {
  int64_t *ids = malloc((size_t)c->n * sizeof *ids);
  *n = 0;
  for (int64_t id = 0; id < c->n; ++id) {
    double x[3];
    fx_moved(c, id, 0, 0.0, x);
    if (amp_domain_owner(dom, x) != dom->rank && amp_domain_distance2(dom, x, dom->rank) < width * width)
      ids[(*n)++] = id;
  }
  return ids;
}

/* Ghost rows hold exactly the expected ids, once each, with x of `step` and q of `step`. */
static void assert_ghosts(const fx_config *c, const amp_domain *dom, const amp_particles *p, double width,
                          int step, double jump) {
  size_t n;
  int64_t *want = expected_ghosts(c, dom, width, &n);
  int64_t *got = malloc((p->nghost + 1) * sizeof *got);
  for (size_t k = 0; k < p->nghost; ++k) {
    size_t row = p->nowned + k;
    double x[3], q[3];
    fx_moved(c, p->id[row], step, jump, x);
    fx_internal(c, p->id[row], step, q);
    assert_memory_equal(p->x + row * (size_t)c->dim, x, (size_t)c->dim * sizeof *x);
    assert_memory_equal(p->q + row * (size_t)c->nq, q, (size_t)c->nq * sizeof *q);
    got[k] = p->id[row];
  }
  qsort(got, p->nghost, sizeof *got, cmp_id);
  assert_int_equal(p->nghost, n);
  if (n) assert_memory_equal(got, want, n * sizeof *got);
  free(want);
  free(got);
}

/* Build a halo of `width` (a fraction of L) and check it; move every owner
 * a little, update, and check again. */
static void check_halo(int dim, double L, double width) {
  fx_config c = {.seed = 3 + (uint64_t)dim, .dim = dim, .nq = dim == 2 ? 1 : 3, .L = L, .n = dim == 3 ? 1500 : 1000};
  amp_domain dom;
  amp_particles p;
  amp_halo h;
  assert_int_equal(amp_domain_create(&dom, MPI_COMM_WORLD, dim, L), 0);
  fx_fill(&c, MPI_COMM_WORLD, &p);
  assert_int_equal(amp_domain_migrate(&dom, &p), 0);
  assert_int_equal(amp_halo_build(&h, &dom, &p, width), 0);
  long long ghosts = (long long)p.nghost;
  MPI_Allreduce(MPI_IN_PLACE, &ghosts, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
  if (dom.nranks > 1) assert_true(ghosts > 0);
  assert_ghosts(&c, &dom, &p, width, 0, 0.0);
  const double jump = 0.05;
  for (size_t i = 0; i < p.nowned; ++i) {
    fx_moved(&c, p.id[i], 1, jump, p.x + i * (size_t)dim);
    fx_internal(&c, p.id[i], 1, p.q + i * (size_t)c.nq);
  }
  assert_int_equal(amp_halo_update(&h, &dom, &p), 0);
  for (size_t k = 0; k < p.nghost; ++k) { /* the ghosts now carry step 1 */
    size_t row = p.nowned + k;
    double x[3], q[3];
    fx_moved(&c, p.id[row], 1, jump, x);
    fx_internal(&c, p.id[row], 1, q);
    assert_memory_equal(p.x + row * (size_t)dim, x, (size_t)dim * sizeof *x);
    assert_memory_equal(p.q + row * (size_t)c.nq, q, (size_t)c.nq * sizeof *q);
  }
  amp_halo_free(&h);
  amp_particles_free(&p);
  amp_domain_free(&dom);
}

static void a_thin_halo_holds_exactly_the_near_particles(void **state) {
  (void)state;
  for (int dim = 1; dim <= 3; ++dim) check_halo(dim, 16.0, 1.5);
}

static void a_halo_wider_than_a_subdomain_reaches_several_ranks(void **state) {
  (void)state;
  /* width 0.45 L: more than a subdomain on 3 or more ranks along a dimension,
   * and with 2 ranks along one, the same neighbour on both sides */
  for (int dim = 1; dim <= 3; ++dim) check_halo(dim, 10.0, 4.5);
}

static void a_halo_of_half_the_box_is_refused_everywhere(void **state) {
  (void)state;
  fx_config c = {.seed = 1, .dim = 2, .nq = 1, .L = 10.0, .n = 100};
  amp_domain dom;
  amp_particles p;
  amp_halo h;
  assert_int_equal(amp_domain_create(&dom, MPI_COMM_WORLD, 2, c.L), 0);
  fx_fill(&c, MPI_COMM_WORLD, &p);
  assert_int_equal(amp_domain_migrate(&dom, &p), 0);
  assert_int_equal(amp_halo_build(&h, &dom, &p, 5.0), -1);
  assert_non_null(strstr(dom.error, "halo width 5 is not below half the box side (L/2 = 5)"));
  assert_non_null(strstr(dom.error, "longer than 10"));
  amp_halo_free(&h);
  amp_particles_free(&p);
  amp_domain_free(&dom);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_thin_halo_holds_exactly_the_near_particles),
      cmocka_unit_test(a_halo_wider_than_a_subdomain_reaches_several_ranks),
      cmocka_unit_test(a_halo_of_half_the_box_is_refused_everywhere),
  };
  int status = mpi_test_finish(cmocka_run_group_tests(tests, NULL, NULL));
  MPI_Finalize();
  return status;
}

/*
 * The largest cluster, its periodic centre and the radial profile about it,
 * on synthetic configurations whose answer is known by construction: a disc
 * of lattice points straddling the box edge (and a ball straddling a corner
 * in 3-D), next to a smaller cluster and isolated particles, in shuffled
 * rows. The cluster is the disc, its centre the disc's centre (where a plain
 * mean would put it half a box away), and the innermost bins hold the
 * lattice shells: 1 point at r < 1, 8 at 1 <= r < 2, 16 at 2 <= r < 3 in 2-D.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "activempi/clusters.h"
#include "activempi/radial.h"

static const double L = 40, link = 1.5;

/* Append the lattice points (spacing 1) within `radius` of c [d] to p, wrapped
 * into the box. Returns how many. */
static size_t lattice_ball(amp_particles *p, int d, const double *c, double radius) {
  size_t added = 0;
  int reach = (int)radius;
  for (int i = -reach; i <= reach; ++i)
    for (int j = d > 1 ? -reach : 0; j <= (d > 1 ? reach : 0); ++j)
      for (int k = d > 2 ? -reach : 0; k <= (d > 2 ? reach : 0); ++k) {
        if (i * i + j * j + k * k > radius * radius) continue;
        const int off[3] = {i, j, k};
        size_t row = p->nowned++;
        for (int a = 0; a < d; ++a) p->x[row * (size_t)d + (size_t)a] = amp_wrap(c[a] + off[a], L);
        ++added;
      }
  return added;
}

/* Swap rows pseudo-randomly (a fixed sequence), ids following. */
static void shuffle(amp_particles *p) {
  uint64_t s = 12345;
  for (size_t i = p->nowned - 1; i > 0; --i) {
    s = s * 6364136223846793005u + 1442695040888963407u;
    size_t j = (size_t)(s >> 33) % (i + 1);
    for (int a = 0; a < p->dim; ++a) {
      double t = p->x[i * (size_t)p->dim + (size_t)a];
      p->x[i * (size_t)p->dim + (size_t)a] = p->x[j * (size_t)p->dim + (size_t)a];
      p->x[j * (size_t)p->dim + (size_t)a] = t;
    }
  }
  for (size_t i = 0; i < p->nowned; ++i) p->id[i] = (int64_t)i;
}

/* A ball of radius 4 about `center` (straddling the box edge), a ball of
 * radius 2 about `other`, and two isolated particles `alone` [2][d] (more
 * than 5 from the balls); the largest cluster must be the first ball,
 * centred at `center`, with the lattice shells in its bins. */
static void check_configuration(int d, const double *center, const double *other, const double *alone,
                                const double *inner_counts) {
  amp_particles p;
  assert_int_equal(amp_particles_init(&p, d, 1, 1000), 0);
  size_t big = lattice_ball(&p, d, center, 4.0);
  lattice_ball(&p, d, other, 2.0);
  for (int k = 0; k < 2 * d; ++k) p.x[p.nowned * (size_t)d + (size_t)k] = alone[k];
  p.nowned += 2;
  shuffle(&p);
  unsigned char member[1000];
  amp_cluster_work w = {0};
  assert_int_equal(amp_largest_cluster(&w, &p, L, link, member), (long long)big);
  double c[3];
  amp_periodic_center(&p, member, L, c);
  for (int a = 0; a < d; ++a) assert_float_equal(c[a], center[a], 1e-9);
  double ones[1000], count[20] = {0}, sum[20] = {0};
  for (size_t i = 0; i < p.nowned; ++i) ones[i] = 1;
  int bins = amp_radial_bins(L, 1.0);
  assert_int_equal(bins, 20);
  amp_radial_add(p.x, ones, p.nowned, d, L, c, 1.0, bins, count, sum);
  for (int b = 0; b < 3; ++b) {
    assert_float_equal(count[b], inner_counts[b], 0);
    assert_float_equal(sum[b], inner_counts[b], 0);
  }
  double binned = 0;
  for (int b = 0; b < bins; ++b) binned += count[b];
  assert_true(binned <= (double)p.nowned);
  amp_cluster_work_free(&w);
  amp_particles_free(&p);
}

static void a_disc_across_the_edge_is_found_with_its_centre_and_shells(void **state) {
  (void)state;
  const double center[2] = {19.5, -3.0}, other[2] = {-5.0, 10.0}, alone[4] = {5, -20, 0, 0}, inner[3] = {1, 8, 16};
  check_configuration(2, center, other, alone, inner);
}

static void a_ball_across_a_corner_is_found_with_its_centre_and_shells(void **state) {
  (void)state;
  /* shells of the cubic lattice: r^2 = 0 | 1, 2, 3 | 4, 5, 6, 8: 1 | 6 + 12 + 8 | 6 + 24 + 24 + 12 */
  const double center[3] = {-19.25, 19.5, 19.75}, other[3] = {0.0, -8.0, 3.0}, alone[6] = {10, 2, 13, 0, 0, 0};
  const double inner[3] = {1, 26, 66};
  check_configuration(3, center, other, alone, inner);
}

static void a_segment_across_the_ends_of_a_ring_is_found(void **state) {
  (void)state;
  const double center[1] = {-19.5}, other[1] = {5.0}, alone[2] = {-5, -10}, inner[3] = {1, 2, 2};
  check_configuration(1, center, other, alone, inner);
}

static void of_equal_clusters_the_one_with_the_lowest_row_wins(void **state) {
  (void)state;
  amp_particles p;
  assert_int_equal(amp_particles_init(&p, 2, 1, 16), 0);
  const double x[8] = {10, 10, 0, 0, 0, 1, 10, 11}; /* rows 0 and 3 together, rows 1 and 2 together */
  for (int k = 0; k < 8; ++k) p.x[k] = x[k];
  p.nowned = 4;
  unsigned char member[4];
  amp_cluster_work w = {0};
  assert_int_equal(amp_largest_cluster(&w, &p, L, link, member), 2);
  assert_true(member[0] && member[3] && !member[1] && !member[2]);
  p.nowned = 0;
  assert_int_equal(amp_largest_cluster(&w, &p, L, link, member), 0);
  amp_cluster_work_free(&w);
  amp_particles_free(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_disc_across_the_edge_is_found_with_its_centre_and_shells),
      cmocka_unit_test(a_ball_across_a_corner_is_found_with_its_centre_and_shells),
      cmocka_unit_test(a_segment_across_the_ends_of_a_ring_is_found),
      cmocka_unit_test(of_equal_clusters_the_one_with_the_lowest_row_wins),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

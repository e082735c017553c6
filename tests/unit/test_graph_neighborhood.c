/*
 * Bond-graph neighbourhood tokens on one rank: bit for bit the reference
 * (tests/reference: hops by relaxing every bond, candidates sorted whole)
 * for rings, chains, lattices and distance graphs in 1, 2 and 3 dimensions,
 * rows in an order unrelated to ids, polymers that overlap themselves and
 * cross the box edge, absolute positions; then hand-placed rings with the
 * numbers written out (which of a level is kept: by distance, then by id;
 * the hop feature; x_i - x_j by minimum image), padding where the graph
 * reaches fewer than K, the hops a halo must cover (amp_graph_hops), a
 * candidate missing from the rows refused with its reason, and the scratch
 * left clean after a failure.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../reference/brute_neighborhood.h"
#include "activempi/neighborhood.h"
#include "test_util.h"

/* The graph amp_bonds_build makes for n particles in dim dimensions. */
static void graph(amp_bonds *b, amp_bonds_kind kind, int64_t n, int dim, double L, double distance,
                  const double *reference) {
  amp_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.system.particles = n;
  cfg.system.dimension = dim;
  cfg.system.box_length = L;
  cfg.interaction.bonds = kind;
  cfg.interaction.bond_stiffness = 1;
  cfg.interaction.bond_distance = distance;
  assert_int_equal(amp_bonds_build(b, &cfg, reference), 0);
}

/* n particles by id: a random walk along the ids (steps up to `step` per
 * component: a polymer of zero-rest-length springs overlaps itself), or the
 * lattice sites of amp_initial_lattice when step = 0 (exact distance ties). */
static double *positions(int64_t n, int dim, double L, double step) {
  double *x = malloc((size_t)(n * dim) * sizeof *x), at[3] = {0, 0, 0};
  for (int64_t id = 0; id < n; ++id) {
    if (step == 0) amp_initial_lattice(id, n, dim, L, x + id * dim);
    for (int a = 0; step > 0 && a < dim; ++a) {
      at[a] += test_uniform(-step, step);
      x[id * dim + a] = amp_wrap(at[a], L);
    }
  }
  return x;
}

/* Rows of every particle in a shuffled order, q random. */
static void rows_of(amp_particles *p, const amp_neighborhood_spec *s, int64_t n, const double *x) {
  int nq = amp_internal_components(s->model, s->dim);
  amp_particles_init(p, s->dim, nq, (size_t)n);
  p->nowned = (size_t)n;
  for (int64_t r = 0; r < n; ++r) p->id[r] = r;
  for (int64_t r = n; r > 1; --r) {
    int64_t j = (int64_t)test_uniform(0, (double)r), t = p->id[r - 1];
    p->id[r - 1] = p->id[j], p->id[j] = t;
  }
  for (int64_t r = 0; r < n; ++r) {
    for (int a = 0; a < s->dim; ++a) p->x[r * s->dim + a] = x[p->id[r] * s->dim + a];
    for (int k = 0; k < nq; ++k) p->q[r * nq + k] = test_uniform(-M_PI, M_PI);
  }
}

/* Every row as a target (batch order reversed) against the reference; the
 * largest hop among the real tokens must be amp_graph_hops. Returns the
 * targets with padding. */
static size_t check_graph(const amp_neighborhood_spec *s, int64_t n, const double *x) {
  amp_particles p;
  amp_neighborhoods nb = {0};
  rows_of(&p, s, n, x);
  size_t *target = malloc((size_t)n * sizeof *target), padded = 0;
  for (int64_t b = 0; b < n; ++b) target[b] = (size_t)(n - 1 - b);
  assert_int_equal(amp_neighborhood_build(&nb, s, NULL, &p, target, (size_t)n), 0);
  int most = 0;
  for (int64_t b = 0; b < n; ++b) {
    int m = brute_check_target(&nb, (size_t)b, s, &p, target[b]);
    padded += m < s->K;
    int hop = (int)nb.x[((size_t)b * nb.T + (size_t)m) * nb.nx + nb.nx - 1];
    if (hop > most) most = hop;
  }
  assert_int_equal(amp_graph_hops(s->bonds, s->K), most);
  free(target);
  amp_neighborhood_free(&nb);
  amp_particles_free(&p);
  return padded;
}

#define SPEC(m, d, L_, K_, abs, b) \
  (amp_neighborhood_spec) { .model = m, .dim = d, .L = L_, .K = K_, .R = 1.0, .absolute_position = abs, .bonds = b }

static void tokens_match_brute_force_on_every_graph(void **state) {
  (void)state;
  const struct {
    amp_bonds_kind kind;
    amp_model model;
    int64_t n;
    int dim, K, absolute, padded;
    double L, step;
  } cases[] = {
      {AMP_BONDS_RING, AMP_MODEL_AOUP, 40, 2, 6, 0, 0, 12.0, 1.5},     /* wraps around the box many times */
      {AMP_BONDS_RING, AMP_MODEL_ABP, 64, 2, 16, 1, 0, 30.0, 1.0},
      {AMP_BONDS_CHAIN, AMP_MODEL_AOUP, 30, 1, 5, 1, 0, 10.0, 1.0},    /* ends: levels of one */
      {AMP_BONDS_CHAIN, AMP_MODEL_AOUP, 4, 3, 6, 0, 1, 10.0, 1.0},     /* fewer than K: padding everywhere */
      {AMP_BONDS_LATTICE, AMP_MODEL_AOUP, 20, 2, 7, 0, 0, 10.0, 0.0},  /* 5 x 5 sites, 20 filled: exact ties */
      {AMP_BONDS_LATTICE, AMP_MODEL_ABP, 27, 3, 10, 1, 0, 6.0, 0.0},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
    amp_bonds b;
    double *x = positions(cases[k].n, cases[k].dim, cases[k].L, cases[k].step);
    graph(&b, cases[k].kind, cases[k].n, cases[k].dim, cases[k].L, 0, NULL);
    amp_neighborhood_spec s = SPEC(cases[k].model, cases[k].dim, cases[k].L, cases[k].K, cases[k].absolute, &b);
    size_t padded = check_graph(&s, cases[k].n, x);
    assert_true(cases[k].padded ? padded == (size_t)cases[k].n : padded == 0);
    amp_bonds_free(&b);
    free(x);
  }
}

static void a_distance_graph_in_pieces_is_padded(void **state) {
  (void)state; /* 60 random particles, bonds below 2.5: components of every size */
  amp_bonds b;
  double *x = positions(60, 2, 20.0, 20.0);
  graph(&b, AMP_BONDS_DISTANCE, 60, 2, 20.0, 2.5, x);
  amp_neighborhood_spec s = SPEC(AMP_MODEL_AOUP, 2, 20.0, 8, 0, &b);
  size_t padded = check_graph(&s, 60, x);
  assert_true(padded > 0 && padded < 60);
  amp_bonds_free(&b);
  free(x);
}

/* A ring of 8 in a box of 16 around particle 0 at (-7.5, 0): hop 1 = {1, 7},
 * hop 2 = {2, 6}, hop 3 = {3, 5}, hop 4 = {4}. Rows are ids. */
static void ring_of_eight(amp_particles *p, amp_bonds *b, const double (*x)[2]) {
  graph(b, AMP_BONDS_RING, 8, 2, 16.0, 0, NULL);
  amp_particles_init(p, 2, 2, 8);
  p->nowned = 8;
  for (int i = 0; i < 8; ++i) {
    p->id[i] = i;
    for (int a = 0; a < 2; ++a) p->x[2 * i + a] = x[i][a], p->q[2 * i + a] = i + 0.5 * (a + 1);
  }
}

static void a_level_is_cut_by_distance_then_id(void **state) {
  (void)state;
  /* 7 at distance 1 across the edge, 1 at distance 2; 6 at 3, 2 at 5: K = 3 keeps 7, 1, 6 */
  const double x[8][2] = {{-7.5, 0}, {-5.5, 0}, {-2.5, 0}, {0, 0}, {1, 1}, {2, 2}, {-7.5, 3}, {7.5, 0}};
  amp_particles p;
  amp_bonds b;
  amp_neighborhoods nb = {0};
  ring_of_eight(&p, &b, x);
  amp_neighborhood_spec s = SPEC(AMP_MODEL_AOUP, 2, 16.0, 3, 0, &b);
  size_t target = 0;
  assert_int_equal(amp_neighborhood_build(&nb, &s, NULL, &p, &target, 1), 0);
  const int64_t want_id[4] = {0, 7, 1, 6};
  const float want_x[4][3] = {{0, 0, 0}, {1, 0, 1}, {-2, 0, 1}, {0, -3, 2}}; /* x_0 - x_j, minimum image; hop */
  assert_int_equal(nb.nx, 3);
  assert_int_equal(nb.count[0], 3);
  assert_memory_equal(nb.id, want_id, sizeof want_id);
  assert_memory_equal(nb.x, want_x, sizeof want_x);
  assert_true(nb.q[2 * 3] == 6.5f && nb.q[2 * 3 + 1] == 7.0f); /* token 3 carries id 6's g */
  /* now 2 and 6 both at distance 3: the lower id, 2, is kept */
  p.x[2 * 2] = -4.5, p.x[2 * 2 + 1] = 0;
  s.absolute_position = 1;
  assert_int_equal(amp_neighborhood_build(&nb, &s, NULL, &p, &target, 1), 0);
  const int64_t tie_id[4] = {0, 7, 1, 2};
  const float tie_x[4][5] = {{0, 0, -7.5f, 0, 0}, {1, 0, 7.5f, 0, 1}, {-2, 0, -5.5f, 0, 1}, {-3, 0, -4.5f, 0, 2}};
  assert_int_equal(nb.nx, 5);
  assert_memory_equal(nb.id, tie_id, sizeof tie_id);
  assert_memory_equal(nb.x, tie_x, sizeof tie_x);
  brute_check_target(&nb, 0, &s, &p, 0);
  amp_neighborhood_free(&nb);
  amp_bonds_free(&b);
  amp_particles_free(&p);
}

static void fewer_than_K_reachable_are_padded(void **state) {
  (void)state; /* a chain of 3: particle 0 reaches 2 in 2 hops; K = 4 */
  amp_bonds b;
  amp_particles p;
  amp_neighborhoods nb = {0};
  graph(&b, AMP_BONDS_CHAIN, 3, 1, 10.0, 0, NULL);
  amp_particles_init(&p, 1, 1, 3);
  p.nowned = 3;
  for (int i = 0; i < 3; ++i) p.id[i] = i, p.x[i] = 0.25 * i, p.q[i] = i + 1;
  amp_neighborhood_spec s = SPEC(AMP_MODEL_AOUP, 1, 10.0, 4, 0, &b);
  size_t target = 0;
  assert_int_equal(amp_neighborhood_build(&nb, &s, NULL, &p, &target, 1), 0);
  const int64_t want_id[5] = {0, 1, 2, -1, -1};
  const unsigned char want_mask[5] = {1, 1, 1, 0, 0};
  const float want_x[5][2] = {{0, 0}, {-0.25f, 1}, {-0.5f, 2}, {0, 0}, {0, 0}};
  const float want_q[5] = {1, 2, 3, 0, 0};
  assert_int_equal(nb.count[0], 2);
  assert_memory_equal(nb.id, want_id, sizeof want_id);
  assert_memory_equal(nb.mask, want_mask, sizeof want_mask);
  assert_memory_equal(nb.x, want_x, sizeof want_x);
  assert_memory_equal(nb.q, want_q, sizeof want_q);
  amp_bonds_free(&b);
  graph(&b, AMP_BONDS_CHAIN, 1, 1, 10.0, 0, NULL); /* one particle, no bond: all padding */
  p.nowned = 1;
  s.K = 2;
  assert_int_equal(amp_neighborhood_build(&nb, &s, NULL, &p, &target, 1), 0);
  assert_int_equal(nb.count[0], 0);
  assert_true(nb.mask[1] == 0 && nb.mask[2] == 0 && nb.id[1] == -1 && nb.x[2 * 1 + 1] == 0);
  amp_neighborhood_free(&nb);
  amp_bonds_free(&b);
  amp_particles_free(&p);
}

static void widths_carry_the_hop(void **state) {
  (void)state;
  int nf, nx;
  const int want[5][5] = {{AMP_MODEL_AOUP, 2, 0, 2, 3}, {AMP_MODEL_AOUP, 2, 1, 2, 5}, {AMP_MODEL_AOUP, 1, 0, 1, 2},
                          {AMP_MODEL_ABP, 2, 0, 2, 3}, {AMP_MODEL_ABP, 3, 1, 3, 7}};
  for (int k = 0; k < 5; ++k) {
    amp_neighborhood_widths((amp_model)want[k][0], want[k][1], want[k][2], 1, 0, 0, &nf, &nx);
    assert_int_equal(nf, want[k][3]);
    assert_int_equal(nx, want[k][4]);
  }
  amp_bonds b = {.n = 1, .dim = 2};
  amp_neighborhood_spec s = {.model = AMP_MODEL_AOUP, .dim = 2, .K = 16, .bonds = &b};
  assert_int_equal(amp_neighborhood_bytes(&s), 17 * (8 + 8 + 12 + 1) + 4);
}

static void hops_a_halo_must_cover(void **state) {
  (void)state;
  const struct {
    amp_bonds_kind kind;
    int64_t n;
    int dim, K, hops;
  } cases[] = {
      {AMP_BONDS_RING, 256, 1, 16, 8},  /* 2 per level */
      {AMP_BONDS_RING, 256, 1, 15, 8},
      {AMP_BONDS_RING, 256, 1, 14, 7},
      {AMP_BONDS_CHAIN, 10, 1, 3, 3},   /* an end: one per level */
      {AMP_BONDS_CHAIN, 10, 1, 20, 9},  /* all of it, from an end */
      {AMP_BONDS_LATTICE, 16, 2, 5, 2}, /* 4 x 4: a corner has 2 + 3 within 2 hops */
      {AMP_BONDS_LATTICE, 16, 2, 6, 3},
      {AMP_BONDS_NONE, 5, 2, 4, 0},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
    amp_bonds b;
    graph(&b, cases[k].kind, cases[k].n, cases[k].dim, 10.0, 0, NULL);
    assert_int_equal(amp_graph_hops(&b, cases[k].K), cases[k].hops);
    amp_bonds_free(&b);
  }
}

static void a_candidate_not_among_the_rows_is_refused(void **state) {
  (void)state;
  const double x[8][2] = {{0, 0}, {1, 0}, {2, 0}, {3, 0}, {4, 0}, {3, 1}, {2, 1}, {1, 1}};
  amp_particles p;
  amp_bonds b;
  amp_neighborhoods nb = {0};
  ring_of_eight(&p, &b, x);
  amp_neighborhood_spec s = SPEC(AMP_MODEL_AOUP, 2, 16.0, 3, 0, &b);
  p.nowned = 3, p.nghost = 3; /* ids 0 .. 5 only: 2's candidates (1, 3; 0, 4) are here, 0's 7 is not */
  size_t target[2] = {2, 0};
  assert_int_equal(amp_neighborhood_build(&nb, &s, NULL, &p, target, 1), 0);
  brute_check_target(&nb, 0, &s, &p, 2);
  assert_int_equal(amp_neighborhood_build(&nb, &s, NULL, &p, target, 2), -1);
  assert_string_equal(nb.error, "particle 7 (hop 1 from particle 0, a candidate for its 3 graph neighbours) is not "
                                "on that particle's rank: the halo does not reach the K-th graph neighbour (a bond "
                                "longer than [interaction] bond_reach, or a halo capped below L/2): raise bond_reach, "
                                "or use fewer ranks");
  /* the scratch is clean after the failure: every particle again, rows rotated */
  p.nowned = 8, p.nghost = 0;
  for (int i = 0; i < 8; ++i) {
    int id = (i + 3) % 8;
    p.id[i] = id, p.x[2 * i] = x[id][0], p.x[2 * i + 1] = x[id][1];
  }
  size_t all[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  assert_int_equal(amp_neighborhood_build(&nb, &s, NULL, &p, all, 8), 0);
  assert_string_equal(nb.error, "");
  for (size_t i = 0; i < 8; ++i) brute_check_target(&nb, i, &s, &p, i);
  p.id[3] = 8; /* not in the graph */
  assert_int_equal(amp_neighborhood_build(&nb, &s, NULL, &p, all, 1), -1);
  assert_non_null(strstr(nb.error, "particle id 8 is not in the bond graph of 8 particles"));
  amp_neighborhood_free(&nb);
  amp_bonds_free(&b);
  amp_particles_free(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(tokens_match_brute_force_on_every_graph),
      cmocka_unit_test(a_distance_graph_in_pieces_is_padded),
      cmocka_unit_test(a_level_is_cut_by_distance_then_id),
      cmocka_unit_test(fewer_than_K_reachable_are_padded),
      cmocka_unit_test(widths_carry_the_hop),
      cmocka_unit_test(hops_a_halo_must_cover),
      cmocka_unit_test(a_candidate_not_among_the_rows_is_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

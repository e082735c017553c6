/*
 * Neighbourhood token tensors on one rank: bit for bit the O(N^2) reference
 * (tests/reference) on random configurations in 1, 2 and 3 dimensions, with
 * cells coarser and finer than the cutoff, rows in an order unrelated to
 * ids, and both many more candidates than K and fewer; then hand-placed
 * cases with the numbers written out: images across the box edge, ties at
 * exactly equal distances ordered by id, the cutoff excluded, padding of an
 * isolated particle, absolute positions, the feature maps and their widths,
 * scratch reuse, and the arguments refused.
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

static uint64_t state_ = 987654321;

static double uniform(void) {
  state_ ^= state_ << 13;
  state_ ^= state_ >> 7;
  state_ ^= state_ << 17;
  return (double)(state_ >> 11) * 0x1.0p-53;
}

/* n rows uniform in the box, q uniform in [-pi, pi), ids a random permutation. */
static void random_rows(amp_particles *p, const amp_neighborhood_spec *s, size_t n) {
  int nq = amp_internal_components(s->model, s->dim);
  amp_particles_init(p, s->dim, nq, n);
  p->nowned = n;
  for (size_t i = 0; i < n; ++i) {
    p->id[i] = (int64_t)i;
    for (int a = 0; a < s->dim; ++a) p->x[i * (size_t)s->dim + a] = amp_wrap((uniform() - 0.5) * s->L, s->L);
    for (int k = 0; k < nq; ++k) p->q[i * (size_t)nq + k] = (2 * uniform() - 1) * M_PI;
  }
  for (size_t i = n; i > 1; --i) {
    size_t j = (size_t)(uniform() * (double)i);
    int64_t t = p->id[i - 1];
    p->id[i - 1] = p->id[j], p->id[j] = t;
  }
}

/* Every row as a target, against the reference; returns targets with a full K. */
static size_t check_all(const amp_neighborhood_spec *s, amp_particles *p, double cell_cutoff, size_t *padded) {
  amp_cells c = {0};
  amp_neighborhoods nb = {0};
  size_t n = p->nowned, full = 0;
  size_t *target = malloc(n * sizeof *target);
  for (size_t b = 0; b < n; ++b) target[b] = n - 1 - b; /* batch order is not row order */
  assert_int_equal(amp_cells_build(&c, p, s->L, cell_cutoff), 0);
  assert_int_equal(amp_neighborhood_build(&nb, s, &c, p, target, n), 0);
  assert_int_equal(nb.B, n);
  *padded = 0;
  for (size_t b = 0; b < n; ++b) {
    int m = brute_check_target(&nb, b, s, p, target[b]);
    full += m == s->K;
    *padded += m < s->K;
  }
  free(target);
  amp_neighborhood_free(&nb);
  amp_cells_free(&c);
  return full;
}

/* Every row of a random configuration as a target; returns the padded ones
 * (after checking that selection among more than K candidates happened). */
static size_t check_random(amp_neighborhood_spec s, size_t n, double cell_cutoff) {
  amp_particles p;
  random_rows(&p, &s, n);
  size_t padded, full = check_all(&s, &p, cell_cutoff, &padded);
  assert_true(full > n / 10);
  amp_particles_free(&p);
  return padded;
}

#define SPEC(m, d, L_, K_, R_, abs) \
  (amp_neighborhood_spec) { .model = m, .dim = d, .L = L_, .K = K_, .R = R_, .absolute_position = abs }

static void tokens_match_brute_force_in_every_dimension(void **state) {
  (void)state; /* about 12 candidates each: some targets full, some padded */
  assert_true(check_random(SPEC(AMP_MODEL_AOUP, 1, 100.0, 10, 3.0, 0), 200, 3.0) > 0);
  assert_true(check_random(SPEC(AMP_MODEL_AOUP, 2, 30.0, 8, 2.5, 0), 500, 2.5) > 0);
  assert_true(check_random(SPEC(AMP_MODEL_AOUP, 3, 12.0, 8, 2.0, 0), 600, 2.0) > 0);
  assert_true(check_random(SPEC(AMP_MODEL_ABP, 2, 30.0, 6, 2.5, 0), 500, 2.5) > 0);
  assert_true(check_random(SPEC(AMP_MODEL_ABP, 3, 12.0, 6, 2.0, 1), 600, 2.0) > 0);
}

static void tokens_do_not_depend_on_the_cell_size(void **state) {
  (void)state;
  assert_true(check_random(SPEC(AMP_MODEL_AOUP, 2, 30.0, 8, 2.5, 0), 500, 0.7) > 0);   /* several rings */
  assert_true(check_random(SPEC(AMP_MODEL_AOUP, 2, 30.0, 8, 2.5, 0), 500, 14.0) > 0);  /* 2 cells across */
  assert_true(check_random(SPEC(AMP_MODEL_AOUP, 3, 8.0, 145, 3.9, 1), 300, 1.3) > 0); /* R near L/2 */
}

static void many_candidates_few_tokens(void **state) {
  (void)state; /* about 50 candidates for 3 tokens: the heap rejects most */
  check_random(SPEC(AMP_MODEL_AOUP, 2, 20.0, 3, 2.9, 0), 800, 2.9);
  assert_true(check_random(SPEC(AMP_MODEL_AOUP, 2, 20.0, 1, 0.8, 1), 800, 0.8) > 0);
}

/* Rows at given positions (2-D AOUP, q = id + 0.5 per component), ids given. */
static void place(amp_particles *p, size_t n, const double (*x)[2], const int64_t *id) {
  amp_particles_init(p, 2, 2, n);
  p->nowned = n;
  for (size_t i = 0; i < n; ++i) {
    p->id[i] = id[i];
    for (int a = 0; a < 2; ++a) p->x[2 * i + a] = x[i][a], p->q[2 * i + a] = (double)id[i] + 0.5 * (a + 1);
  }
}

/* The target (row 0) at (-7.5, 0) in a box of 16: four particles at distance
 * exactly 1 (one across the edge at x = 7.5), two at exactly 2. */
static const double tie_x[7][2] = {{-7.5, 0}, {7.5, 0}, {-7.5, 2}, {-5.5, 0}, {-7.5, 1}, {-6.5, 0}, {-7.5, -1}};
static const int64_t tie_id[7] = {4, 8, 3, 1, 6, 2, 0};

static void build_ties(amp_neighborhoods *nb, amp_particles *p, int K, int absolute) {
  amp_neighborhood_spec s = {.model = AMP_MODEL_AOUP, .dim = 2, .L = 16, .K = K, .R = 2.5, .absolute_position = absolute};
  amp_cells c = {0};
  size_t target = 0;
  place(p, 7, tie_x, tie_id);
  assert_int_equal(amp_cells_build(&c, p, s.L, s.R), 0);
  assert_int_equal(amp_neighborhood_build(nb, &s, &c, p, &target, 1), 0);
  brute_check_target(nb, 0, &s, p, 0);
  amp_cells_free(&c);
}

static void ties_are_ordered_by_id_across_the_edge(void **state) {
  (void)state;
  amp_neighborhoods nb = {0};
  amp_particles p;
  build_ties(&nb, &p, 5, 0);
  const int64_t want_id[6] = {4, 0, 2, 6, 8, 1}; /* distance 1: ids 0 2 6 8; distance 2: 1 beats 3 */
  const float want_x[6][2] = {{0, 0}, {0, 1}, {-1, 0}, {0, -1}, {1, 0}, {-2, 0}};
  assert_int_equal(nb.count[0], 5);
  assert_memory_equal(nb.id, want_id, sizeof want_id);
  assert_memory_equal(nb.x, want_x, sizeof want_x);
  assert_true(nb.q[2 * 4] == 8.5f && nb.q[2 * 4 + 1] == 9.0f); /* token 4 carries id 8's g */
  amp_particles_free(&p);
  amp_neighborhood_free(&nb);
}

static void fewer_than_K_within_R_are_padded(void **state) {
  (void)state;
  amp_neighborhoods nb = {0};
  amp_particles p;
  build_ties(&nb, &p, 9, 0); /* 6 within R: tokens 7..9 padding */
  assert_int_equal(nb.count[0], 6);
  assert_int_equal(nb.id[6], 3);
  for (int t = 7; t < 10; ++t) {
    assert_int_equal(nb.id[t], -1);
    assert_int_equal(nb.mask[t], 0);
    assert_true(nb.q[2 * t] == 0 && nb.q[2 * t + 1] == 0 && nb.x[2 * t] == 0 && nb.x[2 * t + 1] == 0);
  }
  for (int t = 0; t < 7; ++t) assert_int_equal(nb.mask[t], 1);
  amp_particles_free(&p);
  amp_neighborhood_free(&nb);
}

static void an_isolated_particle_and_the_cutoff_itself(void **state) {
  (void)state;
  const double x[3][2] = {{0, 0}, {3, 0}, {-2.5, 0.25}}; /* row 1 at exactly R = 3: excluded */
  const int64_t id[3] = {10, 11, 12};
  amp_neighborhood_spec s = {.model = AMP_MODEL_AOUP, .dim = 2, .L = 16, .K = 2, .R = 3};
  amp_particles p;
  amp_cells c = {0};
  amp_neighborhoods nb = {0};
  size_t target[2] = {0, 2};
  place(&p, 3, x, id);
  assert_int_equal(amp_cells_build(&c, &p, s.L, 1.0), 0);
  assert_int_equal(amp_neighborhood_build(&nb, &s, &c, &p, target, 2), 0);
  const int64_t want_id[6] = {10, 12, -1, 12, 10, -1};
  const unsigned char want_mask[6] = {1, 1, 0, 1, 1, 0};
  assert_memory_equal(nb.id, want_id, sizeof want_id);
  assert_memory_equal(nb.mask, want_mask, sizeof want_mask);
  assert_int_equal(nb.count[0], 1);
  assert_true(nb.x[2] == 2.5f && nb.x[3] == -0.25f);
  assert_true(nb.q[0] == 10.5f && nb.q[1] == 11.0f && nb.q[2] == 12.5f); /* self, then id 12 */
  s.R = 1.0; /* now everyone is isolated */
  assert_int_equal(amp_neighborhood_build(&nb, &s, &c, &p, target, 1), 0);
  assert_int_equal(nb.count[0], 0);
  assert_true(nb.mask[0] == 1 && nb.mask[1] == 0 && nb.mask[2] == 0 && nb.id[1] == -1 && nb.id[2] == -1);
  amp_neighborhood_free(&nb);
  amp_cells_free(&c);
  amp_particles_free(&p);
}

static void absolute_positions_follow_the_displacement(void **state) {
  (void)state;
  amp_neighborhoods nb = {0};
  amp_particles p;
  build_ties(&nb, &p, 5, 1);
  const float want_x[3][4] = {{0, 0, -7.5f, 0}, {0, 1, -7.5f, -1}, {-1, 0, -6.5f, 0}};
  assert_int_equal(nb.nx, 4);
  assert_memory_equal(nb.x, want_x, sizeof want_x);
  assert_true(nb.x[4 * 4] == 1 && nb.x[4 * 4 + 2] == 7.5f); /* across the edge: x_j stays canonical */
  amp_particles_free(&p);
  amp_neighborhood_free(&nb);
}

/* The tie configuration with the force (10 r, -r) on row r, built with
 * spec s for target row 0. */
typedef struct {
  amp_particles p;
  amp_cells c;
  amp_neighborhoods nb;
  double force[7][2];
  size_t target;
} forced_ties;

static void build_forced_ties(forced_ties *f, const amp_neighborhood_spec *s) {
  memset(f, 0, sizeof *f);
  for (int r = 0; r < 7; ++r) f->force[r][0] = 10.0 * r, f->force[r][1] = -r;
  place(&f->p, 7, tie_x, tie_id);
  assert_int_equal(amp_cells_build(&f->c, &f->p, s->L, s->R), 0);
  assert_int_equal(amp_neighborhood_build_with_force(&f->nb, s, &f->c, &f->p, &f->force[0][0], &f->target, 1), 0);
}

static void free_forced_ties(forced_ties *f) {
  amp_neighborhood_free(&f->nb);
  amp_cells_free(&f->c);
  amp_particles_free(&f->p);
}

/* The row of token t's particle, -1 for padding. */
static int tie_row(const amp_neighborhoods *nb, int t) {
  for (int r = 0; r < 7; ++r)
    if (tie_id[r] == nb->id[t]) return r;
  return -1;
}

/* With spec.force each token's x ends with its particle's force, after
 * x_i - x_j and x_j; padding stays zero; a build with spec.force and no
 * forces, or forces without spec.force, is refused. */
static void tokens_carry_their_particles_forces(void **state) {
  (void)state;
  amp_neighborhood_spec s = {.model = AMP_MODEL_AOUP, .dim = 2, .L = 16, .K = 7, .R = 2.5, .absolute_position = 1,
                             .force = 1};
  forced_ties f;
  build_forced_ties(&f, &s);
  assert_int_equal(f.nb.nx, 6);
  for (int t = 0; t < 8; ++t) {
    const float *x = f.nb.x + 6 * t;
    int row = tie_row(&f.nb, t);
    float want[2] = {row < 0 ? 0 : (float)f.force[row][0], row < 0 ? 0 : (float)f.force[row][1]};
    if (x[4] != want[0] || x[5] != want[1]) fail_msg("token %d (id %lld): force (%g, %g)", t, (long long)f.nb.id[t], x[4], x[5]);
  }
  assert_true(f.nb.x[6 * 1 + 1] == 1 && f.nb.x[6 * 1 + 3] == -1); /* token 1 (id 0): x_i - x_j, then x_j */
  assert_int_equal(amp_neighborhood_build_with_force(&f.nb, &s, &f.c, &f.p, NULL, &f.target, 1), -1);
  s.force = 0;
  assert_int_equal(amp_neighborhood_build_with_force(&f.nb, &s, &f.c, &f.p, &f.force[0][0], &f.target, 1), -1);
  free_forced_ties(&f);
}

/* With spec.drift (and force) each token's x then ends with its particle's
 * drift relative to the target's, b_j - b_i = v0 (g_j - g_i) + F_j - F_i
 * (token 0: zero; padding: zero); drift without force is refused. */
static void tokens_carry_their_drift_relative_to_the_target(void **state) {
  (void)state;
  amp_neighborhood_spec s = {.model = AMP_MODEL_AOUP, .dim = 2, .L = 16, .K = 7, .R = 2.5, .force = 1, .drift = 1,
                             .v0 = 0.5};
  forced_ties f;
  build_forced_ties(&f, &s);
  assert_int_equal(f.nb.nx, 6);
  assert_true(f.nb.drift_scale == 0.5);
  for (int t = 0; t < 8; ++t) {
    const float *x = f.nb.x + 6 * t;
    int row = tie_row(&f.nb, t);
    for (int a = 0; a < 2; ++a) {
      double b = row < 0 ? 0 : 0.5 * (f.p.q[2 * row + a] - f.p.q[a]) + f.force[row][a] - f.force[0][a];
      if (x[4 + a] != (float)b)
        fail_msg("token %d (id %lld): drift[%d] %g, want %g", t, (long long)f.nb.id[t], a, x[4 + a], b);
    }
  }
  assert_true(f.nb.x[4] == 0 && f.nb.x[5] == 0 && f.nb.count[0] == 6);
  s.force = 0;
  assert_int_equal(amp_neighborhood_build_with_force(&f.nb, &s, &f.c, &f.p, NULL, &f.target, 1), -1);
  free_forced_ties(&f);
}

static void feature_maps_and_widths(void **state) {
  (void)state;
  int nf, nx;
  const int want[5][4] = {{AMP_MODEL_AOUP, 1, 1, 1}, {AMP_MODEL_AOUP, 3, 3, 6}, {AMP_MODEL_ABP, 2, 2, 2},
                          {AMP_MODEL_ABP, 2, 2, 4}, {AMP_MODEL_ABP, 3, 3, 3}};
  const int absolute[5] = {0, 1, 0, 1, 0};
  for (int k = 0; k < 5; ++k) {
    amp_neighborhood_widths((amp_model)want[k][0], want[k][1], absolute[k], 0, 0, 0, &nf, &nx);
    assert_int_equal(nf, want[k][2]);
    assert_int_equal(nx, want[k][3]);
  }
  /* d force columns, then d drift columns, after the positions and the hop */
  amp_neighborhood_widths(AMP_MODEL_AOUP, 2, 0, 0, 1, 0, &nf, &nx);
  assert_int_equal(nx, 4);
  amp_neighborhood_widths(AMP_MODEL_AOUP, 2, 0, 0, 1, 1, &nf, &nx);
  assert_int_equal(nx, 6);
  amp_neighborhood_widths(AMP_MODEL_AOUP, 3, 1, 1, 1, 1, &nf, &nx);
  assert_int_equal(nx, 13);
  float f[3];
  const double theta = 2.0 * M_PI / 3.0, n[3] = {0.6, 0.0, -0.8}, g[2] = {-1.25, 3.0};
  amp_neighborhood_features(AMP_MODEL_ABP, 2, &theta, f);
  assert_float_equal(f[0], -0.5, 1e-7);
  assert_float_equal(f[1], sqrt(3.0) / 2, 1e-7);
  amp_neighborhood_features(AMP_MODEL_ABP, 3, n, f);
  assert_true(f[0] == 0.6f && f[1] == 0.0f && f[2] == -0.8f);
  amp_neighborhood_features(AMP_MODEL_AOUP, 2, g, f);
  assert_true(f[0] == -1.25f && f[1] == 3.0f);
  double df[2], h = 1e-6, up[2] = {cos(theta + h), sin(theta + h)}, down[2] = {cos(theta - h), sin(theta - h)};
  amp_neighborhood_features_dtheta(theta, df);
  assert_float_equal(df[0], -sqrt(3.0) / 2, 1e-15);
  assert_float_equal(df[1], -0.5, 1e-15);
  for (int a = 0; a < 2; ++a) assert_float_equal(df[a], (up[a] - down[a]) / (2 * h), 1e-9);
  amp_neighborhood_spec s = {.model = AMP_MODEL_AOUP, .dim = 2, .K = 64};
  assert_int_equal(amp_neighborhood_bytes(&s), 65 * (8 + 8 + 8 + 1) + 4);
}

static void scratch_is_reused_across_shapes(void **state) {
  (void)state;
  amp_neighborhood_spec s = {.model = AMP_MODEL_ABP, .dim = 2, .L = 30, .K = 12, .R = 3};
  amp_particles p;
  amp_cells c = {0};
  amp_neighborhoods nb = {0};
  random_rows(&p, &s, 400);
  assert_int_equal(amp_cells_build(&c, &p, s.L, s.R), 0);
  size_t target[3] = {5, 17, 399};
  assert_int_equal(amp_neighborhood_build(&nb, &s, &c, &p, target, 3), 0);
  size_t bytes = nb.cap_block;
  assert_int_equal(nb.bytes, 3 * amp_neighborhood_bytes(&s));
  s.K = 2, s.absolute_position = 1; /* a smaller batch of another shape fits: no reallocation */
  assert_int_equal(amp_neighborhood_build(&nb, &s, &c, &p, target, 2), 0);
  assert_int_equal(nb.cap_block, bytes);
  for (size_t b = 0; b < 2; ++b) brute_check_target(&nb, b, &s, &p, target[b]);
  s.K = 40; /* and a larger one grows */
  assert_int_equal(amp_neighborhood_build(&nb, &s, &c, &p, target, 3), 0);
  for (size_t b = 0; b < 3; ++b) brute_check_target(&nb, b, &s, &p, target[b]);
  amp_neighborhood_free(&nb);
  amp_cells_free(&c);
  amp_particles_free(&p);
}

static void contract_violations_are_refused(void **state) {
  (void)state;
  amp_neighborhood_spec s = {.model = AMP_MODEL_AOUP, .dim = 2, .L = 10, .K = 4, .R = 2};
  amp_particles p;
  amp_cells c = {0};
  amp_neighborhoods nb = {0};
  random_rows(&p, &s, 50);
  p.nowned = 40, p.nghost = 10; /* rows 40..49 are ghosts */
  assert_int_equal(amp_cells_build(&c, &p, s.L, s.R), 0);
  size_t ghost = 45, owned = 3;
  assert_int_equal(amp_neighborhood_build(&nb, &s, &c, &p, &owned, 1), 0);
  assert_int_equal(amp_neighborhood_build(&nb, &s, &c, &p, &ghost, 1), -1);
  assert_non_null(strstr(nb.error, "row 45 is not an owned row"));
  assert_int_equal(amp_neighborhood_build(&nb, &s, &c, &p, &owned, 1), 0);
  assert_string_equal(nb.error, "");
  amp_neighborhood_spec bad[4] = {s, s, s, s};
  bad[0].R = 5.0;                /* R = L/2 */
  bad[1].K = 0;
  bad[2].model = AMP_MODEL_ABP;  /* p carries g, not theta */
  bad[3].L = 12;                 /* not the cells' box */
  for (int k = 0; k < 4; ++k) assert_int_equal(amp_neighborhood_build(&nb, &bad[k], &c, &p, &owned, 1), -1);
  amp_neighborhood_free(&nb);
  amp_cells_free(&c);
  amp_particles_free(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(tokens_match_brute_force_in_every_dimension),
      cmocka_unit_test(tokens_do_not_depend_on_the_cell_size),
      cmocka_unit_test(many_candidates_few_tokens),
      cmocka_unit_test(ties_are_ordered_by_id_across_the_edge),
      cmocka_unit_test(fewer_than_K_within_R_are_padded),
      cmocka_unit_test(an_isolated_particle_and_the_cutoff_itself),
      cmocka_unit_test(absolute_positions_follow_the_displacement),
      cmocka_unit_test(tokens_carry_their_particles_forces),
      cmocka_unit_test(tokens_carry_their_drift_relative_to_the_target),
      cmocka_unit_test(feature_maps_and_widths),
      cmocka_unit_test(scratch_is_reused_across_shapes),
      cmocka_unit_test(contract_violations_are_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

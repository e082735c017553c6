/*
 * The score network configured from an input and fed by real neighbourhoods:
 * the architecture the [network] table and the model imply (token widths,
 * heads, the derived position head), and the symmetries of the score of a
 * periodic, translation-invariant system, end to end from positions in
 * float: translating every particle (across the box edge), and moving
 * particles by box vectors, leave every particle's score unchanged
 * (relative 1e-5); and a neighbourhood's particle order (the global ids,
 * which break distance ties) does not matter; micro-batches give the
 * scores and Jacobians of one batch. Bond-graph neighbourhoods: the token
 * width and the halo they imply, and scores that follow the graph, not the
 * labels: relabelling the ids together with the graph changes nothing.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "activempi/score.h"
#include "test_util.h"

#define SYM_TOL 1e-5

static amp_config config_for(const char *extra) {
  char text[1024], err[AMP_ERR_LEN];
  snprintf(text, sizeof text,
           "[system]\nmodel = \"aoup\"\ndimension = 2\nparticles = 90\nbox_length = 24.0\n"
           "[dynamics]\nv0 = 0.5\ngamma = 0.1\ndt = 0.01\ntranslational_diffusion = 0.0\n"
           "[network]\nneighbors = 12\nneighborhood_cutoff = 7.0\nembed_dim = 16\nheads = 2\nlayers = 2\n"
           "feedforward_dim = 24\nembed_hidden_layers = 2\nembed_hidden_width = 16\n"
           "decoder_hidden_layers = 2\ndecoder_hidden_width = 16\n%s\n"
           "[train]\nsteps = 10\ndata = \"t.h5\"\n",
           extra);
  amp_config cfg;
  if (amp_config_parse(text, strlen(text), "test.toml", &cfg, err)) fail_msg("%s", err);
  return cfg;
}

static void architecture_follows_the_model(void **state) {
  (void)state;
  amp_nn_arch a;
  amp_config cfg = config_for("");
  amp_score_arch(&cfg, &a);
  assert_int_equal(a.q_features, 2);
  assert_int_equal(a.x_features, 2);
  assert_int_equal(a.q_outputs, 2);
  assert_int_equal(a.x_outputs, 0); /* hypoelliptic: no position head */
  assert_int_equal(a.ff_layers, 1);
  cfg = config_for("forces = \"drift\"");
  amp_score_arch(&cfg, &a);
  assert_int_equal(a.x_features, 6); /* x_i - x_j, F_j, b_j - b_i */
  assert_int_equal(a.force_features, 2);
  assert_int_equal(a.drift_features, 2);
  assert_true(cfg.derived.force_cutoff > 0 && cfg.derived.token_halo == 7.0 + cfg.derived.force_cutoff);
  amp_neighborhood_spec spec;
  amp_score_neighborhood_spec(&cfg, NULL, &spec);
  assert_true(spec.force && spec.drift && spec.v0 == 0.5);
  char text[] = "[system]\nmodel = \"abp\"\ndimension = 2\nparticles = 9\nbox_length = 30.0\n"
                "[dynamics]\nv0 = 0.5\ndt = 0.01\ntranslational_diffusion = 0.1\nrotational_diffusion = 0.2\n"
                "[network]\npositions = \"relative_and_absolute\"\npooling = \"mean\"\nembed_dim = 16\nheads = 2\n"
                "[train]\nsteps = 10\ndata = \"t.h5\"\n";
  char err[AMP_ERR_LEN];
  if (amp_config_parse(text, strlen(text), "abp.toml", &cfg, err)) fail_msg("%s", err);
  amp_score_arch(&cfg, &a);
  assert_int_equal(a.q_features, 2); /* (cos, sin) */
  assert_int_equal(a.x_features, 4); /* x_i - x_j, x_j */
  assert_int_equal(a.q_outputs, 1);  /* d/dtheta */
  assert_int_equal(a.x_outputs, 2);  /* derived: translational noise is on */
  assert_int_equal(a.pooling, AMP_NN_POOL_MEAN);
}

/* A configuration and the network's outputs for all its particles. */
typedef struct {
  amp_config cfg;
  amp_nn_layout l;
  float *params;
  amp_particles p;
  const amp_bonds *bonds; /* bond-graph neighbourhoods walk it (NULL: in space) */
} system_ctx;

static double uniform(double lo, double hi) { return test_uniform(lo, hi); }

static void system_setup_with(system_ctx *s, const char *extra) {
  s->cfg = config_for(extra);
  s->bonds = NULL;
  amp_nn_arch a;
  amp_score_arch(&s->cfg, &a);
  assert_int_equal(amp_nn_layout_init(&s->l, &a), 0);
  s->params = malloc(s->l.nparams * sizeof *s->params);
  assert_non_null(s->params);
  amp_nn_init_params(&s->l, 11, s->params);
  for (size_t i = 0; i < s->l.nparams; i++) s->params[i] += (float)uniform(-0.2, 0.2);
  size_t n = (size_t)s->cfg.system.particles;
  double L = s->cfg.system.box_length;
  assert_int_equal(amp_particles_init(&s->p, 2, 2, n + 1), 0); /* a spare row for swaps */
  s->p.nowned = n;
  for (size_t i = 0; i < n; i++) {
    s->p.id[i] = (int64_t)i;
    for (int k = 0; k < 2; k++) {
      s->p.x[2 * i + k] = amp_wrap(uniform(-L / 2, L / 2), L);
      s->p.q[2 * i + k] = uniform(-2, 2);
    }
  }
}

static void system_setup(system_ctx *s) { system_setup_with(s, ""); }

static void system_free(system_ctx *s) {
  free(s->params);
  amp_nn_layout_free(&s->l);
  amp_particles_free(&s->p);
}

/* out[id * 2 + k]: the g-score of every particle, by global id, through
 * micro-batches of `capacity`; jq (NULL: skip) [id][2][2] its Jacobian. */
static void scores_batched(const system_ctx *s, int capacity, float *out, float *jq) {
  amp_neighborhood_spec spec;
  amp_score_neighborhood_spec(&s->cfg, s->bonds, &spec);
  amp_cells c = {0};
  amp_neighborhoods nb = {0};
  amp_nn_workspace ws;
  size_t n = s->p.nowned, *target = malloc(n * sizeof *target);
  float *sq = malloc(2 * n * sizeof *sq), *j = malloc(4 * n * sizeof *j);
  assert_true(target && sq && j);
  for (size_t i = 0; i < n; i++) target[i] = i;
  assert_int_equal(amp_cells_build(&c, &s->p, spec.L, spec.R), 0);
  assert_int_equal(amp_neighborhood_build(&nb, &spec, &c, &s->p, target, n), 0);
  assert_int_equal(amp_nn_workspace_init(&ws, &s->l, capacity, nb.T, jq != NULL), 0);
  amp_score_evaluate(&s->l, s->params, &ws, &nb, 2, sq, NULL, jq ? j : NULL, NULL);
  for (size_t i = 0; i < n; i++) {
    memcpy(out + 2 * s->p.id[i], sq + 2 * i, 2 * sizeof *out);
    if (jq) memcpy(jq + 4 * s->p.id[i], j + 4 * i, 4 * sizeof *jq);
  }
  amp_nn_workspace_free(&ws);
  amp_neighborhood_free(&nb);
  amp_cells_free(&c);
  free(target), free(sq), free(j);
}

static void scores(const system_ctx *s, float *out) { scores_batched(s, (int)s->p.nowned, out, NULL); }

static void assert_scores_close(const float *got, const float *want, size_t n, const char *what) {
  assert_floats_close(got, want, n, SYM_TOL, what);
}

static void translations_and_box_vectors_leave_scores_unchanged(void **state) {
  (void)state;
  system_ctx s;
  system_setup(&s);
  size_t n = s.p.nowned;
  double L = s.cfg.system.box_length;
  float *before = malloc(2 * n * sizeof *before), *after = malloc(2 * n * sizeof *after);
  assert_true(before && after);
  scores(&s, before);
  /* translate everything: most particles cross the box edge */
  const double shift[2] = {0.37 * L, -0.81 * L};
  for (size_t i = 0; i < n; i++)
    for (int k = 0; k < 2; k++) s.p.x[2 * i + k] = amp_wrap(s.p.x[2 * i + k] + shift[k], L);
  scores(&s, after);
  assert_scores_close(after, before, 2 * n, "every position translated");
  /* every other particle moved by a box vector, then wrapped again */
  for (size_t i = 0; i < n; i += 2) {
    s.p.x[2 * i] = amp_wrap(s.p.x[2 * i] + 3 * L, L);
    s.p.x[2 * i + 1] = amp_wrap(s.p.x[2 * i + 1] - L, L);
  }
  float *boxed = malloc(2 * n * sizeof *boxed);
  assert_non_null(boxed);
  scores(&s, boxed);
  assert_scores_close(boxed, before, 2 * n, "box vectors added");
  /* rows reversed: a particle's neighbourhood is a function of the configuration */
  for (size_t i = 0; i < n / 2; i++) {
    size_t j = n - 1 - i;
    amp_particles_copy_row(&s.p, n, i); /* row n: scratch beyond the owned rows */
    amp_particles_copy_row(&s.p, i, j);
    amp_particles_copy_row(&s.p, j, n);
  }
  scores(&s, after);
  assert_scores_close(after, boxed, 2 * n, "rows reordered");
  free(before), free(after), free(boxed);
  system_free(&s);
}

static void micro_batches_equal_one_batch(void **state) {
  (void)state;
  system_ctx s;
  system_setup(&s);
  size_t n = s.p.nowned;
  float *one = malloc(2 * n * sizeof *one), *many = malloc(2 * n * sizeof *many);
  float *jone = malloc(4 * n * sizeof *jone), *jmany = malloc(4 * n * sizeof *jmany);
  assert_true(one && many && jone && jmany);
  scores_batched(&s, (int)n, one, jone);
  scores_batched(&s, 7, many, jmany); /* 90 = 12 x 7 + 6 */
  assert_scores_close(many, one, 2 * n, "scores in micro-batches of 7");
  assert_scores_close(jmany, jone, 4 * n, "Jacobians in micro-batches of 7");
  free(one), free(many), free(jone), free(jmany);
  system_free(&s);
}

#define RING_TABLE "[interaction]\npotential = \"none\"\nbonds = \"ring\"\n"
#define RING "neighborhood = \"bonds\"\n" RING_TABLE

static void bond_graph_tokens_widen_the_tokens_and_the_halo(void **state) {
  (void)state;
  amp_config cfg = config_for(RING);
  amp_nn_arch a;
  amp_bonds b;
  amp_neighborhood_spec spec;
  double width;
  amp_score_arch(&cfg, &a);
  assert_int_equal(a.x_features, 3); /* x_i - x_j, hop */
  assert_int_equal(amp_bonds_build(&b, &cfg, NULL), 0);
  amp_score_neighborhood_spec(&cfg, &b, &spec);
  assert_ptr_equal(spec.bonds, &b);
  /* a ring with K = 12: 6 hops of bond_reach = L/4 = 6 reach past L/2 = 12: capped just below */
  assert_int_equal(amp_score_graph_halo(&cfg, &b, &width), 0);
  assert_true(width == nextafter(12.0, 0));
  cfg.interaction.bond_reach = 1.5;
  assert_int_equal(amp_score_graph_halo(&cfg, &b, &width), 0);
  assert_true(width == 9.0);
  cfg = config_for("positions = \"relative_and_absolute\"\n" RING_TABLE);
  amp_score_arch(&cfg, &a);
  assert_int_equal(a.x_features, 4);
  amp_score_neighborhood_spec(&cfg, &b, &spec);
  assert_null(spec.bonds);
  assert_int_equal(amp_score_graph_halo(&cfg, &b, &width), 0);
  assert_true(width == 0);
  amp_bonds_free(&b);
}

/* The ring of ids 0 .. n-1 relabelled: id i becomes label[i], partners too. */
static void relabelled_ring(const amp_bonds *ring, const int64_t *label, amp_bonds *out) {
  const int64_t n = ring->n;
  *out = *ring;
  out->start = malloc((size_t)(n + 1) * sizeof *out->start);
  out->partner = malloc((size_t)ring->start[n] * sizeof *out->partner);
  assert_true(out->start && out->partner);
  int64_t *old = malloc((size_t)n * sizeof *old);
  for (int64_t i = 0; i < n; i++) old[label[i]] = i;
  out->start[0] = 0;
  for (int64_t u = 0; u < n; u++) {
    int64_t i = old[u], *to = out->partner + out->start[u], m = amp_bonds_degree(ring, i);
    for (int64_t e = 0; e < m; e++) to[e] = label[ring->partner[ring->start[i] + e]];
    for (int64_t e = 1; e < m; e++) /* ascending */
      for (int64_t k = e; k > 0 && to[k - 1] > to[k]; k--) {
        int64_t t = to[k];
        to[k] = to[k - 1], to[k - 1] = t;
      }
    out->start[u + 1] = out->start[u] + m;
  }
  free(old);
}

static void bond_graph_scores_follow_the_graph_not_the_labels(void **state) {
  (void)state;
  system_ctx s;
  system_setup_with(&s, RING);
  amp_bonds ring, other;
  assert_int_equal(amp_bonds_build(&ring, &s.cfg, NULL), 0);
  const size_t n = s.p.nowned;
  int64_t *label = malloc(n * sizeof *label);
  float *before = malloc(2 * n * sizeof *before), *after = malloc(2 * n * sizeof *after);
  assert_true(label && before && after);
  for (size_t i = 0; i < n; i++) label[i] = (int64_t)((i * 37 + 11) % n); /* 37 is prime to 90 */
  s.bonds = &ring;
  scores(&s, before);
  relabelled_ring(&ring, label, &other);
  for (size_t i = 0; i < n; i++) s.p.id[i] = label[i]; /* row i keeps its particle */
  s.bonds = &other;
  scores(&s, after); /* by the new ids */
  for (size_t i = 0; i < n; i++)
    assert_memory_equal(after + 2 * label[i], before + 2 * i, 2 * sizeof *after);
  free(label), free(before), free(after);
  amp_bonds_free(&ring);
  free(other.start), free(other.partner);
  system_free(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(architecture_follows_the_model),
    cmocka_unit_test(translations_and_box_vectors_leave_scores_unchanged),
    cmocka_unit_test(micro_batches_equal_one_batch),
    cmocka_unit_test(bond_graph_tokens_widen_the_tokens_and_the_halo),
    cmocka_unit_test(bond_graph_scores_follow_the_graph_not_the_labels),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

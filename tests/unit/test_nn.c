/*
 * The float network as the library runs it: the reference architecture's
 * parameter count (science.md §4: about 2.31 million), the initial values'
 * law and determinism, and the symmetries the output must have whatever the
 * parameters: permuting neighbour tokens, and padding with masked tokens,
 * leave every output unchanged (float32, relative 1e-5), and micro-batches
 * are independent (a particle's output does not depend on its batch mates).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "activempi/nn.h"
#include "test_util.h"

#define SYM_TOL 1e-5

static float uniform(float lo, float hi) { return (float)test_uniform(lo, hi); }

static amp_nn_arch reference_arch(void) {
  return (amp_nn_arch){.q_features = 2, .x_features = 2, .q_outputs = 2, .x_outputs = 0, .embed_dim = 256,
                       .heads = 4, .layers = 4, .ff_dim = 256, .ff_layers = 1, .embed_layers = 4,
                       .embed_width = 256, .decoder_layers = 4, .decoder_width = 256, .pooling = AMP_NN_POOL_SELF};
}

static amp_nn_arch small_arch(amp_nn_pooling pooling) {
  return (amp_nn_arch){.q_features = 2, .x_features = 2, .q_outputs = 2, .x_outputs = 2, .embed_dim = 16,
                       .heads = 4, .layers = 2, .ff_dim = 24, .ff_layers = 1, .embed_layers = 2, .embed_width = 12,
                       .decoder_layers = 2, .decoder_width = 12, .pooling = pooling};
}

static void reference_size_has_the_papers_parameter_count(void **state) {
  (void)state;
  amp_nn_layout l;
  amp_nn_arch a = reference_arch();
  assert_int_equal(amp_nn_layout_init(&l, &a), 0);
  /* embeddings 2 x 231,040; blocks 4 x 395,776; decoder 263,682 */
  assert_int_equal(l.nparams, 2308866);
  const amp_nn_tensor *t = amp_nn_layout_find(&l, "encoder/block_3/attention/output/weight");
  assert_non_null(t);
  assert_int_equal(t->shape[0], 256);
  assert_int_equal(t->shape[1], 256);
  assert_null(amp_nn_layout_find(&l, "decoder_x/linear_0/weight"));
  size_t end = 0;
  for (int i = 0; i < l.ntensors; i++) {
    assert_int_equal(l.tensor[i].offset, end);
    end += (size_t)l.tensor[i].shape[0] * (l.tensor[i].rank == 2 ? (size_t)l.tensor[i].shape[1] : 1);
  }
  assert_int_equal(end, l.nparams);
  amp_nn_layout_free(&l);
}

static void invalid_architectures_are_refused(void **state) {
  (void)state;
  char err[256];
  amp_nn_arch a = reference_arch();
  a.embed_dim = 250; /* not a multiple of 4 heads */
  assert_int_equal(amp_nn_arch_check(&a, err, sizeof err), -1);
  assert_string_equal(err, "embed_dim must be a multiple of heads");
  a = reference_arch();
  a.equilibrium_shift = 1;
  a.q_outputs = 1;
  assert_int_equal(amp_nn_arch_check(&a, err, sizeof err), -1);
}

/* sample sd of a tensor's entries, and the largest |entry| / nominal sd */
static void tensor_stats(const float *p, const amp_nn_tensor *t, double *sd, double *max_ratio, double nominal) {
  size_t n = (size_t)t->shape[0] * t->shape[1];
  double s = 0, s2 = 0, mx = 0;
  for (size_t i = 0; i < n; i++) {
    double v = p[t->offset + i];
    s += v;
    s2 += v * v;
    mx = fmax(mx, fabs(v));
  }
  *sd = sqrt(s2 / n - (s / n) * (s / n));
  *max_ratio = mx / nominal;
}

static void initial_parameters_follow_the_reference_law(void **state) {
  (void)state;
  amp_nn_layout l;
  amp_nn_arch a = reference_arch();
  assert_int_equal(amp_nn_layout_init(&l, &a), 0);
  float *p = malloc(l.nparams * sizeof *p), *p2 = malloc(l.nparams * sizeof *p2);
  assert_true(p && p2);
  amp_nn_init_params(&l, 42, p);
  amp_nn_init_params(&l, 42, p2);
  assert_memory_equal(p, p2, l.nparams * sizeof *p);
  double sd, ratio;
  /* hk.Linear: truncated at 2 sd = 2/sqrt(256), sd shrunk by 0.8796 (65,536 draws: 1% is ~5 sigma) */
  tensor_stats(p, amp_nn_layout_find(&l, "encoder/block_0/feedforward/linear_0/weight"), &sd, &ratio, 1 / 16.0);
  assert_true(fabs(sd / (0.87962566 / 16) - 1) < 0.01);
  assert_true(ratio < 2);
  /* VarianceScaling: corrected to sd 1/sqrt(fan_in), truncated at 2 / 0.8796 of it */
  tensor_stats(p, amp_nn_layout_find(&l, "encoder/block_0/attention/key/weight"), &sd, &ratio, 1 / 16.0);
  assert_true(fabs(sd / (1 / 16.0) - 1) < 0.01);
  assert_true(ratio < 2 / 0.87962566 + 1e-6);
  const amp_nn_tensor *scale = amp_nn_layout_find(&l, "encoder/block_2/norm_1/scale");
  const amp_nn_tensor *bias = amp_nn_layout_find(&l, "decoder/linear_4/bias");
  for (int i = 0; i < scale->shape[0]; i++) assert_true(p[scale->offset + i] == 1);
  for (int i = 0; i < bias->shape[0]; i++) assert_true(p[bias->offset + i] == 0);
  amp_nn_init_params(&l, 43, p2);
  assert_true(memcmp(p, p2, l.nparams * sizeof *p) != 0);
  free(p), free(p2);
  amp_nn_layout_free(&l);
}

/* A network with random parameters (biases and norms perturbed too). */
typedef struct {
  amp_nn_layout l;
  float *params;
} net;

static void net_init(net *n, const amp_nn_arch *a) {
  assert_int_equal(amp_nn_layout_init(&n->l, a), 0);
  n->params = malloc(n->l.nparams * sizeof *n->params);
  assert_non_null(n->params);
  amp_nn_init_params(&n->l, 5, n->params);
  for (size_t i = 0; i < n->l.nparams; i++) n->params[i] += uniform(-0.2f, 0.2f);
}

/* Outputs [B, q_outputs + x_outputs] of B particles of T tokens. */
static void outputs(const net *n, int B, int T, const float *q, const float *x, const unsigned char *mask, float *out) {
  amp_nn_workspace ws;
  const amp_nn_arch *a = &n->l.arch;
  assert_int_equal(amp_nn_workspace_init(&ws, &n->l, B, T, 0), 0);
  amp_nn_forward(&n->l, n->params, &ws, B, q, x, mask);
  int no = a->q_outputs + a->x_outputs;
  for (int b = 0; b < B; b++) {
    memcpy(out + (size_t)b * no, ws.s_q + (size_t)b * a->q_outputs, a->q_outputs * sizeof *out);
    memcpy(out + (size_t)b * no + a->q_outputs, ws.s_x + (size_t)b * a->x_outputs, a->x_outputs * sizeof *out);
  }
  amp_nn_workspace_free(&ws);
}

static void assert_outputs_close(const float *got, const float *want, size_t n, const char *what) {
  assert_floats_close(got, want, n, SYM_TOL, what);
}

enum { K = 9, T = K + 1, NF = 2, NX = 2 };

static void random_tokens(float *q, float *x) {
  for (int t = 0; t < T; t++)
    for (int c = 0; c < 2; c++) {
      q[t * NF + c] = uniform(-2, 2);
      x[t * NX + c] = t ? uniform(-6, 6) : 0;
    }
}

static void check_permutation(amp_nn_pooling pooling) {
  amp_nn_arch a = small_arch(pooling);
  net n;
  net_init(&n, &a);
  float q[2 * T * NF], x[2 * T * NX], out[2 * 4];
  unsigned char mask[2 * T];
  memset(mask, 1, sizeof mask);
  random_tokens(q, x);
  /* particle 1: the same tokens with the neighbours reversed */
  for (int t = 0; t < T; t++) {
    int from = t ? T - t : 0;
    memcpy(q + (T + t) * NF, q + from * NF, NF * sizeof *q);
    memcpy(x + (T + t) * NX, x + from * NX, NX * sizeof *x);
  }
  outputs(&n, 2, T, q, x, mask, out);
  assert_outputs_close(out + 4, out, 4, "neighbours permuted");
  free(n.params);
  amp_nn_layout_free(&n.l);
}

static void permuting_neighbours_leaves_the_score_unchanged(void **state) {
  (void)state;
  check_permutation(AMP_NN_POOL_SELF);
  check_permutation(AMP_NN_POOL_MEAN);
}

static void check_padding(amp_nn_pooling pooling) {
  amp_nn_arch a = small_arch(pooling);
  net n;
  net_init(&n, &a);
  enum { PAD = 4, TP = T + PAD };
  float q[T * NF], x[T * NX], qp[TP * NF], xp[TP * NX], out[4], outp[4];
  unsigned char mask[T], maskp[TP];
  memset(mask, 1, sizeof mask);
  random_tokens(q, x);
  /* padded: the same real tokens with garbage padding interleaved */
  const int pad_at[PAD] = {2, 5, 6, TP - 1};
  int r = 0;
  for (int t = 0; t < TP; t++) {
    int pad = 0;
    for (int i = 0; i < PAD; i++) pad |= t == pad_at[i];
    maskp[t] = !pad;
    for (int c = 0; c < 2; c++) {
      qp[t * NF + c] = pad ? uniform(-50, 50) : q[r * NF + c];
      xp[t * NX + c] = pad ? uniform(-50, 50) : x[r * NX + c];
    }
    r += !pad;
  }
  assert_int_equal(r, T);
  outputs(&n, 1, T, q, x, mask, out);
  outputs(&n, 1, TP, qp, xp, maskp, outp);
  assert_outputs_close(outp, out, 4, "padded with masked tokens");
  free(n.params);
  amp_nn_layout_free(&n.l);
}

static void masked_padding_equals_the_unpadded_neighbourhood(void **state) {
  (void)state;
  check_padding(AMP_NN_POOL_SELF);
  check_padding(AMP_NN_POOL_MEAN);
}

static void batch_mates_do_not_interact(void **state) {
  (void)state;
  amp_nn_arch a = small_arch(AMP_NN_POOL_SELF);
  net n;
  net_init(&n, &a);
  float q[3 * T * NF], x[3 * T * NX], out3[3 * 4], out1[4];
  unsigned char mask[3 * T];
  memset(mask, 1, sizeof mask);
  for (int b = 0; b < 3; b++) random_tokens(q + b * T * NF, x + b * T * NX);
  mask[2 * T + 5] = 0;
  outputs(&n, 3, T, q, x, mask, out3);
  for (int b = 0; b < 3; b++) {
    outputs(&n, 1, T, q + b * T * NF, x + b * T * NX, mask + b * T, out1);
    assert_outputs_close(out1, out3 + 4 * b, 4, "one particle alone");
  }
  free(n.params);
  amp_nn_layout_free(&n.l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(reference_size_has_the_papers_parameter_count),
    cmocka_unit_test(invalid_architectures_are_refused),
    cmocka_unit_test(initial_parameters_follow_the_reference_law),
    cmocka_unit_test(permuting_neighbours_leaves_the_score_unchanged),
    cmocka_unit_test(masked_padding_equals_the_unpadded_neighbourhood),
    cmocka_unit_test(batch_mates_do_not_interact),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

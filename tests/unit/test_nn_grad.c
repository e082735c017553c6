/*
 * The network's gradients in double precision against central finite
 * differences: every layer's backward pass (linear with leading dimensions,
 * GELU, LayerNorm, masked multi-head attention, MLP), then the whole score
 * transformer's parameter and input gradients, and its input Jacobian, in
 * several architectures (self and mean pooling, equilibrium shift, position
 * head, absolute positions, padded tokens, the smooth cutoff envelope, the
 * distance input), the envelope's continuity at the cutoff, and what the
 * distance input feeds the position embedding.
 *
 * The loss is L = sum w . out with fixed random weights w, so dL/dout = w.
 * Error measure: max_i |analytic_i - fd_i| / max_i |fd_i| (h = 1e-5: the
 * truncation error is O(h^2) ~ 1e-10, round-off ~ 1e-11); bound 1e-6.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernels.h"
#include "test_util.h"

#define FD_STEP 1e-5
#define FD_TOL 1e-6

static double uniform(double lo, double hi) { return test_uniform(lo, hi); }

static double *random_array(size_t n, double lo, double hi) {
  double *a = malloc(n * sizeof *a);
  assert_non_null(a);
  for (size_t i = 0; i < n; i++) a[i] = uniform(lo, hi);
  return a;
}

static double dot(const double *a, const double *b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

/* The loss as a function of whatever arrays the context points to. */
typedef double (*loss_fn)(void *ctx);

/* max |grad - fd| / max |fd| over the n entries of x, perturbed in place. */
static double fd_error(loss_fn loss, void *ctx, double *x, const double *grad, size_t n) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < n; i++) {
    double save = x[i];
    x[i] = save + FD_STEP;
    double lp = loss(ctx);
    x[i] = save - FD_STEP;
    double lm = loss(ctx);
    x[i] = save;
    double fd = (lp - lm) / (2 * FD_STEP);
    diff = fmax(diff, fabs(fd - grad[i]));
    scale = fmax(scale, fabs(fd));
  }
  assert_true(scale > 0);
  return diff / scale;
}

static void assert_gradient(loss_fn loss, void *ctx, double *x, const double *grad, size_t n, const char *what) {
  double err = fd_error(loss, ctx, x, grad, n);
  if (!(err <= FD_TOL)) fail_msg("%s: relative gradient error %.3g > %g", what, err, FD_TOL);
}

/* ---- linear --------------------------------------------------------------- */
enum { LM = 7, LIN = 5, LOUT = 4, LDI = 6, LDO = 9 };
typedef struct {
  double *in, *W, *b, *w, out[LM * LDO];
} linear_ctx;

static double linear_loss(void *p) {
  linear_ctx *c = p;
  nn_linear_forward(c->out, LDO, c->in, LDI, c->W, c->b, LM, LIN, LOUT);
  double s = 0;
  for (int r = 0; r < LM; r++) s += dot(c->out + r * LDO, c->w + r * LOUT, LOUT);
  return s;
}

static void linear_backward_matches_differences(void **state) {
  (void)state;
  linear_ctx c = {random_array(LM * LDI, -1, 1), random_array(LIN * LOUT, -1, 1), random_array(LOUT, -1, 1),
                  random_array(LM * LOUT, -1, 1), {0}};
  double din[LM * LDI] = {0}, dW[LIN * LOUT] = {0}, db[LOUT] = {0}, colsum[LOUT];
  nn_linear_backward(din, LDI, 0, dW, db, colsum, c.w, LOUT, c.in, LDI, c.W, LM, LIN, LOUT);
  assert_gradient(linear_loss, &c, c.in, din, LM * LDI, "linear: input");
  assert_gradient(linear_loss, &c, c.W, dW, LIN * LOUT, "linear: weight");
  assert_gradient(linear_loss, &c, c.b, db, LOUT, "linear: bias");
  /* beta = 1 accumulates onto what din holds */
  double din2[LM * LDI];
  for (int i = 0; i < LM * LDI; i++) din2[i] = 1;
  nn_linear_backward(din2, LDI, 1, NULL, NULL, colsum, c.w, LOUT, c.in, LDI, c.W, LM, LIN, LOUT);
  for (int r = 0; r < LM; r++)
    for (int k = 0; k < LIN; k++) assert_true(fabs(din2[r * LDI + k] - 1 - din[r * LDI + k]) < 1e-14);
  free(c.in), free(c.W), free(c.b), free(c.w);
}

/* ---- GELU ----------------------------------------------------------------- */
enum { GN = 60 };
typedef struct {
  double *in, *w, out[GN];
} gelu_ctx;

static double gelu_loss(void *p) {
  gelu_ctx *c = p;
  nn_gelu_forward(c->out, c->in, GN);
  return dot(c->out, c->w, GN);
}

static void gelu_matches_tanh_form_and_differences(void **state) {
  (void)state;
  gelu_ctx c = {random_array(GN, -5, 5), random_array(GN, -1, 1), {0}};
  double din[GN];
  nn_gelu_forward(c.out, c.in, GN);
  for (int i = 0; i < GN; i++) {
    double x = c.in[i], want = 0.5 * x * (1 + tanh(sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
    assert_true(fabs(c.out[i] - want) < 1e-15);
  }
  nn_gelu_backward(din, c.w, c.in, GN);
  assert_gradient(gelu_loss, &c, c.in, din, GN, "gelu");
  free(c.in), free(c.w);
}

/* ---- LayerNorm ------------------------------------------------------------ */
enum { NM = 6, NC = 10 };
typedef struct {
  double *in, *scale, *offset, *w, out[NM * NC], mean[NM], rstd[NM];
} norm_ctx;

static double norm_loss(void *p) {
  norm_ctx *c = p;
  nn_layernorm_forward(c->out, c->mean, c->rstd, c->in, c->scale, c->offset, NM, NC);
  return dot(c->out, c->w, NM * NC);
}

static void layernorm_normalises_and_matches_differences(void **state) {
  (void)state;
  norm_ctx c = {random_array(NM * NC, -3, 5), random_array(NC, 0.5, 1.5), random_array(NC, -1, 1),
                random_array(NM * NC, -1, 1), {0}, {0}, {0}};
  double ones[NC], zeros[NC] = {0}, y[NM * NC];
  for (int i = 0; i < NC; i++) ones[i] = 1;
  nn_layernorm_forward(y, c.mean, c.rstd, c.in, ones, zeros, NM, NC);
  for (int r = 0; r < NM; r++) {
    double m = 0, v = 0;
    for (int k = 0; k < NC; k++) m += y[r * NC + k] / NC;
    for (int k = 0; k < NC; k++) v += (y[r * NC + k] - m) * (y[r * NC + k] - m) / NC;
    assert_true(fabs(m) < 1e-14);
    assert_true(fabs(v + 1e-5 * c.rstd[r] * c.rstd[r] - 1) < 1e-12); /* var/(var + eps) */
  }
  norm_loss(&c);
  double din[NM * NC], dscale[NC] = {0}, doffset[NC] = {0}, colsum[2 * NC];
  nn_layernorm_backward(din, dscale, doffset, c.w, c.in, c.mean, c.rstd, c.scale, colsum, NM, NC);
  assert_gradient(norm_loss, &c, c.in, din, NM * NC, "layernorm: input");
  assert_gradient(norm_loss, &c, c.scale, dscale, NC, "layernorm: scale");
  assert_gradient(norm_loss, &c, c.offset, doffset, NC, "layernorm: offset");
  free(c.in), free(c.scale), free(c.offset), free(c.w);
}

/* ---- attention ------------------------------------------------------------ */
enum { AB = 2, AT = 5, AC = 8, AH = 2 };
typedef struct {
  double *q, *k, *v, *w, att[AB * AT * AC], prob[AB * AH * AT * AT];
  unsigned char mask[AB * AT];
  double *kbias; /* [AB * AT] key log weights, or NULL */
} att_ctx;

static double att_loss(void *p) {
  att_ctx *c = p;
  nn_attention_forward(c->att, c->prob, c->q, c->k, c->v, c->mask, c->kbias, AB, AT, AC, AH);
  return dot(c->att, c->w, AB * AT * AC);
}

/* With key_bias, every key's logits gain a random log weight, whose gradient
 * is checked too. */
static void check_attention(int key_bias) {
  size_t n = AB * AT * AC;
  att_ctx c = {random_array(n, -2, 2), random_array(n, -2, 2), random_array(n, -2, 2), random_array(n, -1, 1),
               {0}, {0}, {1, 1, 1, 1, 1, 1, 1, 0, 1, 0}, key_bias ? random_array(AB * AT, -3, 0) : NULL};
  att_loss(&c);
  for (int b = 0; b < AB; b++)
    for (int h = 0; h < AH; h++)
      for (int i = 0; i < AT; i++) {
        const double *row = c.prob + (((size_t)b * AH + h) * AT + i) * AT;
        double sum = 0;
        for (int j = 0; j < AT; j++) {
          if (!c.mask[b * AT + j]) assert_true(row[j] == 0);
          sum += row[j];
        }
        assert_true(fabs(sum - 1) < 1e-14);
      }
  double dq[AB * AT * AC], dk[AB * AT * AC], dv[AB * AT * AC], dprob[AT * AT], dbias[AB * AT] = {0};
  nn_attention_backward(dq, dk, dv, key_bias ? dbias : NULL, dprob, c.w, c.prob, c.q, c.k, c.v, AB, AT, AC, AH);
  assert_gradient(att_loss, &c, c.q, dq, n, "attention: query");
  assert_gradient(att_loss, &c, c.k, dk, n, "attention: key");
  assert_gradient(att_loss, &c, c.v, dv, n, "attention: value");
  if (key_bias) assert_gradient(att_loss, &c, c.kbias, dbias, AB * AT, "attention: key log weights");
  for (int t = 0; t < AT; t++)
    for (int k = 0; k < AC; k++) {
      if (!c.mask[AT + t]) assert_true(dk[(AT + t) * AC + k] == 0 && dv[(AT + t) * AC + k] == 0);
    }
  free(c.q), free(c.k), free(c.v), free(c.w), free(c.kbias);
}

static void attention_masks_and_matches_differences(void **state) {
  (void)state;
  check_attention(0);
  check_attention(1);
}

/* ---- the whole network ---------------------------------------------------- */
typedef struct {
  amp_nn_layout l;
  amp_nnd_workspace ws;
  double *params, *q_in, *x_in, *wq, *wx;
  unsigned char *mask;
  int B, T;
} net_ctx;

static double net_loss(void *p) {
  net_ctx *c = p;
  const amp_nn_arch *a = &c->l.arch;
  amp_nnd_forward(&c->l, c->params, &c->ws, c->B, c->q_in, c->x_in, c->mask);
  return dot(c->ws.s_q, c->wq, (size_t)c->B * a->q_outputs) + dot(c->ws.s_x, c->wx, (size_t)c->B * a->x_outputs);
}

static amp_nn_arch small_arch(void) {
  return (amp_nn_arch){.q_features = 2, .x_features = 2, .q_outputs = 2, .x_outputs = 2, .embed_dim = 8,
                       .heads = 2, .layers = 2, .ff_dim = 12, .ff_layers = 1, .embed_layers = 2, .embed_width = 6,
                       .decoder_layers = 2, .decoder_width = 6, .pooling = AMP_NN_POOL_SELF};
}

/* B = 3 particles of T = 5 tokens; the second has two padded tokens. */
static void net_setup(net_ctx *c, const amp_nn_arch *a) {
  memset(c, 0, sizeof *c);
  c->B = 3;
  c->T = 5;
  assert_int_equal(amp_nn_layout_init(&c->l, a), 0);
  assert_int_equal(amp_nnd_workspace_init(&c->ws, &c->l, c->B, c->T, 1), 0);
  c->params = malloc(c->l.nparams * sizeof *c->params);
  assert_non_null(c->params);
  amp_nnd_init_params(&c->l, 7, c->params);
  /* LayerNorm and biases away from their trivial initial values */
  for (size_t i = 0; i < c->l.nparams; i++) c->params[i] += uniform(-0.3, 0.3);
  size_t M = (size_t)c->B * c->T;
  c->q_in = random_array(M * a->q_features, -2, 2);
  c->x_in = random_array(M * a->x_features, -3, 3);
  c->wq = random_array((size_t)c->B * a->q_outputs, -1, 1);
  c->wx = random_array((size_t)c->B * (a->x_outputs ? a->x_outputs : 1), -1, 1);
  c->mask = malloc(M);
  assert_non_null(c->mask);
  memset(c->mask, 1, M);
  c->mask[c->T + 3] = c->mask[c->T + 4] = 0;
  for (int k = 0; k < a->x_features; k++) c->x_in[k] = 0; /* token 0 of particle 0: x_i - x_i */
}

static void net_free(net_ctx *c) {
  amp_nnd_workspace_free(&c->ws);
  amp_nn_layout_free(&c->l);
  free(c->params), free(c->q_in), free(c->x_in), free(c->wq), free(c->wx), free(c->mask);
}

static void check_network_gradients(const amp_nn_arch *a) {
  net_ctx c;
  net_setup(&c, a);
  size_t M = (size_t)c.B * c.T;
  double *grads = calloc(c.l.nparams, sizeof *grads);
  double *gq = malloc(M * a->q_features * sizeof *gq), *gx = malloc(M * a->x_features * sizeof *gx);
  assert_true(grads && gq && gx);
  net_loss(&c);
  amp_nnd_backward(&c.l, c.params, &c.ws, c.wq, a->x_outputs ? c.wx : NULL, grads);
  memcpy(gq, c.ws.g_q_in, M * a->q_features * sizeof *gq);
  memcpy(gx, c.ws.g_x_in, M * a->x_features * sizeof *gx);
  assert_gradient(net_loss, &c, c.params, grads, c.l.nparams, "network: parameters");
  assert_gradient(net_loss, &c, c.q_in, gq, M * a->q_features, "network: q inputs");
  /* with the distance input, |x| is not differentiable at token 0 of particle
   * 0 (x = 0): central differences there differ at O(h), so it is left out */
  size_t skip = a->distance ? (size_t)a->x_features : 0;
  assert_gradient(net_loss, &c, c.x_in + skip, gx + skip, M * a->x_features - skip, "network: x inputs");
  /* padded tokens do not matter */
  for (int k = 0; k < a->q_features; k++) assert_true(gq[(c.T + 4) * a->q_features + k] == 0);
  free(grads), free(gq), free(gx);
  net_free(&c);
}

static void network_gradients_self_pooling_with_position_head(void **state) {
  (void)state;
  amp_nn_arch a = small_arch();
  check_network_gradients(&a);
}

static void network_gradients_mean_pooling_shift_absolute_positions(void **state) {
  (void)state;
  amp_nn_arch a = small_arch();
  a.pooling = AMP_NN_POOL_MEAN;
  a.equilibrium_shift = 1;
  a.x_outputs = 0;
  a.x_features = 4;
  a.ff_layers = 2;
  check_network_gradients(&a);
}

/* The cutoff envelope (R = 5 > the largest |x_i - x_j| = 3 sqrt 2 of the
 * random tokens): its weights' derivatives reach the parameters and the x inputs. */
static void network_gradients_with_envelope(void **state) {
  (void)state;
  amp_nn_arch a = small_arch();
  a.envelope_radius = 5;
  a.position_dim = 2;
  check_network_gradients(&a);
  a.pooling = AMP_NN_POOL_MEAN;
  a.x_features = 4; /* absolute positions after the relative ones */
  check_network_gradients(&a);
}

/* s(token at r -> R) -> s(token masked): the outputs are continuous when a
 * neighbour crosses the cutoff (w = (1 - u^2)^2 ~ 4e-8 at u = 1 - 1e-4). */
static void envelope_makes_cutoff_continuous(amp_nn_pooling pooling) {
  amp_nn_arch a = small_arch();
  a.envelope_radius = 5;
  a.position_dim = 2;
  a.pooling = pooling;
  net_ctx c;
  net_setup(&c, &a);
  const size_t nx = (size_t)a.x_features, tok = (size_t)2 * c.T + 1; /* particle 2, token 1 */
  double r = 5 * (1 - 1e-4), norm = hypot(c.x_in[tok * nx], c.x_in[tok * nx + 1]);
  c.x_in[tok * nx] *= r / norm;
  c.x_in[tok * nx + 1] *= r / norm;
  net_loss(&c);
  double at_edge[2], faded = 0;
  memcpy(at_edge, c.ws.s_q + 2 * a.q_outputs, sizeof at_edge);
  c.mask[tok] = 0;
  net_loss(&c);
  for (int k = 0; k < 2; k++) faded = fmax(faded, fabs(at_edge[k] - c.ws.s_q[2 * a.q_outputs + k]));
  c.mask[tok] = 1;
  a.envelope_radius = 0; /* without the envelope the same token matters at O(1) */
  c.l.arch.envelope_radius = 0;
  net_loss(&c);
  double abrupt = fmax(fabs(at_edge[0] - c.ws.s_q[2 * a.q_outputs]), fabs(at_edge[1] - c.ws.s_q[2 * a.q_outputs + 1]));
  if (!(faded < 1e-6)) fail_msg("a neighbour at 0.9999 R changes s_q by %.3g, not < 1e-6", faded);
  if (!(abrupt > 1e-3)) fail_msg("the same neighbour without the envelope changes s_q by only %.3g", abrupt);
  net_free(&c);
}

static void envelope_continuity_self_and_mean_pooling(void **state) {
  (void)state;
  envelope_makes_cutoff_continuous(AMP_NN_POOL_SELF);
  envelope_makes_cutoff_continuous(AMP_NN_POOL_MEAN);
}

/* The distance input: x_embed reads [x, |x[0:d]|] (one more weight row), the
 * norm's derivative reaches the x inputs; alone, and with the envelope, mean
 * pooling and absolute positions. */
static void network_gradients_with_distance_input(void **state) {
  (void)state;
  amp_nn_arch a = small_arch();
  amp_nn_layout without;
  assert_int_equal(amp_nn_layout_init(&without, &a), 0);
  a.distance = 1;
  a.position_dim = 2;
  net_ctx c;
  net_setup(&c, &a);
  assert_int_equal(c.l.nparams, without.nparams + (size_t)a.embed_width);
  net_loss(&c);
  for (size_t m = 0; m < (size_t)c.B * c.T; m++) {
    const double *x = c.x_in + m * 2, *xa = c.ws.x_emb_in + m * 3;
    assert_true(xa[0] == x[0] && xa[1] == x[1] && fabs(xa[2] - hypot(x[0], x[1])) < 1e-15);
  }
  net_free(&c);
  amp_nn_layout_free(&without);
  check_network_gradients(&a);
  a.pooling = AMP_NN_POOL_MEAN;
  a.x_features = 4;
  a.envelope_radius = 5;
  check_network_gradients(&a);
}

static void network_gradients_without_hidden_layers(void **state) {
  (void)state;
  amp_nn_arch a = small_arch();
  a.embed_layers = a.decoder_layers = a.ff_layers = 0;
  a.q_features = a.q_outputs = 1;
  a.layers = 1;
  check_network_gradients(&a);
}

/* One output component as the loss, for the Jacobian's differences. */
typedef struct {
  net_ctx *net;
  int head, particle, component, dim, absolute;
  double drift; /* drift_scale: the drift columns move by -drift per unit of q_self */
} jac_ctx;

static double output_component(void *p) {
  jac_ctx *j = p;
  net_ctx *c = j->net;
  net_loss(c);
  const amp_nn_arch *a = &c->l.arch;
  return j->head ? c->ws.s_x[j->particle * a->x_outputs + j->component]
                 : c->ws.s_q[j->particle * a->q_outputs + j->component];
}

/* d s_x / d x_self by differences: x_self moves every neighbour token's
 * x_i - x_j and token 0's absolute part, and no other column (the hop of
 * bond-graph tokens). */
static double dsx_dxself(jac_ctx *j, int c) {
  net_ctx *n = j->net;
  int nx = n->l.arch.x_features, T = n->T;
  double *x = n->x_in + (size_t)j->particle * T * nx, v[2];
  for (int s = 0; s < 2; s++) {
    double h = s ? -FD_STEP : FD_STEP;
    for (int t = 1; t < T; t++) x[t * nx + c] += h;
    if (j->absolute) x[j->dim + c] += h;
    v[s] = output_component(j);
    for (int t = 1; t < T; t++) x[t * nx + c] -= h;
    if (j->absolute) x[j->dim + c] -= h;
  }
  return (v[0] - v[1]) / (2 * FD_STEP);
}

/* Move q_self's component c by h: token 0's q, and with drift columns
 * (x's last nf) every neighbour token's b_j - b_i by -drift h. */
static void move_q_self(jac_ctx *j, int c, double h) {
  net_ctx *n = j->net;
  const amp_nn_arch *a = &n->l.arch;
  const int nf = a->q_features, nx = a->x_features, T = n->T;
  n->q_in[(size_t)j->particle * T * nf + c] += h;
  double *x = n->x_in + (size_t)j->particle * T * nx;
  for (int t = 1; a->drift_features && t < T; t++) x[t * nx + nx - nf + c] -= j->drift * h;
}

/* d s_q / d q_self by differences */
static double dsq_dqself(jac_ctx *j, int c) {
  double v[2];
  for (int s = 0; s < 2; s++) {
    double h = s ? -FD_STEP : FD_STEP;
    move_q_self(j, c, h);
    v[s] = output_component(j);
    move_q_self(j, c, -h);
  }
  return (v[0] - v[1]) / (2 * FD_STEP);
}

static void check_jacobian_drift(const amp_nn_arch *a, int dim, int absolute, double drift) {
  net_ctx c;
  net_setup(&c, a);
  int nf = a->q_features, qo = a->q_outputs, xo = a->x_outputs;
  double *jq = malloc((size_t)c.B * qo * nf * sizeof *jq), *jx = malloc((size_t)c.B * (xo + 1) * dim * sizeof *jx);
  assert_true(jq && jx);
  net_loss(&c);
  amp_nnd_input_jacobian(&c.l, c.params, &c.ws, dim, absolute, drift, jq, xo ? jx : NULL);
  for (int b = 0; b < c.B; b++)
    for (int k = 0; k < qo; k++) {
      double diff = 0, scale = 0;
      for (int f = 0; f < nf; f++) {
        jac_ctx j = {&c, 0, b, k, dim, absolute, drift};
        double fd = dsq_dqself(&j, f);
        diff = fmax(diff, fabs(fd - jq[((size_t)b * qo + k) * nf + f]));
        scale = fmax(scale, fabs(fd));
      }
      if (!(diff <= FD_TOL * scale))
        fail_msg("d s_q / d q_self: relative error %.3g (particle %d, output %d)", diff / scale, b, k);
    }
  double diff = 0, scale = 0;
  for (int b = 0; b < c.B; b++)
    for (int k = 0; k < xo; k++)
      for (int f = 0; f < dim; f++) {
        jac_ctx j = {&c, 1, b, k, dim, absolute, drift};
        double fd = dsx_dxself(&j, f);
        diff = fmax(diff, fabs(fd - jx[((size_t)b * xo + k) * dim + f]));
        scale = fmax(scale, fabs(fd));
      }
  if (xo && !(diff <= FD_TOL * scale)) fail_msg("d s_x / d x_self: relative error %.3g", diff / scale);
  free(jq), free(jx);
  net_free(&c);
}

static void check_jacobian(const amp_nn_arch *a, int dim, int absolute) { check_jacobian_drift(a, dim, absolute, 0); }

static void input_jacobian_matches_differences(void **state) {
  (void)state;
  amp_nn_arch a = small_arch();
  check_jacobian(&a, 2, 0);
  a.pooling = AMP_NN_POOL_MEAN;
  a.equilibrium_shift = 1;
  a.x_features = 4;
  check_jacobian(&a, 2, 1);
  a.x_features = 5; /* bond-graph tokens: [x_i - x_j, x_j, hop] */
  check_jacobian(&a, 2, 1);
  a.x_features = 2; /* in 1-D, [x_i - x_j, hop]: as wide as absolute positions, but the hop is no x_self */
  check_jacobian(&a, 1, 0);
  a.envelope_radius = 5; /* the envelope's weights depend on x_self */
  a.position_dim = 2;
  a.x_features = 4;
  check_jacobian(&a, 2, 1);
  a.pooling = AMP_NN_POOL_SELF;
  a.x_features = 2;
  check_jacobian(&a, 2, 0);
  a.distance = 1; /* so does every neighbour token's distance */
  check_jacobian(&a, 2, 0);
  a.envelope_radius = 0;
  a.x_features = 5;
  check_jacobian(&a, 2, 1);
  /* [x_i - x_j, F_j, b_j - b_i]: q_self also moves every neighbour's drift column */
  a.x_features = 6;
  a.force_features = a.drift_features = 2;
  check_jacobian_drift(&a, 2, 0, 0.7);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(linear_backward_matches_differences),
    cmocka_unit_test(gelu_matches_tanh_form_and_differences),
    cmocka_unit_test(layernorm_normalises_and_matches_differences),
    cmocka_unit_test(attention_masks_and_matches_differences),
    cmocka_unit_test(network_gradients_self_pooling_with_position_head),
    cmocka_unit_test(network_gradients_mean_pooling_shift_absolute_positions),
    cmocka_unit_test(network_gradients_without_hidden_layers),
    cmocka_unit_test(network_gradients_with_envelope),
    cmocka_unit_test(envelope_continuity_self_and_mean_pooling),
    cmocka_unit_test(network_gradients_with_distance_input),
    cmocka_unit_test(input_jacobian_matches_differences),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

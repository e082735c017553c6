/*
 * Activation storage for one micro-batch: everything the backward pass reads
 * that the forward pass computed, plus the backward pass's scratch.
 *
 * One carving routine lays every view out in two flat allocations (reals and
 * doubles); run with no memory it only counts, so the size per particle that
 * callers use to pick a micro-batch is the size the workspace really takes.
 * With M = B T rows and the reference sizes (T = 65, C = F = 256, 4 blocks,
 * 4 hidden layers of 256 in each embedding), a particle needs about 4 MB.
 */
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

typedef struct {
  amp_nn_real *mem;
  double *dmem;
  size_t used, dused;
} carver;

static amp_nn_real *take(carver *c, size_t n) {
  amp_nn_real *p = c->mem ? c->mem + c->used : NULL;
  c->used += n;
  return p;
}

static double *take_d(carver *c, size_t n) {
  double *p = c->dmem ? c->dmem + c->dused : NULL;
  c->dused += n;
  return p;
}

/* hidden pre-activations and outputs of m, `rows` rows each */
static void carve_mlp(carver *c, amp_nn_real **pre, amp_nn_real **act, const amp_nn_mlp *m, size_t rows) {
  for (int i = 0; i + 1 < m->n; i++) {
    amp_nn_real *p = take(c, rows * m->layer[i].out), *a = take(c, rows * m->layer[i].out);
    if (pre) pre[i] = p;
    if (act) act[i] = a;
  }
}

static int max_width(const amp_nn_layout *l) {
  const amp_nn_arch *a = &l->arch;
  int w = a->embed_dim;
  if (a->ff_dim > w) w = a->ff_dim;
  if (a->embed_width > w) w = a->embed_width;
  if (a->decoder_width > w) w = a->decoder_width;
  return w;
}

static void carve_block(carver *c, struct AMP_NN(block_acts) *b, const amp_nn_block *blk, const amp_nn_arch *a,
                        size_t B, size_t T) {
  size_t M = B * T, MC = M * (size_t)a->embed_dim;
  struct AMP_NN(block_acts) tmp = {.ff_pre = b ? b->ff_pre : NULL, .ff_act = b ? b->ff_act : NULL};
  tmp.q = take(c, MC);
  tmp.k = take(c, MC);
  tmp.v = take(c, MC);
  tmp.prob = take(c, B * (size_t)a->heads * T * T);
  tmp.att = take(c, MC);
  tmp.r1 = take(c, MC);
  tmp.h1 = take(c, MC);
  tmp.r2 = take(c, MC);
  tmp.h2 = take(c, MC);
  tmp.mean1 = take_d(c, M);
  tmp.rstd1 = take_d(c, M);
  tmp.mean2 = take_d(c, M);
  tmp.rstd2 = take_d(c, M);
  carve_mlp(c, tmp.ff_pre, tmp.ff_act, &blk->ff, M);
  if (b) *b = tmp;
}

static void carve_backward(carver *c, AMP_NN(workspace) *ws, const amp_nn_layout *l, size_t B, size_t T) {
  const amp_nn_arch *a = &l->arch;
  size_t M = B * T, W = (size_t)max_width(l);
  amp_nn_real **big[6] = {&ws->g_h, &ws->g_r, &ws->g_a, &ws->g_b, &ws->g_c, &ws->g_d};
  for (int i = 0; i < 6; i++) *big[i] = take(c, M * W);
  ws->g_prob = take(c, T * T);
  ws->g_pool = take(c, B * W);
  ws->g_s1 = take(c, B * W);
  ws->g_s2 = take(c, B * W);
  ws->g_unit = take(c, B * (size_t)(a->q_outputs > a->x_outputs ? a->q_outputs : a->x_outputs));
  ws->g_q_in = take(c, M * (size_t)a->q_features);
  ws->g_x_in = take(c, M * (size_t)a->x_features);
  ws->g_x_emb_in = take(c, a->distance ? M * (size_t)(a->x_features + 1) : 0);
  ws->g_kbias = take(c, M);
  ws->colsum = take_d(c, 2 * W);
}

/* Lay out every view for B particles of T tokens; ws's pointer arrays may be
 * NULL (counting). */
static void carve(carver *c, AMP_NN(workspace) *ws, const amp_nn_layout *l, size_t B, size_t T, int backward) {
  const amp_nn_arch *a = &l->arch;
  size_t M = B * T;
  carve_mlp(c, ws->q_pre, ws->q_act, &l->q_embed, M);
  carve_mlp(c, ws->x_pre, ws->x_act, &l->x_embed, M);
  ws->x_emb_in = take(c, a->distance ? M * (size_t)(a->x_features + 1) : 0);
  ws->h0 = take(c, M * (size_t)a->embed_dim);
  ws->kbias = take(c, M);
  for (int i = 0; i < a->layers; i++) carve_block(c, ws->blk ? &ws->blk[i] : NULL, &l->block[i], a, B, T);
  ws->pooled = take(c, B * (size_t)a->embed_dim);
  carve_mlp(c, ws->d_pre, ws->d_act, &l->decoder, B);
  carve_mlp(c, ws->dx_pre, ws->dx_act, &l->decoder_x, B);
  ws->s_q = take(c, B * (size_t)a->q_outputs);
  ws->s_x = take(c, B * (size_t)a->x_outputs);
  if (backward) carve_backward(c, ws, l, B, T);
}

size_t AMP_NN(activation_bytes)(const amp_nn_layout *l, int tokens, int backward) {
  AMP_NN(workspace) ws = {0};
  carver one = {0}, two = {0};
  carve(&one, &ws, l, 1, (size_t)tokens, backward);
  carve(&two, &ws, l, 2, (size_t)tokens, backward);
  return (two.used - one.used) * sizeof(amp_nn_real) + (two.dused - one.dused) * sizeof(double);
}

int AMP_NN(batch_capacity)(const amp_nn_layout *l, int tokens, int backward, size_t bytes) {
  size_t per = AMP_NN(activation_bytes)(l, tokens, backward), n = bytes / per;
  return n < 1 ? 1 : n > 1 << 20 ? 1 << 20 : (int)n;
}

/* the arrays of per-layer views */
static int alloc_view_arrays(AMP_NN(workspace) *ws, const amp_nn_layout *l) {
  const amp_nn_arch *a = &l->arch;
  amp_nn_real ***arr[8] = {&ws->q_pre, &ws->q_act, &ws->x_pre, &ws->x_act,
                           &ws->d_pre, &ws->d_act, &ws->dx_pre, &ws->dx_act};
  int n[8] = {l->q_embed.n, l->q_embed.n, l->x_embed.n, l->x_embed.n,
              l->decoder.n, l->decoder.n, l->decoder_x.n, l->decoder_x.n};
  for (int i = 0; i < 8; i++)
    if (!(*arr[i] = calloc((size_t)n[i] + 1, sizeof(amp_nn_real *)))) return -1;
  if (!(ws->blk = calloc((size_t)a->layers, sizeof *ws->blk))) return -1;
  for (int i = 0; i < a->layers; i++) {
    ws->blk[i].ff_pre = calloc((size_t)l->block[i].ff.n + 1, sizeof(amp_nn_real *));
    ws->blk[i].ff_act = calloc((size_t)l->block[i].ff.n + 1, sizeof(amp_nn_real *));
    if (!ws->blk[i].ff_pre || !ws->blk[i].ff_act) return -1;
  }
  return 0;
}

int AMP_NN(workspace_init)(AMP_NN(workspace) *ws, const amp_nn_layout *l, int capacity, int tokens,
                           int backward) {
  memset(ws, 0, sizeof *ws);
  ws->capacity = capacity;
  ws->tokens = tokens;
  ws->backward = backward;
  ws->layers = l->arch.layers;
  if (alloc_view_arrays(ws, l)) goto fail;
  carver count = {0};
  carve(&count, ws, l, (size_t)capacity, (size_t)tokens, backward);
  ws->elements = count.used;
  ws->delements = count.dused;
  ws->mem = malloc(count.used * sizeof *ws->mem);
  ws->dmem = malloc(count.dused * sizeof *ws->dmem);
  if (!ws->mem || !ws->dmem) goto fail;
  carver real = {.mem = ws->mem, .dmem = ws->dmem};
  carve(&real, ws, l, (size_t)capacity, (size_t)tokens, backward);
  return 0;
fail:
  AMP_NN(workspace_free)(ws);
  return -1;
}

void AMP_NN(workspace_free)(AMP_NN(workspace) *ws) {
  amp_nn_real **arr[8] = {ws->q_pre, ws->q_act, ws->x_pre, ws->x_act, ws->d_pre, ws->d_act, ws->dx_pre, ws->dx_act};
  for (int i = 0; i < 8; i++) free(arr[i]);
  for (int i = 0; ws->blk && i < ws->layers; i++) {
    free(ws->blk[i].ff_pre);
    free(ws->blk[i].ff_act);
  }
  free(ws->blk);
  free(ws->mem);
  free(ws->dmem);
  memset(ws, 0, sizeof *ws);
}

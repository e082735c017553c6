/*
 * The backward pass of the score transformer (reverse of forward.c), for one
 * micro-batch, from dL/ds_q and dL/ds_x:
 *
 *   decoders           -> g_pool [B, C]       (both heads add into it)
 *   pooling            -> g_h [M, C]          dL/dh_L (row b T for self pooling)
 *                         g_kbias [M]         += dL/dkbias of the weighted mean (with an envelope)
 *   block l, reversed  (g_h = dL/dh2 in, dL/dh out):
 *     g_r = LN2'(g_h);  g_a = FF'(g_r) + g_r           dL/dh1
 *     g_r = LN1'(g_a);  g_a = g_r Wo^T                 dL/dr1, dL/datt
 *     (g_b, g_c, g_d) = MHA'(g_a)                      dL/dq, dL/dk, dL/dv (g_kbias += dL/dkbias)
 *     g_h = g_r + g_b Wq^T + g_c Wk^T + g_d Wv^T
 *   embeddings         -> g_q_in [M, nf], g_x_in [M, nx]
 *                         (through g_x_emb_in [M, nx + 1] with the distance input, distance.c)
 *   envelope           -> g_x_in[:, 0:d] += g_kbias dkbias/dx (envelope.c)
 *
 * Parameter gradients accumulate into `grads` (same layout as the
 * parameters) when it is not NULL; the input Jacobian runs with NULL and
 * pays only for the activation gradients.
 */
#include <string.h>

#include "kernels.h"

static void add_into(amp_nn_real *y, const amp_nn_real *x, size_t n) {
  for (size_t i = 0; i < n; i++) y[i] += x[i];
}

/* ws->g_h: dL/dh2 of block blk in, dL/d(block input h) out */
static void block_backward(const amp_nn_block *blk, const amp_nn_arch *arch, const amp_nn_real *P,
                           amp_nn_real *G, const struct AMP_NN(block_acts) *a, const amp_nn_real *h,
                           AMP_NN(workspace) *ws, int B, int T) {
  const int C = arch->embed_dim, M = B * T;
  const size_t MC = (size_t)M * C;
  double *cs = ws->colsum;
#define GRAD(off) (G ? G + (off) : NULL)
  nn_layernorm_backward(ws->g_r, GRAD(blk->norm2.scale), GRAD(blk->norm2.offset), ws->g_h, a->r2, a->mean2,
                        a->rstd2, P + blk->norm2.scale, cs, M, C);
  nn_mlp_backward(&blk->ff, P, G, ws->g_a, C, 0, ws->g_r, C, a->h1, C, a->ff_pre, a->ff_act, M, ws->g_b, ws->g_c,
                  cs);
  add_into(ws->g_a, ws->g_r, MC);
  nn_layernorm_backward(ws->g_r, GRAD(blk->norm1.scale), GRAD(blk->norm1.offset), ws->g_a, a->r1, a->mean1,
                        a->rstd1, P + blk->norm1.scale, cs, M, C);
  nn_linear_backward(ws->g_a, C, 0, GRAD(blk->output.w), GRAD(blk->output.b), cs, ws->g_r, C, a->att, C,
                     P + blk->output.w, M, C, C);
  nn_attention_backward(ws->g_b, ws->g_c, ws->g_d, arch->envelope_radius > 0 ? ws->g_kbias : NULL, ws->g_prob,
                        ws->g_a, a->prob, a->q, a->k, a->v, B, T, C, arch->heads);
  memcpy(ws->g_h, ws->g_r, MC * sizeof *ws->g_h);
  const amp_nn_linear *proj[3] = {&blk->query, &blk->key, &blk->value};
  amp_nn_real *dproj[3] = {ws->g_b, ws->g_c, ws->g_d};
  for (int p = 0; p < 3; p++)
    nn_linear_backward(ws->g_h, C, 1, GRAD(proj[p]->w), GRAD(proj[p]->b), cs, dproj[p], C, h, C, P + proj[p]->w,
                       M, C, C);
#undef GRAD
}

/* g_pool [B, C] = dL/dpooled from both heads */
static void decoders_backward(const amp_nn_layout *l, const amp_nn_real *P, AMP_NN(workspace) *ws,
                              const amp_nn_real *ds_q, const amp_nn_real *ds_x, amp_nn_real *G) {
  const amp_nn_arch *a = &l->arch;
  const int B = ws->batch, C = a->embed_dim;
  if (!ds_q) memset(ws->g_pool, 0, (size_t)B * C * sizeof *ws->g_pool);
  if (ds_q)
    nn_mlp_backward(&l->decoder, P, G, ws->g_pool, C, 0, ds_q, a->q_outputs, ws->pooled, C, ws->d_pre, ws->d_act,
                    B, ws->g_s1, ws->g_s2, ws->colsum);
  if (ds_x && a->x_outputs)
    nn_mlp_backward(&l->decoder_x, P, G, ws->g_pool, C, 1, ds_x, a->x_outputs, ws->pooled, C, ws->dx_pre,
                    ws->dx_act, B, ws->g_s1, ws->g_s2, ws->colsum);
}

/* g_h [M, C] = dL/dh_L from g_pool, self pooling */
static void pool_self_backward(AMP_NN(workspace) *ws, int C) {
  const int B = ws->batch, T = ws->tokens;
  for (int b = 0; b < B; b++)
    memcpy(ws->g_h + (size_t)b * T * C, ws->g_pool + (size_t)b * C, (size_t)C * sizeof *ws->g_h);
}

/* g_h [M, C] = dL/dh_L from g_pool, weighted mean pooling of h_L [M, C]; with
 * an envelope, g_kbias[t] += w_t g . (h_t - pooled) / sum w */
static void pool_mean_backward(AMP_NN(workspace) *ws, const amp_nn_real *h, const amp_nn_real *kbias, int C) {
  const int B = ws->batch, T = ws->tokens;
  for (int b = 0; b < B; b++) {
    const amp_nn_real *g = ws->g_pool + (size_t)b * C, *pooled = ws->pooled + (size_t)b * C;
    double wsum = 0;
    for (int t = 0; t < T; t++)
      if (ws->mask[(size_t)b * T + t]) wsum += nn_pool_weight(kbias, (size_t)b * T + t);
    for (int t = 0; t < T; t++) {
      size_t bt = (size_t)b * T + t;
      if (!ws->mask[bt]) continue;
      amp_nn_real share = (amp_nn_real)(nn_pool_weight(kbias, bt) / wsum), *row = ws->g_h + bt * C;
      double dw = 0;
      for (int c = 0; c < C; c++) {
        row[c] = g[c] * share;
        dw += (double)g[c] * (h[bt * C + c] - pooled[c]);
      }
      if (kbias) ws->g_kbias[bt] += (amp_nn_real)(dw * share);
    }
  }
}

/* g_x_in [M, nx] from g_h[:, C/2:C] through the position embedding (and the distance input) */
static void x_embed_backward(const amp_nn_layout *l, const amp_nn_real *P, AMP_NN(workspace) *ws, amp_nn_real *G) {
  const amp_nn_arch *a = &l->arch;
  const int C = a->embed_dim, M = ws->batch * ws->tokens, nx = a->x_features, ne = nx + a->distance;
  amp_nn_real *g_in = a->distance ? ws->g_x_emb_in : ws->g_x_in;
  const amp_nn_real *in = a->distance ? ws->x_emb_in : ws->x_in;
  nn_mlp_backward(&l->x_embed, P, G, g_in, ne, 0, ws->g_h + C / 2, C, in, ne, ws->x_pre, ws->x_act, M, ws->g_a,
                  ws->g_b, ws->colsum);
  if (a->distance) nn_distance_backward(ws->g_x_in, ws->g_x_emb_in, ws->x_in, (size_t)M, nx, a->position_dim);
}

void AMP_NN(backward)(const amp_nn_layout *l, const amp_nn_real *params, AMP_NN(workspace) *ws,
                      const amp_nn_real *ds_q, const amp_nn_real *ds_x, amp_nn_real *grads) {
  const amp_nn_arch *a = &l->arch;
  const int B = ws->batch, T = ws->tokens, C = a->embed_dim, M = B * T;
  const amp_nn_real *kbias = a->envelope_radius > 0 ? ws->kbias : NULL;
  decoders_backward(l, params, ws, ds_q, ds_x, grads);
  memset(ws->g_h, 0, (size_t)M * C * sizeof *ws->g_h);
  memset(ws->g_kbias, 0, (size_t)M * sizeof *ws->g_kbias);
  if (a->pooling == AMP_NN_POOL_SELF)
    pool_self_backward(ws, C);
  else
    pool_mean_backward(ws, a->layers ? ws->blk[a->layers - 1].h2 : ws->h0, kbias, C);
  for (int i = a->layers - 1; i >= 0; i--)
    block_backward(&l->block[i], a, params, grads, &ws->blk[i], i ? ws->blk[i - 1].h2 : ws->h0, ws, B, T);
  nn_mlp_backward(&l->q_embed, params, grads, ws->g_q_in, a->q_features, 0, ws->g_h, C, ws->q_in, a->q_features,
                  ws->q_pre, ws->q_act, M, ws->g_a, ws->g_b, ws->colsum);
  x_embed_backward(l, params, ws, grads);
  if (kbias)
    nn_envelope_backward(ws->g_x_in, ws->g_kbias, ws->x_in, ws->mask, B, T, a->x_features, a->position_dim,
                         a->envelope_radius);
  if (a->equilibrium_shift && ds_q)
    for (int b = 0; b < B; b++)
      for (int k = 0; k < a->q_outputs; k++)
        ws->g_q_in[(size_t)b * T * a->q_features + k] -= ds_q[(size_t)b * a->q_outputs + k];
}

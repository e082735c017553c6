/*
 * The forward pass of the score transformer for one micro-batch (nn.h):
 *
 *   h0[:, 0:C/2] = q_embed(q_in),  h0[:, C/2:C] = x_embed(x_in)     [M, C], M = B T
 *                  (x_embed([x_in, |x_in[:, 0:d]|]) with the distance input, distance.c)
 *   kbias = log envelope weights (envelope.c)                        [M] (0 without one)
 *   block l:  r1 = h + MHA(h; kbias),  h1 = LN1(r1),  r2 = h1 + FF(h1),  h2 = LN2(r2)
 *   pooled[b] = h_L[b, 0]  (self)  or sum_t w_t h_L[b, t] / sum_t w_t over real
 *               tokens (mean), w_t = exp(kbias[b, t])
 *   s_q = decoder(pooled) (- q_self with the equilibrium shift),  s_x = decoder_x(pooled)
 *
 * Every intermediate the backward pass needs stays in the workspace.
 */
#include <string.h>

#include "kernels.h"

static void add_into(amp_nn_real *y, const amp_nn_real *x, size_t n) {
  for (size_t i = 0; i < n; i++) y[i] += x[i];
}

/* h [M, C] -> a->h2 [M, C] */
static void block_forward(const amp_nn_block *blk, const amp_nn_arch *arch, const amp_nn_real *P,
                          struct AMP_NN(block_acts) *a, const amp_nn_real *h, const unsigned char *mask,
                          const amp_nn_real *kbias, int B, int T) {
  const int C = arch->embed_dim, M = B * T;
  const size_t MC = (size_t)M * C;
  nn_linear_forward(a->q, C, h, C, P + blk->query.w, P + blk->query.b, M, C, C);
  nn_linear_forward(a->k, C, h, C, P + blk->key.w, P + blk->key.b, M, C, C);
  nn_linear_forward(a->v, C, h, C, P + blk->value.w, P + blk->value.b, M, C, C);
  nn_attention_forward(a->att, a->prob, a->q, a->k, a->v, mask, kbias, B, T, C, arch->heads);
  nn_linear_forward(a->r1, C, a->att, C, P + blk->output.w, P + blk->output.b, M, C, C);
  add_into(a->r1, h, MC);
  nn_layernorm_forward(a->h1, a->mean1, a->rstd1, a->r1, P + blk->norm1.scale, P + blk->norm1.offset, M, C);
  nn_mlp_forward(&blk->ff, P, a->r2, C, a->h1, C, a->ff_pre, a->ff_act, M);
  add_into(a->r2, a->h1, MC);
  nn_layernorm_forward(a->h2, a->mean2, a->rstd2, a->r2, P + blk->norm2.scale, P + blk->norm2.offset, M, C);
}

/* pooled[B, C] from the last block's tokens h[B, T, C] */
static void pool_forward(amp_nn_real *pooled, const amp_nn_real *h, const unsigned char *mask,
                         const amp_nn_real *kbias, int B, int T, int C, amp_nn_pooling pooling) {
  for (int b = 0; b < B; b++) {
    const amp_nn_real *tok = h + (size_t)b * T * C;
    amp_nn_real *out = pooled + (size_t)b * C;
    if (pooling == AMP_NN_POOL_SELF) {
      memcpy(out, tok, (size_t)C * sizeof *out);
      continue;
    }
    double wsum = 0;
    for (int c = 0; c < C; c++) out[c] = 0;
    for (int t = 0; t < T; t++) {
      size_t bt = (size_t)b * T + t;
      if (!mask[bt]) continue;
      amp_nn_real w = nn_pool_weight(kbias, bt);
      for (int c = 0; c < C; c++) out[c] += w * tok[(size_t)t * C + c];
      wsum += w;
    }
    for (int c = 0; c < C; c++) out[c] /= (amp_nn_real)wsum;
  }
}

void AMP_NN(forward)(const amp_nn_layout *l, const amp_nn_real *params, AMP_NN(workspace) *ws, int B,
                     const amp_nn_real *q_in, const amp_nn_real *x_in, const unsigned char *mask) {
  const amp_nn_arch *a = &l->arch;
  const int T = ws->tokens, C = a->embed_dim, M = B * T;
  ws->batch = B;
  ws->q_in = q_in;
  ws->x_in = x_in;
  ws->mask = mask;
  nn_mlp_forward(&l->q_embed, params, ws->h0, C, q_in, a->q_features, ws->q_pre, ws->q_act, M);
  const amp_nn_real *x_emb = x_in;
  if (a->distance) {
    nn_distance_forward(ws->x_emb_in, x_in, (size_t)M, a->x_features, a->position_dim);
    x_emb = ws->x_emb_in;
  }
  nn_mlp_forward(&l->x_embed, params, ws->h0 + C / 2, C, x_emb, a->x_features + a->distance, ws->x_pre, ws->x_act,
                 M);
  const amp_nn_real *kbias = a->envelope_radius > 0 ? ws->kbias : NULL;
  if (kbias) nn_envelope_forward(ws->kbias, x_in, mask, B, T, a->x_features, a->position_dim, a->envelope_radius);
  const amp_nn_real *h = ws->h0;
  for (int i = 0; i < a->layers; i++) {
    block_forward(&l->block[i], a, params, &ws->blk[i], h, mask, kbias, B, T);
    h = ws->blk[i].h2;
  }
  pool_forward(ws->pooled, h, mask, kbias, B, T, C, a->pooling);
  nn_mlp_forward(&l->decoder, params, ws->s_q, a->q_outputs, ws->pooled, C, ws->d_pre, ws->d_act, B);
  if (a->equilibrium_shift)
    for (int b = 0; b < B; b++)
      for (int k = 0; k < a->q_outputs; k++) ws->s_q[(size_t)b * a->q_outputs + k] -= q_in[(size_t)b * T * a->q_features + k];
  if (a->x_outputs)
    nn_mlp_forward(&l->decoder_x, params, ws->s_x, a->x_outputs, ws->pooled, C, ws->dx_pre, ws->dx_act, B);
}

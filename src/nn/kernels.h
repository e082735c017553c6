/*
 * The network's layers as forward/backward pairs of plain functions over raw
 * row-major arrays (llm.c's shape): M rows of tokens (M = B T), shapes in the
 * comments, leading dimensions explicit so a layer can read or write a
 * column block of a wider array (the two embedding halves of a token).
 *
 * Compiled once per precision (see nn.h: AMP_NN, amp_nn_real); GEMM is
 * cblas_sgemm or cblas_dgemm to match.
 */
#ifndef ACTIVEMPI_NN_KERNELS_H
#define ACTIVEMPI_NN_KERNELS_H

#include <cblas.h>
#include <math.h>

#include "activempi/nn.h"

#ifdef AMP_NN_DOUBLE
#define GEMM cblas_dgemm
#else
#define GEMM cblas_sgemm
#endif

/* Internal names follow the precision too, so both builds link together. */
#define nn_linear_forward AMP_NN(linear_forward)
#define nn_linear_backward AMP_NN(linear_backward)
#define nn_gelu_forward AMP_NN(gelu_forward)
#define nn_gelu_backward AMP_NN(gelu_backward)
#define nn_layernorm_forward AMP_NN(layernorm_forward)
#define nn_layernorm_backward AMP_NN(layernorm_backward)
#define nn_attention_forward AMP_NN(attention_forward)
#define nn_attention_backward AMP_NN(attention_backward)
#define nn_mlp_forward AMP_NN(mlp_forward)
#define nn_mlp_backward AMP_NN(mlp_backward)
#define nn_envelope_forward AMP_NN(envelope_forward)
#define nn_envelope_backward AMP_NN(envelope_backward)
#define nn_distance_forward AMP_NN(distance_forward)
#define nn_distance_backward AMP_NN(distance_backward)

/* out[M, nout] (ld ldo) = in[M, nin] (ld ldi) W[nin, nout] + b[nout]. */
void nn_linear_forward(amp_nn_real *out, int ldo, const amp_nn_real *in, int ldi, const amp_nn_real *W,
                       const amp_nn_real *b, int M, int nin, int nout);

/* Given dout[M, nout] (ld ldd):
 *   dW[nin, nout] += in^T dout,  db[nout] += sum_rows dout   (skipped when dW is NULL;
 *                                                             colsum: [nout] double scratch)
 *   din[M, nin] (ld ldn) = dout W^T + beta din               (skipped when din is NULL) */
void nn_linear_backward(amp_nn_real *din, int ldn, amp_nn_real beta, amp_nn_real *dW, amp_nn_real *db,
                        double *colsum, const amp_nn_real *dout, int ldd, const amp_nn_real *in, int ldi,
                        const amp_nn_real *W, int M, int nin, int nout);

/* GELU, tanh form (jax.nn.gelu's default): out[n] = gelu(in[n]). */
void nn_gelu_forward(amp_nn_real *out, const amp_nn_real *in, size_t n);
/* din[n] = dout[n] gelu'(in[n]) (din may alias dout). */
void nn_gelu_backward(amp_nn_real *din, const amp_nn_real *dout, const amp_nn_real *in, size_t n);

/* LayerNorm over the last axis, eps 1e-5: out[M, C] = (in - mean) rstd scale + offset,
 * saving mean[M] and rstd[M]. */
void nn_layernorm_forward(amp_nn_real *out, double *mean, double *rstd, const amp_nn_real *in,
                          const amp_nn_real *scale, const amp_nn_real *offset, int M, int C);
/* din[M, C] = dL/din from dout[M, C]; dscale[C], doffset[C] += (skipped when
 * dscale is NULL); colsum: [2 C] double scratch. din may alias dout. */
void nn_layernorm_backward(amp_nn_real *din, amp_nn_real *dscale, amp_nn_real *doffset, const amp_nn_real *dout,
                           const amp_nn_real *in, const double *mean, const double *rstd,
                           const amp_nn_real *scale, double *colsum, int M, int C);

/* Multi-head scaled dot-product attention over B sequences of T tokens:
 *   q, k, v [B, T, C] (head h: columns h C/H .. (h+1) C/H - 1), mask [B, T],
 *   kbias [B, T] (a key's log weight, added to its logits; NULL: none)
 *   prob[B, H, T, T] = softmax_keys(q_h k_h^T / sqrt(C/H) + kbias, masked keys at -1e30)
 *   att[B, T, C]     = prob v_h, heads side by side */
void nn_attention_forward(amp_nn_real *att, amp_nn_real *prob, const amp_nn_real *q, const amp_nn_real *k,
                          const amp_nn_real *v, const unsigned char *mask, const amp_nn_real *kbias, int B, int T,
                          int C, int H);
/* From datt[B, T, C]: dq, dk, dv [B, T, C] (overwritten); dkbias [B, T] += dL/dkbias
 * (NULL: skipped); dprob: [T, T] scratch. */
void nn_attention_backward(amp_nn_real *dq, amp_nn_real *dk, amp_nn_real *dv, amp_nn_real *dkbias,
                           amp_nn_real *dprob, const amp_nn_real *datt, const amp_nn_real *prob,
                           const amp_nn_real *q, const amp_nn_real *k, const amp_nn_real *v, int B, int T, int C,
                           int H);

/* The smooth cutoff envelope (envelope.c): x [B, T, nx] tokens whose first d
 * columns are x_i - x_j; kbias [B, T] = log (1 - r^2/R^2)^2 of the real
 * neighbour tokens (token 0 and padding: 0). Backward: g_x [B, T, nx] +=
 * g_kbias d kbias / dx in the first d columns. */
void nn_envelope_forward(amp_nn_real *kbias, const amp_nn_real *x, const unsigned char *mask, int B, int T, int nx,
                         int d, double R);
void nn_envelope_backward(amp_nn_real *g_x, const amp_nn_real *g_kbias, const amp_nn_real *x,
                          const unsigned char *mask, int B, int T, int nx, int d, double R);
/* The distance input (distance.c): xa [M, nx + 1] = x [M, nx] with the norm
 * of its first d columns appended; backward: g_x [M, nx] from g_xa [M, nx + 1]
 * (overwritten). */
void nn_distance_forward(amp_nn_real *xa, const amp_nn_real *x, size_t M, int nx, int d);
void nn_distance_backward(amp_nn_real *g_x, const amp_nn_real *g_xa, const amp_nn_real *x, size_t M, int nx, int d);
/* A real token's weight in mean pooling: exp(kbias[bt]), or 1 without an envelope. */
static inline amp_nn_real nn_pool_weight(const amp_nn_real *kbias, size_t bt) {
  return kbias ? (amp_nn_real)exp((double)kbias[bt]) : 1;
}

/* An MLP (layout m): in[M, nin] (ld ldi) -> out[M, nout] (ld ldo), hidden
 * pre-activations pre[i] and GELU outputs act[i] [M, width_i] kept. */
void nn_mlp_forward(const amp_nn_mlp *m, const amp_nn_real *params, amp_nn_real *out, int ldo,
                    const amp_nn_real *in, int ldi, amp_nn_real **pre, amp_nn_real **act, int M);
/* From dout[M, nout] (ld ldd): parameter gradients into grads (NULL: skip),
 * din[M, nin] (ld ldn) = dL/din + beta din (NULL: skip). s1, s2: scratch
 * [M, max width]; colsum: [max width] doubles. */
void nn_mlp_backward(const amp_nn_mlp *m, const amp_nn_real *params, amp_nn_real *grads, amp_nn_real *din,
                     int ldn, amp_nn_real beta, const amp_nn_real *dout, int ldd, const amp_nn_real *in, int ldi,
                     amp_nn_real *const *pre, amp_nn_real *const *act, int M, amp_nn_real *s1, amp_nn_real *s2,
                     double *colsum);

#endif

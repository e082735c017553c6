/*
 * Multi-head scaled dot-product attention (the reference's MultiHeadAttention,
 * without its projections, which are ordinary linear layers around it).
 *
 * Per sequence b and head h, with Dh = C/H and the head's column block of
 * q, k, v (leading dimension C, so no reshaping copies):
 *   S = q_h k_h^T / sqrt(Dh)         [T, T]   GEMM
 *   S[:, j] += kbias[j]              a key's log weight (the cutoff envelope), when given
 *   S[:, j] = -1e30 where key j is padding (as the reference: np.where(mask, S, -1e30))
 *   P = softmax over keys            [T, T]   max-shifted
 *   att_h = P v_h                    [T, Dh]  GEMM into att's column block
 * Backward, from datt_h:
 *   dP = datt_h v_h^T,  dv_h = P^T datt_h,
 *   dS = P * (dP - rowsum(dP * P)) / sqrt(Dh),
 *   dq_h = dS k_h,  dk_h = dS^T q_h,  dkbias[j] += sqrt(Dh) sum_i dS[i, j] (over heads).
 * A padded key has P = 0 in every row, so it receives no gradient.
 */
#include <math.h>

#include "fastmath.h"
#include "kernels.h"

#define MASKED_LOGIT -1e30

/* Row-wise softmax of S[T, T] in place over the real keys; padded keys get
 * weight exactly 0 (exp(-1e30 - max) in the reference). Float exp of
 * fastmath.h in vectorised loops; a logit more than 80 below the row's
 * maximum counts as e^-80. */
NN_CLONES static void masked_softmax(amp_nn_real *S, const unsigned char *mask, const amp_nn_real *kbias, int T) {
  for (int i = 0; i < T; i++) {
    amp_nn_real *row = S + (size_t)i * T, mx = (amp_nn_real)MASKED_LOGIT, sum = 0;
    if (kbias) {
#pragma omp simd
      for (int j = 0; j < T; j++) row[j] += kbias[j];
    }
#pragma omp simd reduction(max : mx)
    for (int j = 0; j < T; j++) mx = mask[j] && row[j] > mx ? row[j] : mx;
#pragma omp simd reduction(+ : sum)
    for (int j = 0; j < T; j++) {
      amp_nn_real y = row[j] - mx;
      y = y < -80 ? -80 : y;
      amp_nn_real e = mask[j] ? nn_exp(y) : 0;
      row[j] = e;
      sum += e;
    }
    amp_nn_real inv = 1 / sum;
#pragma omp simd
    for (int j = 0; j < T; j++) row[j] *= inv;
  }
}

void nn_attention_forward(amp_nn_real *att, amp_nn_real *prob, const amp_nn_real *q, const amp_nn_real *k,
                          const amp_nn_real *v, const unsigned char *mask, const amp_nn_real *kbias, int B, int T,
                          int C, int H) {
  const int Dh = C / H;
  const amp_nn_real scale = (amp_nn_real)(1 / sqrt((double)Dh));
  for (int b = 0; b < B; b++) {
    size_t tok = (size_t)b * T * C;
    for (int h = 0; h < H; h++) {
      amp_nn_real *P = prob + ((size_t)b * H + h) * T * T;
      size_t col = tok + (size_t)h * Dh;
      GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, Dh, scale, q + col, C, k + col, C, 0, P, T);
      masked_softmax(P, mask + (size_t)b * T, kbias ? kbias + (size_t)b * T : NULL, T);
      GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, Dh, T, 1, P, T, v + col, C, 0, att + col, C);
    }
  }
}

/* dS = P * (dP - rowsum(dP * P)) * scale, in place in dP[T, T]; the
 * unscaled column sums (dL/dkbias) added into dkbias[T] unless NULL */
static void softmax_backward(amp_nn_real *dP, const amp_nn_real *P, amp_nn_real *dkbias, int T, amp_nn_real scale) {
  for (int i = 0; i < T; i++) {
    amp_nn_real *g = dP + (size_t)i * T;
    const amp_nn_real *p = P + (size_t)i * T;
    double dot = 0;
    for (int j = 0; j < T; j++) dot += (double)g[j] * p[j];
    for (int j = 0; j < T; j++) {
      amp_nn_real dlogit = (amp_nn_real)(p[j] * (g[j] - dot));
      if (dkbias) dkbias[j] += dlogit;
      g[j] = dlogit * scale;
    }
  }
}

void nn_attention_backward(amp_nn_real *dq, amp_nn_real *dk, amp_nn_real *dv, amp_nn_real *dkbias,
                           amp_nn_real *dprob, const amp_nn_real *datt, const amp_nn_real *prob,
                           const amp_nn_real *q, const amp_nn_real *k, const amp_nn_real *v, int B, int T, int C,
                           int H) {
  const int Dh = C / H;
  const amp_nn_real scale = (amp_nn_real)(1 / sqrt((double)Dh));
  for (int b = 0; b < B; b++) {
    size_t tok = (size_t)b * T * C;
    for (int h = 0; h < H; h++) {
      const amp_nn_real *P = prob + ((size_t)b * H + h) * T * T;
      size_t col = tok + (size_t)h * Dh;
      GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, Dh, 1, datt + col, C, v + col, C, 0, dprob, T);
      GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, T, Dh, T, 1, P, T, datt + col, C, 0, dv + col, C);
      softmax_backward(dprob, P, dkbias ? dkbias + (size_t)b * T : NULL, T, scale);
      GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, Dh, T, 1, dprob, T, k + col, C, 0, dq + col, C);
      GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, T, Dh, T, 1, dprob, T, q + col, C, 0, dk + col, C);
    }
  }
}

/*
 * Linear layer y = x W + b over BLAS (one GEMM forward, two backward).
 *
 * Weights are [in, out] row-major (haiku's layout). The bias is written
 * first and the GEMM accumulates onto it (beta = 1), so the forward is one
 * pass over the output. Bias gradients are column sums of dout, accumulated
 * in double: a micro-batch has tens of thousands of rows.
 */
#include <string.h>

#include "kernels.h"

/* out[M, nout] = in[M, nin] W[nin, nout] + b[nout] */
void nn_linear_forward(amp_nn_real *out, int ldo, const amp_nn_real *in, int ldi, const amp_nn_real *W,
                       const amp_nn_real *b, int M, int nin, int nout) {
  for (int r = 0; r < M; r++) memcpy(out + (size_t)r * ldo, b, (size_t)nout * sizeof *b);
  GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, nout, nin, 1, in, ldi, W, nout, 1, out, ldo);
}

/* colsum[nout] = sum over rows of dout[M, nout]; db += colsum */
static void bias_gradient(amp_nn_real *db, double *colsum, const amp_nn_real *dout, int ldd, int M, int nout) {
  for (int c = 0; c < nout; c++) colsum[c] = 0;
  for (int r = 0; r < M; r++) {
    const amp_nn_real *row = dout + (size_t)r * ldd;
    for (int c = 0; c < nout; c++) colsum[c] += row[c];
  }
  for (int c = 0; c < nout; c++) db[c] += (amp_nn_real)colsum[c];
}

void nn_linear_backward(amp_nn_real *din, int ldn, amp_nn_real beta, amp_nn_real *dW, amp_nn_real *db,
                        double *colsum, const amp_nn_real *dout, int ldd, const amp_nn_real *in, int ldi,
                        const amp_nn_real *W, int M, int nin, int nout) {
  if (dW) {
    /* dW[nin, nout] += in^T[nin, M] dout[M, nout] */
    GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, nin, nout, M, 1, in, ldi, dout, ldd, 1, dW, nout);
    bias_gradient(db, colsum, dout, ldd, M, nout);
  }
  /* din[M, nin] = dout[M, nout] W^T[nout, nin] + beta din */
  if (din) GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, M, nin, nout, 1, dout, ldd, W, nout, beta, din, ldn);
}

/*
 * Implicit score matching by central differences in token 0's features
 * (implicit.h): the perturbed tokens, the differenced divergence, and the
 * loss with its parameter gradient from ordinary forward/backward passes.
 * Compiles as float and, with -DAMP_NN_DOUBLE, as double.
 */
#include <string.h>

#include "activempi/implicit.h"

/* Forward pass of the batch with token 0 of every target moved by
 * shift u_k (u_k the target's direction of output k). */
static void forward_shifted(const amp_nn_layout *l, const amp_nn_real *params, AMP_NN(workspace) *ws,
                            const AMP_NN(implicit_batch) *b, int k, double shift) {
  const int nf = l->arch.q_features, no = l->arch.q_outputs;
  const size_t T = (size_t)ws->tokens;
  memcpy(b->q_shift, b->q, (size_t)b->B * T * nf * sizeof *b->q_shift);
  for (int i = 0; i < b->B; i++) {
    amp_nn_real *f0 = b->q_shift + (size_t)i * T * nf;
    const amp_nn_real *u = b->dir + ((size_t)i * no + k) * nf;
    for (int c = 0; c < nf; c++) f0[c] = (amp_nn_real)(f0[c] + shift * u[c]);
  }
  AMP_NN(forward)(l, params, ws, b->B, b->q_shift, b->x, b->mask);
}

void AMP_NN(implicit_divergence)(const amp_nn_layout *l, const amp_nn_real *params, AMP_NN(workspace) *ws,
                                 const AMP_NN(implicit_batch) *b, double h, double *div) {
  const int no = l->arch.q_outputs;
  for (int i = 0; i < b->B; i++) div[i] = 0;
  for (int k = 0; k < no; k++)
    for (int side = 0; side < 2; side++) {
      double sign = side ? -1 : 1;
      forward_shifted(l, params, ws, b, k, sign * h);
      for (int i = 0; i < b->B; i++) div[i] += sign * ws->s_q[(size_t)i * no + k] / (2 * h);
    }
}

/* |s|^2 of the last forward, seeding ds = 2 weight s */
static double square_term(const AMP_NN(workspace) *ws, size_t n, double weight, amp_nn_real *ds) {
  double sum = 0;
  for (size_t j = 0; j < n; j++) {
    double s = ws->s_q[j];
    sum += s * s;
    ds[j] = (amp_nn_real)(2 * weight * s);
  }
  return sum;
}

/* sign 2 s_k / (2h) of the last forward, seeding ds = sign weight / h on
 * component k alone */
static double difference_term(const AMP_NN(workspace) *ws, int B, int no, int k, double sign, double h,
                              double weight, amp_nn_real *ds) {
  double sum = 0;
  memset(ds, 0, (size_t)B * no * sizeof *ds);
  for (int i = 0; i < B; i++) {
    sum += sign * ws->s_q[(size_t)i * no + k] / h;
    ds[(size_t)i * no + k] = (amp_nn_real)(sign * weight / h);
  }
  return sum;
}

double AMP_NN(implicit_loss)(const amp_nn_layout *l, const amp_nn_real *params, AMP_NN(workspace) *ws,
                             const AMP_NN(implicit_batch) *b, double h, double weight, amp_nn_real *grads) {
  const int no = l->arch.q_outputs;
  AMP_NN(forward)(l, params, ws, b->B, b->q, b->x, b->mask);
  double loss = square_term(ws, (size_t)b->B * no, weight, b->ds);
  if (grads) AMP_NN(backward)(l, params, ws, b->ds, NULL, grads);
  for (int k = 0; k < no; k++)
    for (int side = 0; side < 2; side++) {
      double sign = side ? -1 : 1;
      forward_shifted(l, params, ws, b, k, sign * h);
      loss += difference_term(ws, b->B, no, k, sign, h, weight, b->ds);
      if (grads) AMP_NN(backward)(l, params, ws, b->ds, NULL, grads);
    }
  return loss;
}

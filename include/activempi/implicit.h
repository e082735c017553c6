/*
 * implicit: implicit (Hyvarinen) score matching of the internal-coordinate
 * head by central differences in the target's own input (learn module;
 * science.md §3).
 *
 * For a target i with score s = s_q (the head's outputs),
 *
 *   loss_i = |s(q)|^2 + 2 div s,   div s = sum_k u_k . d s_k / d f_0
 *
 * where f_0 is token 0's feature vector (the target's own internal
 * coordinate) and u_k the direction in feature space that output k is
 * differentiated along: AOUP u_k = e_k (div = sum_k d s_k / d g_k); ABP in
 * 2-D one output s_theta and u_0 = d f / d theta = (-sin theta, cos theta).
 *
 * The divergence's parameter gradient is a second derivative; here the
 * divergence is a central difference,
 *
 *   div s ~ sum_k [ s_k(f_0 + h u_k) - s_k(f_0 - h u_k) ] / (2h),
 *
 * only token 0 moved, so every term is an ordinary forward pass whose
 * backward is seeded with the loss's derivative: 2 weight s at the
 * unperturbed tokens, +- weight / h on component k of the pass along u_k.
 * A micro-batch costs 1 + 2 (outputs) forward/backward passes, and the
 * gradient is the exact gradient of the differenced loss.
 *
 * The step. The internal coordinates have unit scale (AOUP: g ~ N(0, 1) in
 * the steady state; ABP: unit features). The difference's truncation error
 * is h^2/6 |s'''| ~ 2e-5 at h = 1e-2; its rounding error in float is
 * ~ delta |s| / h with delta ~ 1e-6 the forward pass's relative rounding
 * (unit roundoff 6e-8 grown through a few layers), ~ 1e-4 at h = 1e-2. The
 * sum is smallest near h = (3 delta)^(1/3) ~ 1.4e-2, so h = 1e-2: about
 * 1e-4 absolute on a divergence of order 1 (measured in test_implicit).
 *
 * Like nn/, the source compiles twice (float for training, double for the
 * gradient-check tests): AMP_NN(implicit_...) names amp_nn_implicit_* and
 * amp_nnd_implicit_*.
 */
#ifndef ACTIVEMPI_IMPLICIT_H
#define ACTIVEMPI_IMPLICIT_H

#include "activempi/nn.h"

/* The difference step h in the features of the internal coordinate. */
#define AMP_IMPLICIT_STEP 1e-2

/* One micro-batch of B <= ws->capacity targets and its scratch. */
typedef struct {
  int B;                      /* targets */
  const amp_nn_real *q, *x;   /* [B][T][nf], [B][T][nx] tokens (neighborhood.h) */
  const unsigned char *mask;  /* [B][T] */
  const amp_nn_real *dir;     /* [B][q_outputs][nf] direction u_k of each output */
  amp_nn_real *q_shift;       /* [B][T][nf] scratch: q with token 0 moved */
  amp_nn_real *ds;            /* [B][q_outputs] scratch: dL/ds */
} AMP_NN(implicit_batch);

/* The differenced divergence of each target's head with step h, into
 * div [B]. Forward passes only (any workspace). */
void AMP_NN(implicit_divergence)(const amp_nn_layout *l, const amp_nn_real *params, AMP_NN(workspace) *ws,
                                 const AMP_NN(implicit_batch) *b, double h, double *div);

/* The batch's loss terms with step h: returns the unweighted sum over its
 * targets of |s|^2 + 2 div s; accumulates weight x (its gradient with
 * respect to the parameters) into grads unless grads is NULL (ws then needs
 * no backward room). */
double AMP_NN(implicit_loss)(const amp_nn_layout *l, const amp_nn_real *params, AMP_NN(workspace) *ws,
                             const AMP_NN(implicit_batch) *b, double h, double weight, amp_nn_real *grads);

#endif

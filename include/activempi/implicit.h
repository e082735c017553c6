/*
 * implicit: implicit (Hyvarinen) score matching of the internal-coordinate
 * head by central differences in the target's own input (learn module;
 * science.md §3).
 *
 * For a target i with score s = s_q (the head's outputs) and P its tangent
 * projector (the identity but on the sphere),
 *
 *   loss_i = |P s|^2 + 2 div (P s)
 *
 * where div differentiates with respect to the target's own internal
 * coordinate, which the network reads as token 0's features f_0. Its
 * minimiser is the score (by parts, E[div v] = -E[v . s*] on a space
 * without boundary, so the loss is E|P s - s*|^2 - E|s*|^2).
 *
 * Probes. The divergence is a sum over probes k (one per direction of the
 * coordinate's space) of central differences: token 0's features moved to
 * f_k(+h) and f_k(-h), the outputs read along w_k at each end,
 *
 *   div (P s) ~ sum_k [ w_k(h) . s(f_k(h)) - w_k(-h) . s(f_k(-h)) ] / (2h)
 *   |P s|^2   = sum_k ( w_k(0) . s(f_0) )^2
 *
 * by geometry (nf features, no outputs):
 *   flat   (AOUP, f = g, nf = no = d): f_k(t) = f_0 + t e_k, w_k = e_k; with
 *          drift columns (x's last d: b_j - b_i, b = v0 g + F) every
 *          neighbour token's move too, by -v0 t e_k;
 *   circle (ABP 2-D, f = (cos theta, sin theta), one output s_theta): one
 *          probe, f(t) = f_0 + t u, u = d f / d theta = (-f_0[1], f_0[0]),
 *          w = 1 (a directional derivative of the network's extension);
 *   sphere (ABP 3-D, f = n, three ambient outputs): two probes along an
 *          orthonormal tangent pair t_1, t_2 of n, each a rotation on the
 *          sphere, f_k(t) = cos t n + sin t t_k, read along the fixed t_k
 *          projected at the moved point: w_k(t) = P(f) t_k = t_k - (t_k . f) f.
 *
 * Why the sphere's probes give the surface divergence: for a tangent field
 * v = P s, div_S v = sum_k t_k . dv/dt_k, the derivative of v along a curve
 * on the sphere through n with velocity t_k (the normal part of dv/dt_k
 * drops out against t_k). On the great circle f_k(t), t_k . v(f_k(t)) =
 * w_k(t) . s(f_k(t)), whose derivative at t = 0 is t_k . dv/dt_k (t_k is a
 * constant vector): each difference is that derivative to O(h^2), and only
 * the tangent field enters (s's normal component is never read). With the
 * ambient Jacobian J = d s / d f at f_0 = n, d/dt [t_k . s - (t_k . f)(f . s)]
 * = t_k . J t_k - n . s at t = 0, so
 *
 *   div_S (P s) = sum_k t_k . J t_k - 2 n . s = tr J - n . J n - 2 n . s,
 *
 * the formula the evaluate stage uses (epr_local.h) and the test compares.
 *
 * The divergence's parameter gradient is a second derivative; differenced,
 * every term is an ordinary forward pass whose backward is seeded with the
 * loss's derivative: 2 weight sum_k (w_k . s) w_k at the unperturbed tokens,
 * +- weight w_k / h at the ends of probe k. A micro-batch costs
 * 1 + 2 (probes) forward/backward passes (AOUP in 2-D: 5, ABP 2-D: 3,
 * ABP 3-D: 5), and the gradient is the exact gradient of the differenced loss.
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

/* The space of the internal coordinate: how its probes move token 0. */
typedef enum {
  AMP_IMPLICIT_FLAT,   /* AOUP: R^d, nf = q_outputs = d, d probes */
  AMP_IMPLICIT_CIRCLE, /* ABP 2-D: nf = 2, q_outputs = 1, one probe */
  AMP_IMPLICIT_SPHERE  /* ABP 3-D: nf = q_outputs = 3, two probes */
} amp_implicit_geometry;

/* One micro-batch of B <= ws->capacity targets and its scratch. */
typedef struct {
  int B;                          /* targets */
  amp_implicit_geometry geometry; /* of the internal coordinate */
  const amp_nn_real *q, *x;       /* [B][T][nf], [B][T][nx] tokens (neighborhood.h) */
  const unsigned char *mask;      /* [B][T] */
  amp_nn_real *q_shift;           /* [B][T][nf] scratch: q with token 0 moved */
  amp_nn_real *x_shift;           /* [B][T][nx] scratch with drift columns (flat geometry): x with every
                                     neighbour token's b_j - b_i moved by -drift_scale times token 0's move */
  double drift_scale;             /* v0 (neighborhood.h), with the network's drift_features */
  amp_nn_real *w;                 /* [B][q_outputs] scratch: read-outs w_k of a probe's end */
  amp_nn_real *ds;                /* [B][q_outputs] scratch: dL/ds */
} AMP_NN(implicit_batch);

/* The differenced divergence div (P s) of each target's head with step h,
 * into div [B]. Forward passes only (any workspace). */
void AMP_NN(implicit_divergence)(const amp_nn_layout *l, const amp_nn_real *params, AMP_NN(workspace) *ws,
                                 const AMP_NN(implicit_batch) *b, double h, double *div);

/* The batch's loss terms with step h: returns the sum over its targets of
 * |P s|^2 + 2 div (P s); accumulates its gradient with respect to the
 * parameters into grads unless grads is NULL (ws then needs no backward
 * room). The trainer divides the step's sum by its targets. */
double AMP_NN(implicit_loss)(const amp_nn_layout *l, const amp_nn_real *params, AMP_NN(workspace) *ws,
                             const AMP_NN(implicit_batch) *b, double h, amp_nn_real *grads);

#endif

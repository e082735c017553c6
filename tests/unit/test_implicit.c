/*
 * Implicit score matching by differences (implicit.h) against the exact
 * input Jacobian, on small random networks with padded tokens, for the
 * AOUP head (u_k = e_k) and the 2-D ABP head (one output, u = d f / d theta
 * on the unit circle). Compiles twice:
 *   float (test_implicit_float): the differenced divergence at the
 *     library's step h = AMP_IMPLICIT_STEP matches the Jacobian's trace to
 *     1e-3 of its scale;
 *   double (test_implicit): the same at h and, to 1e-6, at h = 1e-4 (the
 *     O(h^2) convergence); the loss and its parameter gradient match those
 *     of the exact loss |s|^2 + 2 tr(J u) (central differences in the
 *     parameters, step 1e-5) to 1e-3 at h, 1e-6 at h = 1e-4.
 * Error measure: max |a - b| / max |b|.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "activempi/implicit.h"

#define TOL_STEP 1e-3  /* at h = AMP_IMPLICIT_STEP */
#define FINE_STEP 1e-4 /* double only */
#define TOL_FINE 1e-6
#define PARAM_STEP 1e-5

enum { B = 3, T = 5 };

static uint64_t rng_state = 2463534242ull;

static double uniform(double lo, double hi) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return lo + (hi - lo) * (double)(rng_state >> 11) / 9007199254740992.0;
}

typedef struct {
  amp_nn_layout l;
  AMP_NN(workspace) ws;
  amp_nn_real *params, *q, *x, *dir, *q_shift, *ds, *jq;
  unsigned char mask[B * T];
  AMP_NN(implicit_batch) batch;
} net;

static amp_nn_real *reals(size_t n, double lo, double hi) {
  amp_nn_real *a = malloc((n ? n : 1) * sizeof *a);
  assert_non_null(a);
  for (size_t i = 0; i < n; i++) a[i] = (amp_nn_real)uniform(lo, hi);
  return a;
}

/* abp: nf = 2 features on the unit circle, one output along d f / d theta;
 * else nf = outputs = 2 (AOUP), u_k = e_k. A position head either way. */
static void net_setup(net *n, int abp) {
  memset(n, 0, sizeof *n);
  amp_nn_arch a = {.q_features = 2, .x_features = 4, .q_outputs = abp ? 1 : 2, .x_outputs = 2, .embed_dim = 8,
                   .heads = 2, .layers = 2, .ff_dim = 12, .ff_layers = 1, .embed_layers = 2, .embed_width = 6,
                   .decoder_layers = 2, .decoder_width = 6, .pooling = AMP_NN_POOL_SELF};
  assert_int_equal(amp_nn_layout_init(&n->l, &a), 0);
  assert_int_equal(AMP_NN(workspace_init)(&n->ws, &n->l, B, T, 1), 0);
  n->params = reals(n->l.nparams, 0, 0);
  AMP_NN(init_params)(&n->l, 3, n->params);
  for (size_t i = 0; i < n->l.nparams; i++) n->params[i] += (amp_nn_real)uniform(-0.3, 0.3);
  n->q = reals(B * T * 2, -1.5, 1.5);
  n->x = reals(B * T * 4, -3, 3);
  n->dir = reals((size_t)B * a.q_outputs * 2, 0, 0);
  for (int b = 0; b < B; b++) {
    amp_nn_real *f0 = n->q + b * T * 2, *u = n->dir + b * a.q_outputs * 2;
    double theta = uniform(-M_PI, M_PI);
    if (abp) f0[0] = (amp_nn_real)cos(theta), f0[1] = (amp_nn_real)sin(theta);
    if (abp) u[0] = (amp_nn_real)-sin(theta), u[1] = (amp_nn_real)cos(theta);
    else u[0] = u[3] = 1, u[1] = u[2] = 0;
  }
  memset(n->mask, 1, sizeof n->mask);
  n->mask[T + 3] = n->mask[T + 4] = 0;
  n->q_shift = reals(B * T * 2, 0, 0);
  n->ds = reals((size_t)B * a.q_outputs, 0, 0);
  n->jq = reals((size_t)B * a.q_outputs * 2, 0, 0);
  n->batch = (AMP_NN(implicit_batch)){.B = B, .q = n->q, .x = n->x, .mask = n->mask, .dir = n->dir,
                                      .q_shift = n->q_shift, .ds = n->ds};
}

static void net_free(net *n) {
  AMP_NN(workspace_free)(&n->ws);
  amp_nn_layout_free(&n->l);
  free(n->params), free(n->q), free(n->x), free(n->dir), free(n->q_shift), free(n->ds), free(n->jq);
}

/* The exact divergences tr(J u) into div [B], and the exact loss
 * sum_b |s_b|^2 + 2 div_b. */
static double exact(net *n, double *div) {
  const int no = n->l.arch.q_outputs;
  AMP_NN(forward)(&n->l, n->params, &n->ws, B, n->q, n->x, n->mask);
  double loss = 0;
  for (int j = 0; j < B * no; j++) loss += (double)n->ws.s_q[j] * n->ws.s_q[j];
  AMP_NN(input_jacobian)(&n->l, n->params, &n->ws, 2, 0, n->jq, NULL);
  for (int b = 0; b < B; b++) {
    div[b] = 0;
    for (int k = 0; k < no * 2; k++) div[b] += (double)n->jq[b * no * 2 + k] * n->dir[b * no * 2 + k];
    loss += 2 * div[b];
  }
  return loss;
}

static double rel_error(const double *a, const double *b, size_t len) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < len; i++) {
    diff = fmax(diff, fabs(a[i] - b[i]));
    scale = fmax(scale, fabs(b[i]));
  }
  assert_true(scale > 0);
  return diff / scale;
}

static void check_divergence(int abp, double h, double tol) {
  net n;
  net_setup(&n, abp);
  double div[B], fd[B];
  exact(&n, div);
  AMP_NN(implicit_divergence)(&n.l, n.params, &n.ws, &n.batch, h, fd);
  double err = rel_error(fd, div, B);
  print_message("# %s, h = %g: differenced vs exact divergence, relative error %.3g\n", abp ? "ABP" : "AOUP", h,
                err);
  if (!(err <= tol)) fail_msg("divergence error %.3g > %g", err, tol);
  net_free(&n);
}

static void divergence_matches_jacobian_trace(void **state) {
  (void)state;
  for (int abp = 0; abp < 2; abp++) {
    check_divergence(abp, AMP_IMPLICIT_STEP, TOL_STEP);
#ifdef AMP_NN_DOUBLE
    check_divergence(abp, FINE_STEP, TOL_FINE);
#endif
  }
}

#ifdef AMP_NN_DOUBLE
/* grad [nparams]: central differences of the exact loss in the parameters */
static void exact_gradient(net *n, double *grad) {
  double div[B];
  for (size_t i = 0; i < n->l.nparams; i++) {
    double save = n->params[i];
    n->params[i] = save + PARAM_STEP;
    double lp = exact(n, div);
    n->params[i] = save - PARAM_STEP;
    double lm = exact(n, div);
    n->params[i] = save;
    grad[i] = (lp - lm) / (2 * PARAM_STEP);
  }
}

static void check_gradient(net *n, const char *what, const double *want, double h, double tol) {
  double div[B], *grads = calloc(n->l.nparams, sizeof *grads);
  assert_non_null(grads);
  double loss = exact(n, div);
  double got = AMP_NN(implicit_loss)(&n->l, n->params, &n->ws, &n->batch, h, 1.0, grads);
  double err_loss = fabs(got - loss) / fabs(loss), err = rel_error(grads, want, n->l.nparams);
  print_message("# %s, h = %g: loss relative error %.3g, parameter gradient relative error %.3g\n", what, h,
                err_loss, err);
  if (!(err_loss <= tol && err <= tol)) fail_msg("loss error %.3g, gradient error %.3g > %g", err_loss, err, tol);
  /* without grads: the same loss, nothing accumulated */
  assert_true(AMP_NN(implicit_loss)(&n->l, n->params, &n->ws, &n->batch, h, 1.0, NULL) == got);
  free(grads);
}

static void loss_gradient_matches_exact_loss_differences(void **state) {
  (void)state;
  for (int abp = 0; abp < 2; abp++) {
    net n;
    net_setup(&n, abp);
    double *want = malloc(n.l.nparams * sizeof *want);
    assert_non_null(want);
    exact_gradient(&n, want);
    check_gradient(&n, abp ? "ABP" : "AOUP", want, AMP_IMPLICIT_STEP, TOL_STEP);
    check_gradient(&n, abp ? "ABP" : "AOUP", want, FINE_STEP, TOL_FINE);
    free(want);
    net_free(&n);
  }
}
#endif

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(divergence_matches_jacobian_trace),
#ifdef AMP_NN_DOUBLE
    cmocka_unit_test(loss_gradient_matches_exact_loss_differences),
#endif
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

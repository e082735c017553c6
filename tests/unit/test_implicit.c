/*
 * Implicit score matching by differences (implicit.h) against the exact
 * input Jacobian, on small random networks with padded tokens, for the
 * three geometries: the AOUP head (flat, div = tr J), the 2-D ABP head
 * (circle: one output, div = J . d f / d theta) and the 3-D ABP head
 * (sphere: three ambient outputs s, features n, the loss of the tangent
 * part P s, div_S (P s) = tr J - n . J n - 2 n . s, |P s|^2 = |s|^2 - (n . s)^2),
 * and the AOUP head with drift columns (b_j - b_i in every neighbour token,
 * which move with the target's g by -v0: the Jacobian and the probes both
 * carry that path).
 * Compiles twice:
 *   float (test_implicit_float): the differenced divergence at the
 *     library's step h = AMP_IMPLICIT_STEP matches the Jacobian's trace to
 *     1e-3 of its scale;
 *   double (test_implicit): the same at h and, to 1e-6, at h = 1e-4 (the
 *     O(h^2) convergence); the loss and its parameter gradient match those
 *     of the exact loss |P s|^2 + 2 div (P s) (central differences in the
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
  amp_implicit_geometry g;
  double drift; /* v0 of the drift columns, 0: none */
  amp_nn_real *params, *q, *x, *q_shift, *x_shift, *w, *ds, *jq;
  unsigned char mask[B * T];
  AMP_NN(implicit_batch) batch;
} net;

/* The cases: each geometry, then the flat one with drift columns. */
enum { CASES = 4 };
static const char *const names[CASES] = {"AOUP (flat)", "ABP 2-D (circle)", "ABP 3-D (sphere)",
                                         "AOUP (flat) with drift columns"};
static amp_implicit_geometry case_geometry(int k) { return k == 3 ? AMP_IMPLICIT_FLAT : (amp_implicit_geometry)k; }
static double case_drift(int k) { return k == 3 ? 0.6 : 0; }

static amp_nn_real *reals(size_t n, double lo, double hi) {
  amp_nn_real *a = malloc((n ? n : 1) * sizeof *a);
  assert_non_null(a);
  for (size_t i = 0; i < n; i++) a[i] = (amp_nn_real)uniform(lo, hi);
  return a;
}

/* Token 0's features of each target on the geometry's space: flat any
 * g, circle (cos theta, sin theta), sphere a unit vector n. */
static void place_targets(amp_nn_real *q, int nf, amp_implicit_geometry g) {
  for (int b = 0; b < B; b++) {
    amp_nn_real *f0 = q + b * T * nf;
    double theta = uniform(-M_PI, M_PI), z = uniform(-1, 1), r = sqrt(1 - z * z);
    if (g == AMP_IMPLICIT_CIRCLE) f0[0] = (amp_nn_real)cos(theta), f0[1] = (amp_nn_real)sin(theta);
    if (g == AMP_IMPLICIT_SPHERE)
      f0[0] = (amp_nn_real)(r * cos(theta)), f0[1] = (amp_nn_real)(r * sin(theta)), f0[2] = (amp_nn_real)z;
  }
}

/* nf features and outputs by geometry (implicit.h); a position head on
 * 4 position features either way, then with drift 2 force and 2 drift
 * columns. */
static void net_setup(net *n, int k) {
  memset(n, 0, sizeof *n);
  const amp_implicit_geometry g = case_geometry(k);
  const int nf = g == AMP_IMPLICIT_SPHERE ? 3 : 2, no = g == AMP_IMPLICIT_FLAT ? 2 : g == AMP_IMPLICIT_CIRCLE ? 1 : 3;
  const int drift = case_drift(k) != 0, nx = drift ? 8 : 4;
  amp_nn_arch a = {.q_features = nf, .x_features = nx, .q_outputs = no, .x_outputs = 2, .embed_dim = 8,
                   .heads = 2, .layers = 2, .ff_dim = 12, .ff_layers = 1, .embed_layers = 2, .embed_width = 6,
                   .decoder_layers = 2, .decoder_width = 6, .pooling = AMP_NN_POOL_SELF,
                   .force_features = drift ? 2 : 0, .drift_features = drift ? 2 : 0};
  n->g = g;
  n->drift = case_drift(k);
  assert_int_equal(amp_nn_layout_init(&n->l, &a), 0);
  assert_int_equal(AMP_NN(workspace_init)(&n->ws, &n->l, B, T, 1), 0);
  n->params = reals(n->l.nparams, 0, 0);
  AMP_NN(init_params)(&n->l, 3, n->params);
  for (size_t i = 0; i < n->l.nparams; i++) n->params[i] += (amp_nn_real)uniform(-0.3, 0.3);
  n->q = reals(B * T * nf, -1.5, 1.5);
  n->x = reals((size_t)B * T * nx, -3, 3);
  place_targets(n->q, nf, g);
  memset(n->mask, 1, sizeof n->mask);
  n->mask[T + 3] = n->mask[T + 4] = 0;
  n->q_shift = reals(B * T * nf, 0, 0);
  n->x_shift = reals((size_t)B * T * nx, 0, 0);
  n->w = reals((size_t)B * no, 0, 0);
  n->ds = reals((size_t)B * no, 0, 0);
  n->jq = reals((size_t)B * no * nf, 0, 0);
  n->batch = (AMP_NN(implicit_batch)){.B = B, .geometry = g, .q = n->q, .x = n->x, .mask = n->mask,
                                      .q_shift = n->q_shift, .x_shift = n->x_shift, .drift_scale = n->drift,
                                      .w = n->w, .ds = n->ds};
}

static void net_free(net *n) {
  AMP_NN(workspace_free)(&n->ws);
  amp_nn_layout_free(&n->l);
  free(n->params), free(n->q), free(n->x), free(n->q_shift), free(n->x_shift), free(n->w), free(n->ds), free(n->jq);
}

/* One target's exact terms from its outputs s [no], Jacobian J [no][nf]
 * and features f [nf]: returns |P s|^2, the divergence into *div. */
static double exact_terms(amp_implicit_geometry g, const amp_nn_real *s, const amp_nn_real *J, const amp_nn_real *f,
                          double *div) {
  if (g == AMP_IMPLICIT_FLAT) {
    *div = (double)J[0] + J[3];
    return (double)s[0] * s[0] + (double)s[1] * s[1];
  }
  if (g == AMP_IMPLICIT_CIRCLE) {
    double theta = atan2(f[1], f[0]);
    *div = -J[0] * sin(theta) + J[1] * cos(theta);
    return (double)s[0] * s[0];
  }
  double n[3], norm = sqrt((double)f[0] * f[0] + (double)f[1] * f[1] + (double)f[2] * f[2]), ns = 0, ss = 0, nJn = 0;
  for (int a = 0; a < 3; a++) n[a] = f[a] / norm;
  for (int a = 0; a < 3; a++) {
    ns += n[a] * s[a], ss += (double)s[a] * s[a];
    for (int c = 0; c < 3; c++) nJn += n[a] * J[a * 3 + c] * n[c];
  }
  *div = (double)J[0] + J[4] + J[8] - nJn - 2 * ns;
  return ss - ns * ns;
}

/* The exact divergences into div [B], and the exact loss
 * sum_b |P s_b|^2 + 2 div_b. */
static double exact(net *n, double *div) {
  const int no = n->l.arch.q_outputs, nf = n->l.arch.q_features;
  AMP_NN(forward)(&n->l, n->params, &n->ws, B, n->q, n->x, n->mask);
  AMP_NN(input_jacobian)(&n->l, n->params, &n->ws, 2, 0, n->drift, n->jq, NULL);
  double loss = 0;
  for (int b = 0; b < B; b++)
    loss += exact_terms(n->g, n->ws.s_q + b * no, n->jq + b * no * nf, n->q + b * T * nf, &div[b]) + 2 * div[b];
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

static void check_divergence(int k, double h, double tol) {
  net n;
  net_setup(&n, k);
  double div[B], fd[B];
  exact(&n, div);
  AMP_NN(implicit_divergence)(&n.l, n.params, &n.ws, &n.batch, h, fd);
  double err = rel_error(fd, div, B);
  print_message("# %s, h = %g: differenced vs exact divergence, relative error %.3g\n", names[k], h, err);
  if (!(err <= tol)) fail_msg("divergence error %.3g > %g", err, tol);
  net_free(&n);
}

static void divergence_matches_jacobian_trace(void **state) {
  (void)state;
  for (int k = 0; k < CASES; k++) {
    check_divergence(k, AMP_IMPLICIT_STEP, TOL_STEP);
#ifdef AMP_NN_DOUBLE
    check_divergence(k, FINE_STEP, TOL_FINE);
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
  double got = AMP_NN(implicit_loss)(&n->l, n->params, &n->ws, &n->batch, h, grads);
  double err_loss = fabs(got - loss) / fabs(loss), err = rel_error(grads, want, n->l.nparams);
  print_message("# %s, h = %g: loss relative error %.3g, parameter gradient relative error %.3g\n", what, h,
                err_loss, err);
  if (!(err_loss <= tol && err <= tol)) fail_msg("loss error %.3g, gradient error %.3g > %g", err_loss, err, tol);
  /* without grads: the same loss, nothing accumulated */
  assert_true(AMP_NN(implicit_loss)(&n->l, n->params, &n->ws, &n->batch, h, NULL) == got);
  free(grads);
}

static void loss_gradient_matches_exact_loss_differences(void **state) {
  (void)state;
  for (int k = 0; k < CASES; k++) {
    net n;
    net_setup(&n, k);
    double *want = malloc(n.l.nparams * sizeof *want);
    assert_non_null(want);
    exact_gradient(&n, want);
    check_gradient(&n, names[k], want, AMP_IMPLICIT_STEP, TOL_STEP);
    check_gradient(&n, names[k], want, FINE_STEP, TOL_FINE);
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

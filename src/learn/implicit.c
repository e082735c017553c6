/*
 * Implicit score matching by central differences in token 0's features
 * (implicit.h): the probes of each geometry, the moved tokens, the
 * differenced divergence, and the loss with its parameter gradient from
 * ordinary forward/backward passes.
 * Compiles as float and, with -DAMP_NN_DOUBLE, as double.
 */
#include <math.h>
#include <string.h>

#include "activempi/implicit.h"

/* nf and q_outputs are at most 3 (d <= 3) */
enum { MAX_WIDTH = 3 };

static int probe_count(amp_implicit_geometry g, int nf) {
  return g == AMP_IMPLICIT_FLAT ? nf : g == AMP_IMPLICIT_CIRCLE ? 1 : 2;
}

/* t [2][3]: an orthonormal tangent pair of the unit vector n [3], built
 * from the coordinate axis least aligned with n. */
static void tangents(const double *n, double t[2][3]) {
  int a = 0;
  for (int c = 1; c < 3; c++)
    if (fabs(n[c]) < fabs(n[a])) a = c;
  double norm = sqrt(1 - n[a] * n[a]);
  for (int c = 0; c < 3; c++) t[0][c] = ((c == a) - n[a] * n[c]) / norm;
  t[1][0] = n[1] * t[0][2] - n[2] * t[0][1];
  t[1][1] = n[2] * t[0][0] - n[0] * t[0][2];
  t[1][2] = n[0] * t[0][1] - n[1] * t[0][0];
}

/* sphere: f = cos t n + sin t t_k, w = t_k - (t_k . f) f, n = f0 / |f0| */
static void sphere_probe(const amp_nn_real *f0, int k, double t, double *f, double *w) {
  double n[3], tk[2][3], norm = 0;
  for (int c = 0; c < 3; c++) norm += (double)f0[c] * f0[c];
  for (int c = 0; c < 3; c++) n[c] = f0[c] / sqrt(norm);
  tangents(n, tk);
  double along = 0;
  for (int c = 0; c < 3; c++) {
    f[c] = cos(t) * n[c] + sin(t) * tk[k][c];
    along += tk[k][c] * f[c];
  }
  for (int c = 0; c < 3; c++) w[c] = tk[k][c] - along * f[c];
}

/* Probe k of a target whose token 0 has features f0 [nf], moved by t: the
 * features f [nf] and the read-out w [q_outputs] (implicit.h). */
static void probe(amp_implicit_geometry g, int nf, const amp_nn_real *f0, int k, double t, double *f, double *w) {
  if (g == AMP_IMPLICIT_SPHERE) {
    sphere_probe(f0, k, t, f, w);
  } else if (g == AMP_IMPLICIT_CIRCLE) {
    f[0] = f0[0] - t * f0[1];
    f[1] = f0[1] + t * f0[0];
    w[0] = 1;
  } else {
    for (int c = 0; c < nf; c++) f[c] = f0[c] + t * (c == k), w[c] = (c == k);
  }
}

/* Target i's neighbour tokens' drift columns (x [T][nx], the last nf)
 * moved with token 0's features by move [nf]: b_j - b_i by -v0 move. */
static void move_drift(amp_nn_real *x, size_t T, int nx, int nf, const double *move, double v0) {
  for (size_t t = 1; t < T; t++)
    for (int c = 0; c < nf; c++) x[t * nx + nx - nf + c] -= (amp_nn_real)(v0 * move[c]);
}

/* Forward pass of the batch with token 0 of every target at probe k's
 * point t (and the drift columns moved with it); its read-outs into
 * b->w [B][no]. */
static void forward_probe(const amp_nn_layout *l, const amp_nn_real *params, AMP_NN(workspace) *ws,
                          const AMP_NN(implicit_batch) *b, int k, double t) {
  const int nf = l->arch.q_features, no = l->arch.q_outputs, nx = l->arch.x_features, drift = l->arch.drift_features;
  const size_t T = (size_t)ws->tokens;
  memcpy(b->q_shift, b->q, (size_t)b->B * T * nf * sizeof *b->q_shift);
  if (drift) memcpy(b->x_shift, b->x, (size_t)b->B * T * nx * sizeof *b->x_shift);
  for (int i = 0; i < b->B; i++) {
    double f[MAX_WIDTH], w[MAX_WIDTH], move[MAX_WIDTH];
    amp_nn_real *f0 = b->q_shift + (size_t)i * T * nf;
    probe(b->geometry, nf, f0, k, t, f, w);
    for (int c = 0; c < nf; c++) move[c] = f[c] - f0[c], f0[c] = (amp_nn_real)f[c];
    if (drift) move_drift(b->x_shift + (size_t)i * T * nx, T, nx, nf, move, b->drift_scale);
    for (int c = 0; c < no; c++) b->w[(size_t)i * no + c] = (amp_nn_real)w[c];
  }
  AMP_NN(forward)(l, params, ws, b->B, b->q_shift, drift ? b->x_shift : b->x, b->mask);
}

/* w . s of target i after a forward pass (w [B][no]) */
static double read_out(const AMP_NN(workspace) *ws, const amp_nn_real *w, int no, int i) {
  double sum = 0;
  for (int c = 0; c < no; c++) sum += (double)w[(size_t)i * no + c] * ws->s_q[(size_t)i * no + c];
  return sum;
}

void AMP_NN(implicit_divergence)(const amp_nn_layout *l, const amp_nn_real *params, AMP_NN(workspace) *ws,
                                 const AMP_NN(implicit_batch) *b, double h, double *div) {
  const int no = l->arch.q_outputs, probes = probe_count(b->geometry, l->arch.q_features);
  for (int i = 0; i < b->B; i++) div[i] = 0;
  for (int k = 0; k < probes; k++)
    for (int side = 0; side < 2; side++) {
      double sign = side ? -1 : 1;
      forward_probe(l, params, ws, b, k, sign * h);
      for (int i = 0; i < b->B; i++) div[i] += sign * read_out(ws, b->w, no, i) / (2 * h);
    }
}

/* |P s|^2 = sum_k (w_k(0) . s)^2 of the unmoved forward, seeding
 * ds = 2 sum_k (w_k . s) w_k */
static double square_term(const amp_nn_layout *l, const AMP_NN(workspace) *ws, const AMP_NN(implicit_batch) *b) {
  const int nf = l->arch.q_features, no = l->arch.q_outputs, probes = probe_count(b->geometry, nf);
  const size_t T = (size_t)ws->tokens;
  double sum = 0;
  memset(b->ds, 0, (size_t)b->B * no * sizeof *b->ds);
  for (int i = 0; i < b->B; i++)
    for (int k = 0; k < probes; k++) {
      double f[MAX_WIDTH], w[MAX_WIDTH], proj = 0;
      probe(b->geometry, nf, b->q + (size_t)i * T * nf, k, 0, f, w);
      for (int c = 0; c < no; c++) proj += w[c] * ws->s_q[(size_t)i * no + c];
      sum += proj * proj;
      for (int c = 0; c < no; c++) b->ds[(size_t)i * no + c] += (amp_nn_real)(2 * proj * w[c]);
    }
  return sum;
}

/* sign 2 (w . s) / (2h) of the last probe's forward, seeding
 * ds = sign w / h */
static double difference_term(const AMP_NN(workspace) *ws, const AMP_NN(implicit_batch) *b, int no, double sign,
                              double h) {
  double sum = 0;
  for (int i = 0; i < b->B; i++) {
    sum += sign * read_out(ws, b->w, no, i) / h;
    for (int c = 0; c < no; c++) b->ds[(size_t)i * no + c] = (amp_nn_real)(sign / h * b->w[(size_t)i * no + c]);
  }
  return sum;
}

double AMP_NN(implicit_loss)(const amp_nn_layout *l, const amp_nn_real *params, AMP_NN(workspace) *ws,
                             const AMP_NN(implicit_batch) *b, double h, amp_nn_real *grads) {
  const int no = l->arch.q_outputs, probes = probe_count(b->geometry, l->arch.q_features);
  AMP_NN(forward)(l, params, ws, b->B, b->q, b->x, b->mask);
  double loss = square_term(l, ws, b);
  if (grads) AMP_NN(backward)(l, params, ws, b->ds, NULL, grads);
  for (int k = 0; k < probes; k++)
    for (int side = 0; side < 2; side++) {
      double sign = side ? -1 : 1;
      forward_probe(l, params, ws, b, k, sign * h);
      loss += difference_term(ws, b, no, sign, h);
      if (grads) AMP_NN(backward)(l, params, ws, b->ds, NULL, grads);
    }
  return loss;
}

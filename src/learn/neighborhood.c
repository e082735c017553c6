/*
 * neighborhood: the token tensors of a batch of targets (see neighborhood.h).
 *
 * Design. Per target: the cells give the rows within R (amp_cells_query,
 * the same minimum-image test as the Verlet lists); each gets a key
 * (squared distance in double, global id), and a bounded max-heap keeps the
 * K smallest keys in place at the front of the key array: the first
 * min(n, K) keys are heapified, each later key replaces the root when it is
 * smaller, and heap sort then leaves the survivors ascending. Keys are
 * distinct (ids are), so the order is total and the result does not depend
 * on the order the cells return rows in. Tokens are then written straight
 * into the tensors; token 0 is the target written as its own neighbour
 * (x_i - x_i = 0), and padding is written explicitly, so nothing is cleared
 * twice.
 *
 * With bonds the candidates come from the graph instead
 * (graph_neighborhood.c), keyed (hop, distance, id); selection and token
 * writing are the same code for both kinds.
 *
 * The tensors share one allocation, laid out id (8-byte), q, x, count
 * (4-byte), mask (1-byte) so every array is aligned for its type; it grows
 * only when a batch needs more bytes than any before.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "neighborhood_internal.h"

typedef amp_nb_key key;

static int before(const key *a, const key *b) {
  if (a->hop != b->hop) return a->hop < b->hop;
  return a->d2 < b->d2 || (a->d2 == b->d2 && a->id < b->id);
}

/* Restore the max-heap h[n] below position k. */
static void sift_down(key *h, size_t n, size_t k) {
  key top = h[k];
  for (size_t child; (child = 2 * k + 1) < n; k = child) {
    if (child + 1 < n && before(&h[child], &h[child + 1])) ++child;
    if (!before(&top, &h[child])) break;
    h[k] = h[child];
  }
  h[k] = top;
}

/* Move the min(n, K) smallest keys of k[n] to its front, ascending; returns how many. */
static size_t select_nearest(key *k, size_t n, size_t K) {
  size_t m = n < K ? n : K;
  for (size_t s = m / 2; s-- > 0;) sift_down(k, m, s);
  for (size_t s = m; s < n; ++s)
    if (before(&k[s], &k[0])) {
      k[0] = k[s];
      sift_down(k, m, 0);
    }
  for (size_t s = m; s-- > 1;) {
    key t = k[0];
    k[0] = k[s], k[s] = t;
    sift_down(k, s, 0);
  }
  return m;
}

void amp_neighborhood_widths(amp_model model, int dim, int absolute_position, int bonds, int force, int drift,
                             int *nf, int *nx) {
  *nf = model == AMP_MODEL_ABP && dim == 2 ? 2 : dim;
  *nx = (absolute_position ? 2 * dim : dim) + (bonds ? 1 : 0) + dim * ((force ? 1 : 0) + (drift ? 1 : 0));
}

void amp_neighborhood_features(amp_model model, int dim, const double *q, float *f) {
  if (model == AMP_MODEL_ABP && dim == 2) {
    f[0] = (float)cos(q[0]);
    f[1] = (float)sin(q[0]);
    return;
  }
  for (int a = 0; a < dim; ++a) f[a] = (float)q[a];
}

void amp_neighborhood_features_dtheta(double theta, double df[2]) {
  df[0] = -sin(theta);
  df[1] = cos(theta);
}

static void spec_widths(const amp_neighborhood_spec *s, int *nf, int *nx) {
  amp_neighborhood_widths(s->model, s->dim, s->absolute_position, s->bonds != NULL, s->force, s->drift, nf, nx);
}

/* Bytes per target of each array, in block order. */
static void array_bytes(const amp_neighborhood_spec *s, size_t part[5]) {
  int nf, nx;
  spec_widths(s, &nf, &nx);
  size_t T = (size_t)s->K + 1;
  part[0] = T * sizeof(int64_t);
  part[1] = T * (size_t)nf * sizeof(float);
  part[2] = T * (size_t)nx * sizeof(float);
  part[3] = sizeof(int);
  part[4] = T;
}

size_t amp_neighborhood_bytes(const amp_neighborhood_spec *s) {
  size_t part[5];
  array_bytes(s, part);
  return part[0] + part[1] + part[2] + part[3] + part[4];
}

/* Size the block for B targets and point the tensors into it. */
static int reserve_tensors(amp_neighborhoods *nb, const amp_neighborhood_spec *s, size_t B) {
  size_t part[5];
  array_bytes(s, part);
  nb->bytes = B * amp_neighborhood_bytes(s);
  if (nb->bytes > nb->cap_block || !nb->block) {
    void *more = realloc(nb->block, nb->bytes ? nb->bytes : 1);
    if (!more) return -1;
    nb->block = more, nb->cap_block = nb->bytes ? nb->bytes : 1;
  }
  char *at = nb->block;
  nb->id = (int64_t *)at, at += B * part[0];
  nb->q = (float *)at, at += B * part[1];
  nb->x = (float *)at, at += B * part[2];
  nb->count = (int *)at, at += B * part[3];
  nb->mask = (unsigned char *)at;
  nb->B = B;
  nb->T = s->K + 1;
  nb->absolute_position = s->absolute_position;
  nb->drift_scale = s->drift ? s->v0 : 0;
  spec_widths(s, &nb->nf, &nb->nx);
  return 0;
}

int amp_nb_reserve_keys(amp_neighborhoods *nb, size_t n) {
  if (n <= nb->cap_keys) return 0;
  key *more = realloc(nb->keys, n * sizeof *more);
  if (!more) return -1;
  nb->keys = more, nb->cap_keys = n;
  return 0;
}

/* out [d] = b_j - b_i, b = v0 g + F (AOUP: q = g) */
static void put_drift(float *out, const amp_neighborhood_spec *s, const amp_particles *p, const double *force,
                      size_t i, size_t j) {
  const int d = s->dim;
  const double *fi = force + i * (size_t)d, *fj = force + j * (size_t)d, *gi = p->q + i * (size_t)d,
               *gj = p->q + j * (size_t)d;
  for (int a = 0; a < d; ++a) out[a] = (float)(s->v0 * (gj[a] - gi[a]) + (fj[a] - fi[a]));
}

/* Token t (flat index b T + t) as particle row j, `hop` bonds away, seen
 * from row i: [x_i - x_j, (x_j), (hop), (F_j), (b_j - b_i)]. */
static void put_token(amp_neighborhoods *nb, const amp_neighborhood_spec *s, const amp_particles *p,
                      const double *force, size_t t, size_t i, size_t j, int hop) {
  const int d = s->dim;
  const double *xi = p->x + i * (size_t)d, *xj = p->x + j * (size_t)d;
  float *x = nb->x + t * (size_t)nb->nx, *end = x + nb->nx - d * (s->force + s->drift);
  for (int a = 0; a < d; ++a) x[a] = (float)amp_min_image(xi[a] - xj[a], s->L);
  if (s->absolute_position)
    for (int a = 0; a < d; ++a) x[d + a] = (float)xj[a];
  if (s->bonds) end[-1] = (float)hop;
  if (s->force)
    for (int a = 0; a < d; ++a) end[a] = (float)force[j * (size_t)d + a];
  if (s->drift) put_drift(end + d, s, p, force, i, j);
  amp_neighborhood_features(s->model, s->dim, p->q + j * (size_t)p->nq, nb->q + t * (size_t)nb->nf);
  nb->mask[t] = 1;
  nb->id[t] = p->id[j];
}

static void pad_token(amp_neighborhoods *nb, size_t t) {
  memset(nb->q + t * (size_t)nb->nf, 0, (size_t)nb->nf * sizeof *nb->q);
  memset(nb->x + t * (size_t)nb->nx, 0, (size_t)nb->nx * sizeof *nb->x);
  nb->mask[t] = 0;
  nb->id[t] = -1;
}

int amp_nb_fail(amp_neighborhoods *nb, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(nb->error, sizeof nb->error, fmt, ap);
  va_end(ap);
  return -1;
}

/* Keys of the candidate rows of target i in space: the rows within R, *n of them. */
static int gather(amp_neighborhoods *nb, const amp_neighborhood_spec *s, const amp_cells *c,
                  const amp_particles *p, size_t i, size_t *n) {
  nb->rows.n = 0;
  if (amp_cells_query(c, p, i, s->R, &nb->rows) || amp_nb_reserve_keys(nb, nb->rows.n))
    return amp_nb_fail(nb, "out of memory for the neighbourhood candidates");
  key *k = nb->keys;
  for (size_t r = 0; r < nb->rows.n; ++r) {
    uint32_t j = nb->rows.row[r];
    k[r] = (key){amp_nb_distance2(s, p, i, j), p->id[j], j, 0};
  }
  *n = nb->rows.n;
  nb->candidates += *n;
  return 0;
}

/* Tokens of batch entry b: target row i itself, the first m keys, then padding. */
static void write_tokens(amp_neighborhoods *nb, const amp_neighborhood_spec *s, const amp_particles *p,
                         const double *force, size_t b, size_t i, size_t m) {
  const key *k = nb->keys;
  const size_t base = b * (size_t)nb->T;
  put_token(nb, s, p, force, base, i, i, 0);
  for (size_t t = 0; t < m; ++t) put_token(nb, s, p, force, base + 1 + t, i, k[t].row, k[t].hop);
  for (size_t t = m + 1; t < (size_t)nb->T; ++t) pad_token(nb, base + t);
  nb->count[b] = (int)m;
}

/* Tokens of batch entry b, target row i, from the candidates of either kind. */
static int build_target(amp_neighborhoods *nb, const amp_neighborhood_spec *s, const amp_cells *c,
                        const amp_particles *p, const double *force, size_t b, size_t i) {
  size_t n;
  if (i >= p->nowned) return amp_nb_fail(nb, "neighbourhood target row %zu is not an owned row (a bug)", i);
  if (s->bonds ? amp_graph_gather(nb, s, p, i, &n) : gather(nb, s, c, p, i, &n)) return -1;
  write_tokens(nb, s, p, force, b, i, select_nearest(nb->keys, n, (size_t)s->K));
  return 0;
}

static int valid(const amp_neighborhood_spec *s, const amp_cells *c, const amp_particles *p) {
  int model_ok = s->model == AMP_MODEL_AOUP || (s->model == AMP_MODEL_ABP && s->dim >= 2);
  int common = model_ok && s->dim >= 1 && s->dim <= 3 && p->dim == s->dim &&
               p->nq == amp_internal_components(s->model, s->dim) && s->K >= 1;
  if (s->bonds) return common && s->bonds->dim == s->dim;
  return common && s->R > 0 && s->R < s->L / 2 && c->dim == s->dim && c->L == s->L &&
         c->nrows == p->nowned + p->nghost;
}

static int build_targets(amp_neighborhoods *nb, const amp_neighborhood_spec *s, const amp_cells *c,
                         const amp_particles *p, const double *force, const size_t *target, size_t B) {
  for (size_t b = 0; b < B; ++b)
    if (build_target(nb, s, c, p, force, b, target[b])) return -1;
  return 0;
}

int amp_neighborhood_build_with_force(amp_neighborhoods *nb, const amp_neighborhood_spec *s, const amp_cells *c,
                                      const amp_particles *p, const double *force, const size_t *target, size_t B) {
  nb->error[0] = '\0';
  nb->candidates = 0;
  if (!valid(s, c, p) || !s->force != !force || (s->drift && (!s->force || p->nq != s->dim)))
    return amp_nb_fail(nb, "the neighbourhood's arguments break its contract (a bug)");
  if (reserve_tensors(nb, s, B)) return amp_nb_fail(nb, "out of memory for the tokens of %zu particles", B);
  if (!s->bonds) return build_targets(nb, s, c, p, force, target, B);
  if (amp_graph_begin(nb, s, p)) return -1;
  int status = build_targets(nb, s, c, p, force, target, B);
  amp_graph_end(nb, p);
  return status;
}

int amp_neighborhood_build(amp_neighborhoods *nb, const amp_neighborhood_spec *s, const amp_cells *c,
                           const amp_particles *p, const size_t *target, size_t B) {
  return amp_neighborhood_build_with_force(nb, s, c, p, NULL, target, B);
}

int amp_nb_fail_oom(amp_neighborhoods *nb) { return amp_nb_fail(nb, "out of memory for the tokens' cells or forces"); }

void amp_neighborhood_free(amp_neighborhoods *nb) {
  free(nb->block);
  free(nb->keys);
  amp_rows_free(&nb->rows);
  amp_graph_walk_free(&nb->walk);
  *nb = (amp_neighborhoods){0};
}

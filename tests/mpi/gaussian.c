/*
 * The Gaussian reference (exact.h) on 1, 2 and 4 ranks, against independent
 * oracles:
 *   - one trapped particle (science.md I7): covariance, score, EPR 1.6667;
 *   - a dense Lyapunov solve of B Sigma + Sigma B^T + 2D = 0 (the vectorised
 *     system (I (x) B + B (x) I) vec Sigma = -2 vec D through LAPACK's dgesv,
 *     N <= 8 in one dimension) for chains, rings and lattices in a trap,
 *     eps > 0 and eps = 0: the covariance recovered from the scores, the
 *     precision matrix, and the per-particle EPR E[(V z)_i^2]/D_ii with
 *     V = B + D Sigma^{-1}, all to 1e-9 relative;
 *   - the same problem solved by each rank alone (MPI_COMM_SELF): the
 *     distributed eigenvalues, per-particle EPR and scores equal the 1-rank
 *     ones to 1e-10, on a free ring with a zero mode and degenerate pairs;
 *   - the zero mode of a free network: a rigid translation has no x-score,
 *     and the total EPR is N v0^2 gamma / eps sum_k 1/(kappa_k + gamma).
 */
#include <math.h>
#include <mpi.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "activempi/exact.h"
#include "mpi_test.h"

void dgesv_(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv, double *b, const int *ldb, int *info);

typedef struct {
  const char *bonds;
  int n, dim;
  double trap, k, v0, gamma, eps;
} system_spec;

static amp_config config_for(const system_spec *s) {
  char text[1024], err[AMP_ERR_LEN];
  snprintf(text, sizeof text,
           "[system]\ndimension = %d\nparticles = %d\nbox_length = 1000.0\n"
           "[interaction]\npotential = \"none\"\ntrap = %.17g\nbonds = \"%s\"\n%s%.17g\n"
           "[dynamics]\nv0 = %.17g\ngamma = %.17g\ntranslational_diffusion = %.17g\ndt = 0.01\n",
           s->dim, s->n, s->trap, s->bonds, strcmp(s->bonds, "none") ? "bond_stiffness = " : "# ", s->k, s->v0,
           s->gamma, s->eps);
  amp_config cfg;
  if (amp_config_parse(text, strlen(text), "test", &cfg, err)) fail_msg("%s", err);
  return cfg;
}

/* The solved reference of a system over comm. */
typedef struct {
  amp_bonds bonds;
  amp_gaussian g;
  amp_gaussian_model m;
} reference;

static void solve(reference *r, const system_spec *s, MPI_Comm comm) {
  amp_config cfg = config_for(s);
  char err[512];
  assert_int_equal(amp_bonds_build(&r->bonds, &cfg, NULL), 0);
  if (amp_gaussian_setup(&r->g, comm, s->n, err, sizeof err)) fail_msg("%s", err);
  if (amp_gaussian_solve(&r->g, &r->bonds, s->trap, err, sizeof err)) fail_msg("%s", err);
  r->m = (amp_gaussian_model){.v0 = s->v0, .gamma = s->gamma, .eps = s->eps,
                              .zero_tol = amp_gaussian_zero_tol(&r->bonds, s->trap)};
}

static void release(reference *r) {
  amp_gaussian_free(&r->g);
  amp_bonds_free(&r->bonds);
}

static void expect_close(double got, double want, double tol, const char *what, int i) {
  if (!(fabs(got - want) <= tol * (1 + fabs(want)))) fail_msg("%s[%d]: %.15g, expected %.15g", what, i, got, want);
}

static void one_trapped_particle_is_science_md_i7(void **state) {
  (void)state;
  const system_spec s = {"none", 1, 1, 0.05, 0, 0.5, 0.1, 0.1};
  reference r;
  solve(&r, &s, MPI_COMM_WORLD);
  expect_close(r.g.kappa[0], 0.05, 1e-14, "kappa", 0);
  amp_gaussian_cov c = amp_gaussian_mode_covariance(&r.m, 0.05);
  expect_close(c.xg, 0.5 / 0.15, 1e-14, "Sigma_xg", 0);
  expect_close(c.xx, (0.1 + 0.25 / 0.15) / 0.05, 1e-14, "Sigma_xx", 0);
  double epr, x = 0.7, g = -0.3, sx, sg, err[1];
  char msg[512];
  (void)err;
  if (amp_gaussian_particle_epr(&r.g, &r.m, 1, &epr, msg, sizeof msg)) fail_msg("%s", msg);
  expect_close(epr, 0.25 * 0.1 / (0.1 * 0.15), 1e-13, "EPR", 0);
  expect_close(epr, 1.6666666666666667, 1e-13, "EPR (science.md)", 0);
  if (amp_gaussian_scores(&r.g, &r.m, 1, &x, &g, &sx, &sg, msg, sizeof msg)) fail_msg("%s", msg);
  double det = c.xx * c.gg - c.xg * c.xg;
  expect_close(sx, -(c.gg * x - c.xg * g) / det, 1e-13, "s_x", 0);
  expect_close(sg, -(-c.xg * x + c.xx * g) / det, 1e-13, "s_g", 0);
  release(&r);
}

/* Dense B (2N x 2N, z = (x, g)) and D of a one-dimensional system. */
static void dense_system(const reference *r, const system_spec *s, int n, double *B, double *D) {
  int m = 2 * n;
  memset(B, 0, (size_t)m * m * sizeof *B);
  memset(D, 0, (size_t)m * m * sizeof *D);
  for (int i = 0; i < n; ++i) {
    B[i * m + i] = -s->trap;
    for (int64_t e = r->bonds.start[i]; e < r->bonds.start[i + 1]; ++e) {
      B[i * m + i] -= s->k;
      B[i * m + r->bonds.partner[e]] += s->k;
    }
    B[i * m + n + i] = s->v0;
    B[(n + i) * m + n + i] = -s->gamma;
    D[i * m + i] = s->eps;
    D[(n + i) * m + n + i] = s->gamma;
  }
}

/* Solve a x = b for nrhs right-hand sides (row-major a[m][m], b[nrhs][m]). */
static void dense_solve(int m, const double *a, int nrhs, double *b) {
  double *t = malloc((size_t)m * m * sizeof *t); /* LAPACK is column-major: pass a^T's transpose */
  int *ipiv = malloc((size_t)m * sizeof *ipiv), info;
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < m; ++j) t[j * m + i] = a[i * m + j];
  dgesv_(&m, &nrhs, t, &m, ipiv, b, &m, &info);
  assert_int_equal(info, 0);
  free(t);
  free(ipiv);
}

static void agrees_with_a_dense_lyapunov_solve(void **state) {
  (void)state;
  const system_spec cases[] = {
      {"chain", 6, 1, 0.3, 1.2, 0.8, 0.5, 0.2}, {"ring", 5, 1, 0.05, 2.5, 0.5, 0.1, 0.1},
      {"chain", 8, 1, 1.0, 0.7, 1.1, 2.0, 0.0}, {"lattice", 7, 1, 0.4, 1.0, 0.6, 0.3, 0.05},
      {"ring", 4, 1, 0.2, 3.0, 0.9, 0.7, 0.0},
  };
  for (size_t t = 0; t < sizeof cases / sizeof cases[0]; ++t) {
    const system_spec *s = &cases[t];
    const int n = s->n, m = 2 * n;
    reference r;
    solve(&r, s, MPI_COMM_WORLD);
    double *B = malloc((size_t)m * m * sizeof *B), *D = malloc((size_t)m * m * sizeof *D);
    double *L = calloc((size_t)m * m * m * m, sizeof *L), *sigma = malloc((size_t)m * m * sizeof *sigma);
    dense_system(&r, s, n, B, D);
    /* (B Sigma + Sigma B^T)_{ab} = sum_c B_ac Sigma_cb + Sigma_ac B_bc = -2 D_ab, unknown Sigma_cd at c m + d */
    for (int a = 0; a < m; ++a)
      for (int b = 0; b < m; ++b) {
        double *row = L + (size_t)(a * m + b) * m * m;
        for (int c = 0; c < m; ++c) {
          row[c * m + b] += B[a * m + c];
          row[a * m + c] += B[b * m + c];
        }
        sigma[a * m + b] = -2 * D[a * m + b];
      }
    dense_solve(m * m, L, 1, sigma);
    /* the module's precision matrix: the scores of the unit vectors, s(e_c) = -Sigma^{-1} e_c */
    double *x = calloc((size_t)n * m, sizeof *x), *g = calloc((size_t)n * m, sizeof *g);
    double *sx = malloc((size_t)n * m * sizeof *sx), *sg = malloc((size_t)n * m * sizeof *sg);
    for (int i = 0; i < n; ++i) {
      x[i * m + i] = 1;
      g[i * m + n + i] = 1;
    }
    char msg[512];
    if (amp_gaussian_scores(&r.g, &r.m, m, x, g, sx, sg, msg, sizeof msg)) fail_msg("%s", msg);
    double *prec = malloc((size_t)m * m * sizeof *prec), *cov = malloc((size_t)m * m * sizeof *cov);
    for (int i = 0; i < n; ++i)
      for (int c = 0; c < m; ++c) {
        prec[i * m + c] = -sx[i * m + c];
        prec[(n + i) * m + c] = -sg[i * m + c];
      }
    for (int a = 0; a < m * m; ++a) cov[a] = a / m == a % m;
    dense_solve(m, prec, m, cov); /* cov = prec^{-1} (symmetric, so layout does not matter) */
    double scale = 0;
    for (int a = 0; a < m * m; ++a) scale = fmax(scale, fabs(sigma[a]));
    for (int a = 0; a < m * m; ++a) expect_close(cov[a] / scale, sigma[a] / scale, 1e-9, "Sigma", a);
    /* the per-particle EPR: V = B + D Sigma^{-1}, C = V Sigma V^T */
    double *V = malloc((size_t)m * m * sizeof *V), *epr = malloc((size_t)n * sizeof *epr);
    for (int a = 0; a < m; ++a)
      for (int b = 0; b < m; ++b) V[a * m + b] = B[a * m + b] + D[a * m + a] * prec[a * m + b];
    if (amp_gaussian_particle_epr(&r.g, &r.m, 1, epr, msg, sizeof msg)) fail_msg("%s", msg);
    for (int i = 0; i < n; ++i) {
      double want = 0;
      for (int part = 0; part < 2; ++part) {
        int a = part * n + i;
        if (D[a * m + a] == 0) continue;
        double c = 0;
        for (int p = 0; p < m; ++p)
          for (int q = 0; q < m; ++q) c += V[a * m + p] * sigma[p * m + q] * V[a * m + q];
        want += c / D[a * m + a];
      }
      expect_close(epr[i], want, 1e-9, "E[sigma_i]", i);
    }
    free(B), free(D), free(L), free(sigma), free(x), free(g), free(sx), free(sg), free(prec), free(cov), free(V);
    free(epr);
    release(&r);
  }
}

static void distributed_equals_one_rank(void **state) {
  (void)state;
  const system_spec s = {"ring", 40, 1, 0.0, 1.5, 0.5, 0.2, 0.1};
  const int n = s.n, cols = 6;
  reference all, alone;
  solve(&all, &s, MPI_COMM_WORLD);
  solve(&alone, &s, MPI_COMM_SELF);
  double x[40 * 6], g[40 * 6], sx[2][40 * 6], sg[2][40 * 6], epr[2][40];
  for (int i = 0; i < n * cols; ++i) {
    x[i] = sin(1.3 * i) * 3; /* the same on every rank */
    g[i] = cos(0.7 * i);
  }
  reference *both[2] = {&all, &alone};
  char msg[512];
  for (int k = 0; k < 2; ++k) {
    if (amp_gaussian_scores(&both[k]->g, &both[k]->m, cols, x, g, sx[k], sg[k], msg, sizeof msg)) fail_msg("%s", msg);
    if (amp_gaussian_particle_epr(&both[k]->g, &both[k]->m, 2, epr[k], msg, sizeof msg)) fail_msg("%s", msg);
  }
  for (int i = 0; i < n; ++i) {
    expect_close(all.g.kappa[i], alone.g.kappa[i], 1e-12, "kappa", i);
    expect_close(epr[0][i], epr[1][i], 1e-10, "E[sigma_i]", i);
  }
  for (int i = 0; i < n * cols; ++i) {
    expect_close(sx[0][i], sx[1][i], 1e-10, "s_x", i);
    expect_close(sg[0][i], sg[1][i], 1e-10, "s_g", i);
  }
  release(&all);
  release(&alone);
}

static void free_ring_has_one_zero_mode(void **state) {
  (void)state;
  const system_spec s = {"ring", 12, 1, 0.0, 2.0, 0.5, 0.2, 0.1};
  reference r;
  solve(&r, &s, MPI_COMM_WORLD);
  int zeros = 0;
  for (int k = 0; k < s.n; ++k) zeros += r.g.kappa[k] <= r.m.zero_tol;
  assert_int_equal(zeros, 1);
  double x[12], g[12] = {0}, sx[12], sg[12], epr[12], total = 0, want = 0;
  for (int i = 0; i < s.n; ++i) x[i] = 4.25; /* a rigid translation */
  char msg[512];
  if (amp_gaussian_scores(&r.g, &r.m, 1, x, g, sx, sg, msg, sizeof msg)) fail_msg("%s", msg);
  for (int i = 0; i < s.n; ++i) {
    expect_close(sx[i], 0, 1e-12, "s_x of a translation", i);
    expect_close(sg[i], 0, 1e-12, "s_g of a translation", i);
  }
  if (amp_gaussian_particle_epr(&r.g, &r.m, 1, epr, msg, sizeof msg)) fail_msg("%s", msg);
  for (int k = 0; k < s.n; ++k) {
    total += epr[k];
    /* ring Laplacian eigenvalues 2 k_b (1 - cos(2 pi k / N)) */
    want += s.v0 * s.v0 * s.gamma / (s.eps * (2 * s.k * (1 - cos(2 * M_PI * k / s.n)) + s.gamma));
  }
  expect_close(total, want, 1e-11, "total EPR", 0);
  release(&r);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(one_trapped_particle_is_science_md_i7),
      cmocka_unit_test(agrees_with_a_dense_lyapunov_solve),
      cmocka_unit_test(distributed_equals_one_rank),
      cmocka_unit_test(free_ring_has_one_zero_mode),
  };
  int status = mpi_test_finish(cmocka_run_group_tests(tests, NULL, NULL));
  MPI_Finalize();
  return status;
}

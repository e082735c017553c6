/*
 * gaussian_score: exact scores of given configurations, through the modes.
 *
 *   Xi = Q^T X, Eta = Q^T G            (two PDGEMMs, N x N times N x C)
 *   (S_xi, S_eta) = -Sigma_k^{-1} (Xi, Eta)   row k, entry by entry
 *   S_x = Q S_xi, S_g = Q S_eta        (two PDGEMMs)
 *
 * X and G ([N][C], C = dimensions x snapshots) are the same on every rank;
 * each rank copies its block-cyclic entries in (rows and columns blocked by
 * nb, like Q), and the results come back by one MPI_Allreduce of zero-filled
 * [N][C] arrays into which each rank writes only the entries it owns, so
 * the sum is exact. Xi and Eta share one layout, which is what makes the
 * 2 x 2 step local: mode k's xi and eta of a column sit on the same rank.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activempi/exact.h"
#include "scalapack.h"

typedef struct {
  int mloc, cloc, lld; /* local rows, local columns, leading dimension */
  int desc[9];
} layout;

static int make_layout(const amp_gaussian *g, int cols, layout *l) {
  int zero = 0, info = 0;
  l->mloc = numroc_(&g->n, &g->nb, &g->myrow, &zero, &g->nprow);
  l->cloc = numroc_(&cols, &g->nb, &g->mycol, &zero, &g->npcol);
  l->lld = l->mloc > 1 ? l->mloc : 1;
  descinit_(l->desc, &g->n, &cols, &g->nb, &g->nb, &zero, &zero, &g->context, &l->lld, &info);
  return info;
}

/* This rank's entries of the replicated row-major a[N][cols] into local (column-major). */
static void scatter(const amp_gaussian *g, const layout *l, int cols, const double *a, double *local) {
  for (int lc = 0; lc < l->cloc; ++lc) {
    int c = amp_block_cyclic_global(lc, g->nb, g->mycol, g->npcol);
    for (int li = 0; li < l->mloc; ++li)
      local[(size_t)lc * l->lld + li] = a[(size_t)amp_block_cyclic_global(li, g->nb, g->myrow, g->nprow) * cols + c];
  }
}

/* The inverse: this rank's entries into the zeroed row-major a[N][cols]. */
static void place(const amp_gaussian *g, const layout *l, int cols, const double *local, double *a) {
  for (int lc = 0; lc < l->cloc; ++lc) {
    int c = amp_block_cyclic_global(lc, g->nb, g->mycol, g->npcol);
    for (int li = 0; li < l->mloc; ++li)
      a[(size_t)amp_block_cyclic_global(li, g->nb, g->myrow, g->nprow) * cols + c] = local[(size_t)lc * l->lld + li];
  }
}

/* c = op(Q) b over the layouts: trans "T" for Q^T b, "N" for Q b. */
static void apply_q(const amp_gaussian *g, const char *trans, int cols, const layout *l, const double *b, double *c) {
  const int one = 1;
  const double alpha = 1, beta = 0;
  pdgemm_(trans, "N", &g->n, &cols, &g->n, &alpha, g->q, &one, &one, g->desc, b, &one, &one, l->desc, &beta, c, &one,
          &one, l->desc);
}

int amp_gaussian_scores(const amp_gaussian *g, const amp_gaussian_model *m, int cols, const double *x,
                        const double *gq, double *sx, double *sg, char *err, size_t size) {
  layout l;
  int info = make_layout(g, cols, &l), status = 0, bad = 0;
  size_t local = (size_t)l.lld * (size_t)(l.cloc > 1 ? l.cloc : 1), all = (size_t)g->n * (size_t)cols;
  double *buf = malloc(4 * local * sizeof *buf), *gathered = calloc(2 * all, sizeof *gathered);
  if (info || !buf || !gathered) bad = 1;
  if (MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, g->comm) != MPI_SUCCESS || bad) {
    snprintf(err, size, "%s", info ? "descinit failed for the configurations" : "out of memory for the scores");
    free(buf);
    free(gathered);
    return -1;
  }
  double *xl = buf, *gl = buf + local, *xi = buf + 2 * local, *eta = buf + 3 * local;
  scatter(g, &l, cols, x, xl);
  scatter(g, &l, cols, gq, gl);
  apply_q(g, "T", cols, &l, xl, xi);
  apply_q(g, "T", cols, &l, gl, eta);
  for (int li = 0; li < l.mloc; ++li) { /* row li is mode k */
    double kappa = g->kappa[amp_block_cyclic_global(li, g->nb, g->myrow, g->nprow)];
    for (int lc = 0; lc < l.cloc; ++lc) {
      size_t e = (size_t)lc * l.lld + li;
      amp_gaussian_mode_score(m, kappa, xi[e], eta[e], &xi[e], &eta[e]);
    }
  }
  apply_q(g, "N", cols, &l, xi, xl);
  apply_q(g, "N", cols, &l, eta, gl);
  place(g, &l, cols, xl, gathered);
  place(g, &l, cols, gl, gathered + all);
  if (MPI_Allreduce(MPI_IN_PLACE, gathered, (int)(2 * all), MPI_DOUBLE, MPI_SUM, g->comm) != MPI_SUCCESS) {
    snprintf(err, size, "MPI_Allreduce of the scores failed");
    status = -1;
  } else {
    memcpy(sx, gathered, all * sizeof *sx);
    memcpy(sg, gathered + all, all * sizeof *sg);
  }
  free(buf);
  free(gathered);
  return status;
}

/*
 * gaussian_solve: the stiffness matrix K = A I + k_b Lap on a BLACS grid, its
 * eigendecomposition by PDSYEVD, and the per-particle EPR from it.
 *
 * Layout. The ranks of the communicator form an nprow x npcol grid
 * (MPI_Dims_create, row-major), and N x N matrices are cut into nb x nb
 * blocks dealt out cyclically (ScaLAPACK's block-cyclic layout, source
 * process 0). nb is 64, or smaller when N is small so that every rank holds
 * part of the matrix. Each rank fills its own entries of K straight from the
 * replicated bond graph (no assembly traffic): column j holds A + k_b deg(j)
 * on the diagonal and -k_b at the rows of j's partners.
 *
 * Memory. The solve holds K and Q (mloc x nloc doubles each) and PDSYEVD's
 * workspaces (LWORK = 1 + 6N + 2 mloc nloc + 2N doubles and LIWORK = 7N +
 * 8 npcol + 2 ints, the minimum PDSYEVD documents, about what its own query
 * returns); amp_gaussian_memory adds them up for rank 0, which holds the
 * most, before anything is allocated, so a caller can refuse a problem that
 * would not fit: about 32 N^2 / P bytes per rank. K is freed once solved.
 *
 * Per-particle EPR. E[sigma_i] = d sum_k Q_ik^2 epr_k: each rank sums over
 * its local columns into an N-vector, and one MPI_Allreduce adds the
 * partial sums; Q itself never moves.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activempi/exact.h"
#include "scalapack.h"

static int fail(char *err, size_t size, const char *what, int info) {
  snprintf(err, size, "%s (info = %d)", what, info);
  return -1;
}

/* Agree on a status over comm (any failure fails everywhere); the message of
 * the lowest failing rank is what every rank keeps. */
static int agree(MPI_Comm comm, int status, char *err, size_t size) {
  int mine = status ? 1 : 0, rank, nranks, first;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &nranks);
  int speaker = mine ? rank : nranks;
  if (MPI_Allreduce(&speaker, &first, 1, MPI_INT, MPI_MIN, comm) != MPI_SUCCESS) {
    snprintf(err, size, "MPI_Allreduce failed");
    return -1;
  }
  if (first == nranks) return 0;
  if (MPI_Bcast(err, (int)size, MPI_CHAR, first, comm) != MPI_SUCCESS) snprintf(err, size, "MPI_Bcast failed");
  return -1;
}

/* The grid of nranks (MPI_Dims_create in 2-D) and the block size for N. */
static int choose_layout(int64_t n, int nranks, int dims[2], int *nb) {
  dims[0] = dims[1] = 0;
  if (MPI_Dims_create(nranks, 2, dims) != MPI_SUCCESS) return -1;
  int64_t wide = dims[0] > dims[1] ? dims[0] : dims[1], b = n / (2 * wide);
  *nb = b < 1 ? 1 : b > 64 ? 64 : (int)b;
  return 0;
}

double amp_gaussian_memory(int64_t n, int nranks) {
  int dims[2], nb, zero = 0, big = (int)n;
  if (n < 1 || n > 1073741824 || choose_layout(n, nranks, dims, &nb)) return INFINITY;
  /* rank 0 holds the most: the first block of every block-cyclic cycle */
  double np = numroc_(&big, &nb, &zero, &zero, &dims[0]), nq = numroc_(&big, &nb, &zero, &zero, &dims[1]);
  double N = (double)n, local = np * nq;
  double work = 1 + 6 * N + 2 * local + 2 * N, iwork = 7 * N + 8 * dims[1] + 2;
  return sizeof(double) * (2 * local + work + N) + sizeof(int) * iwork;
}

int amp_gaussian_setup(amp_gaussian *g, MPI_Comm comm, int64_t n, char *err, size_t size) {
  memset(g, 0, sizeof *g);
  g->comm = comm;
  g->context = -1;
  int nranks, dims[2], status = 0;
  if (n < 1 || n > 1073741824) {
    snprintf(err, size, "%lld particles: the eigensolve takes 1 to 2^30 particles", (long long)n);
    return -1;
  }
  if (MPI_Comm_size(comm, &nranks) != MPI_SUCCESS || choose_layout(n, nranks, dims, &g->nb)) {
    snprintf(err, size, "MPI_Dims_create failed");
    return -1;
  }
  g->n = (int)n;
  g->bytes = amp_gaussian_memory(n, nranks);
  g->blacs_handle = Csys2blacs_handle(comm);
  g->context = g->blacs_handle; /* in: the system context the grid is made from */
  Cblacs_gridinit(&g->context, "Row", dims[0], dims[1]);
  Cblacs_gridinfo(g->context, &g->nprow, &g->npcol, &g->myrow, &g->mycol);
  if (g->nprow != dims[0] || g->npcol != dims[1] || g->myrow < 0) {
    snprintf(err, size, "BLACS could not make a %d x %d grid", dims[0], dims[1]);
    status = -1;
  }
  int zero = 0, info = 0;
  if (!status) {
    g->mloc = numroc_(&g->n, &g->nb, &g->myrow, &zero, &g->nprow);
    g->nloc = numroc_(&g->n, &g->nb, &g->mycol, &zero, &g->npcol);
    int lld = g->mloc > 1 ? g->mloc : 1;
    descinit_(g->desc, &g->n, &g->n, &g->nb, &g->nb, &zero, &zero, &g->context, &lld, &info);
    if (info) status = fail(err, size, "descinit failed for the N x N matrices", info);
  }
  if (!status) { /* workspace query */
    double work = 0, w = 0, a = 0, z = 0;
    int iwork = 0, query = -1, one = 1;
    pdsyevd_("V", "L", &g->n, &a, &one, &one, g->desc, &w, &z, &one, &one, g->desc, &work, &query, &iwork, &query,
             &info, 1, 1);
    if (info) status = fail(err, size, "the PDSYEVD workspace query failed", info);
    g->lwork = (int)work + 1;
    g->liwork = iwork > 1 ? iwork : 1;
  }
  return agree(comm, status, err, size);
}

double amp_gaussian_zero_tol(const amp_bonds *bonds, double trap) {
  int64_t most = 0;
  for (int64_t i = 0; i < bonds->n && bonds->start; ++i)
    if (amp_bonds_degree(bonds, i) > most) most = amp_bonds_degree(bonds, i);
  return 1e-9 * (trap + 2 * bonds->k * (double)most) + 2.2250738585072014e-308;
}

/* Fill the local entries of K (column-major, leading dimension lld). */
static void fill_stiffness(const amp_gaussian *g, const amp_bonds *bonds, double trap, double *k, int lld) {
  memset(k, 0, (size_t)lld * (size_t)g->nloc * sizeof *k);
  for (int lj = 0; lj < g->nloc; ++lj) {
    int j = amp_block_cyclic_global(lj, g->nb, g->mycol, g->npcol);
    double *col = k + (size_t)lj * (size_t)lld;
    int64_t first = bonds->start ? bonds->start[j] : 0, last = bonds->start ? bonds->start[j + 1] : 0;
    for (int64_t e = first; e < last + 1; ++e) {
      int i = e < last ? (int)bonds->partner[e] : j; /* the partners, then the diagonal */
      if (i / g->nb % g->nprow != g->myrow) continue;
      int li = i / (g->nb * g->nprow) * g->nb + i % g->nb;
      col[li] = e < last ? -bonds->k : trap + bonds->k * (double)(last - first);
    }
  }
}

int amp_gaussian_solve(amp_gaussian *g, const amp_bonds *bonds, double trap, char *err, size_t size) {
  const int lld = g->mloc > 1 ? g->mloc : 1, one = 1;
  const size_t local = (size_t)lld * (size_t)(g->nloc > 1 ? g->nloc : 1);
  double *k = malloc(local * sizeof *k), *work = malloc((size_t)g->lwork * sizeof *work);
  int *iwork = malloc((size_t)g->liwork * sizeof *iwork), info = 0, status = 0;
  g->q = malloc(local * sizeof *g->q);
  g->kappa = malloc((size_t)g->n * sizeof *g->kappa);
  if (!k || !work || !iwork || !g->q || !g->kappa) {
    snprintf(err, size, "out of memory for the eigensolve (%.3g GiB per rank)", g->bytes / 1073741824.0);
    status = -1;
  }
  if (!agree(g->comm, status, err, size)) {
    fill_stiffness(g, bonds, trap, k, lld);
    pdsyevd_("V", "L", &g->n, k, &one, &one, g->desc, g->kappa, g->q, &one, &one, g->desc, work, &g->lwork, iwork,
             &g->liwork, &info, 1, 1);
    if (info) status = fail(err, size, "PDSYEVD failed", info);
    status = agree(g->comm, status, err, size);
  } else {
    status = -1;
  }
  free(k);
  free(work);
  free(iwork);
  return status;
}

int amp_gaussian_particle_epr(const amp_gaussian *g, const amp_gaussian_model *m, int dim, double *epr, char *err,
                              size_t size) {
  const int lld = g->mloc > 1 ? g->mloc : 1;
  double *partial = calloc((size_t)g->n, sizeof *partial);
  int status = partial ? 0 : -1;
  if (status) snprintf(err, size, "out of memory for the per-particle EPR");
  for (int lj = 0; lj < g->nloc && !status; ++lj) {
    double rate = dim * amp_gaussian_mode_epr(m, g->kappa[amp_block_cyclic_global(lj, g->nb, g->mycol, g->npcol)]);
    const double *col = g->q + (size_t)lj * (size_t)lld;
    for (int li = 0; li < g->mloc; ++li)
      partial[amp_block_cyclic_global(li, g->nb, g->myrow, g->nprow)] += col[li] * col[li] * rate;
  }
  if (agree(g->comm, status, err, size)) {
    free(partial);
    return -1;
  }
  if (MPI_Allreduce(partial, epr, g->n, MPI_DOUBLE, MPI_SUM, g->comm) != MPI_SUCCESS) {
    snprintf(err, size, "MPI_Allreduce of the per-particle EPR failed");
    status = -1;
  }
  free(partial);
  return agree(g->comm, status, err, size);
}

void amp_gaussian_free(amp_gaussian *g) {
  if (g->context >= 0) {
    Cblacs_gridexit(g->context);
    Cfree_blacs_system_handle(g->blacs_handle);
  }
  free(g->kappa);
  free(g->q);
  memset(g, 0, sizeof *g);
  g->context = -1;
}

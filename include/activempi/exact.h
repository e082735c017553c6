/*
 * exact: reference solutions the learned score is checked against. This
 * header has the Gaussian one (science.md §2, I7 and I8): AOUPs whose only
 * forces are a harmonic trap A and harmonic bonds k_b on a graph,
 *
 *   dx = (v0 g - K x) dt + sqrt(2 eps) dW,   dg = -gamma g dt + sqrt(2 gamma) dB,
 *   K = A I + k_b Lap   (N x N, Lap the graph Laplacian; the same in every dimension).
 *
 * Design. With K = Q diag(kappa) Q^T, the mode coordinates xi = Q^T x and
 * eta = Q^T g (per dimension) see independent noises, so each mode is the
 * single trapped AOUP of (I7) with trap kappa: a 2 x 2 Gaussian with
 *
 *   Sigma_gg = 1,  Sigma_xg = v0/(kappa + gamma),  Sigma_xx = (eps + v0 Sigma_xg)/kappa,
 *
 * score (s_xi, s_eta) = -Sigma^{-1} (xi, eta) and entropy production rate
 * v0^2 gamma/(eps (kappa + gamma)) (eps > 0) or kappa (eps = 0). Everything
 * per particle follows from one dense symmetric eigensolve: scores are
 * s = Q s_mode, and since the modes are independent with zero mean,
 * E[sigma_i] = d sum_k Q_ik^2 epr_k.
 *
 * Zero modes (kappa below zero_tol: A = 0 and one per connected component of
 * the graph, or free particles) have no stationary x-law: the centre of mass
 * of the component diffuses (eps > 0) or drifts with the propulsion (eps =
 * 0). On the torus its stationary law is uniform, so its x-score is 0, its
 * g-score -eta, and its EPR v0^2/eps (eps > 0; the formula above at kappa =
 * 0) or 0 (eps = 0). doc/exact.md derives all of it.
 *
 * The eigensolve is ScaLAPACK's PDSYEVD on a BLACS grid over a communicator
 * (MPI_Dims_create in two dimensions, block-cyclic blocks of nb): K and Q are
 * distributed, never replicated; eigenvalues are replicated (N doubles).
 * Per-particle EPR is a distributed row sum of squares reduced over ranks;
 * scores of configurations are two PDGEMMs each way. Functions are
 * collective over the communicator of amp_gaussian_setup and return 0, or -1
 * with one line in err (the same on every rank).
 */
#ifndef ACTIVEMPI_EXACT_H
#define ACTIVEMPI_EXACT_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "activempi/physics.h"

/* ---- one mode (gaussian_modes.c) ---------------------------------------- */

typedef struct {
  double v0, gamma, eps; /* the AOUP's speed, g relaxation rate, translational diffusion */
  double zero_tol;       /* a mode with kappa <= zero_tol is a zero mode */
} amp_gaussian_model;

typedef struct {
  double xx, xg, gg; /* Sigma of (xi, eta); xx = INFINITY for a zero mode */
} amp_gaussian_cov;

amp_gaussian_cov amp_gaussian_mode_covariance(const amp_gaussian_model *m, double kappa);

/* The score (s_xi, s_eta) = -Sigma^{-1} (xi, eta) of one mode (zero mode: (0, -eta)). */
void amp_gaussian_mode_score(const amp_gaussian_model *m, double kappa, double xi, double eta, double *s_xi,
                             double *s_eta);

/* The mode's entropy production rate per dimension, E[v_xi^2]/eps + E[v_eta^2]/gamma
 * (the first term only for eps > 0). */
double amp_gaussian_mode_epr(const amp_gaussian_model *m, double kappa);

/* ---- the distributed eigensolve (gaussian_solve.c) ----------------------- */

typedef struct {
  MPI_Comm comm;            /* the caller's communicator (not duplicated) */
  int blacs_handle;         /* Csys2blacs_handle(comm) */
  int context;              /* BLACS grid over comm */
  int nprow, npcol;         /* grid shape */
  int myrow, mycol;         /* this rank's place */
  int n;                    /* N (ScaLAPACK indexes with int) */
  int nb;                   /* square block size of the block-cyclic layout */
  int mloc, nloc;           /* local rows and columns of an N x N matrix */
  int desc[9];              /* descriptor of K and Q */
  int lwork, liwork;        /* PDSYEVD workspace (from its query) */
  double bytes;             /* amp_gaussian_memory(N, ranks) */
  double *kappa;            /* [N] eigenvalues, ascending, on every rank */
  double *q;                /* Q: local [nloc][max(1, mloc)] column-major; column k is mode k */
} amp_gaussian;

/* Bytes the eigensolve of N particles on nranks ranks holds on its busiest
 * rank (K, Q, PDSYEVD's workspaces, the eigenvalues); local, no MPI. */
double amp_gaussian_memory(int64_t n, int nranks);

/* Grid, layout and workspace query for N particles: nothing large is
 * allocated, so g->bytes can be reported (and refused) before the solve.
 * Free with amp_gaussian_free, after a failure too. */
int amp_gaussian_setup(amp_gaussian *g, MPI_Comm comm, int64_t n, char *err, size_t size);

/* K = trap I + k_b Lap(bonds), distributed, and its eigendecomposition into
 * g->kappa and g->q. */
int amp_gaussian_solve(amp_gaussian *g, const amp_bonds *bonds, double trap, char *err, size_t size);

/* A tolerance for zero modes: 1e-9 times a bound on the largest eigenvalue,
 * trap + 2 k_b max degree (Gershgorin), plus the smallest normal double. */
double amp_gaussian_zero_tol(const amp_bonds *bonds, double trap);

/* The exact per-particle EPR E[sigma_i] = dim sum_k Q_ik^2 epr_k into epr[N]
 * on every rank. */
int amp_gaussian_particle_epr(const amp_gaussian *g, const amp_gaussian_model *m, int dim, double *epr, char *err,
                              size_t size);

/* Exact scores of `cols` columns of configurations: x[N][cols] and
 * gq[N][cols] (positions and propulsions, row i the particle of id i, column
 * c one dimension of one snapshot, the same on every rank) give
 * sx[N][cols] = Q s_xi and sg[N][cols] = Q s_eta on every rank. */
int amp_gaussian_scores(const amp_gaussian *g, const amp_gaussian_model *m, int cols, const double *x,
                        const double *gq, double *sx, double *sg, char *err, size_t size);

void amp_gaussian_free(amp_gaussian *g);

#endif

/*
 * exact_ring: the exact stationary state of two AOUPs on a ring (d = 1,
 * science.md §5), by a finite-volume solve of a 2-D Fokker-Planck equation
 * with PETSc. The derivation is in doc/exact-ring.md; in short:
 *
 *   r = x1 - x2 (minimum image, [-L/2, L/2)),  u = (g1 - g2)/sqrt(2):
 *     dr = [sqrt(2) v0 u + 2 F(r)] dt + sqrt(4 eps) dW,
 *     du = -gamma u dt + sqrt(2 gamma) dB,
 *   and the centre of mass (x_c uniform on the ring, g_+ = (g1 + g2)/sqrt(2)
 *   ~ N(0, 1)) is independent of (r, u), so that
 *     rho(x1, x2, g1, g2) = p(r, u) phi(g_+) / L,
 *     s_x1 = s_r, s_x2 = -s_r, s_g1 = (s_u - g_+)/sqrt(2), s_g2 = (-s_u - g_+)/sqrt(2),
 *     EPR = E[v_r^2/(2 eps)] + E[v_u^2/gamma] + v0^2/eps  (the last term: the centre of mass).
 *
 * Design. p lives on a cell-centred grid, r periodic over nr cells, u over
 * nu cells of [-U, U] with zero-flux walls, distributed by a 2-D DMDA that
 * splits r over the ranks. The operator is conservative by construction:
 * each face flux (Scharfetter-Gummel, exact for a constant drift, second
 * order, an M-matrix) leaves one cell and enters its neighbour with the same
 * coefficients, so every column of the matrix sums to zero and the discrete
 * dynamics conserves probability exactly. Its null space is one-dimensional:
 * one equation is replaced by pinning one cell's density (which keeps the
 * matrix sparse and an M-matrix, so LU without pivoting is stable and the
 * solution positive), and the solution is normalised afterwards; the
 * dropped equation holds because it is minus the sum of the others.
 */
#ifndef ACTIVEMPI_EXACT_RING_H
#define ACTIVEMPI_EXACT_RING_H

#include <petscdm.h>
#include <petscdmda.h>
#include <petscmat.h>
#include <petscvec.h>

#include "activempi/config.h"
#include "activempi/physics.h"

/* The (r, u) problem on one grid. */
typedef struct {
  double L;               /* ring length */
  double v0, eps, gamma;  /* [dynamics] */
  amp_pair pair;          /* the pair force, stiffness included */
  int cells_r, cells_u;   /* nr, nu */
  double u_max;           /* U */
  double hr, hu;          /* L / nr, 2U / nu */
} amp_ring_problem;

/* The problem of `cfg` on an nr x nu grid. Returns 0, or -1 when out of memory. */
int amp_ring_problem_setup(amp_ring_problem *rp, const amp_config *cfg, int cells_r, int cells_u);
void amp_ring_problem_free(amp_ring_problem *rp);

/* Cell centres r_i = -L/2 + (i + 1/2) hr, u_j = -U + (j + 1/2) hu. */
double amp_ring_r(const amp_ring_problem *rp, int i);
double amp_ring_u(const amp_ring_problem *rp, int j);

/* The relative pair force F(r) = sign(r) f(|r|) (zero at and beyond the
 * cutoff, and at r = 0) and its derivative F'(r) = f'(|r|) into *dF. */
double amp_ring_force(const amp_ring_problem *rp, double r, double *dF);

/* The 2-D DMDA of the grid over comm: periodic in r, split over the ranks
 * along r only (so nr must be at least the number of ranks). */
PetscErrorCode amp_ring_dm(MPI_Comm comm, const amp_ring_problem *rp, DM *da);

/* Assemble the finite-volume operator into A (from DMCreateMatrix): row c is
 * the net probability flux out of cell c times its area, so that A p = 0 is
 * the stationary equation and every column sums to zero. */
PetscErrorCode amp_ring_operator(DM da, const amp_ring_problem *rp, Mat A);

/* The entropy production rate and its parts (science.md §2). */
typedef struct {
  double total;          /* x + g */
  double x;              /* E[|v_x1|^2 + |v_x2|^2]/eps */
  double g;              /* E[|v_g1|^2 + |v_g2|^2]/gamma = E[v_u^2]/gamma */
  double relative_x;     /* E[v_r^2/(2 eps)], the (r, u) part of x */
  double center_of_mass; /* v0^2/eps, the centre-of-mass part of x */
  double network_free;   /* (I5) E[sum_i |b_i|^2/eps + div_i b_i] on the grid: equal to total as h -> 0 */
} amp_ring_epr;

/* The solution on one grid: global vectors of da (natural order u-major:
 * element (i, j) at j nr + i), owned by the solution. */
typedef struct {
  DM da;
  Vec density;            /* p(r, u), normalised: sum p hr hu = 1 */
  Vec score_r, score_u;   /* d/dr and d/du of log p, central differences */
  Vec current_r, current_u; /* J = p v, v = b - D s */
  amp_ring_epr epr;
} amp_ring_solution;

/* Collective over comm: solve the stationary equation of rp and derive the
 * score, the current and the EPR. *s is zeroed first; after an error it may
 * be partly built, and amp_ring_solution_destroy frees what there is. */
PetscErrorCode amp_ring_solve(MPI_Comm comm, const amp_ring_problem *rp, amp_ring_solution *s);

/* The score, current and EPR of s->density (called by amp_ring_solve). */
PetscErrorCode amp_ring_fields(const amp_ring_problem *rp, amp_ring_solution *s);

PetscErrorCode amp_ring_solution_destroy(amp_ring_solution *s);

/* The per-particle score (s_x1, s_x2, s_g1, s_g2) at a configuration whose
 * relative scores are s_r, s_u (chain rule, plus the centre of mass: x_c
 * uniform, g_+ standard normal). */
void amp_ring_particle_scores(double s_r, double s_u, double g1, double g2, double score[4]);

/* ---- grid convergence --------------------------------------------------- */

#define AMP_RING_MAX_LEVELS 8

/* EPR on grids that halve the cells: level 0 the finest. */
typedef struct {
  int levels;
  int cells_r[AMP_RING_MAX_LEVELS], cells_u[AMP_RING_MAX_LEVELS];
  double epr[AMP_RING_MAX_LEVELS];
  double seconds[AMP_RING_MAX_LEVELS];  /* wall time of each solve */
  double order;        /* observed order from the three finest grids */
  double extrapolated; /* Richardson extrapolation of the two finest, order 2 */
  double error;        /* |epr[0] - extrapolated|: the finest grid's error estimate */
} amp_ring_convergence;

/* Fill order, extrapolated and error from levels >= 3 values of epr. */
void amp_ring_convergence_estimate(amp_ring_convergence *c);

/* ---- the results file (src/io/exact_ring_file.c) -------------------------- */

/* Collective over the DMDA's communicator: write `path` atomically (a
 * temporary name, renamed when complete): the grid, the fields of s, its EPR
 * and the convergence study c; `configuration` and `provenance` (text) as
 * root attributes. Returns 0 or an AMP_IO_* status with one line in err. */
int amp_ring_write(const char *path, const amp_ring_problem *rp, const amp_ring_solution *s,
                   const amp_ring_convergence *c, const char *configuration, const char *provenance, char *err);

#endif

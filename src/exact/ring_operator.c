/*
 * ring_operator: the (r, u) Fokker-Planck operator of two AOUPs on a ring,
 * discretised by finite volumes (see exact_ring.h, doc/exact-ring.md).
 *
 * Design. The unknown is the cell average p_ij. The flux through a face
 * between cells L and R, h apart, with drift a at the face and diffusion D,
 * is the Scharfetter-Gummel flux
 *
 *   J = (D/h) [ B(-P) p_L - B(P) p_R ],  P = a h / D,  B(x) = x / (e^x - 1),
 *
 * exact when a is constant across the face, equal to the central flux
 * a (p_L + p_R)/2 - D (p_R - p_L)/h up to O(h^2) terms (so second order), and
 * with both coefficients positive for any P (an M-matrix: no negative
 * densities, and a stable LU without pivoting). In u it makes the discrete
 * u-marginal exactly exp(-u_j^2/2): the zero-flux condition of OU,
 * p_R/p_L = exp(-u_f h), is the Gaussian ratio at the cell centres.
 * Each face's coefficients are computed once per row from the face's own
 * index, so the two cells that share a face see bit-identical numbers and
 * every column of the matrix sums to zero up to the rounding of its sum.
 */
#include <math.h>

#include "activempi/exact_ring.h"

int amp_ring_problem_setup(amp_ring_problem *rp, const amp_config *cfg, int cells_r, int cells_u) {
  *rp = (amp_ring_problem){.L = cfg->system.box_length,
                           .v0 = cfg->dynamics.v0,
                           .eps = cfg->dynamics.translational_diffusion,
                           .gamma = cfg->dynamics.gamma,
                           .cells_r = cells_r,
                           .cells_u = cells_u,
                           .u_max = cfg->exact.ring_u_max};
  rp->hr = rp->L / cells_r;
  rp->hu = 2 * rp->u_max / cells_u;
  return amp_pair_setup(&rp->pair, cfg);
}

void amp_ring_problem_free(amp_ring_problem *rp) { amp_pair_free(&rp->pair); }

double amp_ring_r(const amp_ring_problem *rp, int i) { return -rp->L / 2 + (i + 0.5) * rp->hr; }
double amp_ring_u(const amp_ring_problem *rp, int j) { return -rp->u_max + (j + 0.5) * rp->hu; }

double amp_ring_force(const amp_ring_problem *rp, double r, double *dF) {
  double d = fabs(r), f = 0;
  *dF = 0;
  if (d > 0 && d < rp->pair.cutoff) amp_pair_force_exact(&rp->pair, d, &f, dF);
  return r < 0 ? -f : f;
}

PetscErrorCode amp_ring_dm(MPI_Comm comm, const amp_ring_problem *rp, DM *da) {
  PetscMPIInt size;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(DMDACreate2d(comm, DM_BOUNDARY_PERIODIC, DM_BOUNDARY_NONE, DMDA_STENCIL_STAR, rp->cells_r, rp->cells_u,
                         size, 1, 1, 1, NULL, NULL, da));
  PetscCall(DMSetUp(*da));
  PetscFunctionReturn(0);
}

/* B(x) = x / (e^x - 1): 1 at 0, -> 0 for x -> inf, ~ -x for x -> -inf. */
static double bernoulli(double x) { return fabs(x) < 1e-10 ? 1 - x / 2 : x / expm1(x); }

/* The two coefficients of a face flux: J = left p_L - right p_R. */
typedef struct {
  double left, right;
} face;

static face flux(double a, double D, double h, double area) {
  double P = a * h / D, c = area * D / h;
  return (face){c * bernoulli(-P), c * bernoulli(P)};
}

/* The face between r-cells k - 1 and k (mod nr), at u-cell j. */
static face r_face(const amp_ring_problem *rp, int k, int j) {
  k = (k % rp->cells_r + rp->cells_r) % rp->cells_r;
  double dF, r = -rp->L / 2 + k * rp->hr;
  double a = sqrt(2.0) * rp->v0 * amp_ring_u(rp, j) + 2 * amp_ring_force(rp, r, &dF);
  return flux(a, 2 * rp->eps, rp->hr, rp->hu);
}

/* The face between u-cells k - 1 and k (1 <= k < nu): drift -gamma u, diffusion gamma. */
static face u_face(const amp_ring_problem *rp, int k) {
  double u = -rp->u_max + k * rp->hu;
  return flux(-rp->gamma * u, rp->gamma, rp->hu, rp->hr);
}

/* Row (i, j): out through the east and north faces, in from the west and south. */
static PetscErrorCode set_row(Mat A, const amp_ring_problem *rp, int i, int j) {
  MatStencil row = {.i = i, .j = j}, col[5];
  PetscScalar v[5];
  PetscFunctionBeginUser;
  face east = r_face(rp, i + 1, j), west = r_face(rp, i, j);
  int n = 0;
  double diag = east.left + west.right;
  col[n] = (MatStencil){.i = i + 1, .j = j}, v[n++] = -east.right;
  col[n] = (MatStencil){.i = i - 1, .j = j}, v[n++] = -west.left;
  if (j + 1 < rp->cells_u) {
    face north = u_face(rp, j + 1);
    diag += north.left;
    col[n] = (MatStencil){.i = i, .j = j + 1}, v[n++] = -north.right;
  }
  if (j > 0) {
    face south = u_face(rp, j);
    diag += south.right;
    col[n] = (MatStencil){.i = i, .j = j - 1}, v[n++] = -south.left;
  }
  col[n] = row, v[n++] = diag;
  PetscCall(MatSetValuesStencil(A, 1, &row, n, col, v, INSERT_VALUES));
  PetscFunctionReturn(0);
}

PetscErrorCode amp_ring_operator(DM da, const amp_ring_problem *rp, Mat A) {
  PetscInt xs, ys, xm, ym;
  PetscFunctionBeginUser;
  PetscCall(DMDAGetCorners(da, &xs, &ys, NULL, &xm, &ym, NULL));
  for (PetscInt j = ys; j < ys + ym; ++j)
    for (PetscInt i = xs; i < xs + xm; ++i) PetscCall(set_row(A, rp, (int)i, (int)j));
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

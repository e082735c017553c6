/*
 * ring_solve: the stationary density of the (r, u) problem (exact_ring.h).
 *
 * Design. A p = 0 with A singular (one-dimensional null space, the
 * stationary density; the left null vector is the vector of ones, which is
 * why probability is conserved). Two ways to make it solvable:
 *   - replace one equation by the normalisation sum: exact, but a dense row
 *     that fills the LU factors and spoils the M-matrix structure;
 *   - a null-space-aware Krylov solve (MatSetNullSpace): needs a good
 *     preconditioner for a non-symmetric, strongly advective operator, and
 *     an LU of the singular matrix itself meets a zero pivot.
 * We pin one cell instead: its row becomes a_cc e_c with right-hand side
 * a_cc, i.e. p_c = 1. The other rows are untouched, so the matrix stays a
 * sparse, column diagonally dominant M-matrix; the dropped equation is minus
 * the sum of the others, so every original equation still holds; and the
 * normalisation sum p hr hu = 1 is imposed afterwards by one scaling, which
 * is exact to rounding. The pinned cell is where the particles are far
 * apart (r = -L/2) and u = 0, where p is largest.
 *
 * Solver: by default LU by MUMPS (in parallel) without pivoting (CNTL(1) =
 * 0): LU of a column diagonally dominant M-matrix is stable without
 * pivoting, and the triangular solves then add only terms of one sign, so
 * the density comes out positive down to the smallest cells (p spans many
 * decades where the particles overlap). PETSc options with the prefix
 * -exact_ring_ replace any of this (e.g. -exact_ring_ksp_type gmres
 * -exact_ring_pc_type hypre).
 */
#include "activempi/exact_ring.h"

#include <petscksp.h>

#define PREFIX "exact_ring_"

/* Replace the pinned cell's equation by a_cc p_c = a_cc (b is zero elsewhere). */
static PetscErrorCode pin(DM da, const amp_ring_problem *rp, Mat A, Vec b) {
  MatStencil cell = {.i = 0, .j = rp->cells_u / 2};
  PetscInt xs, ys, xm, ym;
  PetscScalar mine = 0, diag;
  Vec d;
  PetscFunctionBeginUser;
  PetscCall(DMDAGetCorners(da, &xs, &ys, NULL, &xm, &ym, NULL));
  PetscBool owned = xs <= cell.i && cell.i < xs + xm && ys <= cell.j && cell.j < ys + ym;
  PetscCall(DMGetGlobalVector(da, &d));
  PetscCall(MatGetDiagonal(A, d));
  if (owned) {
    PetscScalar **a;
    PetscCall(DMDAVecGetArrayRead(da, d, &a));
    mine = a[cell.j][cell.i];
    PetscCall(DMDAVecRestoreArrayRead(da, d, &a));
  }
  PetscCall(DMRestoreGlobalVector(da, &d));
  PetscCallMPI(MPI_Allreduce(&mine, &diag, 1, MPIU_SCALAR, MPI_MAX, PetscObjectComm((PetscObject)da)));
  PetscCall(MatZeroRowsStencil(A, owned ? 1 : 0, &cell, diag, NULL, NULL));
  PetscCall(VecSet(b, 0));
  if (owned) {
    PetscScalar **v;
    PetscCall(DMDAVecGetArray(da, b, &v));
    v[cell.j][cell.i] = diag;
    PetscCall(DMDAVecRestoreArray(da, b, &v));
  }
  PetscFunctionReturn(0);
}

/* KSP with the defaults above, then the user's -exact_ring_ options. */
static PetscErrorCode make_solver(MPI_Comm comm, Mat A, KSP *ksp) {
  PC pc;
  PetscBool given;
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsHasName(NULL, PREFIX, "-mat_mumps_cntl_1", &given));
  if (!given) PetscCall(PetscOptionsSetValue(NULL, "-" PREFIX "mat_mumps_cntl_1", "0.0"));
  PetscCall(KSPCreate(comm, ksp));
  PetscCall(KSPSetOptionsPrefix(*ksp, PREFIX));
  PetscCall(KSPSetOperators(*ksp, A, A));
  PetscCall(KSPSetType(*ksp, KSPPREONLY));
  PetscCall(KSPGetPC(*ksp, &pc));
  PetscCall(PCSetType(pc, PCLU));
  PetscCall(PCFactorSetMatSolverType(pc, MATSOLVERMUMPS));
  PetscCall(KSPSetFromOptions(*ksp));
  PetscFunctionReturn(0);
}

/* Solve, check convergence and positivity, normalise. */
static PetscErrorCode solve_density(MPI_Comm comm, KSP ksp, Vec b, const amp_ring_problem *rp,
                                    amp_ring_solution *s) {
  KSPConvergedReason reason;
  PetscReal min;
  PetscScalar sum;
  PetscFunctionBeginUser;
  PetscCall(KSPSolve(ksp, b, s->density));
  PetscCall(KSPGetConvergedReason(ksp, &reason));
  PetscCheck(reason > 0, comm, PETSC_ERR_NOT_CONVERGED, "the ring solve did not converge (%s)",
             KSPConvergedReasons[reason]);
  PetscCall(VecSum(s->density, &sum));
  PetscCall(VecScale(s->density, 1 / (sum * rp->hr * rp->hu)));
  PetscCall(VecMin(s->density, NULL, &min));
  PetscCheck(min > 0, comm, PETSC_ERR_NOT_CONVERGED,
             "the ring density has a non-positive value %g: use a direct solver (the default)", (double)min);
  PetscFunctionReturn(0);
}

PetscErrorCode amp_ring_solve(MPI_Comm comm, const amp_ring_problem *rp, amp_ring_solution *s) {
  Mat A;
  Vec b;
  KSP ksp;
  PetscFunctionBeginUser;
  *s = (amp_ring_solution){0};
  PetscCall(amp_ring_dm(comm, rp, &s->da));
  PetscCall(DMCreateMatrix(s->da, &A));
  PetscCall(amp_ring_operator(s->da, rp, A));
  PetscCall(DMCreateGlobalVector(s->da, &b));
  PetscCall(VecDuplicate(b, &s->density));
  PetscCall(pin(s->da, rp, A, b));
  PetscCall(make_solver(comm, A, &ksp));
  PetscCall(solve_density(comm, ksp, b, rp, s));
  PetscCall(KSPDestroy(&ksp));
  PetscCall(VecDestroy(&b));
  PetscCall(MatDestroy(&A));
  PetscCall(amp_ring_fields(rp, s));
  PetscFunctionReturn(0);
}

PetscErrorCode amp_ring_solution_destroy(amp_ring_solution *s) {
  PetscFunctionBeginUser;
  Vec *v[] = {&s->density, &s->score_r, &s->score_u, &s->current_r, &s->current_u};
  for (size_t k = 0; k < sizeof v / sizeof v[0]; ++k) PetscCall(VecDestroy(v[k]));
  PetscCall(DMDestroy(&s->da));
  PetscFunctionReturn(0);
}

/*
 * fields: NGP deposits of per-particle values into a periodic DMDA (see
 * fields.h).
 */
#include "activempi/fields.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The domain's ranks renumbered x fastest, as a DMDA numbers its process
 * grid: DMDA rank (p_x, p_y, p_z) is then the domain rank at those
 * coordinates. */
static PetscErrorCode dmda_comm(const amp_domain *dom, MPI_Comm *comm) {
  int key = 0;
  PetscFunctionBeginUser;
  for (int a = dom->dim - 1; a >= 0; --a) key = key * dom->dims[a] + dom->coords[a];
  PetscCallMPI(MPI_Comm_split(dom->comm, 0, key, comm));
  PetscFunctionReturn(0);
}

static PetscErrorCode create_da(amp_fields *f, const int *dims) {
  const DMBoundaryType P = DM_BOUNDARY_PERIODIC;
  PetscFunctionBeginUser;
  if (f->dim == 1) PetscCall(DMDACreate1d(f->comm, P, f->n, f->dof, 0, NULL, &f->da));
  if (f->dim == 2)
    PetscCall(DMDACreate2d(f->comm, P, P, DMDA_STENCIL_BOX, f->n, f->n, dims[0], dims[1], f->dof, 0, NULL, NULL,
                           &f->da));
  if (f->dim == 3)
    PetscCall(DMDACreate3d(f->comm, P, P, P, DMDA_STENCIL_BOX, f->n, f->n, f->n, dims[0], dims[1], dims[2], f->dof,
                           0, NULL, NULL, NULL, &f->da));
  PetscCall(DMSetUp(f->da));
  PetscFunctionReturn(0);
}

PetscErrorCode amp_fields_create(amp_fields *f, const amp_domain *dom, int n, int dof) {
  PetscFunctionBeginUser;
  *f = (amp_fields){.dim = dom->dim, .n = n, .dof = dof, .L = dom->L, .h = dom->L / n, .comm = MPI_COMM_NULL};
  PetscCall(dmda_comm(dom, &f->comm));
  PetscCall(create_da(f, dom->dims));
  PetscCall(DMDACreateNaturalVector(f->da, &f->natural));
  PetscCall(DMCreateGlobalVector(f->da, &f->frame));
  PetscCall(VecDuplicate(f->frame, &f->sum));
  PetscCall(VecZeroEntries(f->sum));
  PetscFunctionReturn(0);
}

PetscInt amp_fields_cell(const amp_fields *f, const double *x) {
  PetscInt cell = 0;
  for (int a = f->dim - 1; a >= 0; --a) {
    long i = (long)floor((x[a] + 0.5 * f->L) / f->h) % f->n;
    cell = cell * f->n + (PetscInt)(i < 0 ? i + f->n : i);
  }
  return cell;
}

/* Room for n rows of staged indices. */
static PetscErrorCode reserve(amp_fields *f, size_t n) {
  PetscFunctionBeginUser;
  if (n > f->capacity) {
    PetscInt *index = realloc(f->index, n * (size_t)f->dof * sizeof *index);
    PetscCheck(index, PETSC_COMM_SELF, PETSC_ERR_MEM, "out of memory for the field deposits");
    f->index = index;
    f->capacity = n;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode amp_fields_deposit(amp_fields *f, size_t n, const double *x, const double *value) {
  PetscFunctionBeginUser;
  PetscCall(reserve(f, n ? n : 1));
  for (size_t i = 0; i < n; ++i) {
    PetscInt base = amp_fields_cell(f, x + i * (size_t)f->dim) * f->dof;
    for (int c = 0; c < f->dof; ++c) f->index[i * (size_t)f->dof + (size_t)c] = base + c;
  }
  PetscCall(VecZeroEntries(f->natural));
  PetscCall(VecSetValues(f->natural, (PetscInt)(n * (size_t)f->dof), f->index, value, ADD_VALUES));
  PetscCall(VecAssemblyBegin(f->natural));
  PetscCall(VecAssemblyEnd(f->natural));
  PetscCall(DMDANaturalToGlobalBegin(f->da, f->natural, INSERT_VALUES, f->frame));
  PetscCall(DMDANaturalToGlobalEnd(f->da, f->natural, INSERT_VALUES, f->frame));
  PetscCall(VecScale(f->frame, 1.0 / pow(f->h, f->dim)));
  PetscFunctionReturn(0);
}

PetscErrorCode amp_fields_accumulate(amp_fields *f) {
  PetscFunctionBeginUser;
  PetscCall(VecAXPY(f->sum, 1.0, f->frame));
  ++f->frames;
  PetscFunctionReturn(0);
}

PetscErrorCode amp_fields_mean(amp_fields *f) {
  PetscFunctionBeginUser;
  PetscCall(VecScale(f->sum, f->frames > 0 ? 1.0 / (double)f->frames : NAN));
  PetscFunctionReturn(0);
}

PetscErrorCode amp_fields_corners(const amp_fields *f, int64_t start[3], int64_t count[3]) {
  PetscInt s[3] = {0, 0, 0}, m[3] = {1, 1, 1};
  PetscFunctionBeginUser;
  PetscCall(DMDAGetCorners(f->da, &s[0], &s[1], &s[2], &m[0], &m[1], &m[2]));
  for (int a = 0; a < 3; ++a) start[a] = s[a], count[a] = m[a];
  PetscFunctionReturn(0);
}

PetscErrorCode amp_fields_destroy(amp_fields *f) {
  PetscFunctionBeginUser;
  if (f->n == 0) PetscFunctionReturn(0); /* never created */
  PetscCall(VecDestroy(&f->natural));
  PetscCall(VecDestroy(&f->frame));
  PetscCall(VecDestroy(&f->sum));
  PetscCall(DMDestroy(&f->da));
  if (f->comm != MPI_COMM_NULL) PetscCallMPI(MPI_Comm_free(&f->comm));
  free(f->index);
  memset(f, 0, sizeof *f);
  PetscFunctionReturn(0);
}

/*
 * fields: coarse-grained fields of per-particle values on a periodic grid,
 * held in a PETSc DMDA (analysis module).
 *
 * Design. The box [-L/2, L/2)^d is cut into n cells per side of edge
 * h = L/n. A snapshot's field of a per-particle value a_i is its
 * nearest-grid-point (NGP) deposit divided by the cell volume,
 *
 *   A(cell) = sum_{i in cell} a_i / h^d,
 *
 * so its integral, sum over cells of A h^d, is exactly sum_i a_i (up to the
 * rounding of the sums): the fields keep every particle's number whole,
 * where cloud-in-cell would spread it over 2^d cells. The dof components of
 * a cell are interlaced, as a DMDA stores them.
 *
 * Parallel layout. The DMDA's process grid is the domain's (domain.h): the
 * same dims, and the ranks renumbered so that DMDA rank (p_x, p_y, p_z) is
 * the domain rank with those coordinates; with the domain's equal slabs and
 * PETSc's near-equal split of the cells, a rank's cells cover about its own
 * subdomain. Each rank deposits its owned particles with VecSetValues
 * (ADD_VALUES) into the DMDA's natural-ordering vector, indexed by cell
 * number alone (no index translation); VecAssemblyBegin/End sums the few
 * deposits that fall in another rank's cells (particles within one cell of a
 * slab boundary), and DMDANaturalToGlobal moves the result into the DMDA
 * global vector `frame`, whose local array is this rank's box of cells
 * [count_z][count_y][count_x][dof], ready to be written as one hyperslab.
 * Each rank then needs n >= dims[a] cells along every axis. The sums a
 * cell receives from several ranks arrive in an order that depends on the
 * decomposition, so a field differs between rank counts in its last bits
 * (counts of particles, sums of 1, do not).
 *
 * Memory: three vectors of n^d dof doubles over all ranks (natural, frame,
 * sum) and dof indices per owned particle of staging.
 */
#ifndef ACTIVEMPI_FIELDS_H
#define ACTIVEMPI_FIELDS_H

#include <petscdmda.h>
#include <stddef.h>
#include <stdint.h>

#include "activempi/domain.h"

typedef struct {
  int dim, n, dof;   /* d, cells per side, components per cell */
  double L, h;       /* box side, cell edge L / n */
  MPI_Comm comm;     /* the domain's ranks in DMDA order (owned) */
  DM da;             /* n^d cells, periodic, no ghost cells */
  Vec natural;       /* deposits, natural ordering (x fastest) */
  Vec frame;         /* the last snapshot's fields, DMDA global ordering */
  Vec sum;           /* frame summed over snapshots (amp_fields_mean: their mean) */
  long long frames;  /* snapshots in sum */
  PetscInt *index;   /* [capacity][dof] staging for VecSetValues */
  size_t capacity;
} amp_fields;

/* Collective over dom: fields of dof components on n >= 1 cells per side
 * over dom's box and process grid (n >= dom->dims[a] on every axis). Free with
 * amp_fields_destroy, after a failure too; destroying a zeroed struct (never
 * created) does nothing. */
PetscErrorCode amp_fields_create(amp_fields *f, const amp_domain *dom, int n, int dof);

/* The natural index of the cell holding x [d] (x fastest, periodic wrap). */
PetscInt amp_fields_cell(const amp_fields *f, const double *x);

/* Collective: frame = the NGP fields of rows [0, n) with positions x [n][d]
 * and values value [n][dof] (this rank's share; the sum is over all ranks). */
PetscErrorCode amp_fields_deposit(amp_fields *f, size_t n, const double *x, const double *value);

/* Add frame to sum. */
PetscErrorCode amp_fields_accumulate(amp_fields *f);

/* Turn sum into the mean over the snapshots accumulated (once, at the end). */
PetscErrorCode amp_fields_mean(amp_fields *f);

/* This rank's box of cells: start[a] <= i_a < start[a] + count[a], axis a
 * (x first); the arrays of frame and sum hold it x fastest, dof interlaced. */
PetscErrorCode amp_fields_corners(const amp_fields *f, int64_t start[3], int64_t count[3]);

PetscErrorCode amp_fields_destroy(amp_fields *f);

#endif

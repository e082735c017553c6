/*
 * exact_ring_file: the results file of the ring reference (exact_ring.h;
 * layout in doc/output-format.md).
 *
 * Design. Fields are stored as [nu][nr] datasets, the order of PETSc's
 * DMDA (r, the first DMDA index, varies fastest), so each rank writes its
 * owned block of cells as one hyperslab, straight from the vector's array.
 * The grid's coordinates are written by rank 0; everything small (the EPR,
 * the convergence study) is an attribute, which every rank writes with the
 * same value as parallel HDF5 requires. The file appears whole or not at
 * all: rank 0's temporary name, renamed after the collective close.
 */
#include <stdlib.h>

#include "activempi/exact_ring.h"
#include "h5.h"

#define FORMAT "activempi exact"
enum { FORMAT_VERSION = 1 };

static int write_root(hid_t file, const char *configuration, const char *provenance) {
  const int version = FORMAT_VERSION;
  return amp_h5_attr_string(file, "format", FORMAT) < 0 ||
                 amp_h5_attr_write(file, "format_version", H5T_NATIVE_INT, 0, &version) < 0 ||
                 amp_h5_attr_string(file, "reference", "ring") < 0 ||
                 amp_h5_attr_string(file, "configuration", configuration) < 0 ||
                 amp_h5_attr_string(file, "provenance", provenance) < 0
             ? -1
             : 0;
}

/* A 1-D dataset of the n values v(k), written by rank 0. */
static int write_axis(hid_t loc, const char *name, hid_t dxpl, int mine, const amp_ring_problem *rp, int n,
                      double (*v)(const amp_ring_problem *, int)) {
  double *x = malloc((size_t)n * sizeof *x);
  if (!x) return -1;
  for (int k = 0; k < n; ++k) x[k] = v(rp, k);
  hsize_t dims = (hsize_t)n, start = 0, count = mine ? dims : 0;
  int status = amp_h5_write_block(loc, name, dxpl, 1, &dims, &start, &count, x);
  free(x);
  return status;
}

static int write_grid(hid_t file, hid_t dxpl, int mine, const amp_ring_problem *rp) {
  hid_t g = H5Gcreate2(file, "/grid", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const int cells[2] = {rp->cells_r, rp->cells_u};
  const double spacing[2] = {rp->hr, rp->hu};
  int status = g < 0 || amp_h5_attr_write(g, "box_length", H5T_NATIVE_DOUBLE, 0, &rp->L) < 0 ||
                       amp_h5_attr_write(g, "u_max", H5T_NATIVE_DOUBLE, 0, &rp->u_max) < 0 ||
                       amp_h5_attr_write(g, "cells", H5T_NATIVE_INT, 2, cells) < 0 ||
                       amp_h5_attr_write(g, "spacing", H5T_NATIVE_DOUBLE, 2, spacing) < 0 ||
                       write_axis(g, "r", dxpl, mine, rp, rp->cells_r, amp_ring_r) < 0 ||
                       write_axis(g, "u", dxpl, mine, rp, rp->cells_u, amp_ring_u) < 0
                   ? -1
                   : 0;
  return amp_h5_close(g) < 0 ? -1 : status;
}

/* The owned block of a DMDA vector into the [nu][nr] dataset `name`. */
static int write_field(hid_t loc, const char *name, hid_t dxpl, const amp_ring_problem *rp, DM da, Vec v) {
  PetscInt xs, ys, xm, ym;
  const PetscScalar *a;
  if (DMDAGetCorners(da, &xs, &ys, NULL, &xm, &ym, NULL) || VecGetArrayRead(v, &a)) return -1;
  hsize_t dims[2] = {(hsize_t)rp->cells_u, (hsize_t)rp->cells_r}, start[2] = {(hsize_t)ys, (hsize_t)xs},
          count[2] = {(hsize_t)ym, (hsize_t)xm};
  int status = amp_h5_write_block(loc, name, dxpl, 2, dims, start, count, a);
  return VecRestoreArrayRead(v, &a) ? -1 : status;
}

static int write_fields(hid_t file, hid_t dxpl, const amp_ring_problem *rp, const amp_ring_solution *s) {
  hid_t score = H5Gcreate2(file, "/score", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hid_t current = H5Gcreate2(file, "/current", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int status = score < 0 || current < 0 || write_field(file, "density", dxpl, rp, s->da, s->density) ||
                       write_field(score, "r", dxpl, rp, s->da, s->score_r) ||
                       write_field(score, "u", dxpl, rp, s->da, s->score_u) ||
                       write_field(current, "r", dxpl, rp, s->da, s->current_r) ||
                       write_field(current, "u", dxpl, rp, s->da, s->current_u)
                   ? -1
                   : 0;
  if (amp_h5_close(score) < 0 || amp_h5_close(current) < 0) status = -1;
  return status;
}

static int write_epr(hid_t file, const amp_ring_epr *e) {
  const struct {
    const char *name;
    double value;
  } attrs[] = {{"total", e->total},       {"per_particle", e->total / 2},
               {"x", e->x},               {"g", e->g},
               {"relative_x", e->relative_x}, {"center_of_mass", e->center_of_mass},
               {"network_free", e->network_free}};
  hid_t g = H5Gcreate2(file, "/epr", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int status = g < 0 ? -1 : 0;
  for (size_t k = 0; k < sizeof attrs / sizeof attrs[0] && !status; ++k)
    status = amp_h5_attr_write(g, attrs[k].name, H5T_NATIVE_DOUBLE, 0, &attrs[k].value);
  return amp_h5_close(g) < 0 ? -1 : status;
}

static int write_convergence(hid_t file, const amp_ring_convergence *c) {
  hid_t g = H5Gcreate2(file, "/convergence", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int n = c->levels;
  int status = g < 0 || amp_h5_attr_write(g, "cells_r", H5T_NATIVE_INT, n, c->cells_r) < 0 ||
                       amp_h5_attr_write(g, "cells_u", H5T_NATIVE_INT, n, c->cells_u) < 0 ||
                       amp_h5_attr_write(g, "epr", H5T_NATIVE_DOUBLE, n, c->epr) < 0 ||
                       amp_h5_attr_write(g, "seconds", H5T_NATIVE_DOUBLE, n, c->seconds) < 0 ||
                       amp_h5_attr_write(g, "order", H5T_NATIVE_DOUBLE, 0, &c->order) < 0 ||
                       amp_h5_attr_write(g, "extrapolated", H5T_NATIVE_DOUBLE, 0, &c->extrapolated) < 0 ||
                       amp_h5_attr_write(g, "error_estimate", H5T_NATIVE_DOUBLE, 0, &c->error) < 0
                   ? -1
                   : 0;
  return amp_h5_close(g) < 0 ? -1 : status;
}

/* Create tmp and fill it (collective); the file is closed on return. */
static int write_file(MPI_Comm comm, const char *tmp, const amp_ring_problem *rp, const amp_ring_solution *s,
                      const amp_ring_convergence *c, const char *configuration, const char *provenance,
                      char *err) {
  int rank;
  if (MPI_Comm_rank(comm, &rank) != MPI_SUCCESS) return amp_io_fail(err, AMP_IO_FAILED, "%s: MPI_Comm_rank failed", tmp);
  hid_t fapl = amp_h5_fapl(comm), dxpl = amp_h5_dxpl();
  hid_t file = fapl < 0 ? -1 : H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  int status = 0;
  if (file < 0 || dxpl < 0) status = amp_io_fail(err, AMP_IO_FAILED, "cannot create %s", tmp);
  else if (write_root(file, configuration, provenance) || write_grid(file, dxpl, rank == 0, rp) ||
           write_fields(file, dxpl, rp, s) || write_epr(file, &s->epr) || write_convergence(file, c))
    status = amp_io_fail(err, AMP_IO_FAILED, "cannot write %s", tmp);
  if ((amp_h5_close(file) < 0 || amp_h5_close(dxpl) < 0 || amp_h5_close(fapl) < 0) && !status)
    status = amp_io_fail(err, AMP_IO_FAILED, "cannot close %s", tmp);
  return status;
}

int amp_ring_write(const char *path, const amp_ring_problem *rp, const amp_ring_solution *s,
                   const amp_ring_convergence *c, const char *configuration, const char *provenance, char *err) {
  MPI_Comm comm = PetscObjectComm((PetscObject)s->da);
  amp_h5_quiet quiet;
  amp_h5_quiet_begin(&quiet);
  err[0] = '\0';
  char tmp[AMP_H5_NAME_LEN] = "";
  int status = amp_h5_temp_name(comm, path, tmp, err);
  if (!status)
    status = amp_io_agree(comm, write_file(comm, tmp, rp, s, c, configuration, provenance, err), path, err);
  status = amp_h5_publish(comm, status, tmp, path, err);
  amp_h5_quiet_end(&quiet);
  return status;
}

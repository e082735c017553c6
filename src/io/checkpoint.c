/*
 * checkpoint: writing and reading restart files (see checkpoint.h).
 *
 * Design. The file is written under rank 0's temporary name and published
 * by rank 0 after the collective close (amp_h5_temp_name, amp_h5_publish).
 * The attributes are written by all ranks with the same values, as parallel
 * HDF5 requires.
 */
#include "activempi/checkpoint.h"

#include <stdlib.h>
#include <string.h>

#include "h5.h"
#include "id_blocks.h"

#define FORMAT "activempi checkpoint"
enum { FORMAT_VERSION = 1 };

/* The scalar attributes of the root. */
static int write_header(hid_t file, const amp_checkpoint *c, const amp_particles *p) {
  const int version = FORMAT_VERSION;
  return amp_h5_attr_string(file, "format", FORMAT) < 0 ||
                 amp_h5_attr_write(file, "format_version", H5T_NATIVE_INT, 0, &version) < 0 ||
                 amp_h5_attr_write(file, "step", H5T_NATIVE_INT64, 0, &c->step) < 0 ||
                 amp_h5_attr_write(file, "particles", H5T_NATIVE_INT64, 0, &c->particles) < 0 ||
                 amp_h5_attr_write(file, "dimension", H5T_NATIVE_INT, 0, &p->dim) < 0 ||
                 amp_h5_attr_write(file, "internal_components", H5T_NATIVE_INT, 0, &p->nq) < 0 ||
                 amp_h5_attr_write(file, "box", H5T_NATIVE_DOUBLE, 0, &c->box) < 0 ||
                 amp_h5_attr_write(file, "trajectory_frames", H5T_NATIVE_INT64, 0, &c->trajectory_frames) < 0
             ? -1
             : 0;
}

static int write_accumulators(hid_t file, const amp_checkpoint *c) {
  hid_t g = H5Gcreate2(file, "/accumulators", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int status = g < 0 ? -1 : 0;
  for (int k = 0; k < c->naccumulators && !status; ++k)
    status = amp_h5_attr_write(g, c->accumulator_names[k], H5T_NATIVE_DOUBLE, 0, c->accumulators + k);
  return amp_h5_close(g) < 0 ? -1 : status;
}

/* /position and /internal from this rank's id block [n][d + nq]. */
static int write_rows(hid_t file, hid_t dxpl, const amp_id_block *b, int64_t N, int dim, int nq) {
  hsize_t xdims[2] = {(hsize_t)N, (hsize_t)dim}, qdims[2] = {(hsize_t)N, (hsize_t)nq};
  hid_t x = amp_h5_array(file, "/position", H5T_IEEE_F64LE, 2, xdims);
  hid_t q = amp_h5_array(file, "/internal", H5T_IEEE_F64LE, 2, qdims);
  int status = x < 0 || q < 0 || amp_h5_write_rows(x, dxpl, -1, b->lo, b->n, b->rows, b->width, 0, dim) < 0 ||
                       amp_h5_write_rows(q, dxpl, -1, b->lo, b->n, b->rows, b->width, dim, nq) < 0
                   ? -1
                   : 0;
  if (amp_h5_close(x) < 0 || amp_h5_close(q) < 0) status = -1;
  return status;
}

/* Owned rows of p as records [x, q], regrouped into id blocks. */
static int gather(MPI_Comm comm, const amp_checkpoint *c, const amp_particles *p, amp_id_block *b, const char *path,
                  char *err) {
  const int W = p->dim + p->nq;
  double *rows = malloc((p->nowned ? p->nowned : 1) * (size_t)W * sizeof *rows);
  int status = rows ? 0 : amp_io_fail(err, AMP_IO_FAILED, "%s: out of memory", path);
  for (size_t i = 0; rows && i < p->nowned; ++i) {
    memcpy(rows + i * W, p->x + i * (size_t)p->dim, (size_t)p->dim * sizeof *rows);
    memcpy(rows + i * W + p->dim, p->q + i * (size_t)p->nq, (size_t)p->nq * sizeof *rows);
  }
  status = amp_io_agree(comm, status, path, err);
  if (!status) status = amp_id_blocks(comm, c->particles, p->nowned, p->id, rows, W, b, path, err);
  free(rows);
  return status;
}

/* Create tmp and fill it (collective); the file is closed on return. */
static int write_file(MPI_Comm comm, const char *tmp, const amp_checkpoint *c, const amp_particles *p,
                      const amp_id_block *b, char *err) {
  hid_t fapl = amp_h5_fapl(comm), dxpl = amp_h5_dxpl();
  hid_t file = fapl < 0 ? -1 : H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  int status = 0;
  if (file < 0 || dxpl < 0) status = amp_io_fail(err, AMP_IO_FAILED, "cannot create %s", tmp);
  else if (write_header(file, c, p) || write_accumulators(file, c) ||
           write_rows(file, dxpl, b, c->particles, p->dim, p->nq))
    status = amp_io_fail(err, AMP_IO_FAILED, "cannot write %s", tmp);
  if ((amp_h5_close(file) < 0 || amp_h5_close(dxpl) < 0 || amp_h5_close(fapl) < 0) && !status)
    status = amp_io_fail(err, AMP_IO_FAILED, "cannot close %s", tmp);
  return status;
}

int amp_checkpoint_write(const char *path, MPI_Comm comm, const amp_checkpoint *c, const amp_particles *p,
                         char *err) {
  amp_h5_quiet quiet;
  amp_h5_quiet_begin(&quiet);
  err[0] = '\0';
  char tmp[AMP_H5_NAME_LEN] = "";
  amp_id_block block = {0};
  int status = c->particles < 1 ? amp_io_fail(err, AMP_IO_INVALID, "%s: a checkpoint needs N >= 1", path) : 0;
  status = amp_io_agree(comm, status, path, err);
  if (!status) status = gather(comm, c, p, &block, path, err);
  if (!status) status = amp_h5_temp_name(comm, path, tmp, err);
  if (!status) status = amp_io_agree(comm, write_file(comm, tmp, c, p, &block, err), path, err);
  status = amp_h5_publish(comm, status, tmp, path, err);
  free(block.rows);
  amp_h5_quiet_end(&quiet);
  return status;
}

/* --- reading ------------------------------------------------------------- */

static int read_header(hid_t file, amp_checkpoint *c, const amp_particles *p, const char *path, char *err) {
  char format[64];
  int version, dim, nq;
  if (amp_h5_attr_read_string(file, "format", format, sizeof format) || strcmp(format, FORMAT) ||
      amp_h5_attr_read(file, "format_version", H5T_NATIVE_INT, 0, &version) || version != FORMAT_VERSION)
    return amp_io_fail(err, AMP_IO_INVALID, "%s is not an activempi checkpoint (format version %d)", path, FORMAT_VERSION);
  if (amp_h5_attr_read(file, "step", H5T_NATIVE_INT64, 0, &c->step) ||
      amp_h5_attr_read(file, "particles", H5T_NATIVE_INT64, 0, &c->particles) ||
      amp_h5_attr_read(file, "dimension", H5T_NATIVE_INT, 0, &dim) ||
      amp_h5_attr_read(file, "internal_components", H5T_NATIVE_INT, 0, &nq) ||
      amp_h5_attr_read(file, "box", H5T_NATIVE_DOUBLE, 0, &c->box) ||
      amp_h5_attr_read(file, "trajectory_frames", H5T_NATIVE_INT64, 0, &c->trajectory_frames))
    return amp_io_fail(err, AMP_IO_INVALID, "%s: incomplete checkpoint header", path);
  if (dim != p->dim || nq != p->nq)
    return amp_io_fail(err, AMP_IO_INVALID, "%s holds d = %d, nq = %d; this run has d = %d, nq = %d", path, dim, nq,
                       p->dim, p->nq);
  return c->particles < 1 ? amp_io_fail(err, AMP_IO_INVALID, "%s: no particles", path) : 0;
}

static int read_accumulators(hid_t file, amp_checkpoint *c, const char *path, char *err) {
  hid_t g = H5Gopen2(file, "/accumulators", H5P_DEFAULT);
  int status = g < 0 ? amp_io_fail(err, AMP_IO_INVALID, "%s has no accumulators", path) : 0;
  for (int k = 0; k < c->naccumulators && !status; ++k)
    if (amp_h5_attr_read(g, c->accumulator_names[k], H5T_NATIVE_DOUBLE, 0, c->accumulators + k))
      status = amp_io_fail(err, AMP_IO_INVALID, "%s has no accumulator %s", path, c->accumulator_names[k]);
  if (amp_h5_close(g) < 0 && !status) status = amp_io_fail(err, AMP_IO_FAILED, "%s: H5Gclose failed", path);
  return status;
}

/* All N rows of /position and /internal into p, on every rank. */
static int read_rows(hid_t file, amp_particles *p, int64_t N, const char *path, char *err) {
  if (amp_particles_reserve(p, (size_t)N)) return amp_io_fail(err, AMP_IO_FAILED, "%s: out of memory", path);
  hid_t dxpl = amp_h5_dxpl();
  hid_t x = H5Dopen2(file, "/position", H5P_DEFAULT), q = H5Dopen2(file, "/internal", H5P_DEFAULT);
  int status = dxpl < 0 || x < 0 || q < 0 || amp_h5_read_rows(x, dxpl, -1, 0, N, p->x, p->dim, 0, p->dim) < 0 ||
                       amp_h5_read_rows(q, dxpl, -1, 0, N, p->q, p->nq, 0, p->nq) < 0
                   ? amp_io_fail(err, AMP_IO_INVALID, "%s: cannot read /position [N][d] and /internal [N][nq]", path)
                   : 0;
  if ((amp_h5_close(x) < 0 || amp_h5_close(q) < 0 || amp_h5_close(dxpl) < 0) && !status)
    status = amp_io_fail(err, AMP_IO_FAILED, "%s: cannot close its datasets", path);
  if (!status) {
    for (int64_t i = 0; i < N; ++i) p->id[i] = i;
    p->nowned = (size_t)N;
    p->nghost = 0;
  }
  return status;
}

int amp_checkpoint_read(const char *path, MPI_Comm comm, amp_checkpoint *c, amp_particles *p, char *err) {
  amp_h5_quiet quiet;
  amp_h5_quiet_begin(&quiet);
  err[0] = '\0';
  hid_t fapl = amp_h5_fapl(comm);
  hid_t file = fapl < 0 ? -1 : H5Fopen(path, H5F_ACC_RDONLY, fapl);
  int status = file < 0 ? amp_io_fail(err, AMP_IO_INVALID, "cannot open the checkpoint %s", path) : 0;
  if (!status) status = read_header(file, c, p, path, err);
  if (!status) status = read_accumulators(file, c, path, err);
  status = amp_io_agree(comm, status, path, err);
  if (!status) status = read_rows(file, p, c->particles, path, err);
  if ((amp_h5_close(file) < 0 || amp_h5_close(fapl) < 0) && !status)
    status = amp_io_fail(err, AMP_IO_FAILED, "cannot close %s", path);
  status = amp_io_agree(comm, status, path, err);
  amp_h5_quiet_end(&quiet);
  return status;
}

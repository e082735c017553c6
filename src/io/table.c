/*
 * Small tables of doubles (table.h): one dataset, written and read by rank 0.
 */
#include <stdlib.h>
#include <string.h>

#include "activempi/table.h"
#include "h5.h"

typedef struct {
  const char *name;
  const char *const *columns;
  int ncols;
  const double *rows;
  size_t nrows;
} table_ctx;

static int fill_table(hid_t file, void *data, const char *tmp, char *err) {
  const table_ctx *c = data;
  hsize_t dims[2] = {(hsize_t)c->nrows, (hsize_t)c->ncols};
  hid_t d = amp_h5_array(file, c->name, H5T_IEEE_F64LE, 2, dims);
  int failed = d < 0 || (c->nrows && H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, c->rows) < 0) ||
               amp_h5_attr_strings(d, "columns", c->ncols, c->columns) < 0;
  if (amp_h5_close(d) < 0 || failed) return amp_io_fail(err, AMP_IO_FAILED, "%s: cannot write /%s", tmp, c->name);
  return 0;
}

int amp_table_write(const char *path, MPI_Comm comm, const char *name, const char *const *columns, int ncols,
                    const double *rows, size_t nrows, char *err) {
  amp_h5_quiet quiet;
  amp_h5_quiet_begin(&quiet);
  err[0] = '\0';
  int rank = 0, status = MPI_Comm_rank(comm, &rank) == MPI_SUCCESS ? 0 : AMP_IO_FAILED;
  table_ctx c = {name, columns, ncols, rows, nrows};
  if (!status && rank == 0) status = amp_h5_publish_serial(path, fill_table, &c, err);
  status = amp_io_agree(comm, status, path, err);
  amp_h5_quiet_end(&quiet);
  return status;
}

/* Rank 0: the table, checked. */
static int read_root(const char *path, const char *name, int ncols, double **rows, size_t *nrows, char *err) {
  hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t d = file < 0 ? -1 : H5Dopen2(file, name, H5P_DEFAULT);
  hid_t space = d < 0 ? -1 : H5Dget_space(d);
  hsize_t dims[2] = {0, 0};
  int status = 0;
  if (space < 0 || H5Sget_simple_extent_ndims(space) != 2 || H5Sget_simple_extent_dims(space, dims, NULL) < 0 ||
      dims[1] != (hsize_t)ncols)
    status = amp_io_fail(err, AMP_IO_INVALID, "%s: no table /%s of %d columns", path, name, ncols);
  *nrows = status ? 0 : (size_t)dims[0];
  *rows = *nrows ? malloc(*nrows * (size_t)ncols * sizeof **rows) : NULL;
  if (!status && *nrows && !*rows) status = amp_io_fail(err, AMP_IO_FAILED, "%s: out of memory", path);
  if (!status && *nrows && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, *rows) < 0)
    status = amp_io_fail(err, AMP_IO_FAILED, "%s: cannot read /%s", path, name);
  if (amp_h5_close(space) < 0 || amp_h5_close(d) < 0 || amp_h5_close(file) < 0) status = status ? status : AMP_IO_FAILED;
  return status;
}

int amp_table_read(const char *path, MPI_Comm comm, const char *name, int ncols, double **rows, size_t *nrows,
                   char *err) {
  amp_h5_quiet quiet;
  amp_h5_quiet_begin(&quiet);
  err[0] = '\0';
  *rows = NULL;
  *nrows = 0;
  int rank = 0, status = MPI_Comm_rank(comm, &rank) == MPI_SUCCESS ? 0 : AMP_IO_FAILED;
  if (!status && rank == 0) status = read_root(path, name, ncols, rows, nrows, err);
  status = amp_io_agree(comm, status, path, err);
  unsigned long long n = *nrows;
  if (!status && MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, comm) != MPI_SUCCESS) status = AMP_IO_FAILED;
  if (!status && rank != 0) {
    *nrows = (size_t)n;
    *rows = n ? malloc(n * (size_t)ncols * sizeof **rows) : NULL;
    if (n && !*rows) status = amp_io_fail(err, AMP_IO_FAILED, "%s: out of memory", path);
  }
  status = amp_io_agree(comm, status, path, err);
  if (!status && n && MPI_Bcast(*rows, (int)(n * (size_t)ncols), MPI_DOUBLE, 0, comm) != MPI_SUCCESS)
    status = amp_io_agree(comm, AMP_IO_FAILED, path, err);
  if (status) {
    free(*rows);
    *rows = NULL;
    *nrows = 0;
  }
  amp_h5_quiet_end(&quiet);
  return status;
}

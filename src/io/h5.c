/*
 * h5: HDF5 and MPI helpers of the io module (see h5.h).
 */
#include "activempi/files.h"
#include "h5.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "activempi/files.h"

/* H5Ewalk2 callback: keep the description of the innermost error (the first
 * one met walking upward). */
static herr_t innermost(unsigned n, const H5E_error2_t *e, void *reason) {
  if (n == 0 && e->desc) snprintf(reason, 256, "%s", e->desc);
  return 0;
}

int amp_io_fail(char *err, int status, const char *fmt, ...) {
  if (err[0]) return status;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(err, AMP_IO_ERR_LEN, fmt, ap);
  va_end(ap);
  char reason[256] = "";
  if (H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, reason) >= 0 && reason[0] && n >= 0 &&
      n < AMP_IO_ERR_LEN)
    snprintf(err + n, (size_t)(AMP_IO_ERR_LEN - n), " (HDF5: %s)", reason);
  return status;
}

int amp_io_agree(MPI_Comm comm, int status, const char *path, char *err) {
  int rank;
  struct {
    int status, rank;
  } mine, worst;
  if (MPI_Comm_rank(comm, &rank) != MPI_SUCCESS) return amp_io_fail(err, AMP_IO_FAILED, "%s: MPI_Comm_rank failed", path);
  mine.status = status;
  mine.rank = rank;
  if (MPI_Allreduce(&mine, &worst, 1, MPI_2INT, MPI_MAXLOC, comm) != MPI_SUCCESS)
    return amp_io_fail(err, AMP_IO_FAILED, "%s: MPI_Allreduce failed", path);
  if (worst.status && !status) amp_io_fail(err, worst.status, "%s: failed on rank %d", path, worst.rank);
  return worst.status;
}

/* Silencing HDF5's printer cannot meaningfully fail; if it did, HDF5 would
 * merely print its stack as well, so the results are not checked. */
void amp_h5_quiet_begin(amp_h5_quiet *q) {
  *q = (amp_h5_quiet){0};
  (void)H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data);
  (void)H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void amp_h5_quiet_end(const amp_h5_quiet *q) { (void)H5Eset_auto2(H5E_DEFAULT, q->func, q->data); }

/* Serial file access, HDF5 1.8 objects or later (long text attributes fit). */
static hid_t serial_fapl(void) {
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (fapl >= 0 && H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST) < 0) {
    H5Pclose(fapl);
    return -1;
  }
  return fapl;
}

int amp_h5_publish_serial(const char *path, int (*fill)(hid_t file, void *ctx, const char *tmp, char *err), void *ctx,
                          char *err) {
  char tmp[4096];
  if (amp_temp_name(path, tmp, sizeof tmp)) return amp_io_fail(err, AMP_IO_FAILED, "%s: name too long", path);
  hid_t fapl = serial_fapl();
  hid_t file = fapl < 0 ? -1 : H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  int status = file < 0 ? amp_io_fail(err, AMP_IO_FAILED, "cannot create %s", tmp) : fill(file, ctx, tmp, err);
  if ((amp_h5_close(file) < 0 || amp_h5_close(fapl) < 0) && !status)
    status = amp_io_fail(err, AMP_IO_FAILED, "cannot close %s", tmp);
  int failed = status ? 0 : amp_publish(tmp, path);
  if (failed) status = amp_io_fail(err, AMP_IO_FAILED, "cannot rename %s to %s: %s", tmp, path, strerror(failed));
  if (status) unlink(tmp);
  return status;
}

hid_t amp_h5_fapl(MPI_Comm comm) {
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (fapl < 0) return fapl;
  if (H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL) < 0 ||
      H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST) < 0 || H5Pset_coll_metadata_write(fapl, 1) < 0) {
    H5Pclose(fapl);
    return -1;
  }
  return fapl;
}

hid_t amp_h5_dxpl(void) {
  hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
  if (dxpl < 0) return dxpl;
  if (H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE) < 0) {
    H5Pclose(dxpl);
    return -1;
  }
  return dxpl;
}

/* Write an attribute of `type` over dataspace `space`; closes space. */
static int attr_put(hid_t loc, const char *name, hid_t type, hid_t space, const void *data) {
  if (space < 0) return -1;
  hid_t attr = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  int status = attr < 0 || H5Awrite(attr, type, data) < 0 ? -1 : 0;
  if (amp_h5_close(attr) < 0 || H5Sclose(space) < 0) status = -1;
  return status;
}

static hid_t space_of(int n) {
  hsize_t dim = (hsize_t)n;
  return n == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dim, NULL);
}

int amp_h5_attr_write(hid_t loc, const char *name, hid_t type, int n, const void *data) {
  return attr_put(loc, name, type, space_of(n), data);
}

int amp_h5_attr_read(hid_t loc, const char *name, hid_t type, int n, void *data) {
  hid_t attr = H5Aopen(loc, name, H5P_DEFAULT);
  if (attr < 0) return -1;
  hid_t space = H5Aget_space(attr);
  hssize_t count = space < 0 ? -1 : H5Sget_simple_extent_npoints(space);
  int status = count == (n > 0 ? n : 1) && H5Aread(attr, type, data) >= 0 ? 0 : -1;
  if (amp_h5_close(space) < 0 || H5Aclose(attr) < 0) status = -1;
  return status;
}

/* A fixed-length ASCII string type of `size` bytes, NUL-terminated. */
static hid_t string_type(size_t size) {
  hid_t type = H5Tcopy(H5T_C_S1);
  if (type < 0) return type;
  if (H5Tset_size(type, size) < 0 || H5Tset_strpad(type, H5T_STR_NULLTERM) < 0) {
    H5Tclose(type);
    return -1;
  }
  return type;
}

int amp_h5_attr_string(hid_t loc, const char *name, const char *text) {
  hid_t type = string_type(strlen(text) + 1);
  if (type < 0) return -1;
  int status = attr_put(loc, name, type, H5Screate(H5S_SCALAR), text);
  return H5Tclose(type) < 0 ? -1 : status;
}

/* The size, NUL included, of a fixed-length string attribute's type, or 0. */
static size_t string_size(hid_t attr) {
  hid_t ftype = attr < 0 ? -1 : H5Aget_type(attr);
  size_t n = ftype < 0 ? 0 : H5Tget_size(ftype);
  if (ftype < 0 || H5Tget_class(ftype) != H5T_STRING || H5Tis_variable_str(ftype) != 0) n = 0;
  return amp_h5_close(ftype) < 0 ? 0 : n;
}

size_t amp_h5_attr_string_size(hid_t loc, const char *name) {
  hid_t attr = H5Aopen(loc, name, H5P_DEFAULT);
  size_t n = string_size(attr);
  return amp_h5_close(attr) < 0 ? 0 : n;
}

int amp_h5_attr_read_string(hid_t loc, const char *name, char *buf, size_t size) {
  hid_t attr = H5Aopen(loc, name, H5P_DEFAULT);
  size_t n = string_size(attr);
  int status = -1;
  if (n > 0 && n <= size) {
    hid_t mtype = string_type(n);
    status = mtype >= 0 && H5Aread(attr, mtype, buf) >= 0 ? 0 : -1;
    if (amp_h5_close(mtype) < 0) status = -1;
    buf[n - 1] = '\0';
  }
  if (amp_h5_close(attr) < 0) status = -1;
  return status;
}

int amp_h5_attr_strings(hid_t loc, const char *name, int n, const char *const *text) {
  size_t size = 1;
  for (int i = 0; i < n; ++i)
    if (strlen(text[i]) + 1 > size) size = strlen(text[i]) + 1;
  char packed[n > 0 ? n : 1][size];
  memset(packed, 0, sizeof packed);
  for (int i = 0; i < n; ++i) memcpy(packed[i], text[i], strlen(text[i]));
  hid_t type = string_type(size);
  if (type < 0) return -1;
  int status = attr_put(loc, name, type, space_of(n), packed);
  return H5Tclose(type) < 0 ? -1 : status;
}

/* Frames per chunk of a series whose frames hold `frame_bytes`: chunks of
 * about 1 MiB, at least one frame. Rows per chunk are capped the same way. */
enum { CHUNK_BYTES = 1 << 20 };

hid_t amp_h5_series(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *shape) {
  hsize_t dims[H5S_MAX_RANK], maxdims[H5S_MAX_RANK], chunk[H5S_MAX_RANK];
  size_t bytes = H5Tget_size(type);
  for (int i = rank - 1; i >= 1; --i) {
    dims[i] = maxdims[i] = shape[i];
    chunk[i] = shape[i] > 0 ? shape[i] : 1;
    if (i == 1 && bytes * chunk[i] > CHUNK_BYTES) chunk[i] = CHUNK_BYTES / bytes > 0 ? CHUNK_BYTES / bytes : 1;
    bytes *= chunk[i];
  }
  dims[0] = 0;
  maxdims[0] = H5S_UNLIMITED;
  chunk[0] = bytes >= CHUNK_BYTES ? 1 : CHUNK_BYTES / bytes < 1024 ? CHUNK_BYTES / bytes : 1024;
  hid_t space = H5Screate_simple(rank, dims, maxdims);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  hid_t dset = -1;
  /* Every element is written after the extent grows: no fill values. */
  if (space >= 0 && dcpl >= 0 && H5Pset_chunk(dcpl, rank, chunk) >= 0 &&
      H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER) >= 0)
    dset = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  if (amp_h5_close(dcpl) < 0 || amp_h5_close(space) < 0) {
    amp_h5_close(dset);
    return -1;
  }
  return dset;
}

hid_t amp_h5_array(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims) {
  hid_t space = H5Screate_simple(rank, dims, NULL);
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  hid_t dset = -1;
  if (space >= 0 && lcpl >= 0 && H5Pset_create_intermediate_group(lcpl, 1) >= 0)
    dset = H5Dcreate2(loc, name, type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  if (amp_h5_close(lcpl) < 0 || amp_h5_close(space) < 0) {
    amp_h5_close(dset);
    return -1;
  }
  return dset;
}

int64_t amp_h5_length(hid_t dset) {
  hid_t space = H5Dget_space(dset);
  hsize_t dims[H5S_MAX_RANK];
  int rank = space < 0 ? -1 : H5Sget_simple_extent_dims(space, dims, NULL);
  if (amp_h5_close(space) < 0 || rank < 1) return -1;
  return (int64_t)dims[0];
}

/* Select fstart/fcount (k axes, the last one the w columns) of the file
 * space and mstart/mcount of the memory space, or nothing in both when the
 * block is empty. A dataset without the w axis (w = 1: [T][N], [N], grids of
 * one number) has one axis fewer. Returns 0, or -1 with both spaces closed. */
static int select_spaces(hid_t file, hid_t mem, int k, int w, int empty, const hsize_t *fstart,
                         const hsize_t *fcount, const hsize_t *mstart, const hsize_t *mcount) {
  int rank = file < 0 ? -1 : H5Sget_simple_extent_ndims(file);
  if (rank == k - 1 && w == 1) --k;
  int status = file >= 0 && mem >= 0 && rank == k ? 0 : -1;
  if (!status && empty) status = H5Sselect_none(file) < 0 || H5Sselect_none(mem) < 0 ? -1 : 0;
  else if (!status)
    status = H5Sselect_hyperslab(file, H5S_SELECT_SET, fstart, NULL, fcount, NULL) < 0 ||
                     H5Sselect_hyperslab(mem, H5S_SELECT_SET, mstart, NULL, mcount, NULL) < 0
                 ? -1
                 : 0;
  if (status) {
    amp_h5_close(file);
    amp_h5_close(mem);
  }
  return status;
}

/* The file and memory selections of a block transfer (see h5.h). Returns 0,
 * with *file and *mem to close, or -1. */
static int block_spaces(hid_t dset, int64_t frame, int64_t lo, int64_t n, int W, int off, int w, hid_t *file,
                        hid_t *mem) {
  hsize_t start[3], count[3];
  int k = 0;
  if (frame >= 0) start[k] = (hsize_t)frame, count[k++] = 1;
  start[k] = (hsize_t)lo, count[k++] = (hsize_t)n;
  start[k] = 0, count[k++] = (hsize_t)w;
  hsize_t mem_dims[2] = {(hsize_t)(n > 0 ? n : 1), (hsize_t)W};
  hsize_t mem_start[2] = {0, (hsize_t)off}, mem_count[2] = {(hsize_t)n, (hsize_t)w};
  *file = H5Dget_space(dset);
  *mem = H5Screate_simple(2, mem_dims, NULL);
  return select_spaces(*file, *mem, k, w, n == 0, start, count, mem_start, mem_count);
}

int amp_h5_write_rows(hid_t dset, hid_t dxpl, int64_t frame, int64_t lo, int64_t n, const double *buf, int W,
                      int off, int w) {
  hid_t file, mem;
  if (block_spaces(dset, frame, lo, n, W, off, w, &file, &mem)) return -1;
  int status = H5Dwrite(dset, H5T_NATIVE_DOUBLE, mem, file, dxpl, buf) < 0 ? -1 : 0;
  if (H5Sclose(file) < 0 || H5Sclose(mem) < 0) status = -1;
  return status;
}

int amp_h5_read_rows(hid_t dset, hid_t dxpl, int64_t frame, int64_t lo, int64_t n, double *buf, int W, int off,
                     int w) {
  hid_t file, mem;
  if (block_spaces(dset, frame, lo, n, W, off, w, &file, &mem)) return -1;
  int status = H5Dread(dset, H5T_NATIVE_DOUBLE, mem, file, dxpl, buf) < 0 ? -1 : 0;
  if (H5Sclose(file) < 0 || H5Sclose(mem) < 0) status = -1;
  return status;
}

/* The file and memory selections of a grid block (see h5.h): the file's
 * axes are [frame] z y x [w], the memory's z y x W. Returns 0, with *file
 * and *mem to close, or -1. */
static int grid_spaces(hid_t dset, int64_t frame, int d, const int64_t *start, const int64_t *count, int W, int off,
                       int w, hid_t *file, hid_t *mem) {
  hsize_t fstart[5], fcount[5], mdims[4], mstart[4] = {0}, mcount[4];
  int k = 0, empty = 0;
  if (frame >= 0) fstart[k] = (hsize_t)frame, fcount[k++] = 1;
  for (int a = d - 1, m = 0; a >= 0; --a, ++m) {
    fstart[k] = (hsize_t)start[a], fcount[k++] = (hsize_t)count[a];
    mdims[m] = count[a] > 0 ? (hsize_t)count[a] : 1, mcount[m] = (hsize_t)count[a];
    empty |= count[a] == 0;
  }
  fstart[k] = 0, fcount[k++] = (hsize_t)w;
  mdims[d] = (hsize_t)W, mstart[d] = (hsize_t)off, mcount[d] = (hsize_t)w;
  *file = H5Dget_space(dset);
  *mem = H5Screate_simple(d + 1, mdims, NULL);
  return select_spaces(*file, *mem, k, w, empty, fstart, fcount, mstart, mcount);
}

int amp_h5_write_grid(hid_t dset, hid_t dxpl, int64_t frame, int d, const int64_t *start, const int64_t *count,
                      const double *buf, int W, int off, int w) {
  hid_t file, mem;
  if (grid_spaces(dset, frame, d, start, count, W, off, w, &file, &mem)) return -1;
  int status = H5Dwrite(dset, H5T_NATIVE_DOUBLE, mem, file, dxpl, buf) < 0 ? -1 : 0;
  if (H5Sclose(file) < 0 || H5Sclose(mem) < 0) status = -1;
  return status;
}

/* Select frame `frame` of a series in *file and a matching memory space in
 * *mem (everything, or nothing when !mine). Returns 0 or -1. */
static int frame_spaces(hid_t dset, int64_t frame, int mine, hid_t *file, hid_t *mem) {
  hsize_t dims[H5S_MAX_RANK], start[H5S_MAX_RANK] = {0}, count[H5S_MAX_RANK];
  *file = H5Dget_space(dset);
  int rank = *file < 0 ? -1 : H5Sget_simple_extent_dims(*file, dims, NULL);
  hsize_t elements = 1;
  for (int i = 1; i < rank; ++i) count[i] = dims[i], elements *= dims[i];
  start[0] = (hsize_t)frame;
  count[0] = 1;
  *mem = rank < 1 ? -1 : H5Screate_simple(1, &elements, NULL);
  int status = *mem < 0 || frame < 0 || (hsize_t)frame >= dims[0] ? -1 : 0;
  if (!status && mine) status = H5Sselect_hyperslab(*file, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ? -1 : 0;
  else if (!status) status = H5Sselect_none(*file) < 0 || H5Sselect_none(*mem) < 0 ? -1 : 0;
  if (status) {
    amp_h5_close(*file);
    amp_h5_close(*mem);
  }
  return status;
}

int amp_h5_write_frame(hid_t dset, hid_t dxpl, int64_t frame, hid_t type, const void *data, int mine) {
  hid_t file, mem;
  if (frame_spaces(dset, frame, mine, &file, &mem)) return -1;
  int status = H5Dwrite(dset, type, mem, file, dxpl, data) < 0 ? -1 : 0;
  if (H5Sclose(file) < 0 || H5Sclose(mem) < 0) status = -1;
  return status;
}

int amp_h5_read_frame(hid_t dset, hid_t dxpl, int64_t frame, hid_t type, void *data) {
  hid_t file, mem;
  if (frame_spaces(dset, frame, 1, &file, &mem)) return -1;
  int status = H5Dread(dset, type, mem, file, dxpl, data) < 0 ? -1 : 0;
  if (H5Sclose(file) < 0 || H5Sclose(mem) < 0) status = -1;
  return status;
}

herr_t amp_h5_close(hid_t id) {
  if (id < 0) return 0;
  H5I_type_t kind = H5Iget_type(id);
  switch (kind) {
  case H5I_FILE: return H5Fclose(id);
  case H5I_GROUP: return H5Gclose(id);
  case H5I_DATASET: return H5Dclose(id);
  case H5I_DATASPACE: return H5Sclose(id);
  case H5I_DATATYPE: return H5Tclose(id);
  case H5I_ATTR: return H5Aclose(id);
  case H5I_GENPROP_LST: return H5Pclose(id);
  default: return -1;
  }
}

int amp_h5_temp_name(MPI_Comm comm, const char *path, char tmp[AMP_H5_NAME_LEN], char *err) {
  int rank, status = 0;
  if (MPI_Comm_rank(comm, &rank) != MPI_SUCCESS) return amp_io_fail(err, AMP_IO_FAILED, "%s: MPI_Comm_rank failed", path);
  if (rank == 0 && amp_temp_name(path, tmp, AMP_H5_NAME_LEN))
    status = amp_io_fail(err, AMP_IO_FAILED, "%s: name too long", path);
  status = amp_io_agree(comm, status, path, err);
  if (!status && MPI_Bcast(tmp, AMP_H5_NAME_LEN, MPI_CHAR, 0, comm) != MPI_SUCCESS)
    status = amp_io_fail(err, AMP_IO_FAILED, "%s: MPI_Bcast failed", path);
  return status;
}

int amp_h5_publish(MPI_Comm comm, int status, const char *tmp, const char *path, char *err) {
  int rank;
  if (MPI_Comm_rank(comm, &rank) != MPI_SUCCESS) status = amp_io_fail(err, AMP_IO_FAILED, "%s: MPI_Comm_rank failed", path);
  else if (rank == 0 && tmp[0]) {
    int failed = status ? 0 : amp_publish(tmp, path);
    if (failed) status = amp_io_fail(err, AMP_IO_FAILED, "cannot rename %s to %s: %s", tmp, path, strerror(failed));
    if (status) unlink(tmp);
  }
  return amp_io_agree(comm, status, path, err);
}

int amp_h5_write_block(hid_t loc, const char *name, hid_t dxpl, int rank, const hsize_t *dims, const hsize_t *start,
                       const hsize_t *count, const double *data) {
  hid_t dset = amp_h5_array(loc, name, H5T_IEEE_F64LE, rank, dims);
  hid_t file = dset < 0 ? -1 : H5Dget_space(dset);
  hsize_t mem_dims[2] = {1, 1};
  int empty = 0;
  for (int k = 0; k < rank; ++k) {
    empty |= count[k] == 0;
    if (count[k]) mem_dims[k] = count[k];
  }
  hid_t mem = H5Screate_simple(rank, mem_dims, NULL);
  int status = file < 0 || mem < 0 ? -1 : 0;
  if (!status && empty) status = H5Sselect_none(file) < 0 || H5Sselect_none(mem) < 0 ? -1 : 0;
  else if (!status) status = H5Sselect_hyperslab(file, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ? -1 : 0;
  if (!status && H5Dwrite(dset, H5T_NATIVE_DOUBLE, mem, file, dxpl, data) < 0) status = -1;
  if (amp_h5_close(mem) < 0 || amp_h5_close(file) < 0 || amp_h5_close(dset) < 0) status = -1;
  return status;
}

/*
 * gaussian_file: exact.h5, written serially by one rank (see gaussian_file.h).
 * Datasets are fixed-size (the number of snapshots is known at creation); a
 * snapshot is one hyperslab per dataset. The temporary name and its
 * publication are h5.c's (amp_h5_temp_name, amp_h5_publish), over
 * MPI_COMM_SELF since this rank alone writes.
 */
#include "activempi/gaussian_file.h"

#include <stdio.h>
#include <stdlib.h>

#include "h5.h"

struct amp_gaussian_file {
  hid_t file;
  hid_t step, time, score_x, score_g, sigma; /* snapshot datasets, or -1 without snapshots */
  int64_t n;
  int dim;
  char path[AMP_H5_NAME_LEN], tmp[AMP_H5_NAME_LEN];
};

static int write_array(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims, const void *data) {
  hid_t d = amp_h5_array(loc, name, type, rank, dims);
  int ok = d >= 0 && H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0;
  return amp_h5_close(d) >= 0 && ok ? 0 : -1;
}

static int write_summary(amp_gaussian_file *f, const amp_gaussian_summary *s) {
  const hsize_t n[1] = {(hsize_t)s->particles}, one[1] = {1};
  hid_t g = H5Gcreate2(f->file, "gaussian", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int dim = s->dim;
  int status = g < 0 || amp_h5_attr_string(f->file, "reference", "gaussian") ||
               amp_h5_attr_string(f->file, "configuration", s->configuration) ||
               amp_h5_attr_string(f->file, "provenance", s->provenance) ||
               amp_h5_attr_string(f->file, "trajectory", s->trajectory) ||
               amp_h5_attr_write(g, "dimension", H5T_NATIVE_INT, 0, &dim) ||
               amp_h5_attr_write(g, "zero_modes", H5T_NATIVE_INT64, 0, &s->zero_modes) ||
               amp_h5_attr_write(g, "zero_tolerance", H5T_NATIVE_DOUBLE, 0, &s->zero_tol) ||
               write_array(g, "eigenvalues", H5T_NATIVE_DOUBLE, 1, n, s->kappa) ||
               write_array(g, "covariance_xx", H5T_NATIVE_DOUBLE, 1, n, s->cov_xx) ||
               write_array(g, "covariance_xg", H5T_NATIVE_DOUBLE, 1, n, s->cov_xg) ||
               write_array(g, "covariance_gg", H5T_NATIVE_DOUBLE, 1, n, s->cov_gg) ||
               write_array(g, "epr_mode", H5T_NATIVE_DOUBLE, 1, n, s->epr_mode) ||
               write_array(g, "epr_particle", H5T_NATIVE_DOUBLE, 1, n, s->epr_particle) ||
               write_array(g, "epr_total", H5T_NATIVE_DOUBLE, 1, one, &s->epr_total);
  if (!status && s->frames > 0) {
    const hsize_t t[1] = {(hsize_t)s->frames}, tn[2] = {t[0], n[0]}, tnd[3] = {t[0], n[0], (hsize_t)s->dim};
    hid_t snap = H5Gcreate2(g, "snapshots", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    f->step = amp_h5_array(snap, "step", H5T_NATIVE_INT64, 1, t);
    f->time = amp_h5_array(snap, "time", H5T_NATIVE_DOUBLE, 1, t);
    f->score_x = amp_h5_array(snap, "score_x", H5T_NATIVE_DOUBLE, 3, tnd);
    f->score_g = amp_h5_array(snap, "score_g", H5T_NATIVE_DOUBLE, 3, tnd);
    f->sigma = amp_h5_array(snap, "sigma", H5T_NATIVE_DOUBLE, 2, tn);
    status = snap < 0 || f->step < 0 || f->time < 0 || f->score_x < 0 || f->score_g < 0 || f->sigma < 0 ||
             amp_h5_close(snap) < 0;
  }
  return amp_h5_close(g) < 0 || status ? -1 : 0;
}

int amp_gaussian_file_create(amp_gaussian_file **out, const char *path, const amp_gaussian_summary *s, char *err) {
  amp_h5_quiet quiet;
  amp_gaussian_file *f = calloc(1, sizeof *f);
  *out = NULL;
  if (!f) return amp_io_fail(err, AMP_IO_FAILED, "%s: out of memory", path);
  f->step = f->time = f->score_x = f->score_g = f->sigma = -1;
  f->n = s->particles;
  f->dim = s->dim;
  snprintf(f->path, sizeof f->path, "%s", path);
  if (amp_h5_temp_name(MPI_COMM_SELF, path, f->tmp, err)) {
    free(f);
    return AMP_IO_FAILED;
  }
  amp_h5_quiet_begin(&quiet);
  f->file = H5Fcreate(f->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  int status = f->file < 0 ? amp_io_fail(err, AMP_IO_FAILED, "%s: cannot create the file", f->tmp)
               : write_summary(f, s) ? amp_io_fail(err, AMP_IO_FAILED, "%s: cannot write the summary", f->tmp)
                                     : AMP_IO_OK;
  amp_h5_quiet_end(&quiet);
  if (status) {
    amp_gaussian_file_close(f, 0, err);
    return status;
  }
  *out = f;
  return AMP_IO_OK;
}

/* Row `frame` of a [T][...] dataset from data (the whole trailing extent). */
static int write_row(hid_t dset, hid_t type, int64_t frame, const void *data) {
  hsize_t dims[3], start[3] = {(hsize_t)frame, 0, 0};
  hid_t file = H5Dget_space(dset);
  int rank = file < 0 ? -1 : H5Sget_simple_extent_ndims(file);
  if (rank < 1 || H5Sget_simple_extent_dims(file, dims, NULL) < 0) {
    amp_h5_close(file);
    return -1;
  }
  dims[0] = 1;
  hid_t mem = H5Screate_simple(rank, dims, NULL);
  int ok = mem >= 0 && H5Sselect_hyperslab(file, H5S_SELECT_SET, start, NULL, dims, NULL) >= 0 &&
           H5Dwrite(dset, type, mem, file, H5P_DEFAULT, data) >= 0;
  return amp_h5_close(mem) >= 0 && amp_h5_close(file) >= 0 && ok ? 0 : -1;
}

int amp_gaussian_file_frame(amp_gaussian_file *f, int64_t frame, int64_t step, double time, const double *score_x,
                            const double *score_g, const double *sigma, char *err) {
  amp_h5_quiet quiet;
  amp_h5_quiet_begin(&quiet);
  int failed = write_row(f->step, H5T_NATIVE_INT64, frame, &step) || write_row(f->time, H5T_NATIVE_DOUBLE, frame, &time) ||
               write_row(f->score_x, H5T_NATIVE_DOUBLE, frame, score_x) ||
               write_row(f->score_g, H5T_NATIVE_DOUBLE, frame, score_g) ||
               write_row(f->sigma, H5T_NATIVE_DOUBLE, frame, sigma);
  int status = failed ? amp_io_fail(err, AMP_IO_FAILED, "%s: cannot write snapshot %lld", f->tmp, (long long)frame) : 0;
  amp_h5_quiet_end(&quiet);
  return status;
}

int amp_gaussian_file_close(amp_gaussian_file *f, int publish, char *err) {
  amp_h5_quiet quiet;
  amp_h5_quiet_begin(&quiet);
  int closed = amp_h5_close(f->step) >= 0 && amp_h5_close(f->time) >= 0 && amp_h5_close(f->score_x) >= 0 &&
               amp_h5_close(f->score_g) >= 0 && amp_h5_close(f->sigma) >= 0 && amp_h5_close(f->file) >= 0;
  int status = AMP_IO_OK;
  if (!closed && publish) status = amp_io_fail(err, AMP_IO_FAILED, "%s: cannot close the file", f->tmp);
  amp_h5_quiet_end(&quiet);
  /* Not published: a nonzero status makes amp_h5_publish remove the file. */
  int published = amp_h5_publish(MPI_COMM_SELF, publish ? status : AMP_IO_FAILED, f->tmp, f->path, err);
  free(f);
  return publish ? published : AMP_IO_OK;
}

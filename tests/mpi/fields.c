/*
 * Coarse-grained fields on 1, 2 and 4 ranks, in 1, 2 and 3 dimensions:
 * particles dealt to ranks without regard to where they are (so most
 * deposits cross to another rank's cells) give on every rank's block of
 * cells the nearest-grid-point sums that one process computes alone, to
 * 1e-12; the fields integrate to the sums over particles; the mean over
 * two snapshots is their average; and the grid observables of an H5MD file
 * (with a per-frame observable of several numbers beside them) read back
 * as those fields, laid out [n_z]..[n_x][w] with the grid's attributes.
 */
#include <math.h>
#include <mpi.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <hdf5.h>

/* Before PETSc's headers, whose logging macros wrap its MPI calls. */
#include "mpi_test.h"

#include "activempi/fields.h"
#include "activempi/h5md.h"

static const double L = 9.0;
enum { N = 300, CELLS = 6 };

/* A number in [0, 1) from (k, salt), the same on every rank. */
static double uniform(unsigned k, unsigned salt) {
  unsigned long long s = (k + 1ull) * 0x9E3779B97F4A7C15ull ^ (salt + 7ull) * 0xBF58476D1CE4E5B9ull;
  s ^= s >> 31;
  s *= 0x94D049BB133111EBull;
  s ^= s >> 29;
  return (double)(s >> 11) / 9007199254740992.0;
}

/* N particles: positions in the box x [N][d], values [N][dof] (1, then
 * numbers of either sign); snapshot t changes them. */
static void particles(int d, int dof, unsigned t, double *x, double *value) {
  for (unsigned i = 0; i < N; ++i) {
    for (int a = 0; a < d; ++a) x[i * d + a] = L * (uniform(i, 10 * t + (unsigned)a) - 0.5);
    value[i * dof] = 1;
    for (int c = 1; c < dof; ++c) value[i * dof + c] = 2 * uniform(i, 100 + 10 * t + (unsigned)c) - 1;
  }
}

/* One process's NGP sums per cell volume: ref [n^d][dof], x fastest. */
static void reference(const amp_fields *f, const double *x, const double *value, double *ref) {
  size_t cells = (size_t)pow(CELLS, f->dim);
  memset(ref, 0, cells * (size_t)f->dof * sizeof *ref);
  for (size_t i = 0; i < N; ++i) {
    size_t cell = 0;
    for (int a = f->dim - 1; a >= 0; --a) {
      int k = (int)floor((x[i * f->dim + a] + L / 2) / (L / CELLS));
      cell = cell * CELLS + (size_t)((k % CELLS + CELLS) % CELLS);
    }
    for (int c = 0; c < f->dof; ++c) ref[cell * f->dof + c] += value[i * f->dof + c] / pow(L / CELLS, f->dim);
  }
}

/* The natural cell of the k-th cell of this rank's block. */
static size_t block_cell(const int64_t *start, const int64_t *count, int d, size_t k) {
  size_t cell = 0;
  int64_t at[3];
  for (int a = 0; a < d; ++a) at[a] = start[a] + (int64_t)(k % (size_t)count[a]), k /= (size_t)count[a];
  for (int a = d - 1; a >= 0; --a) cell = cell * CELLS + (size_t)at[a];
  return cell;
}

/* The largest difference of v's block from ref, relative to ref's largest value. */
static double block_error(const amp_fields *f, Vec v, const double *ref) {
  int64_t start[3], count[3];
  const PetscScalar *a;
  assert_int_equal(amp_fields_corners(f, start, count), 0);
  assert_int_equal(VecGetArrayRead(v, &a), 0);
  size_t cells = 1, all = (size_t)pow(CELLS, f->dim) * (size_t)f->dof;
  for (int k = 0; k < f->dim; ++k) cells *= (size_t)count[k];
  double worst = 0, scale = 0;
  for (size_t k = 0; k < all; ++k) scale = fmax(scale, fabs(ref[k]));
  for (size_t k = 0; k < cells; ++k)
    for (int c = 0; c < f->dof; ++c) {
      size_t at = block_cell(start, count, f->dim, k) * (size_t)f->dof + (size_t)c;
      worst = fmax(worst, fabs(a[k * (size_t)f->dof + (size_t)c] - ref[at]) / scale);
    }
  assert_int_equal(VecRestoreArrayRead(v, &a), 0);
  double any;
  MPI_Allreduce(&worst, &any, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return any;
}

/* Rows i with i % size == rank: this rank's share, anywhere in the box. */
static size_t deal(int d, int dof, const double *x, const double *value, double *mx, double *mv) {
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  size_t n = 0;
  for (size_t i = (size_t)rank; i < N; i += (size_t)size, ++n) {
    memcpy(mx + n * d, x + i * d, (size_t)d * sizeof *x);
    memcpy(mv + n * dof, value + i * dof, (size_t)dof * sizeof *value);
  }
  return n;
}

static void check_integral(const amp_fields *f, const double *value) {
  PetscScalar sum[5];
  double want[5] = {0};
  for (size_t i = 0; i < N; ++i)
    for (int c = 0; c < f->dof; ++c) want[c] += value[i * f->dof + c];
  assert_int_equal(VecStrideSumAll(f->frame, sum), 0);
  for (int c = 0; c < f->dof; ++c)
    assert_true(fabs(sum[c] * pow(f->h, f->dim) - want[c]) <= 1e-12 * fmax(1, fabs(want[c])));
}

/* Frame t of the fields of dimension d, checked against the reference. */
static void deposit_frame(amp_fields *f, unsigned t, double *ref) {
  const int d = f->dim, dof = f->dof;
  double *x = malloc(N * 3 * sizeof *x), *value = malloc(N * 5 * sizeof *value);
  double *mx = malloc(N * 3 * sizeof *mx), *mv = malloc(N * 5 * sizeof *mv);
  assert_non_null(x && value && mx && mv);
  particles(d, dof, t, x, value);
  size_t n = deal(d, dof, x, value, mx, mv);
  assert_int_equal(amp_fields_deposit(f, n, mx, mv), 0);
  assert_int_equal(amp_fields_accumulate(f), 0);
  reference(f, x, value, ref);
  double worst = block_error(f, f->frame, ref);
  print_message("# d = %d, frame %u: largest difference from one process %.3g\n", d, t, worst);
  assert_true(worst < 1e-12);
  check_integral(f, value);
  free(x), free(value), free(mx), free(mv);
}

/* Rank 0: dataset `name` of the file equals ref's components [off, off + w). */
static void check_dataset(hid_t file, const char *name, int d, const double *ref, int dof, int off, int w) {
  size_t cells = (size_t)pow(CELLS, d);
  double *data = malloc(cells * (size_t)w * sizeof *data);
  hid_t dset = H5Dopen2(file, name, H5P_DEFAULT);
  assert_true(dset >= 0);
  hid_t space = H5Dget_space(dset);
  hsize_t dims[5];
  int rank = H5Sget_simple_extent_dims(space, dims, NULL);
  assert_int_equal(rank, d + (w > 1));
  for (int a = 0; a < d; ++a) assert_int_equal(dims[a], CELLS);
  assert_true(H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
  for (size_t k = 0; k < cells * (size_t)w; ++k)
    assert_true(fabs(data[k] - ref[(k / (size_t)w) * (size_t)dof + (size_t)off + k % (size_t)w]) < 1e-12);
  H5Sclose(space);
  H5Dclose(dset);
  free(data);
}

/* Write the mean fields as grid observables of an H5MD file; read back. */
static void write_and_read(amp_fields *f, const double *mean) {
  const int d = f->dim;
  const char *names[] = {"density", "epr", "current"}, *snames[] = {"numbers"};
  const int widths[] = {1, 1, d}, swidths[] = {3};
  char dir[256], path[300], err[AMP_IO_ERR_LEN];
  assert_int_equal(mpi_test_make_dir(dir, sizeof dir, "amp_fields_"), 0);
  snprintf(path, sizeof path, "%s/fields.h5", dir);
  amp_h5md_spec spec = {.particles = 1, .dim = d, .box = L, .internal = "self_propulsion", .internal_components = d,
                        .scalar_observables = 1, .scalar_observable_names = snames, .scalar_observable_widths = swidths,
                        .grid_cells = CELLS, .grid_observables = 3, .grid_observable_names = names,
                        .grid_observable_widths = widths};
  amp_h5md *w;
  amp_particles p;
  assert_int_equal(amp_particles_init(&p, d, d, 1), 0);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  p.nowned = rank == 0, p.id[0] = 0, p.x[0] = p.x[d - 1] = 0.5, p.q[0] = p.q[d - 1] = 0;
  const double numbers[3] = {1, 2, 3};
  int64_t start[3], count[3];
  const PetscScalar *a;
  assert_int_equal(amp_fields_corners(f, start, count), 0);
  assert_int_equal(VecGetArrayRead(f->sum, &a), 0);
  assert_int_equal(amp_h5md_create(&w, path, MPI_COMM_WORLD, &spec, err), 0);
  assert_int_equal(amp_h5md_append(w, 0, 0.0, &p, NULL, numbers, err), 0);
  assert_int_equal(amp_h5md_write_grid(w, 0, start, count, a, err), 0);
  assert_int_equal(amp_h5md_write_grid_fixed(w, "_mean", start, count, a, err), 0);
  assert_int_equal(amp_h5md_close(w, err), 0);
  assert_int_equal(VecRestoreArrayRead(f->sum, &a), 0);
  if (rank == 0) {
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(file >= 0);
    check_dataset(file, "/observables/density_mean", d, mean, f->dof, 0, 1);
    check_dataset(file, "/observables/epr_mean", d, mean, f->dof, 1, 1);
    check_dataset(file, "/observables/current_mean", d, mean, f->dof, 2, d);
    hid_t g = H5Gopen2(file, "/observables/current", H5P_DEFAULT);
    int cells[3];
    double spacing[3], origin[3], back[3];
    hid_t attr = H5Aopen(g, "cells", H5P_DEFAULT);
    assert_true(H5Aread(attr, H5T_NATIVE_INT, cells) >= 0);
    H5Aclose(attr);
    attr = H5Aopen(g, "spacing", H5P_DEFAULT);
    assert_true(H5Aread(attr, H5T_NATIVE_DOUBLE, spacing) >= 0);
    H5Aclose(attr);
    attr = H5Aopen(g, "origin", H5P_DEFAULT);
    assert_true(H5Aread(attr, H5T_NATIVE_DOUBLE, origin) >= 0);
    H5Aclose(attr);
    for (int k = 0; k < d; ++k) {
      assert_int_equal(cells[k], CELLS);
      assert_float_equal(spacing[k], L / CELLS, 1e-15);
      assert_float_equal(origin[k], -L / 2, 0);
    }
    H5Gclose(g);
    hid_t dset = H5Dopen2(file, "/observables/numbers/value", H5P_DEFAULT);
    assert_true(H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, back) >= 0);
    for (int k = 0; k < 3; ++k) assert_float_equal(back[k], numbers[k], 0);
    H5Dclose(dset);
    H5Fclose(file);
  }
  amp_particles_free(&p);
  mpi_test_remove_dir(dir);
}

static void fields_in(int d) {
  amp_domain dom;
  amp_fields f = {0};
  assert_int_equal(amp_domain_create(&dom, MPI_COMM_WORLD, d, L), 0);
  assert_int_equal(amp_fields_create(&f, &dom, CELLS, 2 + d), 0);
  size_t values = (size_t)pow(CELLS, d) * (size_t)f.dof;
  double *ref = malloc(values * sizeof *ref), *mean = calloc(values, sizeof *mean);
  assert_non_null(ref && mean);
  for (unsigned t = 0; t < 2; ++t) {
    deposit_frame(&f, t, ref);
    for (size_t k = 0; k < values; ++k) mean[k] += ref[k] / 2;
  }
  assert_int_equal(amp_fields_mean(&f), 0);
  assert_true(block_error(&f, f.sum, mean) < 1e-12);
  write_and_read(&f, mean);
  free(ref);
  free(mean);
  assert_int_equal(amp_fields_destroy(&f), 0);
  amp_domain_free(&dom);
}

static void fields_in_one_dimension(void **state) {
  (void)state;
  fields_in(1);
}

static void fields_in_two_dimensions(void **state) {
  (void)state;
  fields_in(2);
}

static void fields_in_three_dimensions(void **state) {
  (void)state;
  fields_in(3);
}

int main(int argc, char **argv) {
  if (PetscInitialize(&argc, &argv, NULL, NULL)) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(fields_in_one_dimension),
      cmocka_unit_test(fields_in_two_dimensions),
      cmocka_unit_test(fields_in_three_dimensions),
  };
  int status = mpi_test_finish(cmocka_run_group_tests(tests, NULL, NULL));
  return PetscFinalize() ? 1 : status;
}

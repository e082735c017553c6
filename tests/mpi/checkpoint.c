/*
 * Checkpoints: written on up to 2 ranks (particles dealt at random), read on
 * 1 rank and on all of them, every number equal; a failed write (wrong ids)
 * leaves the previous checkpoint whole and no temporary file; a checkpoint of
 * another d or without a requested accumulator is refused.
 */
#include <dirent.h>
#include <mpi.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "activempi/checkpoint.h"
#include "mpi_test.h"
#include "sample.h"

static int rank, size;
static char dir[256];
static const double L = 9.75;
enum { N = 29, D = 2, NQ = 2 };
static const char *names[] = {"epr_sum", "samples"};

/* Write the sample state of frame t on the ranks of comm (MPI_COMM_NULL: this rank takes no part). */
static int write_state(const char *path, MPI_Comm comm, int64_t t, int corrupt, char *err) {
  if (comm == MPI_COMM_NULL) return AMP_IO_OK;
  int r, p;
  MPI_Comm_rank(comm, &r);
  MPI_Comm_size(comm, &p);
  int64_t ids[N];
  size_t n = sample_deal(N, r, p, 11, ids);
  if (corrupt && r == 0 && n > 0) ids[0] = N + 5;
  amp_particles part;
  amp_particles_init(&part, D, NQ, N);
  sample_fill(&part, n, ids, t, L, NULL);
  double acc[2] = {0.125 * (double)t, 1e6 + (double)t};
  amp_checkpoint c = {.step = 1000 + t, .trajectory_frames = 10 + t, .particles = N, .box = L,
                      .naccumulators = 2, .accumulator_names = names, .accumulators = acc};
  int status = amp_checkpoint_write(path, comm, &c, &part, err);
  amp_particles_free(&part);
  return status;
}

/* Read path on comm and compare with the sample state of frame t. */
static void check_state(const char *path, MPI_Comm comm, int64_t t) {
  char err[AMP_IO_ERR_LEN];
  amp_particles p;
  amp_particles_init(&p, D, NQ, 1);
  double acc[2];
  amp_checkpoint c = {.naccumulators = 2, .accumulator_names = names, .accumulators = acc};
  int status = amp_checkpoint_read(path, comm, &c, &p, err);
  if (status) print_message("%s\n", err);
  assert_int_equal(status, AMP_IO_OK);
  assert_int_equal(c.step, 1000 + t);
  assert_int_equal(c.trajectory_frames, 10 + t);
  assert_int_equal(c.particles, N);
  assert_true(c.box == L);
  assert_true(acc[0] == 0.125 * (double)t && acc[1] == 1e6 + (double)t);
  assert_int_equal(p.nowned, N);
  for (int64_t i = 0; i < N; ++i) {
    assert_int_equal(p.id[i], i);
    for (int a = 0; a < D; ++a) assert_true(p.x[i * D + a] == sample_value(SAMPLE_X, t, i, a, L));
    for (int k = 0; k < NQ; ++k) assert_true(p.q[i * NQ + k] == sample_value(SAMPLE_Q, t, i, k, 2.0));
  }
  amp_particles_free(&p);
}

/* The first min(2, size) ranks. */
static MPI_Comm two_ranks(void) {
  MPI_Comm comm;
  MPI_Comm_split(MPI_COMM_WORLD, rank < 2 ? 0 : MPI_UNDEFINED, rank, &comm);
  return comm;
}

static void written_on_two_ranks_read_on_one_and_all(void **state) {
  (void)state;
  char path[512], err[AMP_IO_ERR_LEN] = "";
  snprintf(path, sizeof path, "%s/state.h5", dir);
  MPI_Comm two = two_ranks();
  assert_int_equal(write_state(path, two, 3, 0, err), AMP_IO_OK);
  if (two != MPI_COMM_NULL) MPI_Comm_free(&two);
  MPI_Barrier(MPI_COMM_WORLD);
  check_state(path, MPI_COMM_SELF, 3);
  check_state(path, MPI_COMM_WORLD, 3);
}

/* Files in dir other than state.h5. */
static int strays(void) {
  DIR *d = opendir(dir);
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));)
    if (e->d_name[0] != '.' && strcmp(e->d_name, "state.h5")) ++n;
  if (d) closedir(d);
  return n;
}

static void failed_write_keeps_the_previous_checkpoint(void **state) {
  (void)state;
  char path[512], err[AMP_IO_ERR_LEN] = "";
  snprintf(path, sizeof path, "%s/state.h5", dir);
  assert_int_equal(write_state(path, MPI_COMM_WORLD, 4, 1, err), AMP_IO_INVALID);
  if (rank == 0) assert_non_null(strstr(err, "state.h5"));
  MPI_Barrier(MPI_COMM_WORLD);
  check_state(path, MPI_COMM_WORLD, 3);
  assert_int_equal(strays(), 0);
  assert_int_equal(write_state(path, MPI_COMM_WORLD, 5, 0, err), AMP_IO_OK);
  check_state(path, MPI_COMM_WORLD, 5);
  assert_int_equal(strays(), 0);
}

static void mismatches_are_refused(void **state) {
  (void)state;
  char path[512], err[AMP_IO_ERR_LEN];
  snprintf(path, sizeof path, "%s/state.h5", dir);
  amp_particles p;
  amp_particles_init(&p, 3, 3, 1);
  double acc[2];
  amp_checkpoint c = {.naccumulators = 2, .accumulator_names = names, .accumulators = acc};
  assert_int_equal(amp_checkpoint_read(path, MPI_COMM_WORLD, &c, &p, err), AMP_IO_INVALID);
  assert_non_null(strstr(err, "d = 2"));
  amp_particles_free(&p);
  amp_particles_init(&p, D, NQ, 1);
  const char *other[] = {"epr_sum", "missing_one"};
  c.accumulator_names = other;
  assert_int_equal(amp_checkpoint_read(path, MPI_COMM_WORLD, &c, &p, err), AMP_IO_INVALID);
  assert_non_null(strstr(err, "missing_one"));
  snprintf(path, sizeof path, "%s/absent.h5", dir);
  assert_int_equal(amp_checkpoint_read(path, MPI_COMM_WORLD, &c, &p, err), AMP_IO_INVALID);
  assert_non_null(strstr(err, "absent.h5"));
  amp_particles_free(&p);
}

static int make_dir(void **state) {
  (void)state;
  return mpi_test_make_dir(dir, sizeof dir, "amp_test_checkpoint_");
}

static int remove_dir(void **state) {
  (void)state;
  return mpi_test_remove_dir(dir);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(written_on_two_ranks_read_on_one_and_all),
      cmocka_unit_test(failed_write_keeps_the_previous_checkpoint),
      cmocka_unit_test(mismatches_are_refused),
  };
  int status = mpi_test_finish(cmocka_run_group_tests(tests, make_dir, remove_dir));
  MPI_Finalize();
  return status;
}

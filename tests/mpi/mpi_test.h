/*
 * mpi_test: what every MPI test program shares. A cmocka group runs on every
 * rank; a failure on any rank fails the program everywhere (mpi_test_finish),
 * and tests that write files share one scratch directory made by rank 0.
 */
#ifndef ACTIVEMPI_MPI_TEST_H
#define ACTIVEMPI_MPI_TEST_H

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

/* The exit status of the program: 1 when any rank had a failure. */
static inline int mpi_test_finish(int failed) {
  int any;
  MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return any ? 1 : 0;
}

/* A new directory /tmp/<prefix>XXXXXX made by rank 0, its name on every rank. */
static inline int mpi_test_make_dir(char *dir, size_t size, const char *prefix) {
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank == 0) {
    snprintf(dir, size, "/tmp/%sXXXXXX", prefix);
    if (!mkdtemp(dir)) dir[0] = '\0';
  }
  MPI_Bcast(dir, (int)size, MPI_CHAR, 0, MPI_COMM_WORLD);
  return dir[0] ? 0 : -1;
}

/* Remove it once every rank is done with it. */
static inline int mpi_test_remove_dir(const char *dir) {
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Barrier(MPI_COMM_WORLD);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return rank == 0 ? system(cmd) : 0;
}

#endif

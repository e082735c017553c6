/*
 * Loading the input collectively: every rank ends with the same bytes of
 * amp_config; an invalid or missing file gives every rank the exit code 2
 * and only rank 0 a message.
 */
#include <mpi.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "activempi/app.h"
#include "mpi_test.h"

static int rank;

static void path_of(const char *rel, char *path, size_t size) {
  const char *dir = getenv("AMP_SRCDIR");
  snprintf(path, size, "%s/%s", dir ? dir : ".", rel);
}

/* Bytes of stream `f` written so far. */
static long written(FILE *f) {
  fflush(f);
  return ftell(f);
}

static void every_rank_holds_the_same_configuration(void **state) {
  (void)state;
  char path[4096];
  path_of("input/mips_paper.toml", path, sizeof path);
  amp_config cfg, root;
  FILE *err = tmpfile();
  assert_int_equal(amp_load_input(MPI_COMM_WORLD, path, NULL, 0, &cfg, err), AMP_EXIT_OK);
  assert_int_equal(written(err), 0);
  fclose(err);
  root = cfg;
  MPI_Bcast(&root, (int)sizeof root, MPI_BYTE, 0, MPI_COMM_WORLD);
  assert_memory_equal(&cfg, &root, sizeof cfg);
  assert_int_equal(cfg.system.particles, 4096);
}

static void invalid_input_fails_everywhere_and_speaks_once(void **state) {
  (void)state;
  char path[4096];
  path_of("tests/inputs/invalid/out_of_range.toml", path, sizeof path);
  amp_config cfg;
  FILE *err = tmpfile();
  assert_int_equal(amp_load_input(MPI_COMM_WORLD, path, NULL, 0, &cfg, err), AMP_EXIT_INVALID);
  long bytes = written(err);
  if (rank == 0) {
    char line[2048] = "";
    rewind(err);
    assert_non_null(fgets(line, sizeof line, err));
    assert_non_null(strstr(line, ":9:9: error: [dynamics] gamma = -1: must be > 0\n"));
    assert_int_equal(bytes, (long)strlen(line));
  } else {
    assert_int_equal(bytes, 0);
  }
  fclose(err);
}

static void missing_file_fails_everywhere(void **state) {
  (void)state;
  amp_config cfg;
  FILE *err = tmpfile();
  assert_int_equal(amp_load_input(MPI_COMM_WORLD, "/nonexistent.toml", NULL, 0, &cfg, err), AMP_EXIT_INVALID);
  assert_int_equal(written(err) > 0, rank == 0);
  fclose(err);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_rank_holds_the_same_configuration),
      cmocka_unit_test(invalid_input_fails_everywhere_and_speaks_once),
      cmocka_unit_test(missing_file_fails_everywhere),
  };
  int status = mpi_test_finish(cmocka_run_group_tests(tests, NULL, NULL));
  MPI_Finalize();
  return status;
}

/*
 * Atomic outputs: a committed file appears whole under its name, the
 * temporary name is gone, an existing file is replaced only on commit, and
 * mkdir -p makes nested directories and refuses a path through a file.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "activempi/files.h"

static char dir[256];

static int make_dir(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/amp_test_files_XXXXXX");
  return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state) {
  (void)state;
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd);
}

static void read_back(const char *path, char *buf, size_t size) {
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  size_t n = fread(buf, 1, size - 1, f);
  buf[n] = '\0';
  fclose(f);
}

static void commit_replaces_only_when_complete(void **state) {
  (void)state;
  char path[512], tmp[600], buf[64];
  snprintf(path, sizeof path, "%s/run.toml", dir);
  FILE *f = amp_atomic_open(path, tmp, sizeof tmp);
  assert_non_null(f);
  fputs("old\n", f);
  assert_int_equal(amp_atomic_commit(f, tmp, path), 0);
  f = amp_atomic_open(path, tmp, sizeof tmp);
  fputs("new, half written", f);
  fflush(f);
  read_back(path, buf, sizeof buf); /* before the commit the old file is intact */
  assert_string_equal(buf, "old\n");
  assert_int_equal(amp_atomic_commit(f, tmp, path), 0);
  read_back(path, buf, sizeof buf);
  assert_string_equal(buf, "new, half written");
  assert_int_equal(access(tmp, F_OK), -1);
}

static void temporary_name_is_beside_the_file(void **state) {
  (void)state;
  char tmp[64];
  assert_int_equal(amp_temp_name("out/epr.h5", tmp, sizeof tmp), 0);
  char expected[64];
  snprintf(expected, sizeof expected, "out/epr.h5.tmp.%ld", (long)getpid());
  assert_string_equal(tmp, expected);
  assert_int_equal(amp_temp_name("out/epr.h5", tmp, 8), -1);
}

static void mkdir_p_makes_parents_and_is_idempotent(void **state) {
  (void)state;
  char path[512];
  snprintf(path, sizeof path, "%s/a/b/c", dir);
  assert_int_equal(amp_mkdir_p(path), 0);
  assert_int_equal(amp_mkdir_p(path), 0);
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_true(S_ISDIR(st.st_mode));
}

static void mkdir_p_refuses_a_path_through_a_file(void **state) {
  (void)state;
  char file[512], path[600];
  snprintf(file, sizeof file, "%s/plain", dir);
  fclose(fopen(file, "w"));
  snprintf(path, sizeof path, "%s/sub", file);
  assert_int_equal(amp_mkdir_p(path), ENOTDIR);
  assert_int_equal(amp_mkdir_p(file), ENOTDIR);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(commit_replaces_only_when_complete, make_dir, remove_dir),
      cmocka_unit_test(temporary_name_is_beside_the_file),
      cmocka_unit_test_setup_teardown(mkdir_p_makes_parents_and_is_idempotent, make_dir, remove_dir),
      cmocka_unit_test_setup_teardown(mkdir_p_refuses_a_path_through_a_file, make_dir, remove_dir),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The command line: our options, the input file, and what PETSc receives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "activempi/app.h"

#define ARGV(...) ((char *[]){"activempi", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"activempi", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(cli, err, ...) amp_cli_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), cli, err, sizeof err)

static void input_and_own_options(void **state) {
  (void)state;
  amp_cli cli;
  char err[256];
  assert_int_equal(PARSE(&cli, err, "--check", "in.toml", "--quiet"), 0);
  assert_string_equal(cli.input, "in.toml");
  assert_true(cli.check && cli.quiet && !cli.help && !cli.version);
  assert_int_equal(cli.petsc_argc, 1);
  amp_cli_free(&cli);
}

static void petsc_options_pass_through_without_the_input(void **state) {
  (void)state;
  amp_cli cli;
  char err[256];
  assert_int_equal(PARSE(&cli, err, "-log_view", "input.toml", "-info", ":info.txt"), 0);
  assert_string_equal(cli.input, "input.toml");
  assert_int_equal(cli.petsc_argc, 4);
  assert_string_equal(cli.petsc_argv[1], "-log_view");
  assert_string_equal(cli.petsc_argv[2], "-info");
  assert_string_equal(cli.petsc_argv[3], ":info.txt");
  assert_null(cli.petsc_argv[4]);
  amp_cli_free(&cli);
}

static void input_without_toml_suffix(void **state) {
  (void)state;
  amp_cli cli;
  char err[256];
  assert_int_equal(PARSE(&cli, err, "run.cfg"), 0);
  assert_string_equal(cli.input, "run.cfg");
  amp_cli_free(&cli);
}

static void set_overrides_in_order(void **state) {
  (void)state;
  amp_cli cli;
  char err[256];
  assert_int_equal(PARSE(&cli, err, "--set", "system.particles=64", "in.toml", "--set=run.seed=3", "-log_view"), 0);
  assert_string_equal(cli.input, "in.toml");
  assert_int_equal(cli.nsets, 2);
  assert_string_equal(cli.sets[0], "system.particles=64");
  assert_string_equal(cli.sets[1], "run.seed=3");
  assert_int_equal(cli.petsc_argc, 2);
  amp_cli_free(&cli);
  /* a value ending in .toml is the override's, not a second input */
  assert_int_equal(PARSE(&cli, err, "in.toml", "--set", "evaluate.model=\"a.toml\""), 0);
  assert_string_equal(cli.input, "in.toml");
  amp_cli_free(&cli);
  assert_int_equal(PARSE(&cli, err, "in.toml", "--set"), AMP_EXIT_INVALID);
  assert_string_equal(err, "--set needs table.key=value");
  amp_cli_free(&cli);
}

static void errors(void **state) {
  (void)state;
  amp_cli cli;
  char err[256];
  assert_int_equal(PARSE(&cli, err, "--chek", "in.toml"), AMP_EXIT_INVALID);
  assert_string_equal(err, "unknown option --chek");
  amp_cli_free(&cli);
  assert_int_equal(PARSE(&cli, err, "--check"), AMP_EXIT_INVALID);
  assert_string_equal(err, "no input file: give one, e.g. activempi input/quickstart.toml");
  amp_cli_free(&cli);
  assert_int_equal(PARSE(&cli, err, "a.toml", "b.toml"), AMP_EXIT_INVALID);
  assert_string_equal(err, "give one input file (found several arguments that could be one)");
  amp_cli_free(&cli);
}

static void help_and_version_need_no_input(void **state) {
  (void)state;
  amp_cli cli;
  char err[256];
  assert_int_equal(PARSE(&cli, err, "--help"), 0);
  assert_true(cli.help);
  amp_cli_free(&cli);
  assert_int_equal(PARSE(&cli, err, "--version"), 0);
  assert_true(cli.version);
  amp_cli_free(&cli);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(input_and_own_options),
      cmocka_unit_test(petsc_options_pass_through_without_the_input),
      cmocka_unit_test(input_without_toml_suffix),
      cmocka_unit_test(set_overrides_in_order),
      cmocka_unit_test(errors),
      cmocka_unit_test(help_and_version_need_no_input),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * cli: the command line. activempi's own options are long (--check, --set
 * table.key=value, whose value is the next argument or follows "="); the
 * input file is the argument ending in .toml (or else the one argument that
 * is no option and no option's value); every other argument beginning with a
 * single '-', with the value after it, is handed to PETSc (-log_view ...).
 * The input file is never handed to PETSc, so "-log_view input.toml" cannot
 * make PETSc write its log over the input.
 */
#include <stdlib.h>
#include <string.h>

#include "activempi/app.h"

void amp_cli_usage(FILE *out) {
  fputs("usage: activempi [options] input.toml [PETSc options]\n"
        "       mpirun -n <ranks> activempi [options] input.toml\n"
        "\n"
        "Simulates active particles, learns the score of their steady state and\n"
        "measures entropy production, as the stages of input.toml ask\n"
        "(doc/input.md describes every key).\n"
        "\n"
        "options:\n"
        "  --check     validate the input, print the resolved configuration (every\n"
        "              default and derived quantity) and exit: 0 valid, 2 invalid\n"
        "  --quiet     no progress lines\n"
        "  --set table.key=value\n"
        "              override one key of input.toml (repeatable; the value in TOML\n"
        "              syntax, strings quoted: --set run.output_dir='\"out/phi_0.25\"');\n"
        "              checked like the file's own line, recorded in run.toml\n"
        "  --version   versions of activempi and of the libraries it was built with\n"
        "  --help      this text\n"
        "\n"
        "PETSc options (single dash) pass through, e.g. -log_view for PETSc's\n"
        "performance table, which includes activempi's own events.\n"
        "\n"
        "exit codes: 0 success, 1 failure while running, 2 invalid command line or input\n",
        out);
}

static int has_suffix(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && !strcmp(s + n - m, suffix);
}

/* Our options; returns 1 if arg is one, 0 if not, -1 if it is unknown. */
static int own_option(const char *arg, amp_cli *cli) {
  static const char *const names[] = {"--help", "--version", "--check", "--quiet"};
  int *flags[] = {&cli->help, &cli->version, &cli->check, &cli->quiet};
  if (strncmp(arg, "--", 2)) return 0;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i)
    if (!strcmp(arg, names[i])) {
      *flags[i] = 1;
      return 1;
    }
  return -1;
}

/* "--set" alone: the next argument is its value. */
static int is_set(const char *arg) { return !strcmp(arg, "--set"); }

/* Index of the input file among argv, -1 if none, -2 if ambiguous. */
static int find_input(int argc, char **argv) {
  int found = -1, bare = -1, nbare = 0;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-' || is_set(argv[i - 1])) continue;
    if (has_suffix(argv[i], ".toml")) {
      if (found >= 0) return -2;
      found = i;
    } else if (i == 1 || argv[i - 1][0] != '-' || !strncmp(argv[i - 1], "--", 2)) {
      bare = i; /* not the value of a PETSc option */
      ++nbare;
    }
  }
  if (found >= 0) return found;
  return nbare == 1 ? bare : nbare > 1 ? -2 : -1;
}

int amp_cli_parse(int argc, char **argv, amp_cli *cli, char *err, size_t size) {
  *cli = (amp_cli){0};
  cli->petsc_argv = calloc((size_t)argc + 1, sizeof *cli->petsc_argv);
  if (!cli->petsc_argv) {
    snprintf(err, size, "out of memory");
    return AMP_EXIT_INVALID;
  }
  cli->petsc_argv[cli->petsc_argc++] = argv[0];
  if (!(cli->sets = calloc((size_t)argc, sizeof *cli->sets))) {
    snprintf(err, size, "out of memory");
    return AMP_EXIT_INVALID;
  }
  int input = find_input(argc, argv);
  for (int i = 1; i < argc; ++i) {
    if (is_set(argv[i]) || !strncmp(argv[i], "--set=", 6)) {
      const char *value = argv[i][5] == '=' ? argv[i] + 6 : i + 1 < argc ? argv[++i] : NULL;
      if (!value) {
        snprintf(err, size, "--set needs table.key=value");
        return AMP_EXIT_INVALID;
      }
      cli->sets[cli->nsets++] = value;
      continue;
    }
    int own = own_option(argv[i], cli);
    if (own < 0) {
      snprintf(err, size, "unknown option %s", argv[i]);
      return AMP_EXIT_INVALID;
    }
    if (!own && i != input) cli->petsc_argv[cli->petsc_argc++] = argv[i];
  }
  if (cli->help || cli->version) return 0;
  if (input == -2) {
    snprintf(err, size, "give one input file (found several arguments that could be one)");
    return AMP_EXIT_INVALID;
  }
  if (input < 0) {
    snprintf(err, size, "no input file: give one, e.g. activempi input/quickstart.toml");
    return AMP_EXIT_INVALID;
  }
  cli->input = argv[input];
  return 0;
}

void amp_cli_free(amp_cli *cli) {
  free(cli->petsc_argv);
  free(cli->sets);
  cli->petsc_argv = NULL;
  cli->sets = NULL;
}

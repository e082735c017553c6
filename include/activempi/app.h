/*
 * app: the activempi program around the modules: its command line, the
 * collective loading of the input, version information, and the run that
 * strings the stages together.
 *
 * Exit codes: 0 success; 1 a failure while running (a file that cannot be
 * written, an MPI or PETSc error, a simulation that blew up); 2 a problem
 * with the command line or the input file, reported before anything is
 * written; 3 stopped by SIGTERM or SIGUSR1 after writing a checkpoint: run
 * the same input again to continue.
 */
#ifndef ACTIVEMPI_APP_H
#define ACTIVEMPI_APP_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "activempi/config.h"

enum { AMP_EXIT_OK = 0, AMP_EXIT_FAILURE = 1, AMP_EXIT_INVALID = 2, AMP_EXIT_INTERRUPTED = 3 };

/* The command line: activempi [options] input.toml [PETSc options]. */
typedef struct {
  const char *input;  /* the input file */
  int help, version;  /* --help, --version */
  int check;          /* --check: validate and print the resolved configuration */
  int quiet;          /* --quiet: no progress lines */
  int nsets;          /* --set table.key=value overrides, in order */
  const char **sets;  /* malloc'ed array of pointers into argv */
  int petsc_argc;     /* argv[0] and the arguments meant for PETSc */
  char **petsc_argv;  /* malloc'ed array of pointers into argv; NULL-terminated */
} amp_cli;

/* Split argv into activempi's options, the input file and PETSc's options.
 * Returns 0, or AMP_EXIT_INVALID with a message in err. Free with amp_cli_free. */
int amp_cli_parse(int argc, char **argv, amp_cli *cli, char *err, size_t size);
void amp_cli_free(amp_cli *cli);

/* The --help text. */
void amp_cli_usage(FILE *out);

/* Version of activempi and of the libraries it was built with, one per line,
 * each line starting with `prefix` ("" for --version, "# " in TOML files). */
void amp_version_write(FILE *out, const char *prefix);

/* The text an output file records as attributes: the resolved configuration
 * (versions = 0) or amp_version_write's lines (versions = 1), malloc'ed; NULL
 * when out of memory. */
char *amp_output_text(const amp_config *cfg, int versions);

/* Collective over comm: rank 0 reads `path`, every rank parses the same text
 * with the nsets overrides sets (amp_config_parse_with). On an invalid input
 * rank 0 prints the one-line error to `err` and every rank returns
 * AMP_EXIT_INVALID. */
int amp_load_input(MPI_Comm comm, const char *path, const char *const *sets, int nsets, amp_config *cfg, FILE *err);

/* Collective over MPI_COMM_WORLD after a stage: did any rank fail? The
 * lowest-numbered failing rank with a message prints it, as
 * "activempi: error: <stage>: <message>", so one line reports the failure. */
int amp_report_failure(int failed, const char *message, const char *stage);

/* Does a trajectory (path, with N = n particles in dim dimensions, box side
 * `box`, internal element `internal` or NULL to skip that check) fit the
 * input? Returns 0, or -1 with "path holds ..., the input ..." in err. */
int amp_trajectory_mismatch(const amp_config *cfg, const char *path, int64_t n, int dim, double box,
                            const char *internal, char *err, size_t size);

/* Checks of the exact stage that need the job (the rank count): returns 1
 * with one line in msg when the input cannot run on nranks ranks, else 0. */
int amp_exact_check_job(const amp_config *cfg, int nranks, char *msg, size_t size);

/* The stages: each runs one table of the input over MPI_COMM_WORLD and
 * returns an exit code. */
int amp_stage_simulate(const amp_config *cfg, const amp_cli *cli);
int amp_stage_train(const amp_config *cfg, const amp_cli *cli);
int amp_stage_evaluate(const amp_config *cfg, const amp_cli *cli);
int amp_stage_exact(const amp_config *cfg, const amp_cli *cli);

/* The whole run (after PetscInitialize): returns the exit code. */
int amp_run(const amp_cli *cli);

#endif

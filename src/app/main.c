/*
 * main: MPI and PETSc around one run. The command line is read first, so
 * --help and --version need no input file; PETSc sees only its own options.
 * Only rank 0 prints.
 */
#include <petscsys.h>

#include "activempi/app.h"

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  amp_cli cli;
  char err[256];
  int status = amp_cli_parse(argc, argv, &cli, err, sizeof err);
  if (status && rank == 0) fprintf(stderr, "activempi: error: %s (activempi --help shows the usage)\n", err);
  if (!status && cli.help && rank == 0) amp_cli_usage(stdout);
  if (!status && cli.version && !cli.help && rank == 0) amp_version_write(stdout, "");
  if (!status && !cli.help && !cli.version) {
    if (PetscInitialize(&cli.petsc_argc, &cli.petsc_argv, NULL, NULL)) {
      status = AMP_EXIT_FAILURE;
    } else {
      status = amp_run(&cli);
      if (PetscFinalize()) status = AMP_EXIT_FAILURE;
    }
  }
  amp_cli_free(&cli);
  MPI_Finalize();
  return status;
}

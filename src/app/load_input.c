/*
 * load_input: one rank reads the input file, all ranks parse it.
 *
 * Rank 0 reads the bytes and broadcasts them (a failed read is broadcast as a
 * negative length), so a file system is touched once however many ranks run;
 * every rank then parses the same bytes, deterministically, into the same
 * amp_config. Only rank 0 prints the error line; every rank returns the same
 * code, so the program exits non-zero everywhere without a hang.
 */
#include <stdlib.h>

#include "activempi/app.h"

int amp_load_input(MPI_Comm comm, const char *path, const char *const *sets, int nsets, amp_config *cfg, FILE *err) {
  int rank;
  MPI_Comm_rank(comm, &rank);
  char msg[AMP_ERR_LEN] = "";
  char *text = NULL;
  size_t len = 0;
  long long shared = -1; /* bytes of text, or -1 when rank 0 could not read it */
  if (rank == 0 && amp_config_read_file(path, &text, &len, msg) == AMP_CONFIG_OK) shared = (long long)len;
  MPI_Bcast(&shared, 1, MPI_LONG_LONG, 0, comm);
  int status = AMP_EXIT_INVALID;
  if (shared >= 0) {
    if (rank != 0 && !(text = malloc((size_t)shared + 1))) {
      fprintf(stderr, "activempi: out of memory reading the input\n");
      MPI_Abort(comm, AMP_EXIT_FAILURE);
    }
    MPI_Bcast(text, (int)shared, MPI_CHAR, 0, comm);
    status = amp_config_parse_with(text, (size_t)shared, path, sets, nsets, cfg, msg) == AMP_CONFIG_OK
                 ? AMP_EXIT_OK
                 : AMP_EXIT_INVALID;
  }
  free(text);
  if (rank == 0 && status) fprintf(err, "%s\n", msg);
  return status;
}

/*
 * version: what this binary is and what it was built with, for --version and
 * for the provenance recorded in every output (run.toml, HDF5 attributes).
 * Open MPI's version is the library's own words at run time; the others are
 * the headers' versions at build time.
 */
#include <cblas.h>
#include <hdf5.h>
#include <petscsys.h>
#include <string.h>

#include "activempi/app.h"
#include "config.h"

void amp_version_write(FILE *out, const char *prefix) {
  char mpi[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(mpi, &len);
  mpi[strcspn(mpi, ",\n")] = '\0'; /* "Open MPI v4.1.4, package: ..." -> "Open MPI v4.1.4" */
  fprintf(out, "%sactivempi %s\n", prefix, PACKAGE_VERSION);
  fprintf(out, "%s%s\n", prefix, mpi);
  fprintf(out, "%sPETSc %d.%d.%d\n", prefix, PETSC_VERSION_MAJOR, PETSC_VERSION_MINOR, PETSC_VERSION_SUBMINOR);
  fprintf(out, "%sHDF5 %d.%d.%d (parallel)\n", prefix, H5_VERS_MAJOR, H5_VERS_MINOR, H5_VERS_RELEASE);
  fprintf(out, "%s%s\n", prefix, amp_config_parser_version());
  fprintf(out, "%s%s\n", prefix, openblas_get_config());
}

char *amp_output_text(const amp_config *cfg, int versions) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) return NULL;
  if (versions)
    amp_version_write(f, "");
  else
    amp_config_write(f, cfg);
  fclose(f);
  return text;
}

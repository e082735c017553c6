/*
 * bonds_input: builds the bond graph of an input. Chain, ring and lattice
 * bonds are functions of N and d; distance bonds need the reference
 * configuration, the last frame of an H5MD file that every rank of comm reads
 * whole (N x d doubles: the graph is replicated anyway).
 */
#include "bonds_input.h"

#include <stdio.h>

#include "activempi/app.h"
#include "activempi/h5md.h"
#include "activempi/score.h"

/* The last frame of the reference, all N rows by id, into *all. */
static int read_reference(const amp_config *cfg, MPI_Comm comm, amp_particles *all, char *err, size_t size) {
  const char *path = cfg->interaction.bond_reference;
  amp_h5md_reader *reader;
  amp_h5md_info info;
  char io_err[AMP_IO_ERR_LEN] = "";
  if (amp_h5md_open(&reader, path, comm, &info, io_err)) {
    snprintf(err, size, "[interaction] bond_reference: %s", io_err);
    return -1;
  }
  int status = amp_trajectory_mismatch(cfg, path, info.particles, info.dim, info.box, NULL, err, size);
  if (!status && amp_particles_init(all, info.dim, info.internal_components, (size_t)info.particles)) {
    snprintf(err, size, "out of memory for the bond reference (%lld particles)", (long long)info.particles);
    status = -1;
  }
  if (!status) {
    all->nowned = (size_t)info.particles;
    if (amp_h5md_read_frame(reader, -1, all, NULL, NULL, io_err)) {
      snprintf(err, size, "[interaction] bond_reference: %s", io_err);
      status = -1;
    }
  }
  if (amp_h5md_reader_close(reader, io_err) && !status) {
    snprintf(err, size, "%s", io_err);
    status = -1;
  }
  return status;
}

int amp_bonds_load(const amp_config *cfg, MPI_Comm comm, amp_bonds *b, char *err, size_t size) {
  amp_particles reference = {0};
  int status = 0;
  *b = (amp_bonds){0};
  if (cfg->interaction.bonds == AMP_BONDS_DISTANCE) status = read_reference(cfg, comm, &reference, err, size);
  if (!status && amp_bonds_build(b, cfg, reference.x)) {
    snprintf(err, size, "out of memory for the bond graph of %lld particles", cfg->system.particles);
    status = -1;
  }
  amp_particles_free(&reference);
  return status;
}

int amp_bonds_load_with_halo(const amp_config *cfg, MPI_Comm comm, amp_bonds *b, double *graph_width, char *err,
                             size_t size) {
  if (amp_bonds_load(cfg, comm, b, err, size)) return -1;
  if (!amp_score_graph_halo(cfg, b, graph_width)) return 0;
  snprintf(err, size, "out of memory walking the bond graph of %lld particles", cfg->system.particles);
  return -1;
}

int amp_bond_error(char *err, size_t size, const amp_config *cfg, const int64_t bad[2], const char *where) {
  snprintf(err, size,
           "%s: the bond (%lld, %lld) is longer than [interaction] bond_reach = %.6g: raise bond_reach (the halo "
           "grows with it; reach plus skin must stay below L/2), or use stiffer bonds",
           where, (long long)bad[0], (long long)bad[1], cfg->interaction.bond_reach);
  return -1;
}

/*
 * pack: particle rows as bytes, for the messages of migration and halo.
 *
 * One row travels as id, x[dim], q[nq] in that order (8 + 8 dim + 8 nq
 * bytes, no padding, since all three are 8-byte types), described to MPI as
 * one contiguous type so that counts and displacements count rows.
 */
#include <string.h>

#include "domain_internal.h"

size_t amp_row_bytes(const amp_particles *p) {
  return sizeof *p->id + (size_t)(p->dim + p->nq) * sizeof *p->x;
}

void amp_pack_row(const amp_particles *p, size_t row, unsigned char *buf) {
  size_t nx = (size_t)p->dim * sizeof *p->x, nq = (size_t)p->nq * sizeof *p->q;
  memcpy(buf, p->id + row, sizeof *p->id);
  memcpy(buf + sizeof *p->id, p->x + row * (size_t)p->dim, nx);
  memcpy(buf + sizeof *p->id + nx, p->q + row * (size_t)p->nq, nq);
}

void amp_unpack_row(amp_particles *p, size_t row, const unsigned char *buf) {
  size_t nx = (size_t)p->dim * sizeof *p->x, nq = (size_t)p->nq * sizeof *p->q;
  memcpy(p->id + row, buf, sizeof *p->id);
  memcpy(p->x + row * (size_t)p->dim, buf + sizeof *p->id, nx);
  memcpy(p->q + row * (size_t)p->nq, buf + sizeof *p->id + nx, nq);
}

int amp_row_type(amp_domain *dom, const amp_particles *p, MPI_Datatype *type) {
  if (MPI_Type_contiguous((int)amp_row_bytes(p), MPI_BYTE, type) != MPI_SUCCESS ||
      MPI_Type_commit(type) != MPI_SUCCESS)
    return amp_domain_fail(dom, "MPI_Type_contiguous/commit failed for a particle row");
  return 0;
}

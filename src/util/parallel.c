/*
 * parallel: replica communicators and decomposition-independent sums (see
 * parallel.h).
 */
#include "activempi/parallel.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

int amp_replica_split(MPI_Comm world, int count, amp_replica *r) {
  int rank, size;
  if (MPI_Comm_rank(world, &rank) != MPI_SUCCESS || MPI_Comm_size(world, &size) != MPI_SUCCESS) return -1;
  if (count < 1 || size % count) return -1;
  r->count = count;
  r->index = rank / (size / count);
  return MPI_Comm_split(world, r->index, rank, &r->comm) == MPI_SUCCESS ? 0 : -1;
}

int amp_replica_peers(MPI_Comm world, const amp_replica *r, int place, MPI_Comm *peers) {
  return MPI_Comm_split(world, place, r->index, peers) == MPI_SUCCESS ? 0 : -1;
}

typedef __int128 amp_fixed; /* round(x 2^40) */

double amp_exact_sum(MPI_Comm comm, const double *v, size_t n) {
  amp_fixed mine = 0, total = 0;
  for (size_t i = 0; i < n; ++i) mine += (amp_fixed)rint(ldexp(v[i], 40));
  int size;
  if (MPI_Comm_size(comm, &size) != MPI_SUCCESS) return NAN;
  amp_fixed *all = malloc((size_t)size * sizeof *all);
  if (!all || MPI_Allgather(&mine, (int)sizeof mine, MPI_BYTE, all, (int)sizeof mine, MPI_BYTE, comm) != MPI_SUCCESS) {
    free(all);
    return NAN;
  }
  for (int r = 0; r < size; ++r) total += all[r];
  free(all);
  return ldexp((double)total, -40);
}

/*
 * parallel: the few collective helpers the stages share.
 *
 * Replicas: MPI_COMM_WORLD splits into R replicas of P = size/R consecutive
 * ranks; each replica runs its own configuration (its own random stream and
 * output file, or its own share of a trajectory's snapshots) and the ranks
 * inside it share space. The ranks that hold the same place in every
 * replica are its peers: with equal decompositions they own the same part
 * of space (or of a grid), so a peer communicator gathers what the
 * replicas computed for that part without going through one rank.
 *
 * Exact sums: a sum of doubles over ranks whose result does not depend on the
 * number of ranks or the order of the terms, so that totals written to files
 * are the same on any decomposition. Each term is rounded to a multiple of
 * 2^-40 and accumulated in a 128-bit integer, which is associative; terms
 * must stay below 2^80 in magnitude, and the result has an absolute error of
 * at most n 2^-41.
 */
#ifndef ACTIVEMPI_PARALLEL_H
#define ACTIVEMPI_PARALLEL_H

#include <mpi.h>
#include <stddef.h>

typedef struct {
  MPI_Comm comm; /* this replica's ranks */
  int index;     /* 0 .. count-1 */
  int count;     /* R */
} amp_replica;

/* Collective over world: split into `count` replicas (count divides the size).
 * Returns 0 or -1. Free r->comm with MPI_Comm_free. */
int amp_replica_split(MPI_Comm world, int count, amp_replica *r);

/* Collective over world: the ranks at place `place` (0 .. P-1, e.g. the rank
 * in the replica's process grid) of every replica, ranked by replica index,
 * as *peers (R ranks; free with MPI_Comm_free). Returns 0 or -1. */
int amp_replica_peers(MPI_Comm world, const amp_replica *r, int place, MPI_Comm *peers);

/* Collective over comm: the sum of v[0 .. n) over all ranks, exact to 2^-40
 * per term and independent of the decomposition. */
double amp_exact_sum(MPI_Comm comm, const double *v, size_t n);

#endif

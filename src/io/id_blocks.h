/*
 * id_blocks: per-particle rows moved from the ranks that own the particles to
 * the ranks that write them in id order (private to io).
 *
 * Design. Files store row i of every per-particle dataset as the particle with
 * global id i, whatever the decomposition. Rather than have each rank select
 * its scattered rows in the file (point selections are slow in collective
 * HDF5), the rows are first transposed with one MPI_Alltoallv: rank r of P
 * receives the ids [lo, lo + n) with lo = floor(r N / P), in id order, and
 * then reads or writes one contiguous hyperslab per field. This is the
 * two-phase I/O that MPI-IO would do anyway, done once for all fields. The
 * transposition also proves that the ids over all ranks are exactly
 * 0 .. N-1, each once; anything else is refused before a byte is written.
 */
#ifndef ACTIVEMPI_IO_ID_BLOCKS_H
#define ACTIVEMPI_IO_ID_BLOCKS_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

/* This rank's block of ids [lo, lo + n) of N over the ranks of comm. */
typedef struct {
  int64_t lo, n;
  int width;    /* W: doubles per row */
  double *rows; /* [n][W], row k is id lo + k; malloc'ed */
} amp_id_block;

/* The block of ids rank `rank` of `size` writes. */
void amp_id_block_range(int64_t N, int rank, int size, int64_t *lo, int64_t *n);

/* Collective: the rows rows[nrows][W] with ids ids[nrows] of all ranks,
 * regrouped into blocks (free block->rows with free). Returns 0 or a status of
 * io.h, the same on every rank, with the reason in err (naming `path`). */
int amp_id_blocks(MPI_Comm comm, int64_t N, size_t nrows, const int64_t *ids, const double *rows, int W,
                  amp_id_block *block, const char *path, char *err);

#endif

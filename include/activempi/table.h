/*
 * table: a small named table of doubles in its own HDF5 file (io module) —
 * a training log, a scan of results: dataset /<name> [rows][columns] with
 * the column names as its attribute "columns".
 *
 * Design. Small enough for one process: rank 0 writes it whole under a
 * temporary name and renames it (files.h), and reads it back for every rank
 * (MPI_Bcast). Collective over comm; returns a status of io.h, the same on
 * every rank, with one line in err.
 */
#ifndef ACTIVEMPI_TABLE_H
#define ACTIVEMPI_TABLE_H

#include <mpi.h>
#include <stddef.h>

#include "activempi/io.h"

/* Write rows [nrows][ncols] (rank 0's) as /name of path. */
int amp_table_write(const char *path, MPI_Comm comm, const char *name, const char *const *columns, int ncols,
                    const double *rows, size_t nrows, char *err);

/* Read /name of path, which must have ncols columns: *rows malloc'ed
 * [*nrows][ncols] on every rank (NULL when there are none). */
int amp_table_read(const char *path, MPI_Comm comm, const char *name, int ncols, double **rows, size_t *nrows,
                   char *err);

#endif

/*
 * neighbors: cell lists and Verlet neighbour lists over a rank's rows.
 *
 * Design. Cells live on one global periodic grid of the whole box,
 * ncells[a] = floor(L / cutoff) (at least 1) cells of edge L / ncells[a] >=
 * cutoff along each dimension, so a cell means the same region on every
 * rank and on every decomposition. A rank stores only the window of cells
 * its rows (owned + ghosts) occupy: per dimension, the shortest periodic arc
 * of cell indices that holds them all (the complement of the largest empty
 * arc), so a subdomain plus its halo that wraps around the box edge is one
 * window, not two. Rows are binned by their canonical coordinate and stored
 * cell by cell (counting sort, CSR):
 *
 *   start[ncell + 1], row[nrows]   rows of local cell k: row[start[k] .. start[k + 1])
 *
 * A query around row i visits the cells within ceil(R / edge) of its cell
 * along each dimension with periodic wrap; when that reach covers the whole
 * dimension (fewer than 2 reach + 1 cells, e.g. 1 or 2 cells for reach 1)
 * it visits each cell of the dimension once, so nothing is counted twice.
 * Distances are minimum-image, so one stored copy of a particle serves all
 * its periodic images.
 *
 * The Verlet list holds, for every owned row, all rows within
 * cutoff = force cutoff + skin, sorted by global id: a force sum taken in
 * that order adds the same terms in the same order on any number of ranks,
 * so trajectories do not depend on the decomposition. It is a full list
 * (a pair appears in both particles' lists), in CSR form:
 *
 *   start[n + 1], index[start[n]]   neighbours of owned row i: index[start[i] .. start[i + 1])
 *
 * It keeps the owned positions of its build; when the largest displacement
 * since then (reduced over the ranks by the caller) exceeds skin / 2, the
 * caller migrates, rebuilds the halo, the cells and the list.
 *
 * Rows are indexed by uint32_t (4 bytes per neighbour): at most 2^32 - 1
 * rows per rank. Structures are zero-initialised by the caller
 * (amp_cells c = {0};) and may be rebuilt in place, reusing their memory.
 */
#ifndef ACTIVEMPI_NEIGHBORS_H
#define ACTIVEMPI_NEIGHBORS_H

#include <stddef.h>
#include <stdint.h>

#include "activempi/particles.h"

typedef struct {
  int dim;         /* d */
  double L;        /* box side */
  int ncells[3];   /* global periodic grid: floor(L / cutoff), at least 1 */
  double edge[3];  /* cell edge L / ncells[a] >= cutoff */
  int first[3];    /* global index of the first stored cell along a */
  int nlocal[3];   /* stored cells along a (the window; <= ncells[a]) */
  size_t ncell;    /* stored cells, the product of nlocal */
  size_t nrows;    /* rows binned: owned + ghosts at the build */
  size_t *start;   /* [ncell + 1] CSR offsets into row, local cells row-major */
  uint32_t *row;   /* [nrows] rows grouped by cell */
  size_t cap_cell, cap_row; /* allocated entries of start and row */
} amp_cells;

/* A growable list of rows (query results). */
typedef struct {
  size_t n, capacity;
  uint32_t *row; /* [n] */
} amp_rows;

/* Bin all rows (owned + ghosts) of p into cells of edge >= cutoff
 * (cutoff > 0). Returns 0, or -1 when out of memory or over 2^32 - 1 rows. */
int amp_cells_build(amp_cells *c, const amp_particles *p, double L, double cutoff);

/* Append to out the rows j != i of p with minimum-image |x_j - x_i| < R, in
 * cell order (any R < L/2; complete for the rows the cells were built from,
 * so for R up to the halo width around an owned row). Returns 0, or -1 when
 * out of memory. */
int amp_cells_query(const amp_cells *c, const amp_particles *p, size_t i, double R, amp_rows *out);

void amp_cells_free(amp_cells *c);
void amp_rows_free(amp_rows *r);

typedef struct {
  size_t n;           /* owned rows at the build */
  int dim;            /* d */
  double L;           /* box side */
  double cutoff;      /* force cutoff + skin */
  size_t *start;      /* [n + 1] CSR offsets into index */
  uint32_t *index;    /* [start[n]] neighbour rows, ascending global id per particle */
  double *x0;         /* [n][dim] owned positions at the build */
  size_t cap_n, cap_index;
  amp_rows scratch;   /* one particle's candidates */
  void *pairs;        /* [cap_pairs] (id, row) sort scratch */
  size_t cap_pairs;
} amp_verlet;

/* For every owned row of p: the rows (owned or ghost) within `cutoff` by
 * minimum-image distance, sorted by global id, found through cells c built
 * from the same p (any cell cutoff: the query reaches as many cells as it
 * needs, one ring when the cells were built with cutoff >= this one).
 * Records the owned positions. Returns 0, or -1 when out of memory. */
int amp_verlet_build(amp_verlet *v, const amp_cells *c, const amp_particles *p, double cutoff);

/* The largest minimum-image displacement of an owned row since the build
 * (local; the caller reduces it with MPI_MAX over the replica). +infinity
 * when the owned row count changed since, which asks for a rebuild too. */
double amp_verlet_max_displacement(const amp_verlet *v, const amp_particles *p);

/* Bytes held by the list (offsets, indices, positions at the build). */
size_t amp_verlet_bytes(const amp_verlet *v);

/* Bytes held by the cells. */
size_t amp_cells_bytes(const amp_cells *c);

void amp_verlet_free(amp_verlet *v);

#endif

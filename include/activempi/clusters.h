/*
 * clusters: the largest cluster of a configuration and its centre in the
 * periodic box (analysis module).
 *
 * Design. A cluster is a connected component of the graph that links two
 * particles closer than a radius (minimum image). The search is serial, over
 * the rows of one process (the evaluate stage gathers the solid and
 * interface particles on rank 0, see evaluate.md): the cell lists of
 * neighbors.h find each row's partners, and a union-find forest (union by
 * lower root, path halving) joins them, so every component's root is its
 * lowest row and the result does not depend on the order links are found.
 * O(n) time for a bounded number of partners per row; memory one size_t
 * per row plus the cells.
 *
 * The centre is the circular mean along each axis (Bai and Breen, J.
 * Graphics Tools 13, 2008): with theta_i = 2 pi (x_i + L/2) / L,
 *
 *   c = L/(2 pi) atan2(sum_i sin theta_i, sum_i cos theta_i) - L/2,
 *
 * brought into [-L/2, L/2): a cluster that straddles the box edge gets its
 * centre where it is, not half a box away, as a plain mean would put it. A
 * cluster spread evenly around an axis (a slab that spans the box) has no
 * meaningful centre along it; the formula then returns an arbitrary point.
 */
#ifndef ACTIVEMPI_CLUSTERS_H
#define ACTIVEMPI_CLUSTERS_H

#include <stddef.h>

#include "activempi/neighbors.h"
#include "activempi/particles.h"

typedef struct {
  amp_cells cells;
  amp_rows rows;    /* one row's partners */
  size_t *parent;   /* [capacity] union-find forest over the rows */
  size_t *size;     /* [capacity] component sizes, by root */
  size_t capacity;
} amp_cluster_work;

/* The largest cluster of p's owned rows (no ghosts: the whole configuration)
 * in a box of side L, links shorter than radius (< L/2): member[i] = 1 for
 * its rows, 0 for the others. Of equal clusters the one holding the lowest
 * row wins. Returns its size (0 for no rows), or -1 when out of memory.
 * w is zero-initialised by the caller and freed with amp_cluster_work_free. */
long long amp_largest_cluster(amp_cluster_work *w, const amp_particles *p, double L, double radius,
                              unsigned char *member);

/* The circular-mean centre c [d] of the owned rows of p with member[i] != 0
 * (at least one). */
void amp_periodic_center(const amp_particles *p, const unsigned char *member, double L, double *c);

void amp_cluster_work_free(amp_cluster_work *w);

#endif

/*
 * particles: the particles one rank holds, owned first, then ghosts.
 *
 * Design. Structure of arrays, one allocation per field, so kernels stream
 * through what they use. Rows [0, nowned) are the particles this rank owns
 * and integrates; rows [nowned, nowned + nghost) are ghosts, copies of other
 * ranks' particles within the halo width, refreshed by the halo exchange.
 * Positions are always the canonical ones, wrapped into the box
 * [-L/2, L/2)^d whose centre is the origin (the trap's centre); a ghost keeps
 * its owner's coordinates and kernels take minimum-image differences, so a
 * pair's arithmetic is the same on every decomposition. Global ids never
 * change; they order neighbour sums and key the random streams.
 *
 * The internal coordinate q is what the self-propulsion is made of:
 * AOUP: g (nq = d); ABP in 2-D: the angle theta (nq = 1); ABP in 3-D: the
 * unit vector n (nq = 3).
 */
#ifndef ACTIVEMPI_PARTICLES_H
#define ACTIVEMPI_PARTICLES_H

#include <stddef.h>
#include <math.h>
#include <stdint.h>

typedef struct {
  int dim;          /* d: components of x */
  int nq;           /* components of q */
  size_t nowned;    /* owned rows */
  size_t nghost;    /* ghost rows after them */
  size_t capacity;  /* rows allocated */
  int64_t *id;      /* [capacity] global ids, 0 .. N-1 */
  double *x;        /* [capacity][dim] positions in [-L/2, L/2) */
  double *q;        /* [capacity][nq] internal coordinates */
} amp_particles;

/* Empty storage for rows of dim positions and nq internal coordinates.
 * Returns 0, or -1 when out of memory. */
int amp_particles_init(amp_particles *p, int dim, int nq, size_t capacity);

/* Grow to at least `rows` rows, keeping the contents. Returns 0 or -1. */
int amp_particles_reserve(amp_particles *p, size_t rows);

/* Copy row `from` to row `to` (id, x, q). */
void amp_particles_copy_row(amp_particles *p, size_t to, size_t from);

void amp_particles_free(amp_particles *p);

/* The component count of q for a model: AOUP d, ABP 1 in 2-D and 3 in 3-D. */
int amp_internal_components(int model, int dim);

/* x wrapped into [-L/2, L/2). */
double amp_wrap(double x, double L);

/* The minimum-image difference dx of two coordinates of the box, |dx| < L,
 * brought into [-L/2, L/2] (branch-free selects: cheaper than rint). */
static inline double amp_min_image(double dx, double L) {
  dx -= dx > 0.5 * L ? L : 0.0;
  dx += dx < -0.5 * L ? L : 0.0;
  return dx;
}

#endif

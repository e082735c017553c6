/*
 * ring_convergence: what a sequence of grids says about the error of the
 * finest (exact_ring.h).
 *
 * Design. Level l has 2^l times fewer cells in r and in u than level 0, so
 * its spacing is h_l = 2^l h_0. A scheme of order q has EPR_l = EPR + C h_l^q
 * + ..., whence the observed order from the three finest grids,
 *
 *   q_obs = log2( (EPR_2 - EPR_1) / (EPR_1 - EPR_0) ),
 *
 * which should be close to 2 for the second-order scheme of ring_operator.c
 * and ring_fields.c, and Richardson's extrapolation with the expected order,
 * EPR_ext = EPR_0 + (EPR_0 - EPR_1)/3, whose distance from EPR_0 estimates the
 * finest grid's discretisation error.
 */
#include <math.h>

#include "activempi/exact_ring.h"

void amp_ring_convergence_estimate(amp_ring_convergence *c) {
  const double *e = c->epr;
  c->order = log2((e[2] - e[1]) / (e[1] - e[0]));
  c->extrapolated = e[0] + (e[0] - e[1]) / 3;
  c->error = fabs(e[0] - c->extrapolated);
}

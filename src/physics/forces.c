/*
 * forces: pair forces and their divergence over a full neighbour list.
 *
 * Every pair is visited from both sides (no Newton's-third-law halving): a
 * particle's sum then runs over its own neighbours in global-id order and is
 * bitwise the same on any decomposition, at twice the pair arithmetic of a
 * half list. Differences are minimum-image differences of wrapped
 * coordinates, so ghosts need no shifted copies.
 */
#include <math.h>
#include <string.h>

#include "activempi/physics.h"

void amp_pair_forces(const amp_pair *pair, const amp_particles *p, size_t n, const size_t *start,
                     const uint32_t *index, double L, double *force, double *div) {
  const int d = p->dim;
  const double cut2 = pair->cutoff * pair->cutoff;
  memset(force, 0, n * (size_t)d * sizeof *force);
  for (size_t i = 0; i < n; ++i) {
    const double *xi = p->x + i * (size_t)d;
    double *fi = force + i * (size_t)d, divergence = 0;
    for (size_t k = start[i]; k < start[i + 1]; ++k) {
      const double *xj = p->x + (size_t)index[k] * (size_t)d;
      double dx[3], r2 = 0;
      for (int a = 0; a < d; ++a) {
        dx[a] = amp_min_image(xi[a] - xj[a], L);
        r2 += dx[a] * dx[a];
      }
      if (!(r2 < cut2)) continue;
      double r = sqrt(r2), f, df;
      amp_pair_force(pair, r, &f, &df);
      double f_over_r = f / r;
      for (int a = 0; a < d; ++a) fi[a] += f_over_r * dx[a];
      divergence += f_over_r * (d - 1) + df;
    }
    div[i] = divergence;
  }
}

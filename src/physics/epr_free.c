/*
 * epr_free: the network-free entropy production of one particle, whose mean
 * over the steady state is that particle's share of the total EPR
 * (science.md §2, identities I4 and I5; the same for ABPs with eps = Dt).
 */
#include "activempi/physics.h"

double amp_epr_free_term(const amp_dynamics *dyn, const double *b, double div_b) {
  if (dyn->diffusion == 0) return -div_b;
  double b2 = 0;
  for (int a = 0; a < dyn->dim; ++a) b2 += b[a] * b[a];
  return b2 / dyn->diffusion + div_b;
}

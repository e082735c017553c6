/*
 * gaussian_modes: one eigenmode of the linear AOUP system, the 2 x 2
 * problem of science.md (I7) with trap kappa (derivations in doc/exact.md).
 *
 * For kappa > 0 the Lyapunov equation B Sigma + Sigma B^T + 2D = 0 with
 * B = [[-kappa, v0], [0, -gamma]] and D = diag(eps, gamma) gives, row by row,
 *   gg: -2 gamma Sigma_gg + 2 gamma = 0            -> Sigma_gg = 1
 *   xg: -(kappa + gamma) Sigma_xg + v0 Sigma_gg = 0 -> Sigma_xg = v0/(kappa + gamma)
 *   xx: -2 kappa Sigma_xx + 2 v0 Sigma_xg + 2 eps = 0
 * and the EPR E[v^T D^+ v], v = (B + D Sigma^{-1}) z, is
 * v0^2 gamma/(eps (kappa + gamma)) for eps > 0 and kappa for eps = 0
 * (where only the g-component, which carries noise, counts).
 * A zero mode (kappa <= zero_tol) is uniform in xi on the torus and N(0, 1)
 * in eta: score (0, -eta), v = (v0 eta, 0), EPR v0^2/eps or 0.
 */
#include <math.h>

#include "activempi/exact.h"

static int is_zero_mode(const amp_gaussian_model *m, double kappa) { return kappa <= m->zero_tol; }

amp_gaussian_cov amp_gaussian_mode_covariance(const amp_gaussian_model *m, double kappa) {
  if (is_zero_mode(m, kappa)) return (amp_gaussian_cov){.xx = INFINITY, .xg = 0, .gg = 1};
  double xg = m->v0 / (kappa + m->gamma);
  return (amp_gaussian_cov){.xx = (m->eps + m->v0 * xg) / kappa, .xg = xg, .gg = 1};
}

void amp_gaussian_mode_score(const amp_gaussian_model *m, double kappa, double xi, double eta, double *s_xi,
                             double *s_eta) {
  if (is_zero_mode(m, kappa)) {
    *s_xi = 0;
    *s_eta = -eta;
    return;
  }
  amp_gaussian_cov c = amp_gaussian_mode_covariance(m, kappa);
  double det = c.xx * c.gg - c.xg * c.xg;
  *s_xi = -(c.gg * xi - c.xg * eta) / det;
  *s_eta = -(-c.xg * xi + c.xx * eta) / det;
}

double amp_gaussian_mode_epr(const amp_gaussian_model *m, double kappa) {
  if (m->eps > 0) return m->v0 * m->v0 * m->gamma / (m->eps * ((is_zero_mode(m, kappa) ? 0 : kappa) + m->gamma));
  return is_zero_mode(m, kappa) ? 0 : kappa;
}

/*
 * epr_local: one particle's probability flow and entropy production from its
 * score (see epr_local.h for the formulas).
 */
#include <math.h>
#include <string.h>

#include "activempi/epr_local.h"
#include "activempi/neighborhood.h"
#include "activempi/particles.h"

void amp_epr_law_setup(amp_epr_law *law, const amp_config *cfg, int position_head) {
  const int d = cfg->system.dimension, aoup = cfg->system.model == AMP_MODEL_AOUP;
  int nx;
  memset(law, 0, sizeof *law);
  law->model = cfg->system.model;
  law->dim = d;
  law->nq = amp_internal_components(cfg->system.model, d);
  amp_neighborhood_widths(cfg->system.model, d, 0, 0, 0, 0, &law->nf, &nx);
  law->nv = aoup ? d : d == 2 ? 1 : 3;
  law->rate = aoup ? cfg->dynamics.gamma : cfg->dynamics.rotational_diffusion;
  law->eps = cfg->dynamics.translational_diffusion;
  law->position = position_head && law->eps > 0;
}

/* v_q and div_q s_q (NaN without jq) of each model's internal coordinate. */
static double flow_aoup(const amp_epr_law *law, const double *g, const double *s, const double *jq, double *v) {
  double trace = 0;
  for (int a = 0; a < law->dim; ++a) {
    v[a] = -law->rate * (g[a] + s[a]);
    if (jq) trace += jq[a * law->nf + a];
  }
  return jq ? trace : NAN;
}

static double flow_abp2(const amp_epr_law *law, const double *theta, const double *s, const double *jq, double *v) {
  double df[2];
  v[0] = -law->rate * s[0];
  if (!jq) return NAN;
  amp_neighborhood_features_dtheta(theta[0], df);
  return jq[0] * df[0] + jq[1] * df[1];
}

static double flow_abp3(const amp_epr_law *law, const double *n, const double *s, const double *jq, double *v) {
  double ns = n[0] * s[0] + n[1] * s[1] + n[2] * s[2], trace = 0, nJn = 0;
  for (int a = 0; a < 3; ++a) v[a] = -law->rate * (s[a] - ns * n[a]);
  if (!jq) return NAN;
  for (int a = 0; a < 3; ++a) {
    trace += jq[a * 3 + a];
    for (int c = 0; c < 3; ++c) nJn += n[a] * jq[a * 3 + c] * n[c];
  }
  return trace - nJn - 2 * ns;
}

void amp_epr_point_eval(const amp_epr_law *law, const double *q, const double *s_q, const double *jq,
                        const double *s_x, const double *b, amp_epr_point *out) {
  memset(out, 0, sizeof *out);
  double div_s = law->model == AMP_MODEL_AOUP ? flow_aoup(law, q, s_q, jq, out->v_q)
                 : law->dim == 2              ? flow_abp2(law, q, s_q, jq, out->v_q)
                                              : flow_abp3(law, q, s_q, jq, out->v_q);
  for (int a = 0; a < law->nv; ++a) out->sigma_q += out->v_q[a] * out->v_q[a] / law->rate;
  double identity = law->model == AMP_MODEL_AOUP ? law->dim : 0; /* div_g g */
  out->signed_density = -law->rate * (identity + div_s);
  for (int a = 0; law->position && a < law->dim; ++a) {
    out->v_x[a] = b[a] - law->eps * s_x[a];
    out->sigma_x += out->v_x[a] * out->v_x[a] / law->eps;
  }
  out->sigma = out->sigma_q + out->sigma_x;
}

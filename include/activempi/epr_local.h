/*
 * epr_local: the probability flow and the entropy production of one
 * particle from its score (analysis module; science.md §2).
 *
 * Design. These are the pointwise formulas and nothing else: the score comes
 * from anywhere (a network, an exact Gaussian, a test), as doubles, so one
 * code path serves the evaluate stage, the train stage's validation and the
 * tests that feed known scores. With the internal coordinate q, its score
 * s_q and the Jacobian J = d s_q / d f(q) of the score with respect to the
 * network's features f (neighborhood.h):
 *
 *   AOUP (q = g):        v_g = -gamma (g + s_g)
 *                        sigma_q = |v_g|^2 / gamma
 *                        div_g v_g = -gamma (d + tr J)
 *   ABP 2-D (q = theta): v_theta = -Dr s_theta,  sigma_q = v_theta^2 / Dr
 *                        div v_theta = -Dr J . (-sin theta, cos theta)
 *   ABP 3-D (q = n):     the tangential part P s_n, P = I - n n^T:
 *                        v_n = -Dr P s_n,  sigma_q = |v_n|^2 / Dr
 *                        div_S v_n = -Dr (tr J - n.J n - 2 n.s_n)
 *                        (the surface divergence on the unit sphere)
 *   positions, when the score has a position head and eps > 0 (eps = the
 *   translational diffusion, AOUP eps or ABP Dt):
 *                        v_x = b_x - eps s_x,  sigma_x = |v_x|^2 / eps
 *   sigma = sigma_q + sigma_x; its mean summed over particles is the EPR.
 *
 * The signed density div_q v_q has the same mean as sigma_q (science.md I3)
 * but differs pointwise: it is the paper's second per-particle map.
 */
#ifndef ACTIVEMPI_EPR_LOCAL_H
#define ACTIVEMPI_EPR_LOCAL_H

#include "activempi/config.h"

/* What the formulas need to know about the system. */
typedef struct {
  amp_model model;
  int dim;          /* d */
  int nq;           /* components of q (amp_internal_components) */
  int nf;           /* features of q (columns of J) */
  int nv;           /* components of v_q: AOUP d, ABP 2-D 1, ABP 3-D 3 */
  double rate;      /* gamma (AOUP) or Dr (ABP) */
  double eps;       /* translational diffusion (eps or Dt) */
  int position;     /* 1: v_x enters sigma (position head and eps > 0) */
} amp_epr_law;

/* The law of cfg's model; position_head: the score has s_x. */
void amp_epr_law_setup(amp_epr_law *law, const amp_config *cfg, int position_head);

/* One particle's flow and entropy production. */
typedef struct {
  double v_q[3];          /* [nv] probability flow of the internal coordinate */
  double v_x[3];          /* [d] of the position; zeros unless law->position */
  double sigma_q, sigma_x, sigma;
  double signed_density;  /* div_q v_q; NaN when no Jacobian was given */
} amp_epr_point;

/* The formulas above for one particle: q [nq], s_q [nv] (ABP 3-D: the three
 * ambient components), jq [nv][nf] row-major or NULL (no signed density),
 * s_x [d] and b [d] (the drift; both read only when law->position). */
void amp_epr_point_eval(const amp_epr_law *law, const double *q, const double *s_q, const double *jq,
                        const double *s_x, const double *b, amp_epr_point *out);

#endif

/*
 * pair: the repulsive pair potentials (science.md §1), f = -U', k included.
 *
 *   softplus_harmonic  f = (k/beta) log(1 + exp(beta (2a - r))), cut at r_c
 *                      f' = -k sigmoid(beta (2a - r))
 *                      U = (k/beta^2) [P(beta(2a - r)) - P(beta(2a - r_c))],
 *                      P(T) = -Li2(-e^T), since dP/dT = log(1 + e^T)
 *   harmonic           f = k (2a - r),  U = k (2a - r)^2 / 2        for r < 2a
 *   wca                f = (24 k / r) [2 (s/r)^12 - (s/r)^6],
 *                      U = 4 k [(s/r)^12 - (s/r)^6] + k             for r < 2^(1/6) s
 * The softplus force is cut where it falls below cutoff_tolerance k; the
 * energy is shifted to vanish there, so f = -U' holds inside the cutoff.
 * In the time step, softplus f and f' come from a table of f, f', f'' at 4097
 * points with cubic Hermite interpolation (error below 1e-11 k), which costs
 * a few multiplications instead of an exp and a log1p per pair.
 */
#include <math.h>
#include <stdlib.h>

#include "activempi/physics.h"

/* Li2(w) for 0 <= w <= 1/2 by its power series (w^j / j^2; 60 terms reach
 * 2^-60 relative). */
static double dilog_series(double w) {
  double sum = 0, power = w;
  for (int j = 1; j <= 60; ++j, power *= w) sum += power / ((double)j * j);
  return sum;
}

/* Li2(-y) for y >= 0: Landen's identity Li2(z) = -Li2(z/(z-1)) - ln^2(1-z)/2
 * maps y <= 1 into the series' range; y > 1 first uses the inversion
 * Li2(-y) = -pi^2/6 - ln^2(y)/2 - Li2(-1/y). */
static double dilog_negative(double y) {
  if (y > 1) return -M_PI * M_PI / 6 - 0.5 * log(y) * log(y) - dilog_negative(1 / y);
  double l = log1p(y);
  return -dilog_series(y / (1 + y)) - 0.5 * l * l;
}

/* P(T) = -Li2(-e^T), the antiderivative of softplus. */
static double softplus_integral(double t) { return -dilog_negative(exp(t)); }

void amp_pair_force_exact(const amp_pair *pair, double r, double *f, double *df) {
  switch (pair->kind) {
  case AMP_POTENTIAL_SOFTPLUS_HARMONIC: {
    double e = exp(pair->beta * (pair->sigma - r));
    *f = pair->k * log1p(e) / pair->beta;
    *df = -pair->k * e / (1 + e);
    return;
  }
  case AMP_POTENTIAL_HARMONIC:
    *f = pair->k * (pair->sigma - r);
    *df = -pair->k;
    return;
  case AMP_POTENTIAL_WCA: {
    double s2 = pair->sigma * pair->sigma / (r * r), s6 = s2 * s2 * s2, s12 = s6 * s6;
    *f = 24 * pair->k / r * (2 * s12 - s6);
    *df = -24 * pair->k / (r * r) * (26 * s12 - 7 * s6);
    return;
  }
  case AMP_POTENTIAL_NONE: break;
  }
  *f = *df = 0;
}

/* f, f' and f'' of softplus at the table's nodes: f'' = k beta s (1 - s), s the sigmoid. */
static int build_table(amp_pair *pair) {
  const int n = AMP_PAIR_TABLE_INTERVALS;
  pair->table = malloc((size_t)(n + 1) * 3 * sizeof *pair->table);
  if (!pair->table) return -1;
  double h = pair->cutoff / n;
  pair->table_scale = 1 / h;
  for (int m = 0; m <= n; ++m) {
    double *node = pair->table + 3 * m, r = m * h, s = 1 / (1 + exp(-pair->beta * (pair->sigma - r)));
    amp_pair_force_exact(pair, r, &node[0], &node[1]);
    node[2] = pair->k * pair->beta * s * (1 - s);
  }
  return 0;
}

int amp_pair_setup(amp_pair *pair, const amp_config *cfg) {
  double diameter = 2 * cfg->system.radius;
  *pair = (amp_pair){.kind = cfg->interaction.potential,
                     .k = cfg->interaction.stiffness,
                     .sigma = diameter,
                     .beta = cfg->interaction.beta,
                     .cutoff = cfg->derived.force_cutoff};
  if (pair->kind != AMP_POTENTIAL_SOFTPLUS_HARMONIC) return 0;
  pair->u_cutoff = softplus_integral(pair->beta * (pair->sigma - pair->cutoff));
  return build_table(pair);
}

void amp_pair_free(amp_pair *pair) {
  free(pair->table);
  pair->table = NULL;
}

void amp_pair_force(const amp_pair *pair, double r, double *f, double *df) {
  if (!pair->table) {
    amp_pair_force_exact(pair, r, f, df);
    return;
  }
  double t = r * pair->table_scale, h = 1 / pair->table_scale;
  int m = (int)t;
  if (m >= AMP_PAIR_TABLE_INTERVALS) m = AMP_PAIR_TABLE_INTERVALS - 1;
  double s = t - m, s2 = s * s, s3 = s2 * s;
  double h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s, h01 = -2 * s3 + 3 * s2, h11 = s3 - s2;
  const double *a = pair->table + 3 * m, *b = a + 3;
  *f = h00 * a[0] + h * (h10 * a[1] + h11 * b[1]) + h01 * b[0];
  *df = h00 * a[1] + h * (h10 * a[2] + h11 * b[2]) + h01 * b[1];
}

double amp_pair_energy(const amp_pair *pair, double r) {
  if (!(r < pair->cutoff)) return 0;
  switch (pair->kind) {
  case AMP_POTENTIAL_SOFTPLUS_HARMONIC:
    return pair->k / (pair->beta * pair->beta) *
           (softplus_integral(pair->beta * (pair->sigma - r)) - pair->u_cutoff);
  case AMP_POTENTIAL_HARMONIC: return 0.5 * pair->k * (pair->sigma - r) * (pair->sigma - r);
  case AMP_POTENTIAL_WCA: {
    double s2 = pair->sigma * pair->sigma / (r * r), s6 = s2 * s2 * s2;
    return 4 * pair->k * (s6 * s6 - s6) + pair->k;
  }
  case AMP_POTENTIAL_NONE: break;
  }
  return 0;
}

/*
 * Adam and RAdam with global-norm clipping, a warm-up + cosine schedule,
 * decoupled weight decay and a parameter moving average (optimizer.h has
 * the formulas and their source).
 *
 * The elementwise update is one vectorisable loop; the scalar factors of a
 * step (learning rate, bias corrections, RAdam's rectification) are
 * computed once per step in double.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "activempi/optimizer.h"

#define B1 0.9
#define B2 0.999
#define EPS 1e-8
#define RADAM_THRESHOLD 5.0

int amp_optim_init(amp_optim *o, const amp_config *cfg, size_t n, const float *params) {
  memset(o, 0, sizeof *o);
  o->kind = cfg->train.optimizer;
  o->peak = cfg->train.learning_rate;
  o->warmup = cfg->train.warmup_steps;
  o->decay = cfg->train.decay_steps;
  o->clip = cfg->train.clip_norm;
  o->weight_decay = cfg->train.weight_decay;
  o->ema = cfg->train.ema;
  o->n = n;
  o->m = calloc(n, sizeof *o->m);
  o->v = calloc(n, sizeof *o->v);
  o->average = malloc(n * sizeof *o->average);
  if (!o->m || !o->v || !o->average) {
    amp_optim_free(o);
    return -1;
  }
  memcpy(o->average, params, n * sizeof *params);
  return 0;
}

void amp_optim_free(amp_optim *o) {
  free(o->m);
  free(o->v);
  free(o->average);
  memset(o, 0, sizeof *o);
}

double amp_optim_learning_rate(const amp_optim *o, long long t) {
  if (t < o->warmup) return o->peak * (double)t / (double)o->warmup;
  long long span = o->decay - o->warmup;
  if (span <= 0) return 0;
  double done = (double)(t - o->warmup < span ? t - o->warmup : span) / (double)span;
  return o->peak * 0.5 * (1 + cos(M_PI * done));
}

/* |grad| in double; grad scaled to at most clip */
static double clip_gradient(float *grad, size_t n, double clip) {
  double sum = 0;
  for (size_t i = 0; i < n; i++) sum += (double)grad[i] * grad[i];
  double norm = sqrt(sum);
  if (clip > 0 && norm > clip) {
    float scale = (float)(clip / norm);
    for (size_t i = 0; i < n; i++) grad[i] *= scale;
  }
  return norm;
}

/* The step's factors: u = a m / (sqrt(b v) + eps) (b = 0: u = a m, no second moment) */
static void step_factors(const amp_optim *o, long long k, double *a, double *b) {
  double c1 = 1 - pow(B1, (double)k), c2 = 1 - pow(B2, (double)k);
  *a = 1 / c1;
  *b = 1 / c2;
  if (o->kind != AMP_OPTIMIZER_RADAM) return;
  double rho_inf = 2 / (1 - B2) - 1, rho = rho_inf - 2 * (double)k * pow(B2, (double)k) / c2;
  if (rho < RADAM_THRESHOLD) {
    *b = 0;
    return;
  }
  *a *= sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho));
}

double amp_optim_step(amp_optim *o, float *params, float *grad) {
  double norm = clip_gradient(grad, o->n, o->clip);
  double a, b, lr = amp_optim_learning_rate(o, o->step);
  step_factors(o, o->step + 1, &a, &b);
  /* the average's decay ramps up, so a short run's average is not its initial parameters */
  double t = (double)o->step, decay = fmin(o->ema, (1 + t) / (10 + t));
  const float fa = (float)a, fb = (float)b, flr = (float)lr, wd = (float)o->weight_decay, ema = (float)decay;
  const float b1 = (float)B1, b2 = (float)B2, eps = (float)EPS;
#pragma omp simd
  for (size_t i = 0; i < o->n; i++) {
    float g = grad[i];
    float m = b1 * o->m[i] + (1 - b1) * g, v = b2 * o->v[i] + (1 - b2) * g * g;
    float u = fb > 0 ? fa * m / (sqrtf(fb * v) + eps) : fa * m;
    o->m[i] = m;
    o->v[i] = v;
    params[i] -= flr * (u + wd * params[i]);
    o->average[i] = ema * o->average[i] + (1 - ema) * params[i];
  }
  o->step++;
  return norm;
}

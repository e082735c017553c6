/*
 * optimizer: the training update of the score network's flat parameter
 * buffer (learn module), as the reference's optax chain
 *   clip_by_global_norm(clip) -> radam (or adam) with a warm-up + cosine
 *   learning-rate schedule,
 * followed by optional decoupled weight decay and the exponential moving
 * average of the parameters that gets evaluated.
 *
 * Design. The optimiser knows nothing of MPI: every rank calls it with the
 * same, already summed gradient, and every rank's parameters stay bitwise
 * identical (the update is elementwise and deterministic). Moments are
 * float, like the parameters (the reference's dtype); the global norm and
 * the bias corrections are computed in double.
 *
 * Definitions (optax 0.1, which the reference uses):
 *   lr(t) = peak t / warmup for t < warmup; then
 *           peak (1 + cos(pi min(t - warmup, decay - warmup) / (decay - warmup))) / 2,
 *           t the number of updates already made (the first update uses lr(0) = 0)
 *   clip:   g *= min(1, clip / |g|)            (clip = 0: off)
 *   Adam:   m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g^2,  k = t + 1,
 *           u = (m / (1 - b1^k)) / (sqrt(v / (1 - b2^k)) + eps)
 *   RAdam:  rho_inf = 2 / (1 - b2) - 1,  rho = rho_inf - 2 k b2^k / (1 - b2^k);
 *           rho >= 5: u = r (m / (1 - b1^k)) / (sqrt(v / (1 - b2^k)) + eps),
 *                     r = sqrt((rho - 4)(rho - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho));
 *           else      u = m / (1 - b1^k)          (Liu et al., ICLR 2020)
 *   p -= lr(t) (u + wd p);   avg = a_t avg + (1 - a_t) p,  a_t = min(a, (1 + t) / (10 + t))
 * with b1 = 0.9, b2 = 0.999, eps = 1e-8. The reference averages with a
 * fixed a = 0.9999 over 5e5 updates; the ramp (TensorFlow's
 * ExponentialMovingAverage with num_updates) keeps a shorter run's average
 * from being mostly its initial parameters, and is a no-op after ~1e5 updates.
 */
#ifndef ACTIVEMPI_OPTIMIZER_H
#define ACTIVEMPI_OPTIMIZER_H

#include <stddef.h>

#include "activempi/config.h"

typedef struct {
  amp_optimizer kind;  /* AMP_OPTIMIZER_RADAM or AMP_OPTIMIZER_ADAM */
  double peak;         /* peak learning rate */
  long long warmup;    /* warm-up updates */
  long long decay;     /* updates to the end of the cosine (>= warmup) */
  double clip;         /* global-norm clip; 0: none */
  double weight_decay; /* decoupled, times the learning rate */
  double ema;          /* moving-average decay a */
  size_t n;            /* parameters */
  long long step;      /* updates made */
  float *m, *v;        /* [n] first and second moments */
  float *average;      /* [n] the moving average of the parameters */
} amp_optim;

/* Moments at zero, the average at params, step 0. Returns 0 or -1 (memory). */
int amp_optim_init(amp_optim *o, const amp_config *cfg, size_t n, const float *params);
void amp_optim_free(amp_optim *o);

/* The learning rate of update number t (0-based). */
double amp_optim_learning_rate(const amp_optim *o, long long t);

/* One update of params [n] with the summed gradient grad [n] (clipped in
 * place). Returns the gradient's global norm before clipping. */
double amp_optim_step(amp_optim *o, float *params, float *grad);

#endif

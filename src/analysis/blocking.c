/*
 * blocking: online Flyvbjerg-Petersen blocking (see blocking.h).
 */
#include "activempi/blocking.h"

#include <math.h>
#include <string.h>

void amp_blocking_init(amp_blocking *b) { memset(b, 0, sizeof *b); }

void amp_blocking_add(amp_blocking *b, double x) {
  for (int k = 0; k < AMP_BLOCKING_LEVELS; ++k) {
    b->count[k] += 1;
    b->sum[k] += x;
    b->sumsq[k] += x * x;
    if (!b->has_pending[k]) {
      b->pending[k] = x;
      b->has_pending[k] = 1;
      return;
    }
    x = 0.5 * (b->pending[k] + x); /* the pair's block average moves up a level */
    b->has_pending[k] = 0;
  }
}

double amp_blocking_count(const amp_blocking *b) { return b->count[0]; }

double amp_blocking_mean(const amp_blocking *b) { return b->count[0] > 0 ? b->sum[0] / b->count[0] : 0; }

/* sqrt(var_k / (n_k - 1)) at level k. */
static double level_error(const amp_blocking *b, int k) {
  double n = b->count[k], mean = b->sum[k] / n, var = b->sumsq[k] / n - mean * mean;
  return var > 0 ? sqrt(var / (n - 1)) : 0;
}

double amp_blocking_error(const amp_blocking *b) {
  if (b->count[0] < 2) return 0;
  double error = level_error(b, 0);
  for (int k = 1; k < AMP_BLOCKING_LEVELS && b->count[k] >= AMP_BLOCKING_MIN_BLOCKS; ++k)
    error = fmax(error, level_error(b, k));
  return error;
}

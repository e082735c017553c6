/*
 * blocking: the mean of a correlated time series and its standard error, by
 * the blocking method of Flyvbjerg and Petersen (J. Chem. Phys. 91, 461, 1989).
 *
 * Design. Online: each new value enters level 0; two consecutive values of a
 * level average into one value of the next level, so level k sees blocks of
 * 2^k values and the whole state is a few numbers per level (O(log n)),
 * cheap to update every snapshot and to store in a checkpoint. The error of
 * the mean estimated at level k, sqrt(var_k / (n_k - 1)), grows with k until
 * blocks are longer than the correlation time and then stays flat; the
 * estimate reported is the largest over the levels that still hold at least
 * AMP_BLOCKING_MIN_BLOCKS blocks (conservative where the plateau is noisy).
 */
#ifndef ACTIVEMPI_BLOCKING_H
#define ACTIVEMPI_BLOCKING_H

#define AMP_BLOCKING_LEVELS 48
#define AMP_BLOCKING_MIN_BLOCKS 16

typedef struct {
  double count[AMP_BLOCKING_LEVELS];   /* values seen at each level */
  double sum[AMP_BLOCKING_LEVELS];
  double sumsq[AMP_BLOCKING_LEVELS];
  double pending[AMP_BLOCKING_LEVELS]; /* a value waiting for its pair */
  double has_pending[AMP_BLOCKING_LEVELS];
} amp_blocking; /* plain doubles, so a checkpoint stores it as an array */

void amp_blocking_init(amp_blocking *b);
void amp_blocking_add(amp_blocking *b, double x);

/* Number of values added. */
double amp_blocking_count(const amp_blocking *b);

/* Their mean. */
double amp_blocking_mean(const amp_blocking *b);

/* Standard error of the mean (the plateau estimate); the naive one while
 * there are too few values for any blocking; 0 for fewer than 2 values. */
double amp_blocking_error(const amp_blocking *b);

#endif

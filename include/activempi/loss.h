/*
 * loss: score-matching losses of a batch, as values and as dL/ds for the
 * network's backward pass (learn module; science.md §3).
 *
 * Antithetic denoising score matching (the reference's MIPS loss): for a
 * target i and its noise zeta_i (the components its score head predicts),
 *   loss_i = sum_{+-} |s_i(z +- sigma zeta)|^2 +- 2 s_i(z +- sigma zeta) . zeta_i / sigma,
 * whose minimiser over s is the score of the density smoothed at scale sigma.
 * The batch loss is the mean over targets: the trainer sums the terms and
 * their gradients over a step's frames and ranks, then divides by the step's
 * targets.
 */
#ifndef ACTIVEMPI_LOSS_H
#define ACTIVEMPI_LOSS_H

#include <stddef.h>

/* One side (sign = +1 or -1) of the pair for n targets of k outputs: s [n][k]
 * the scores at z + sign sigma zeta, zeta [n][k]. Returns the sum of the n
 * targets' terms; writes ds [n][k] = 2 s + sign 2 zeta / sigma. */
double amp_loss_denoising(const float *s, const float *zeta, size_t n, int k, double sign, double sigma,
                          float *ds);

#endif

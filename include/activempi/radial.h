/*
 * radial: a per-particle value binned by distance from a centre in the
 * periodic box (analysis module).
 *
 * Design. Bin b holds the particles at minimum-image distance r from the
 * centre with b w <= r < (b + 1) w, for b < bins = floor(L / (2 w)): every
 * bin has the full width and lies within L/2, the largest distance at which
 * a shell around the centre is still whole along the axes (the corners of
 * the box, out to L sqrt(d)/2, are left out). The caller keeps per-bin
 * counts and sums, so profiles add up over ranks and snapshots, and divides
 * at the end: the mean value in bin b is sum[b] / count[b].
 */
#ifndef ACTIVEMPI_RADIAL_H
#define ACTIVEMPI_RADIAL_H

#include <stddef.h>

/* Bins of width w (> 0) within L/2: floor(L / (2 w)). */
int amp_radial_bins(double L, double width);

/* Add rows [0, n) of positions x [n][d] with values value [n] to the
 * profile around centre c [d]: count[b] += 1, sum[b] += value[i] for their
 * bin b (count and sum [bins]); rows beyond the last bin are skipped. */
void amp_radial_add(const double *x, const double *value, size_t n, int d, double L, const double *c, double width,
                    int bins, double *count, double *sum);

#endif

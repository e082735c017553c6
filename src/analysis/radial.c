/*
 * radial: profiles about a centre (see radial.h).
 */
#include "activempi/radial.h"

#include <math.h>

#include "activempi/particles.h"

int amp_radial_bins(double L, double width) { return (int)floor(L / (2 * width)); }

void amp_radial_add(const double *x, const double *value, size_t n, int d, double L, const double *c, double width,
                    int bins, double *count, double *sum) {
  for (size_t i = 0; i < n; ++i) {
    double r2 = 0;
    for (int a = 0; a < d; ++a) {
      double dx = amp_min_image(x[i * (size_t)d + (size_t)a] - c[a], L);
      r2 += dx * dx;
    }
    double b = floor(sqrt(r2) / width);
    if (b >= bins) continue;
    count[(int)b] += 1;
    sum[(int)b] += value[i];
  }
}

/*
 * balance: move the subdomain boundaries so that ranks own similar counts.
 *
 * Design. A MIPS cluster gathers most particles in part of the box, and
 * with equal slabs the ranks that hold it do most of the force work. The
 * grid stays a tensor product (so owner lookup stays a binary search per
 * dimension and the halo stays a product of slab lists), and along each
 * dimension independently the boundaries go to the quantiles k / dims[a]
 * of the marginal distribution of that coordinate:
 *
 *   hist[a][NBINS]  counts of owned coordinates, MPI_Allreduce (exact integers)
 *   b[k]            where the cumulative count reaches total k / dims[a],
 *                   interpolated linearly inside its bin
 *   min width       a forward pass b[k] >= b[k-1] + w, then a backward pass
 *                   b[k] <= b[k+1] - w (possible because dims[a] w <= L)
 *
 * Every rank computes from the same integer histogram with the same
 * arithmetic, so every rank gets bit-identical boundaries. Balancing the
 * marginals balances the product cells exactly when the distribution is
 * close to separable: a compact cluster is cut through its middle along
 * each dimension, which is what the 2 x 2 and 2 x 2 x 2 grids need. The cost
 * is d allreduces of NBINS integers plus a migration, paid only when the
 * measured imbalance exceeds the caller's threshold.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "domain_internal.h"

enum { NBINS = 4096 };

int amp_domain_imbalance(amp_domain *dom, const amp_particles *p, double *imbalance) {
  long long mine = (long long)p->nowned, max, sum;
  if (MPI_Allreduce(&mine, &max, 1, MPI_LONG_LONG, MPI_MAX, dom->comm) != MPI_SUCCESS ||
      MPI_Allreduce(&mine, &sum, 1, MPI_LONG_LONG, MPI_SUM, dom->comm) != MPI_SUCCESS)
    return amp_domain_fail(dom, "MPI_Allreduce of particle counts failed");
  *imbalance = sum > 0 ? (double)max * dom->nranks / (double)sum : 1.0;
  return 0;
}

/* hist[0 .. NBINS): the global histogram of coordinate a over NBINS equal
 * bins of the box; hist[NBINS .. 2 NBINS) is scratch for this rank's. */
static int histogram(amp_domain *dom, const amp_particles *p, int a, int64_t *hist) {
  int64_t *mine = hist + NBINS;
  for (int j = 0; j < NBINS; ++j) mine[j] = 0;
  for (size_t i = 0; i < p->nowned; ++i) {
    int bin = (int)floor((p->x[i * (size_t)p->dim + a] / dom->L + 0.5) * NBINS);
    ++mine[bin < 0 ? 0 : bin >= NBINS ? NBINS - 1 : bin];
  }
  if (MPI_Allreduce(mine, hist, NBINS, MPI_INT64_T, MPI_SUM, dom->comm) != MPI_SUCCESS)
    return amp_domain_fail(dom, "MPI_Allreduce of the balance histogram failed");
  return 0;
}

/* b[1 .. n-1] at the quantiles k/n of hist (b[0], b[n] are the box ends). */
static void quantiles(const int64_t *hist, int n, double L, double *b) {
  int64_t total = 0;
  for (int j = 0; j < NBINS; ++j) total += hist[j];
  double binw = L / NBINS, below = 0;
  int j = 0;
  for (int k = 1; k < n; ++k) {
    double target = (double)total * k / n;
    if (total == 0) {
      b[k] = -L / 2 + L * k / n;
      continue;
    }
    while (j < NBINS - 1 && below + (double)hist[j] < target) below += (double)hist[j++];
    double frac = hist[j] ? (target - below) / (double)hist[j] : 0.0;
    b[k] = -L / 2 + (j + (frac < 0 ? 0 : frac > 1 ? 1 : frac)) * binw;
  }
}

/* Every slab of b[0 .. n] at least w wide (n w <= L). */
static void keep_min_width(double *b, int n, double w) {
  for (int k = 1; k < n; ++k)
    if (b[k] < b[k - 1] + w) b[k] = b[k - 1] + w;
  for (int k = n - 1; k > 0; --k)
    if (b[k] > b[k + 1] - w) b[k] = b[k + 1] - w;
}

/* New boundaries along every dimension with more than one slab; hist
 * [2 NBINS] and b [P + 1] are scratch. */
static int move_bounds(amp_domain *dom, const amp_particles *p, double min_width, int64_t *hist, double *b) {
  for (int a = 0; a < dom->dim; ++a) {
    int n = dom->dims[a];
    if (n == 1) continue;
    if (histogram(dom, p, a, hist)) return -1;
    b[0] = -dom->L / 2;
    b[n] = dom->L / 2;
    quantiles(hist, n, dom->L, b);
    keep_min_width(b, n, min_width);
    if (amp_domain_set_bounds(dom, a, b)) return -1;
  }
  return 0;
}

static int check_min_width(amp_domain *dom, double min_width) {
  for (int a = 0; a < dom->dim; ++a)
    if (!(min_width >= 0) || dom->dims[a] * min_width > dom->L)
      return amp_domain_fail(dom,
                             "minimum slab width %g does not fit %d slabs in the box side %g along dimension %d: "
                             "at most %d ranks along it would",
                             min_width, dom->dims[a], dom->L, a, min_width > 0 ? (int)(dom->L / min_width) : 0);
  return 0;
}

int amp_domain_balance(amp_domain *dom, amp_particles *p, double threshold, double min_width,
                       double imbalance[2]) {
  if (check_min_width(dom, min_width) || amp_domain_imbalance(dom, p, &imbalance[0])) return -1;
  imbalance[1] = imbalance[0];
  if (imbalance[0] <= threshold) return 0;
  int64_t *hist = malloc(2 * NBINS * sizeof *hist);
  double *b = malloc((size_t)(dom->nranks + 1) * sizeof *b);
  int status = amp_domain_agree(dom, hist && b ? 0 : amp_domain_fail(dom, "rank %d: out of memory balancing", dom->rank));
  if (!status) status = move_bounds(dom, p, min_width, hist, b);
  free(hist);
  free(b);
  if (status || amp_domain_migrate(dom, p) || amp_domain_imbalance(dom, p, &imbalance[1])) return -1;
  return 1;
}

/*
 * grid: the process grid of a replica and who owns which position.
 *
 * Design. MPI_Dims_create factors P over d dimensions as evenly as it can
 * (a prime P becomes P x 1 x 1: slabs, which is still correct, only with more
 * surface per rank), and MPI_Cart_create makes the grid periodic without
 * reordering ranks. MPI numbers Cartesian ranks row-major, so the rank of
 * grid coordinates (c0, c1, c2) is ((c0 dims1) + c1) dims2 + c2 and no table
 * is needed; creation checks that this rank's own coordinates agree.
 *
 * The owner of x is found per dimension by binary search in the boundary
 * array (dims[a] + 1 doubles): O(d log P) per particle, no communication.
 * Distances to subdomains are separable: the minimum-image distance from a
 * point to a box region is the root of the sum over dimensions of the
 * periodic distance to each interval, because the images form a product
 * lattice and the box is a product of intervals.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain_internal.h"

int amp_domain_fail(amp_domain *dom, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(dom->error, sizeof dom->error, fmt, ap);
  va_end(ap);
  return -1;
}

int amp_domain_agree(amp_domain *dom, int failed) {
  int mine = failed ? dom->rank : dom->nranks, first;
  if (MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, dom->comm) != MPI_SUCCESS)
    return amp_domain_fail(dom, "MPI_Allreduce failed agreeing on an error");
  if (first == dom->nranks) return 0;
  if (MPI_Bcast(dom->error, (int)sizeof dom->error, MPI_CHAR, first, dom->comm) != MPI_SUCCESS)
    return amp_domain_fail(dom, "MPI_Bcast failed sharing an error of rank %d", first);
  return -1;
}

double amp_periodic_gap(double x, double lo, double hi, double L) {
  double best = HUGE_VAL;
  for (int k = -1; k <= 1; ++k) {
    double y = x + k * L;
    double gap = y < lo ? lo - y : y > hi ? y - hi : 0.0;
    if (gap < best) best = gap;
  }
  return best;
}

double amp_interval_gap(double a0, double a1, double b0, double b1, double L) {
  double best = HUGE_VAL;
  for (int k = -1; k <= 1; ++k) {
    double c0 = b0 + k * L, c1 = b1 + k * L;
    double gap = c1 < a0 ? a0 - c1 : c0 > a1 ? c0 - a1 : 0.0;
    if (gap < best) best = gap;
  }
  return best;
}

int amp_grid_rank(const amp_domain *dom, const int *c) {
  int r = 0;
  for (int a = 0; a < dom->dim; ++a) r = r * dom->dims[a] + c[a];
  return r;
}

int amp_grid_slab(const amp_domain *dom, int a, double x) {
  const double *b = dom->bounds[a];
  int lo = 0, hi = dom->dims[a]; /* the answer lies in [lo, hi) */
  while (hi - lo > 1) {
    int mid = (lo + hi) / 2;
    if (x < b[mid])
      hi = mid;
    else
      lo = mid;
  }
  return lo;
}

/* Grid coordinates of rank r (row-major). */
static void coords_of(const amp_domain *dom, int r, int *c) {
  for (int a = dom->dim - 1; a >= 0; --a) {
    c[a] = r % dom->dims[a];
    r /= dom->dims[a];
  }
}

static int equal_slabs(amp_domain *dom) {
  for (int a = 0; a < dom->dim; ++a) {
    int n = dom->dims[a];
    if (!(dom->bounds[a] = malloc((size_t)(n + 1) * sizeof *dom->bounds[a])))
      return amp_domain_fail(dom, "out of memory for the subdomain boundaries");
    for (int k = 0; k <= n; ++k) dom->bounds[a][k] = -dom->L / 2 + dom->L * k / n;
    dom->bounds[a][n] = dom->L / 2;
  }
  return 0;
}

/* The Cartesian communicator and this rank's place in it. */
static int make_grid(amp_domain *dom, MPI_Comm replica) {
  int periods[AMP_DOMAIN_MAXDIM] = {1, 1, 1}, mine[AMP_DOMAIN_MAXDIM];
  if (MPI_Comm_size(replica, &dom->nranks) != MPI_SUCCESS || MPI_Comm_rank(replica, &dom->rank) != MPI_SUCCESS)
    return amp_domain_fail(dom, "MPI_Comm_size/rank failed on the replica communicator");
  if (MPI_Dims_create(dom->nranks, dom->dim, dom->dims) != MPI_SUCCESS)
    return amp_domain_fail(dom, "MPI_Dims_create failed for %d ranks in %d dimensions", dom->nranks, dom->dim);
  if (MPI_Cart_create(replica, dom->dim, dom->dims, periods, 0, &dom->comm) != MPI_SUCCESS)
    return amp_domain_fail(dom, "MPI_Cart_create failed for %d ranks", dom->nranks);
  if (MPI_Cart_coords(dom->comm, dom->rank, dom->dim, dom->coords) != MPI_SUCCESS)
    return amp_domain_fail(dom, "MPI_Cart_coords failed");
  coords_of(dom, dom->rank, mine);
  if (memcmp(mine, dom->coords, (size_t)dom->dim * sizeof *mine))
    return amp_domain_fail(dom, "the MPI library does not number Cartesian ranks row-major");
  return 0;
}

int amp_domain_create(amp_domain *dom, MPI_Comm replica, int dim, double L) {
  *dom = (amp_domain){.comm = MPI_COMM_NULL, .dim = dim, .L = L, .dims = {1, 1, 1}};
  if (dim < 1 || dim > AMP_DOMAIN_MAXDIM)
    return amp_domain_fail(dom, "a domain has 1, 2 or 3 dimensions, not %d", dim);
  if (!(L > 0)) return amp_domain_fail(dom, "the box side must be positive, not %g", L);
  for (int a = 0; a < dim; ++a) dom->dims[a] = 0; /* MPI_Dims_create chooses */
  int failed = make_grid(dom, replica) || equal_slabs(dom);
  if (dom->comm == MPI_COMM_NULL) return -1;
  return amp_domain_agree(dom, failed);
}

void amp_domain_free(amp_domain *dom) {
  for (int a = 0; a < AMP_DOMAIN_MAXDIM; ++a) free(dom->bounds[a]);
  if (dom->comm != MPI_COMM_NULL) MPI_Comm_free(&dom->comm);
  *dom = (amp_domain){.comm = MPI_COMM_NULL};
}

int amp_domain_set_bounds(amp_domain *dom, int a, const double *b) {
  if (a < 0 || a >= dom->dim) return amp_domain_fail(dom, "no dimension %d in a %d-D domain", a, dom->dim);
  int n = dom->dims[a];
  if (b[0] != -dom->L / 2 || b[n] != dom->L / 2)
    return amp_domain_fail(dom, "boundaries along dimension %d must run from -L/2 to L/2", a);
  for (int k = 0; k < n; ++k)
    if (!(b[k + 1] >= b[k])) return amp_domain_fail(dom, "boundaries along dimension %d must not decrease", a);
  memcpy(dom->bounds[a], b, (size_t)(n + 1) * sizeof *b);
  return 0;
}

int amp_domain_owner(const amp_domain *dom, const double *x) {
  int c[AMP_DOMAIN_MAXDIM];
  for (int a = 0; a < dom->dim; ++a) c[a] = amp_grid_slab(dom, a, x[a]);
  return amp_grid_rank(dom, c);
}

void amp_domain_subdomain(const amp_domain *dom, int r, double *lo, double *hi) {
  int c[AMP_DOMAIN_MAXDIM];
  coords_of(dom, r, c);
  for (int a = 0; a < dom->dim; ++a) {
    lo[a] = dom->bounds[a][c[a]];
    hi[a] = dom->bounds[a][c[a] + 1];
  }
}

double amp_domain_distance2(const amp_domain *dom, const double *x, int r) {
  double lo[AMP_DOMAIN_MAXDIM], hi[AMP_DOMAIN_MAXDIM], d2 = 0;
  amp_domain_subdomain(dom, r, lo, hi);
  for (int a = 0; a < dom->dim; ++a) {
    double g = amp_periodic_gap(x[a], lo[a], hi[a], dom->L);
    d2 += g * g;
  }
  return d2;
}

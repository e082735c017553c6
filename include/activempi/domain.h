/*
 * domain: the spatial decomposition of one replica's box over its ranks.
 *
 * Design. The P ranks of a replica form a periodic Cartesian grid
 * (MPI_Dims_create + MPI_Cart_create, no reordering, so a rank is the same
 * number in the replica communicator and in the grid, and the grid numbers
 * ranks row-major as MPI specifies). Along dimension a the box
 * [-L/2, L/2) is cut into dims[a] slabs by an explicit, non-decreasing array
 * bounds[a][0 .. dims[a]] from -L/2 to L/2 that every rank holds identically;
 * rank (c0, c1, c2) owns the product of the half-open slabs
 * [bounds[a][c_a], bounds[a][c_a + 1]). Because the boundaries are data and
 * not arithmetic on a slab width, load balancing moves them (balance.c) and
 * every rank still answers "who owns x" locally (grid.c).
 *
 * Three collective operations keep particles where they belong:
 *
 *   migrate  (migrate.c) every owned particle goes to the owner of its
 *            position, however far: one MPI_Alltoall of counts and one
 *            MPI_Alltoallv of rows. Ghost rows are discarded.
 *   halo     (halo.c)    after a migration, every rank receives ghosts: each
 *            particle owned elsewhere whose minimum-image distance to its
 *            subdomain is below the width, exactly once. The owner computes
 *            the receivers itself (every subdomain is known everywhere) and
 *            sends to each directly, so a width that spans several subdomains
 *            needs no forwarding, and no particle can arrive twice.
 *            amp_halo_update refreshes x and q through the same lists every
 *            step until the next rebuild (the Verlet-skin scheme).
 *   balance  (balance.c) moves the boundaries to the quantiles of the global
 *            particle histogram along each dimension, then migrates.
 *
 * Errors: functions return 0 or -1. A -1 from a collective function is
 * returned on every rank of the replica together, with a sentence in
 * dom->error (the same on every rank for a caller's mistake).
 */
#ifndef ACTIVEMPI_DOMAIN_H
#define ACTIVEMPI_DOMAIN_H

#include <mpi.h>
#include <stddef.h>

#include "activempi/particles.h"

#define AMP_DOMAIN_MAXDIM 3
#define AMP_DOMAIN_ERR_LEN 256

typedef struct {
  MPI_Comm comm;                      /* periodic Cartesian grid; ranks as in the replica communicator */
  int dim;                            /* d: 1, 2 or 3 */
  int nranks;                         /* P: ranks of the replica */
  int rank;                           /* this rank */
  int dims[AMP_DOMAIN_MAXDIM];        /* ranks along each dimension; product P */
  int coords[AMP_DOMAIN_MAXDIM];      /* this rank's place in the grid */
  double L;                           /* box side; the box is [-L/2, L/2)^d */
  double *bounds[AMP_DOMAIN_MAXDIM];  /* [dims[a] + 1] slab boundaries along a, -L/2 .. L/2 */
  char error[AMP_DOMAIN_ERR_LEN];     /* why the last call returned -1 */
} amp_domain;

/* Collective over `replica`: a grid of its ranks over d = dim dimensions of a
 * box of side L, with equal slabs. Any number of ranks works (a prime P is a
 * P x 1 x 1 grid). Returns 0, or -1 with dom->error set. */
int amp_domain_create(amp_domain *dom, MPI_Comm replica, int dim, double L);

/* Frees the grid communicator and the boundaries. Collective (MPI_Comm_free). */
void amp_domain_free(amp_domain *dom);

/* Replace the boundaries along dimension a by b[0 .. dims[a]]: b[0] = -L/2,
 * b[dims[a]] = L/2, non-decreasing. Every rank must pass the same values, and
 * migrate afterwards. Returns 0, or -1 with dom->error set. Local. */
int amp_domain_set_bounds(amp_domain *dom, int a, const double *b);

/* The rank (in the replica communicator) that owns position x[dim], x in the box. Local. */
int amp_domain_owner(const amp_domain *dom, const double *x);

/* The subdomain of any rank r: lo[a] <= x[a] < hi[a] for a < dim. Local. */
void amp_domain_subdomain(const amp_domain *dom, int r, double *lo, double *hi);

/* Squared minimum-image distance from position x[dim] to rank r's subdomain
 * (0 inside it). Local. */
double amp_domain_distance2(const amp_domain *dom, const double *x, int r);

/* Collective: send every owned row of p whose position this rank does not own
 * to its owner; afterwards p holds exactly the particles this rank owns
 * (kept rows first in their order, then arrivals by source rank) and no
 * ghosts. Returns 0, or -1 with dom->error set. */
int amp_domain_migrate(amp_domain *dom, amp_particles *p);

/* Collective: the particle-count imbalance max_r nowned_r / mean_r nowned_r
 * (1 when there are no particles) into *imbalance. Returns 0 or -1. */
int amp_domain_imbalance(amp_domain *dom, const amp_particles *p, double *imbalance);

/* Collective: measure the imbalance; when it exceeds `threshold`, move the
 * boundaries along every dimension to the quantiles k/dims[a] of the global
 * histogram of owned coordinates, keeping every slab at least min_width wide
 * (dims[a] * min_width <= L), and migrate (ghosts are then discarded).
 * Every rank computes the same boundaries. imbalance[0] and [1]: before and
 * after. Returns 1 when it rebalanced (rebuild the halo), 0 when the
 * imbalance was within the threshold and nothing changed, or -1 with
 * dom->error set. */
int amp_domain_balance(amp_domain *dom, amp_particles *p, double threshold, double min_width,
                       double imbalance[2]);

/*
 * The ghost set and the lists that refresh it. Partners are the ranks whose
 * subdomains lie within `width` of this rank's (a symmetric relation, so both
 * sides of a pair know to talk); with partners sorted by rank, the send list
 * of partner k is send_row[send_start[k] .. send_start[k + 1]) (owned rows)
 * and its ghosts are rows nowned + recv_start[k] .. nowned + recv_start[k + 1].
 */
typedef struct {
  double width;          /* ghosts: owned elsewhere, minimum-image distance to the subdomain < width */
  size_t nowned;         /* owned rows when the lists were built */
  int npartners;         /* ranks this one exchanges with (itself never) */
  int *partner;          /* [npartners] their ranks, ascending */
  size_t *send_start;    /* [npartners + 1] offsets into send_row */
  size_t *send_row;      /* [send_start[npartners]] owned rows to send */
  size_t *recv_start;    /* [npartners + 1] ghost offsets after the owned rows */
  int *count;            /* [2 npartners] rows sent to each partner, then received from each */
  double *sendbuf;       /* [send_start[npartners]][dim + nq] x and q staged for updates */
  double *recvbuf;       /* [recv_start[npartners]][dim + nq] */
  MPI_Request *request;  /* [2 npartners] */
} amp_halo;

/* Collective: discard p's ghosts and receive new ones within `width` of this
 * rank's subdomain, and build the lists. Call after amp_domain_migrate (every
 * owned particle inside the subdomain). Any width below L/2 works on any grid;
 * width >= L/2 is refused (minimum-image pairs need it below L/2). h is
 * initialised here; free it with amp_halo_free, after a failure too.
 * Returns 0, or -1 with dom->error set. */
int amp_halo_build(amp_halo *h, amp_domain *dom, amp_particles *p, double width);

/* Collective: copy the current x and q of the listed owned rows into the
 * ghost rows built by amp_halo_build (no ids, no new particles). Valid while
 * no owned row has been added, removed or reordered since the build.
 * Returns 0, or -1 with dom->error set. */
int amp_halo_update(amp_halo *h, amp_domain *dom, amp_particles *p);

void amp_halo_free(amp_halo *h);

#endif

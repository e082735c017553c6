/*
 * halo: ghosts within a width of a rank's subdomain, and their refresh.
 *
 * Design. Every rank knows every subdomain (the boundaries are replicated),
 * so the owner of a particle can decide alone which ranks need it as a
 * ghost: those whose subdomain lies within `width` of it by minimum-image
 * distance. It sends it to each of them directly. This replaces the classic
 * staged exchange (CoMD's 2d messages that reach 3^d - 1 neighbours by
 * forwarding) with point-to-point messages to a few more ranks, and buys
 * three things: a width spanning several subdomains needs no forwarding
 * hops; a particle reaches a rank at most once even when, with one or two
 * ranks along a dimension, that rank is a neighbour on both sides (no
 * deduplication, no periodic self-images: a rank never sends to itself and
 * periodicity is minimum-image arithmetic); and the lists for the per-step
 * update are simply what was sent.
 *
 * Who talks to whom: partners are the ranks whose subdomain lies within
 * `width` of this rank's subdomain. A particle of mine within width of r's
 * subdomain proves r a partner, and the relation is symmetric, so each side
 * knows whom to expect a message from without an all-to-all; a rank with
 * nothing to send still sends a count of zero.
 *
 * Which ranks need particle x: per dimension, the slabs within width of x[a]
 * (one binary-search-free scan of dims[a] slabs, done only for particles
 * closer than width to a face of the subdomain); then the product of those
 * slab lists, keeping ranks whose squared distances sum below width^2.
 *
 *   build:  counts (1 int per partner each way), then packed rows (id, x, q)
 *   update: x and q only, [rows][dim + nq] doubles, same lists, same order
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "domain_internal.h"

enum { TAG_COUNT = 701, TAG_ROWS, TAG_UPDATE };

typedef struct {
  int slot;   /* partner index */
  size_t row; /* owned row */
} sending;

/* Scratch of a build: the receivers of each particle, and the packed rows. */
typedef struct {
  int *slot_of;          /* [P] partner index of a rank, or -1 */
  sending *out;          /* [nout] (partner, row), rows ascending */
  size_t nout, capacity;
  unsigned char *packed; /* [nout] rows, then [nghost] rows */
} halo_build;

static void build_free(halo_build *b) {
  free(b->slot_of);
  free(b->out);
  free(b->packed);
}

static int check_width(amp_domain *dom, double width) {
  if (width >= dom->L / 2)
    return amp_domain_fail(dom,
                           "halo width %g is not below half the box side (L/2 = %g): minimum-image pairs need "
                           "width < L/2; this decomposition (%d ranks along dimension 0) and any other number of "
                           "ranks along each dimension, 1 included, work once the box is longer than %g",
                           width, dom->L / 2, dom->dims[0], 2 * width);
  if (!(width >= 0)) return amp_domain_fail(dom, "halo width must be >= 0, not %g", width);
  return 0;
}

/* The ranks whose subdomains lie within width of this rank's subdomain. */
static int find_partners(amp_halo *h, amp_domain *dom, halo_build *b) {
  double lo[AMP_DOMAIN_MAXDIM], hi[AMP_DOMAIN_MAXDIM], olo[AMP_DOMAIN_MAXDIM], ohi[AMP_DOMAIN_MAXDIM];
  int P = dom->nranks;
  if (!(b->slot_of = malloc((size_t)P * sizeof *b->slot_of)) || !(h->partner = malloc((size_t)P * sizeof *h->partner)))
    return amp_domain_fail(dom, "rank %d: out of memory for the halo partners", dom->rank);
  amp_domain_subdomain(dom, dom->rank, lo, hi);
  for (int r = 0; r < P; ++r) {
    b->slot_of[r] = -1;
    if (r == dom->rank) continue;
    amp_domain_subdomain(dom, r, olo, ohi);
    double d2 = 0;
    for (int a = 0; a < dom->dim; ++a) {
      double g = amp_interval_gap(lo[a], hi[a], olo[a], ohi[a], dom->L);
      d2 += g * g;
    }
    if (d2 < h->width * h->width) b->slot_of[r] = h->npartners, h->partner[h->npartners++] = r;
  }
  if (!(h->request = malloc((2 * (size_t)h->npartners + 1) * sizeof *h->request)))
    return amp_domain_fail(dom, "rank %d: out of memory for the halo requests", dom->rank);
  return 0;
}

static int add_sending(amp_domain *dom, halo_build *b, int slot, size_t row) {
  if (b->nout == b->capacity) {
    size_t cap = b->capacity ? 2 * b->capacity : 64;
    sending *more = realloc(b->out, cap * sizeof *more);
    if (!more) return amp_domain_fail(dom, "rank %d: out of memory listing halo particles", dom->rank);
    b->out = more, b->capacity = cap;
  }
  b->out[b->nout++] = (sending){slot, row};
  return 0;
}

/* True when x is at least width from every face of lo..hi that borders
 * another slab: then no other rank needs it. */
static int deep_inside(const amp_domain *dom, const double *x, const double *lo, const double *hi, double width) {
  for (int a = 0; a < dom->dim; ++a)
    if (dom->dims[a] > 1 && !(x[a] - lo[a] >= width && hi[a] - x[a] >= width)) return 0;
  return 1;
}

/* Per dimension, the slabs within width of x[a] and their squared gaps:
 * slab[a][0 .. n[a]), into scratch of dims[0] + dims[1] + dims[2] entries. */
static void near_slabs(const amp_domain *dom, const double *x, double width, int *slab[], double *gap2[], int *n) {
  for (int a = 0; a < dom->dim; ++a) {
    n[a] = 0;
    for (int c = 0; c < dom->dims[a]; ++c) {
      double g = amp_periodic_gap(x[a], dom->bounds[a][c], dom->bounds[a][c + 1], dom->L);
      if (g < width) slab[a][n[a]] = c, gap2[a][n[a]++] = g * g;
    }
  }
}

/* The (partner, row) pairs for owned row i: the product of the near slabs. */
static int receivers_of(amp_domain *dom, halo_build *b, const amp_particles *p, size_t i, double width,
                        int *slab[], double *gap2[]) {
  int n[AMP_DOMAIN_MAXDIM], k[AMP_DOMAIN_MAXDIM] = {0}, c[AMP_DOMAIN_MAXDIM];
  near_slabs(dom, p->x + i * (size_t)dom->dim, width, slab, gap2, n);
  for (int a = 0; a < dom->dim; ++a)
    if (n[a] == 0) return 0;
  for (;;) {
    double d2 = 0;
    for (int a = 0; a < dom->dim; ++a) c[a] = slab[a][k[a]], d2 += gap2[a][k[a]];
    int r = amp_grid_rank(dom, c);
    if (d2 < width * width && r != dom->rank) {
      if (b->slot_of[r] < 0)
        return amp_domain_fail(dom, "rank %d: particle %lld lies outside its subdomain: migrate before the halo",
                               dom->rank, (long long)p->id[i]);
      if (add_sending(dom, b, b->slot_of[r], i)) return -1;
    }
    int a = dom->dim - 1; /* odometer over the slab lists */
    while (a >= 0 && ++k[a] == n[a]) k[a--] = 0;
    if (a < 0) return 0;
  }
}

/* send_start / send_row: the (partner, row) pairs grouped by partner, rows ascending. */
static int send_lists(amp_halo *h, amp_domain *dom, halo_build *b) {
  size_t np = (size_t)h->npartners;
  if (!(h->send_start = calloc(np + 1, sizeof *h->send_start)) ||
      !(h->send_row = malloc((b->nout ? b->nout : 1) * sizeof *h->send_row)) ||
      !(h->count = calloc(2 * np + 1, sizeof *h->count)))
    return amp_domain_fail(dom, "rank %d: out of memory for the halo lists", dom->rank);
  for (size_t k = 0; k < b->nout; ++k) ++h->send_start[b->out[k].slot + 1];
  for (size_t s = 0; s < np; ++s) {
    if (h->send_start[s + 1] > INT_MAX) return amp_domain_fail(dom, "rank %d: too many halo rows", dom->rank);
    h->count[s] = (int)h->send_start[s + 1];
    h->send_start[s + 1] += h->send_start[s];
  }
  size_t *cursor = h->send_start;
  for (size_t k = 0; k < b->nout; ++k) h->send_row[cursor[b->out[k].slot]++] = b->out[k].row;
  for (size_t s = np; s > 0; --s) h->send_start[s] = h->send_start[s - 1];
  h->send_start[0] = 0;
  return 0;
}

/* Everything this rank decides alone: partners, receivers, send lists. */
static int plan(amp_halo *h, amp_domain *dom, halo_build *b, const amp_particles *p) {
  double lo[AMP_DOMAIN_MAXDIM], hi[AMP_DOMAIN_MAXDIM];
  int *slab[AMP_DOMAIN_MAXDIM], total = 0;
  double *gap2[AMP_DOMAIN_MAXDIM];
  if (check_width(dom, h->width) || find_partners(h, dom, b)) return -1;
  for (int a = 0; a < dom->dim; ++a) total += dom->dims[a];
  int *slabs = malloc((size_t)total * sizeof *slabs);
  double *gaps = malloc((size_t)total * sizeof *gaps);
  int status = slabs && gaps ? 0 : amp_domain_fail(dom, "rank %d: out of memory for the halo", dom->rank);
  for (int a = 0, off = 0; a < dom->dim; off += dom->dims[a++]) slab[a] = slabs + off, gap2[a] = gaps + off;
  amp_domain_subdomain(dom, dom->rank, lo, hi);
  for (size_t i = 0; i < p->nowned && !status; ++i)
    if (!deep_inside(dom, p->x + i * (size_t)dom->dim, lo, hi, h->width))
      status = receivers_of(dom, b, p, i, h->width, slab, gap2);
  free(slabs);
  free(gaps);
  return status || send_lists(h, dom, b);
}

/* Post one receive and one send per partner and wait for all of them. */
static int exchange(amp_halo *h, amp_domain *dom, void *sendbuf, const int *sendcount, const size_t *sdispl,
                    void *recvbuf, const int *recvcount, const size_t *rdispl, MPI_Datatype type, size_t unit,
                    int tag) {
  int np = h->npartners, ok = 1;
  for (int k = 0; k < np; ++k)
    ok &= MPI_Irecv((char *)recvbuf + rdispl[k] * unit, recvcount[k], type, h->partner[k], tag, dom->comm,
                    &h->request[k]) == MPI_SUCCESS;
  for (int k = 0; k < np; ++k)
    ok &= MPI_Isend((char *)sendbuf + sdispl[k] * unit, sendcount[k], type, h->partner[k], tag, dom->comm,
                    &h->request[np + k]) == MPI_SUCCESS;
  ok &= MPI_Waitall(2 * np, h->request, MPI_STATUSES_IGNORE) == MPI_SUCCESS;
  return ok ? 0 : amp_domain_fail(dom, "rank %d: halo message (tag %d) failed", dom->rank, tag);
}

/* One int each way per partner: how many rows follow. */
static int exchange_counts(amp_halo *h, amp_domain *dom, halo_build *b) {
  size_t np = (size_t)h->npartners;
  int *ones = malloc((np + 1) * sizeof *ones);
  size_t *seq = malloc((np + 1) * sizeof *seq);
  int status = ones && seq ? 0 : amp_domain_fail(dom, "rank %d: out of memory for halo counts", dom->rank);
  for (size_t k = 0; !status && k < np; ++k) ones[k] = 1, seq[k] = k;
  if (amp_domain_agree(dom, status)) status = -1;
  if (!status)
    status = exchange(h, dom, h->count, ones, seq, h->count + np, ones, seq, MPI_INT, sizeof(int), TAG_COUNT);
  free(ones);
  free(seq);
  return status;
}

/* Room for the ghosts and the update buffers, and the requests. */
static int make_room(amp_halo *h, amp_domain *dom, halo_build *b, amp_particles *p) {
  size_t np = (size_t)h->npartners, nx = (size_t)(p->dim + p->nq), rb = amp_row_bytes(p);
  if (!(h->recv_start = calloc(np + 1, sizeof *h->recv_start)))
    return amp_domain_fail(dom, "rank %d: out of memory for the halo lists", dom->rank);
  for (size_t k = 0; k < np; ++k) h->recv_start[k + 1] = h->recv_start[k] + (size_t)h->count[np + k];
  size_t nsend = h->send_start[np], nrecv = h->recv_start[np];
  if (amp_particles_reserve(p, p->nowned + nrecv) ||
      !(h->sendbuf = malloc((nsend * nx + 1) * sizeof *h->sendbuf)) ||
      !(h->recvbuf = malloc((nrecv * nx + 1) * sizeof *h->recvbuf)) ||
      !(b->packed = malloc((nsend + nrecv) * rb + 1)))
    return amp_domain_fail(dom, "rank %d: out of memory for %zu ghosts", dom->rank, nrecv);
  return 0;
}

/* The ghosts themselves: packed rows (id, x, q) to every partner. */
static int exchange_rows(amp_halo *h, amp_domain *dom, halo_build *b, amp_particles *p) {
  size_t np = (size_t)h->npartners, rb = amp_row_bytes(p), nsend = h->send_start[np];
  unsigned char *in = b->packed + nsend * rb;
  for (size_t k = 0; k < nsend; ++k) amp_pack_row(p, h->send_row[k], b->packed + k * rb);
  MPI_Datatype row;
  if (amp_row_type(dom, p, &row)) return -1;
  int status = exchange(h, dom, b->packed, h->count, h->send_start, in, h->count + np, h->recv_start, row, rb,
                        TAG_ROWS);
  MPI_Type_free(&row);
  p->nghost = h->recv_start[np];
  for (size_t k = 0; k < p->nghost; ++k) amp_unpack_row(p, p->nowned + k, in + k * rb);
  return status;
}

int amp_halo_build(amp_halo *h, amp_domain *dom, amp_particles *p, double width) {
  *h = (amp_halo){.width = width, .nowned = p->nowned};
  halo_build b = {0};
  p->nghost = 0;
  int status = amp_domain_agree(dom, plan(h, dom, &b, p));
  if (!status) status = exchange_counts(h, dom, &b);
  if (!status) status = amp_domain_agree(dom, make_room(h, dom, &b, p));
  if (!status) status = exchange_rows(h, dom, &b, p);
  build_free(&b);
  return status;
}

/* x and q of the listed rows into sendbuf, [nsend][dim + nq]. */
static void stage(const amp_halo *h, const amp_particles *p) {
  size_t nsend = h->send_start[h->npartners], d = (size_t)p->dim, nq = (size_t)p->nq;
  for (size_t k = 0; k < nsend; ++k) {
    double *out = h->sendbuf + k * (d + nq);
    memcpy(out, p->x + h->send_row[k] * d, d * sizeof *out);
    memcpy(out + d, p->q + h->send_row[k] * nq, nq * sizeof *out);
  }
}

int amp_halo_update(amp_halo *h, amp_domain *dom, amp_particles *p) {
  size_t np = (size_t)h->npartners, d = (size_t)p->dim, nq = (size_t)p->nq, nrecv = h->recv_start[np];
  int changed = p->nowned != h->nowned || p->nghost != nrecv;
  if (!changed) stage(h, p); /* on misuse still take part, so that no partner waits forever */
  MPI_Datatype xq;
  if (MPI_Type_contiguous((int)(d + nq), MPI_DOUBLE, &xq) != MPI_SUCCESS || MPI_Type_commit(&xq) != MPI_SUCCESS)
    return amp_domain_fail(dom, "MPI_Type_contiguous/commit failed for the halo update");
  int status = exchange(h, dom, h->sendbuf, h->count, h->send_start, h->recvbuf, h->count + np, h->recv_start, xq,
                        (d + nq) * sizeof(double), TAG_UPDATE);
  MPI_Type_free(&xq);
  if (changed)
    return amp_domain_fail(dom, "rank %d: owned rows changed since the halo was built: rebuild it", dom->rank);
  for (size_t k = 0; !status && k < nrecv; ++k) {
    const double *in = h->recvbuf + k * (d + nq);
    memcpy(p->x + (p->nowned + k) * d, in, d * sizeof *in);
    memcpy(p->q + (p->nowned + k) * nq, in + d, nq * sizeof *in);
  }
  return status;
}

void amp_halo_free(amp_halo *h) {
  free(h->partner);
  free(h->send_start);
  free(h->send_row);
  free(h->recv_start);
  free(h->sendbuf);
  free(h->recvbuf);
  free(h->request);
  free(h->count);
  *h = (amp_halo){0};
}

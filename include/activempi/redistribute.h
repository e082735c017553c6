/*
 * redistribute: the network's work spread evenly over the training ranks
 * (learn module).
 *
 * Design. A training rank evaluates the targets it owns in space, so a rank
 * whose subdomain holds a MIPS cluster has many more than one in the dilute
 * gas. But a work item — one target at one side of the antithetic pair: its
 * T tokens, its noise and its sign — is self-contained: the network, the
 * loss and the backward pass need nothing else, and the gradients are summed
 * over all ranks afterwards, so it may be evaluated anywhere. An item is one
 * record of fixed size (amp_work_layout):
 *
 *   float q [T][nf], x [T][nx], zeta_q [nzq], zeta_x [nzx], sign; uchar mask [T]
 *
 * packed without padding (fields are copied with memcpy), the same size on
 * every rank. amp_redistribute moves records between ranks:
 *
 *   1. MPI_Allgather of every rank's count c_r; N = sum c_r, P ranks.
 *   2. The plan, computed identically on every rank from the counts: rank r's
 *      share is floor(N/P) or floor(N/P) + 1, the N mod P larger shares
 *      going first to ranks holding more than floor(N/P), in rank order, then
 *      to the others in rank order (so a rank already at the ceiling keeps
 *      it). A rank above its share keeps its first share items and sends the
 *      rest; walking the senders and the receivers (ranks below their share)
 *      both in rank order, each sender's surplus fills the next receivers'
 *      deficits. Every rank then holds its share: max/mean is
 *      ceil(N/P) / (N/P).
 *   3. When any record moves: receivers make room, an MPI_Allreduce agrees
 *      that every rank did, and one MPI_Alltoallv (records as a contiguous
 *      MPI datatype) sends each sender's tail straight from its list;
 *      receivers append the incoming records after their own, in sender-rank
 *      order. A rank never sends and receives in the same exchange, keeps
 *      its own records in place, and the result is a function of the counts
 *      and contents alone (deterministic, whatever the timing).
 *
 * Cost per call: the Allgather (P counts on every rank), O(P) arithmetic for
 * the plan, and, only when the load is uneven, one Allreduce of an int and
 * one Alltoallv carrying the surplus sum_r max(0, c_r - share_r) records
 * (each of amp_work_layout.bytes, about T (4 nf + 4 nx + 1) bytes), with at
 * most (senders + receivers - 1) messages in all. For a MIPS batch that is a
 * fraction of the records once per step, against a forward and backward pass
 * per record. Memory: max(c_r, share_r) records on rank r. The count arrays are O(P) per
 * rank; at many thousands of ranks point-to-point sends of the few nonzero
 * transfers would replace the Alltoallv.
 */
#ifndef ACTIVEMPI_REDISTRIBUTE_H
#define ACTIVEMPI_REDISTRIBUTE_H

#include <mpi.h>
#include <stddef.h>

/* A list of records of one size. Zero-initialise, set bytes, and free with
 * amp_items_free. */
typedef struct {
  size_t bytes;          /* of a record (> 0, the same on every rank) */
  size_t n;              /* records held */
  size_t cap;            /* room, in records */
  unsigned char *data;   /* [cap][bytes] */
} amp_items;

/* Room for n records (contents kept). Returns 0, or -1 when out of memory. */
int amp_items_reserve(amp_items *w, size_t n);
void amp_items_free(amp_items *w);

/* The exchange's state: the communicator and per-rank scratch of the plan,
 * allocated once. */
typedef struct {
  MPI_Comm comm;
  int nranks, rank;
  long long *count;      /* [2 nranks]: every rank's records, then its share */
  int *plan;             /* [4 nranks]: records sent to, received from each rank, and their displacements */
} amp_redistributor;

/* Collective over comm. Returns 0, or -1 on every rank when out of memory. */
int amp_redistributor_init(amp_redistributor *r, MPI_Comm comm);
void amp_redistributor_free(amp_redistributor *r);

/* What a redistribution found and did (the same on every rank). */
typedef struct {
  long long total;       /* records over all ranks */
  long long moved;       /* records sent to another rank */
  double before, after;  /* max / mean of the records per rank (1 when there are none) */
} amp_redistribute_stats;

/* Collective over r's communicator: measure the balance of w's records and,
 * when `move` is nonzero, even it out by the plan above (move = 0 only
 * measures: after = before, moved = 0). Returns 0, or -1 on every rank when
 * a rank is out of memory, a count exceeds INT_MAX or an MPI call fails (w
 * then holds its own records). */
int amp_redistribute(amp_redistributor *r, amp_items *w, int move, amp_redistribute_stats *st);

/* The record of a training work item: the network's input tensors of one
 * target (T tokens of nf features and nx positions, with the mask), the
 * target's noise (nzq and nzx components, 0 for none) and the side's sign. */
typedef struct {
  int T, nf, nx, nzq, nzx;
  size_t bytes;          /* of a record */
} amp_work_layout;

void amp_work_layout_init(amp_work_layout *l, int T, int nf, int nx, int nzq, int nzx);

/* Write record i of w (room for it reserved) from one target's tokens q
 * [T][nf], x [T][nx], mask [T], its noise zeta_q [nzq], zeta_x [nzx] and
 * sign (zeta_x may be NULL when nzx = 0). */
void amp_work_put(amp_items *w, const amp_work_layout *l, size_t i, const float *q, const float *x,
                  const unsigned char *mask, const float *zeta_q, const float *zeta_x, float sign);

/* Records [first, first + m) of w as a micro-batch: q [m][T][nf], x [m][T][nx],
 * mask [m][T] and the signed noise sign * zeta, zeta_q [m][nzq] and zeta_x
 * [m][nzx] (the loss of either side depends on sign and zeta only through
 * their product, amp_loss_denoising with sign +1); zeta_x may be NULL when
 * nzx = 0. */
void amp_work_batch(const amp_items *w, const amp_work_layout *l, size_t first, size_t m, float *q, float *x,
                    unsigned char *mask, float *zeta_q, float *zeta_x);

#endif

/*
 * Work items spread evenly over the ranks (redistribute.h): the plan from
 * the allgathered counts, one Alltoallv of fixed-size records, and the
 * record layout of a training work item.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "activempi/redistribute.h"

int amp_items_reserve(amp_items *w, size_t n) {
  if (n <= w->cap) return 0;
  size_t cap = w->cap ? w->cap : 64;
  while (cap < n) cap *= 2;
  unsigned char *data = realloc(w->data, cap * w->bytes);
  if (!data) return -1;
  w->data = data;
  w->cap = cap;
  return 0;
}

void amp_items_free(amp_items *w) {
  free(w->data);
  w->data = NULL;
  w->n = w->cap = 0;
}

/* Every rank's share of the N records: floor(N/P), plus one for the first
 * N mod P ranks in rank order among those above floor(N/P), then among the
 * rest. */
static void shares(const long long *count, int P, long long N, long long *share) {
  long long q = N / P, extra = N % P;
  for (int pass = 0; pass < 2; pass++)
    for (int r = 0; r < P; r++)
      if ((count[r] > q) == (pass == 0)) {
        share[r] = q + (extra > 0);
        extra -= extra > 0;
      }
}

/* This rank's records to (send[r]) and from (recv[r]) every rank: the
 * senders' surpluses fill the receivers' deficits, both walked in rank
 * order. Returns the records moved over all ranks. */
static long long transfers(const long long *count, const long long *share, int P, int rank, int *send,
                           int *recv) {
  long long moved = 0, left_s = 0, left_r = 0;
  int s = -1, r = -1;
  memset(send, 0, (size_t)P * sizeof *send);
  memset(recv, 0, (size_t)P * sizeof *recv);
  for (;;) {
    while (!left_s && ++s < P) left_s = count[s] > share[s] ? count[s] - share[s] : 0;
    while (!left_r && ++r < P) left_r = share[r] > count[r] ? share[r] - count[r] : 0;
    if (s >= P || r >= P) return moved;
    long long m = left_s < left_r ? left_s : left_r;
    if (s == rank) send[r] = (int)m;
    if (r == rank) recv[s] = (int)m;
    left_s -= m, left_r -= m, moved += m;
  }
}

/* max / mean of counts c [P] summing to N */
static double imbalance(const long long *c, int P, long long N) {
  long long most = 0;
  for (int r = 0; r < P; r++) most = c[r] > most ? c[r] : most;
  return N ? (double)most * P / (double)N : 1.0;
}

int amp_redistributor_init(amp_redistributor *r, MPI_Comm comm) {
  memset(r, 0, sizeof *r);
  r->comm = comm;
  if (MPI_Comm_size(comm, &r->nranks) != MPI_SUCCESS || MPI_Comm_rank(comm, &r->rank) != MPI_SUCCESS) return -1;
  r->count = malloc(2 * (size_t)r->nranks * sizeof *r->count);
  r->plan = malloc(4 * (size_t)r->nranks * sizeof *r->plan);
  int failed = !r->count || !r->plan;
  if (MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_MAX, comm) == MPI_SUCCESS && !failed) return 0;
  amp_redistributor_free(r);
  return -1;
}

void amp_redistributor_free(amp_redistributor *r) {
  free(r->count), free(r->plan);
  r->count = NULL;
  r->plan = NULL;
}

/* displacements [P] of consecutive blocks of counts [P], from `first` */
static void displacements(const int *counts, int P, int first, int *displs) {
  for (int r = 0; r < P; r++) displs[r] = first, first += counts[r];
}

/* The Alltoallv of the plan (send [P], recv [P] in r->plan): this rank
 * keeps `share` of its records, sends its tail and appends what it
 * receives. Returns 0 or -1 (on every rank). */
static int exchange(amp_redistributor *r, amp_items *w, long long share) {
  const int P = r->nranks;
  int *send = r->plan, *recv = send + P, *sdispl = recv + P, *rdispl = sdispl + P;
  size_t incoming = 0;
  for (int s = 0; s < P; s++) incoming += (size_t)recv[s];
  MPI_Datatype record = MPI_DATATYPE_NULL;
  int failed = w->bytes > INT_MAX || amp_items_reserve(w, w->n + incoming) ||
               MPI_Type_contiguous((int)w->bytes, MPI_BYTE, &record) != MPI_SUCCESS ||
               MPI_Type_commit(&record) != MPI_SUCCESS;
  if (MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_MAX, r->comm) != MPI_SUCCESS) failed = 1;
  if (!failed) {
    displacements(send, P, w->n > (size_t)share ? (int)share : (int)w->n, sdispl);
    displacements(recv, P, 0, rdispl);
    failed = MPI_Alltoallv(w->data, send, sdispl, record, w->data + w->n * w->bytes, recv, rdispl, record,
                           r->comm) != MPI_SUCCESS;
  }
  if (!failed) w->n = w->n > (size_t)share ? (size_t)share : w->n + incoming;
  if (record != MPI_DATATYPE_NULL && MPI_Type_free(&record) != MPI_SUCCESS) failed = 1;
  return failed ? -1 : 0;
}

int amp_redistribute(amp_redistributor *r, amp_items *w, int move, amp_redistribute_stats *st) {
  const int P = r->nranks;
  long long local = (long long)w->n, *count = r->count, *share = count + P;
  memset(st, 0, sizeof *st);
  if (MPI_Allgather(&local, 1, MPI_LONG_LONG, count, 1, MPI_LONG_LONG, r->comm) != MPI_SUCCESS) return -1;
  int too_many = 0;
  for (int s = 0; s < P; s++) st->total += count[s], too_many |= count[s] > INT_MAX;
  shares(count, P, st->total, share);
  st->before = imbalance(count, P, st->total);
  st->after = move ? imbalance(share, P, st->total) : st->before;
  if (!move) return 0;
  if (too_many) return -1; /* seen alike by every rank */
  st->moved = transfers(count, share, P, r->rank, r->plan, r->plan + P);
  return st->moved ? exchange(r, w, share[r->rank]) : 0;
}

/* ---- the record of a training work item ------------------------------------ */
/* Fields in record order: floats q, x, zeta_q, zeta_x, sign, then bytes mask. */
void amp_work_layout_init(amp_work_layout *l, int T, int nf, int nx, int nzq, int nzx) {
  *l = (amp_work_layout){.T = T, .nf = nf, .nx = nx, .nzq = nzq, .nzx = nzx};
  size_t floats = (size_t)T * (size_t)(nf + nx) + (size_t)(nzq + nzx) + 1;
  l->bytes = floats * sizeof(float) + (size_t)T;
}

/* copy n floats from *src to dst, advancing *src */
static void take(float *dst, const unsigned char **src, size_t n) {
  if (n) memcpy(dst, *src, n * sizeof(float));
  *src += n * sizeof(float);
}

/* copy n floats from src to *dst, advancing *dst */
static void put(unsigned char **dst, const float *src, size_t n) {
  if (n) memcpy(*dst, src, n * sizeof(float));
  *dst += n * sizeof(float);
}

void amp_work_put(amp_items *w, const amp_work_layout *l, size_t i, const float *q, const float *x,
                  const unsigned char *mask, const float *zeta_q, const float *zeta_x, float sign) {
  const size_t T = (size_t)l->T;
  unsigned char *rec = w->data + i * w->bytes;
  put(&rec, q, T * (size_t)l->nf);
  put(&rec, x, T * (size_t)l->nx);
  put(&rec, zeta_q, (size_t)l->nzq);
  put(&rec, zeta_x, (size_t)l->nzx);
  put(&rec, &sign, 1);
  memcpy(rec, mask, T);
}

/* zeta [k] *= sign */
static void scale(float *zeta, int k, float sign) {
  for (int c = 0; c < k; c++) zeta[c] *= sign;
}

void amp_work_batch(const amp_items *w, const amp_work_layout *l, size_t first, size_t m, float *q, float *x,
                    unsigned char *mask, float *zeta_q, float *zeta_x) {
  const size_t T = (size_t)l->T, nq = T * (size_t)l->nf, nx = T * (size_t)l->nx;
  for (size_t j = 0; j < m; j++) {
    const unsigned char *rec = w->data + (first + j) * w->bytes;
    float sign, *zq = zeta_q + j * (size_t)l->nzq, *zx = l->nzx ? zeta_x + j * (size_t)l->nzx : NULL;
    take(q + j * nq, &rec, nq);
    take(x + j * nx, &rec, nx);
    take(zq, &rec, (size_t)l->nzq);
    take(zx, &rec, (size_t)l->nzx);
    take(&sign, &rec, 1);
    memcpy(mask + j * T, rec, T);
    scale(zq, l->nzq, sign);
    scale(zx, l->nzx, sign);
  }
}

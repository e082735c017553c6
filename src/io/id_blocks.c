/*
 * id_blocks: rows regrouped into contiguous blocks of ids (see id_blocks.h).
 */
#include "id_blocks.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "h5.h"

void amp_id_block_range(int64_t N, int rank, int size, int64_t *lo, int64_t *n) {
  *lo = N * rank / size;
  *n = N * (rank + 1) / size - *lo;
}

/* The rank whose block holds `id`: the largest r with floor(r N / P) <= id. */
static int owner(int64_t id, int64_t N, int size) { return (int)(((id + 1) * size - 1) / N); }

/* The send side: counts per rank, and ids and rows sorted by destination. */
typedef struct {
  int *count, *displ;   /* [P] rows */
  int *dcount, *ddispl; /* [P] doubles */
  int64_t *ids;
  double *rows;
} exchange;

static void exchange_free(exchange *e) {
  free(e->count);
  free(e->displ);
  free(e->dcount);
  free(e->ddispl);
  free(e->ids);
  free(e->rows);
}

/* Counts for `size` ranks and room for nrows rows (none when nrows = 0). */
static int exchange_alloc(exchange *e, int size, size_t nrows, int W) {
  *e = (exchange){0};
  e->count = calloc((size_t)size, sizeof *e->count);
  e->displ = calloc((size_t)size, sizeof *e->displ);
  e->dcount = calloc((size_t)size, sizeof *e->dcount);
  e->ddispl = calloc((size_t)size, sizeof *e->ddispl);
  if (!e->count || !e->displ || !e->dcount || !e->ddispl) return -1;
  if (nrows == 0) return 0;
  e->ids = malloc(nrows * sizeof *e->ids);
  e->rows = malloc(nrows * (size_t)W * sizeof *e->rows);
  return e->ids && e->rows ? 0 : -1;
}

/* Counts and displacements from counts; fails when they overflow an int. */
static int displacements(exchange *e, int size, int W) {
  long long total = 0;
  for (int r = 0; r < size; ++r) {
    if (total * W > INT_MAX || (long long)e->count[r] * W > INT_MAX) return -1;
    e->displ[r] = (int)total;
    e->ddispl[r] = (int)(total * W);
    e->dcount[r] = e->count[r] * W;
    total += e->count[r];
  }
  return 0;
}

/* Sort this rank's rows by destination (stable, so by row within a rank). */
static int pack(exchange *e, int64_t N, int size, size_t nrows, const int64_t *ids, const double *rows, int W) {
  for (size_t i = 0; i < nrows; ++i) {
    if (ids[i] < 0 || ids[i] >= N) return -1;
    e->count[owner(ids[i], N, size)]++;
  }
  if (displacements(e, size, W)) return -1;
  int *next = calloc((size_t)size, sizeof *next);
  if (!next) return -1;
  for (size_t i = 0; i < nrows; ++i) {
    int r = owner(ids[i], N, size);
    size_t at = (size_t)e->displ[r] + (size_t)next[r]++;
    e->ids[at] = ids[i];
    memcpy(e->rows + at * (size_t)W, rows + i * (size_t)W, (size_t)W * sizeof *rows);
  }
  free(next);
  return 0;
}

/* Put received rows in id order; every id of the block exactly once. */
static int place(amp_id_block *b, size_t nrecv, const int64_t *ids, const double *rows) {
  if ((int64_t)nrecv != b->n) return -1;
  char *seen = calloc((size_t)(b->n ? b->n : 1), 1);
  if (!seen) return -1;
  int status = 0;
  for (size_t i = 0; i < nrecv && !status; ++i) {
    int64_t k = ids[i] - b->lo;
    if (k < 0 || k >= b->n || seen[k]) {
      status = -1;
      break;
    }
    seen[k] = 1;
    memcpy(b->rows + k * b->width, rows + i * (size_t)b->width, (size_t)b->width * sizeof *rows);
  }
  free(seen);
  return status;
}

/* The MPI exchange proper. Receive buffers are sized from the counts, so a
 * wrong set of ids cannot overflow them; place() then refuses it. */
static int transpose(MPI_Comm comm, int size, exchange *send, exchange *recv, int W, size_t *nrecv) {
  if (MPI_Alltoall(send->count, 1, MPI_INT, recv->count, 1, MPI_INT, comm) != MPI_SUCCESS) return -1;
  int status = displacements(recv, size, W);
  *nrecv = (size_t)recv->displ[size - 1] + (size_t)recv->count[size - 1];
  recv->ids = malloc((*nrecv ? *nrecv : 1) * sizeof *recv->ids);
  recv->rows = malloc((*nrecv ? *nrecv : 1) * (size_t)W * sizeof *recv->rows);
  if (!recv->ids || !recv->rows) status = -1;
  /* Every rank must know before anyone enters Alltoallv. */
  int any;
  if (MPI_Allreduce(&status, &any, 1, MPI_INT, MPI_MIN, comm) != MPI_SUCCESS || any) return -1;
  return MPI_Alltoallv(send->ids, send->count, send->displ, MPI_INT64_T, recv->ids, recv->count, recv->displ,
                       MPI_INT64_T, comm) != MPI_SUCCESS ||
                 MPI_Alltoallv(send->rows, send->dcount, send->ddispl, MPI_DOUBLE, recv->rows, recv->dcount,
                               recv->ddispl, MPI_DOUBLE, comm) != MPI_SUCCESS
             ? -1
             : 0;
}

int amp_id_blocks(MPI_Comm comm, int64_t N, size_t nrows, const int64_t *ids, const double *rows, int W,
                  amp_id_block *block, const char *path, char *err) {
  int rank, size;
  if (MPI_Comm_rank(comm, &rank) != MPI_SUCCESS || MPI_Comm_size(comm, &size) != MPI_SUCCESS)
    return amp_io_fail(err, AMP_IO_FAILED, "%s: MPI_Comm_rank/size failed", path);
  *block = (amp_id_block){.width = W};
  amp_id_block_range(N, rank, size, &block->lo, &block->n);
  exchange send = {0}, recv = {0};
  int status = exchange_alloc(&send, size, nrows, W) || exchange_alloc(&recv, size, 0, W) ||
                       !(block->rows = malloc((size_t)(block->n ? block->n : 1) * (size_t)W * sizeof *block->rows))
                   ? amp_io_fail(err, AMP_IO_FAILED, "%s: out of memory", path)
               : pack(&send, N, size, nrows, ids, rows, W)
                   ? amp_io_fail(err, AMP_IO_INVALID, "%s: a particle id is outside 0..%lld", path, (long long)N - 1)
                   : 0;
  status = amp_io_agree(comm, status, path, err);
  size_t nrecv = 0;
  if (!status && transpose(comm, size, &send, &recv, W, &nrecv))
    status = amp_io_fail(err, AMP_IO_FAILED, "%s: MPI_Alltoallv of particle rows failed", path);
  if (!status && place(block, nrecv, recv.ids, recv.rows))
    status = amp_io_fail(err, AMP_IO_INVALID, "%s: particle ids over the ranks are not 0..%lld, each once", path,
                         (long long)N - 1);
  exchange_free(&send);
  exchange_free(&recv);
  status = amp_io_agree(comm, status, path, err);
  if (status) {
    free(block->rows);
    block->rows = NULL;
  }
  return status;
}

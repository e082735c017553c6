/*
 * Redistribution of work items: whatever the counts per rank (all on rank 0,
 * random, already even, none), every rank ends with floor or ceil of the
 * mean, the multiset of records over all ranks is unchanged bit for bit,
 * a rank above its share keeps its first records in place, and each record
 * still reads back as the tokens, noise and sign it was written with.
 */
#include <mpi.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "activempi/redistribute.h"
#include "mpi_test.h"

enum { T = 3, NF = 2, NX = 4, NZQ = 2, NZX = 1 };

/* A recognisable item: every value a function of its tag (rank, index). */
typedef struct {
  float q[T * NF], x[T * NX], zeta_q[NZQ], zeta_x[NZX], sign;
  unsigned char mask[T];
} item;

static item make_item(int rank, size_t index) {
  item it;
  float tag = (float)(rank * 100000 + (long)index); /* exact below 2^24 */
  for (int k = 0; k < T * NF; k++) it.q[k] = k ? tag + 0.25f * (float)k : tag;
  for (int k = 0; k < T * NX; k++) it.x[k] = -tag - 0.5f * (float)k;
  for (int k = 0; k < NZQ; k++) it.zeta_q[k] = 1e-3f * tag + (float)k;
  for (int k = 0; k < NZX; k++) it.zeta_x[k] = -7.0f - (float)k;
  it.sign = index % 2 ? -1.0f : 1.0f;
  for (int k = 0; k < T; k++) it.mask[k] = (unsigned char)((index + (size_t)k) % 3 != 0 || k == 0);
  return it;
}

/* n items of this rank in w */
static void fill(amp_items *w, const amp_work_layout *l, int rank, size_t n) {
  assert_int_equal(amp_items_reserve(w, n), 0);
  for (size_t i = 0; i < n; i++) {
    item it = make_item(rank, i);
    amp_work_put(w, l, i, it.q, it.x, it.mask, it.zeta_q, it.zeta_x, it.sign);
  }
  w->n = n;
}

static size_t record_bytes;
static int by_bytes(const void *a, const void *b) { return memcmp(a, b, record_bytes); }

/* Every rank's records on rank 0, sorted (NULL elsewhere); *total records. */
static unsigned char *gather_sorted(const amp_items *w, long long *total) {
  int P, rank;
  MPI_Comm_size(MPI_COMM_WORLD, &P);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int mine = (int)(w->n * w->bytes), *counts = malloc((size_t)P * sizeof *counts), *displs = calloc((size_t)P, sizeof *displs);
  assert_int_equal(MPI_Gather(&mine, 1, MPI_INT, counts, 1, MPI_INT, 0, MPI_COMM_WORLD), MPI_SUCCESS);
  long long bytes = 0;
  for (int r = 0; rank == 0 && r < P; r++) displs[r] = (int)bytes, bytes += counts[r];
  unsigned char *all = rank == 0 ? malloc((size_t)bytes + 1) : NULL;
  assert_int_equal(MPI_Gatherv(w->data, mine, MPI_BYTE, all, counts, displs, MPI_BYTE, 0, MPI_COMM_WORLD), MPI_SUCCESS);
  *total = rank == 0 ? bytes / (long long)w->bytes : 0;
  record_bytes = w->bytes;
  if (rank == 0) qsort(all, (size_t)*total, w->bytes, by_bytes);
  free(counts), free(displs);
  return all;
}

/* Each record of w reads back as the item of its tag, its noise signed. */
static void assert_records_read_back(const amp_items *w, const amp_work_layout *l) {
  for (size_t i = 0; i < w->n; i++) {
    float q[T * NF], x[T * NX], zq[NZQ], zx[NZX];
    unsigned char mask[T];
    amp_work_batch(w, l, i, 1, q, x, mask, zq, zx);
    long tag = (long)q[0];
    item it = make_item((int)(tag / 100000), (size_t)(tag % 100000));
    assert_memory_equal(q, it.q, sizeof q);
    assert_memory_equal(x, it.x, sizeof x);
    assert_memory_equal(mask, it.mask, sizeof mask);
    for (int k = 0; k < NZQ; k++) assert_true(zq[k] == it.sign * it.zeta_q[k]);
    for (int k = 0; k < NZX; k++) assert_true(zx[k] == it.sign * it.zeta_x[k]);
  }
}

/* Redistribute n items per rank and check the result; its statistics. */
static amp_redistribute_stats check_redistribution(size_t n) {
  int P, rank;
  MPI_Comm_size(MPI_COMM_WORLD, &P);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  amp_work_layout l;
  amp_work_layout_init(&l, T, NF, NX, NZQ, NZX);
  assert_int_equal(l.bytes, sizeof(float) * (T * (NF + NX) + NZQ + NZX + 1) + T);
  amp_items w = {.bytes = l.bytes};
  fill(&w, &l, rank, n);
  amp_items mine = {.bytes = l.bytes};
  fill(&mine, &l, rank, n);
  long long before_total, after_total;
  unsigned char *before = gather_sorted(&w, &before_total);
  amp_redistributor r;
  amp_redistribute_stats st;
  assert_int_equal(amp_redistributor_init(&r, MPI_COMM_WORLD), 0);
  assert_int_equal(amp_redistribute(&r, &w, 1, &st), 0);
  long long floor_mean = st.total / P, ceil_mean = (st.total + P - 1) / P;
  assert_true((long long)w.n == floor_mean || (long long)w.n == ceil_mean);
  assert_true(st.after <= st.before);
  assert_true(st.after == (st.total ? (double)ceil_mean * P / (double)st.total : 1.0));
  size_t kept = w.n < n ? w.n : n; /* a rank keeps its first records in place */
  if (kept) assert_memory_equal(w.data, mine.data, kept * w.bytes);
  unsigned char *after = gather_sorted(&w, &after_total);
  if (rank == 0) {
    assert_true(before_total == st.total && after_total == st.total);
    assert_memory_equal(before, after, (size_t)st.total * w.bytes);
  }
  assert_records_read_back(&w, &l);
  free(before), free(after);
  amp_redistributor_free(&r);
  amp_items_free(&w);
  amp_items_free(&mine);
  return st;
}

static void all_items_on_rank_0_are_spread(void **state) {
  (void)state;
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  amp_redistribute_stats st = check_redistribution(rank == 0 ? 1001 : 0);
  if (rank == 0) print_message("1001 items on rank 0: max/mean %.3f -> %.3f, %lld moved\n", st.before, st.after, st.moved);
}

static void random_uneven_counts_are_spread(void **state) {
  (void)state;
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  for (unsigned trial = 0; trial < 20; trial++) {
    uint64_t h = (uint64_t)(rank + 1) * 0x9E3779B97F4A7C15ull ^ (uint64_t)trial * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
    check_redistribution((size_t)(h % (trial % 2 ? 700 : 40)));
  }
}

static void even_counts_move_nothing_and_none_is_fine(void **state) {
  (void)state;
  int P, rank;
  MPI_Comm_size(MPI_COMM_WORLD, &P);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  for (int empty = 0; empty < 2; empty++) {
    amp_work_layout l;
    amp_work_layout_init(&l, T, NF, NX, NZQ, NZX);
    amp_items w = {.bytes = l.bytes};
    size_t n = empty ? 0 : (size_t)(50 + (rank < 1)); /* 51, 50, 50, ...: floor or ceil already */
    fill(&w, &l, rank, n);
    amp_redistributor r;
    amp_redistribute_stats st;
    assert_int_equal(amp_redistributor_init(&r, MPI_COMM_WORLD), 0);
    assert_int_equal(amp_redistribute(&r, &w, 1, &st), 0);
    assert_true(st.moved == 0 && w.n == n && st.before == st.after);
    assert_true(st.total == (empty ? 0 : 50LL * P + 1));
    if (empty) assert_true(st.before == 1.0);
    amp_redistributor_free(&r);
    amp_items_free(&w);
  }
}

static void off_only_measures(void **state) {
  (void)state;
  int P, rank;
  MPI_Comm_size(MPI_COMM_WORLD, &P);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  amp_work_layout l;
  amp_work_layout_init(&l, T, NF, NX, 1, 0);
  amp_items w = {.bytes = l.bytes};
  fill(&w, &l, rank, rank == 0 ? 40 : 0);
  amp_redistributor r;
  amp_redistribute_stats st;
  assert_int_equal(amp_redistributor_init(&r, MPI_COMM_WORLD), 0);
  assert_int_equal(amp_redistribute(&r, &w, 0, &st), 0);
  assert_true(w.n == (rank == 0 ? 40u : 0u) && st.moved == 0 && st.total == 40);
  assert_true(st.before == (double)P && st.after == st.before);
  amp_redistributor_free(&r);
  amp_items_free(&w);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(all_items_on_rank_0_are_spread),
      cmocka_unit_test(random_uneven_counts_are_spread),
      cmocka_unit_test(even_counts_move_nothing_and_none_is_fine),
      cmocka_unit_test(off_only_measures),
  };
  int status = mpi_test_finish(cmocka_run_group_tests(tests, NULL, NULL));
  MPI_Finalize();
  return status;
}

/*
 * graph_neighborhood: the candidates of a bond-graph neighbourhood
 * (neighborhood.h, "Bond-graph neighbourhoods").
 *
 * Design. The graph is whole on every rank, by global id (physics.h), so the
 * walk itself needs no particles: breadth first from the target's id, level
 * by level, until the levels taken hold at least K other particles (or
 * nothing more is reachable). When the first particle of level h comes off
 * the queue, every particle of levels <= h is already on it and none beyond,
 * so the walk stops there: the K graph-nearest lie in those levels, and the
 * last level is taken whole because distance and id choose among it. Only
 * then are particles looked up among the rank's rows (row_of, indexed once
 * per build), for their distance and their tokens; one that is not there
 * means the halo does not reach the K-th graph neighbour.
 *
 * Scratch: row_of, hop and queue are arrays of the graph's N (16 bytes per
 * particle, like the graph itself), allocated once; after each walk only
 * the hops it set are cleared, and after each build only the rows it
 * indexed, so a build costs O(rows + particles walked), never O(N).
 */
#include <stdlib.h>

#include "neighborhood_internal.h"

void amp_graph_walk_free(amp_graph_walk *w) {
  free(w->row_of);
  free(w->hop);
  free(w->queue);
  *w = (amp_graph_walk){0};
}

/* Arrays for a graph of n particles, row_of and hop all -1. Returns 0 or -1. */
static int walk_init(amp_graph_walk *w, int64_t n) {
  if (w->n == n) return 0;
  amp_graph_walk_free(w);
  size_t m = n > 0 ? (size_t)n : 1;
  w->row_of = malloc(m * sizeof *w->row_of);
  w->hop = malloc(m * sizeof *w->hop);
  w->queue = malloc(m * sizeof *w->queue);
  if (!w->row_of || !w->hop || !w->queue) {
    amp_graph_walk_free(w);
    return -1;
  }
  for (size_t k = 0; k < m; ++k) w->row_of[k] = w->hop[k] = -1;
  w->n = n;
  return 0;
}

/* Breadth first from id `from` until the levels taken hold at least K
 * other particles: their ids in w->queue[0 .. reached), queue[0] = from,
 * hops ascending, in w->hop. Returns reached (>= 1). */
static size_t walk(amp_graph_walk *w, const amp_bonds *b, int64_t from, size_t K) {
  size_t reached = 1;
  w->queue[0] = from;
  w->hop[from] = 0;
  for (size_t head = 0; head < reached; ++head) {
    const int64_t u = w->queue[head];
    const int new_level = head > 0 && w->hop[u] > w->hop[w->queue[head - 1]];
    if (new_level && reached - 1 >= K) break; /* levels <= hop[u] are all queued and hold K */
    for (int64_t e = b->start[u]; e < b->start[u + 1]; ++e) {
      const int64_t v = b->partner[e];
      if (w->hop[v] < 0) w->hop[v] = w->hop[u] + 1, w->queue[reached++] = v;
    }
  }
  return reached;
}

/* Clear the hops of the last walk. */
static void unwalk(amp_graph_walk *w, size_t reached) {
  for (size_t k = 0; k < reached; ++k) w->hop[w->queue[k]] = -1;
}

int amp_graph_hops(const amp_bonds *b, int K) {
  amp_graph_walk w = {0};
  if (walk_init(&w, b->n)) return -1;
  int most = 0;
  for (int64_t id = 0; id < b->n; ++id) {
    size_t reached = walk(&w, b, id, (size_t)K);
    int last = w.hop[w.queue[reached - 1]];
    if (last > most) most = last;
    unwalk(&w, reached);
  }
  amp_graph_walk_free(&w);
  return most;
}

int amp_graph_begin(amp_neighborhoods *nb, const amp_neighborhood_spec *s, const amp_particles *p) {
  const size_t rows = p->nowned + p->nghost;
  for (size_t r = 0; r < rows; ++r)
    if (p->id[r] < 0 || p->id[r] >= s->bonds->n)
      return amp_nb_fail(nb, "particle id %lld is not in the bond graph of %lld particles (a bug)",
                         (long long)p->id[r], (long long)s->bonds->n);
  if (walk_init(&nb->walk, s->bonds->n)) return amp_nb_fail(nb, "out of memory for walks on the bond graph");
  for (size_t r = 0; r < rows; ++r) nb->walk.row_of[p->id[r]] = (int32_t)r;
  return 0;
}

void amp_graph_end(amp_neighborhoods *nb, const amp_particles *p) {
  for (size_t r = 0; r < p->nowned + p->nghost; ++r) nb->walk.row_of[p->id[r]] = -1;
}

/* Keys of the walked particles queue[1 .. reached) seen from row i. Returns
 * 0, or -1 with nb->error naming the first that is not a row of p. */
static int walked_keys(amp_neighborhoods *nb, const amp_neighborhood_spec *s, const amp_particles *p, size_t i,
                       size_t reached) {
  const amp_graph_walk *w = &nb->walk;
  amp_nb_key *k = nb->keys;
  for (size_t q = 1; q < reached; ++q) {
    const int64_t id = w->queue[q];
    const int32_t row = w->row_of[id];
    if (row < 0)
      return amp_nb_fail(nb,
                         "particle %lld (hop %d from particle %lld, a candidate for its %d graph neighbours) is not "
                         "on that particle's rank: the halo does not reach the K-th graph neighbour (a bond longer "
                         "than [interaction] bond_reach, or a halo capped below L/2): raise bond_reach, or use fewer "
                         "ranks",
                         (long long)id, w->hop[id], (long long)p->id[i], s->K);
    k[q - 1] = (amp_nb_key){amp_nb_distance2(s, p, i, (size_t)row), id, (uint32_t)row, w->hop[id]};
  }
  return 0;
}

int amp_graph_gather(amp_neighborhoods *nb, const amp_neighborhood_spec *s, const amp_particles *p, size_t i,
                     size_t *n) {
  const size_t reached = walk(&nb->walk, s->bonds, p->id[i], (size_t)s->K);
  int status = amp_nb_reserve_keys(nb, reached - 1)
                   ? amp_nb_fail(nb, "out of memory for the neighbourhood candidates")
                   : walked_keys(nb, s, p, i, reached);
  unwalk(&nb->walk, reached);
  *n = reached - 1;
  nb->candidates += *n;
  return status;
}

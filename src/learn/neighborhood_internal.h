/*
 * neighborhood_internal: what the two kinds of neighbourhood share inside
 * the learn module. neighborhood.c owns the tensors, the ordering of
 * candidates and the writing of tokens, and gathers the candidates in space;
 * graph_neighborhood.c gathers them on the bond graph. Either way a
 * candidate is a key, and the K smallest keys become tokens 1..K.
 */
#ifndef ACTIVEMPI_NEIGHBORHOOD_INTERNAL_H
#define ACTIVEMPI_NEIGHBORHOOD_INTERNAL_H

#include "activempi/neighborhood.h"

/* A candidate, ordered by (hop, d2, id): hop is 0 for every candidate in
 * space, so there the order is (d2, id). Keys are distinct (ids are). */
typedef struct {
  double d2;    /* squared minimum-image distance to the target */
  int64_t id;   /* global id: breaks ties */
  uint32_t row; /* in p */
  int32_t hop;  /* bonds from the target; 0 in space */
} amp_nb_key;

/* Squared minimum-image distance between rows i and j of p, in double. */
static inline double amp_nb_distance2(const amp_neighborhood_spec *s, const amp_particles *p, size_t i, size_t j) {
  const double *xi = p->x + i * (size_t)s->dim, *xj = p->x + j * (size_t)s->dim;
  double d2 = 0;
  for (int a = 0; a < s->dim; ++a) {
    double dx = amp_min_image(xi[a] - xj[a], s->L);
    d2 += dx * dx;
  }
  return d2;
}

/* Room for n keys in nb->keys. Returns 0 or -1. */
int amp_nb_reserve_keys(amp_neighborhoods *nb, size_t n);

/* -1, with the reason (printf-style) in nb->error. */
int amp_nb_fail(amp_neighborhoods *nb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* --- graph_neighborhood.c --- */

/* Before the targets of a build: size nb->walk for s->bonds and index p's
 * rows by id. Returns 0, or -1 with nb->error (out of memory, or an id of p
 * not in the graph); nothing then needs undoing. */
int amp_graph_begin(amp_neighborhoods *nb, const amp_neighborhood_spec *s, const amp_particles *p);

/* After them (whatever happened in between): forget p's rows. */
void amp_graph_end(amp_neighborhoods *nb, const amp_particles *p);

/* The keys of target row i's candidates on the graph into nb->keys[0 .. *n):
 * every particle of the levels that hold its K graph-nearest. Returns 0, or
 * -1 with nb->error (out of memory, or a candidate not among p's rows). */
int amp_graph_gather(amp_neighborhoods *nb, const amp_neighborhood_spec *s, const amp_particles *p, size_t i,
                     size_t *n);

void amp_graph_walk_free(amp_graph_walk *w);

#endif

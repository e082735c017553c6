/*
 * fixture: configurations every rank can regenerate (see fixture.h).
 */
#include "fixture.h"

#include <math.h>
#include <stdlib.h>

static uint64_t mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double fx_uniform(uint64_t seed, uint64_t id, uint64_t step, uint64_t k) {
  uint64_t h = mix(mix(mix(mix(seed) ^ id) ^ step) ^ k);
  return (double)(h >> 11) * 0x1.0p-53;
}

void fx_position(const fx_config *c, int64_t id, double *x) {
  int clustered = fx_uniform(c->seed, (uint64_t)id, 0, 99) < c->cluster_fraction;
  if (!clustered) {
    for (int a = 0; a < c->dim; ++a) x[a] = amp_wrap((fx_uniform(c->seed, (uint64_t)id, 0, (uint64_t)a) - 0.5) * c->L, c->L);
    return;
  }
  double r2;
  uint64_t attempt = 0;
  do { /* rejection from the cube around the ball */
    r2 = 0;
    for (int a = 0; a < c->dim; ++a) {
      x[a] = (2 * fx_uniform(c->seed, (uint64_t)id, 1000 + attempt, (uint64_t)a) - 1) * c->cluster_radius;
      r2 += x[a] * x[a];
    }
    ++attempt;
  } while (r2 > c->cluster_radius * c->cluster_radius);
  for (int a = 0; a < c->dim; ++a) x[a] = amp_wrap(x[a] + c->cluster_centre[a], c->L);
}

void fx_internal(const fx_config *c, int64_t id, int step, double *q) {
  for (int k = 0; k < c->nq; ++k) q[k] = fx_uniform(c->seed + 1, (uint64_t)id, (uint64_t)step, (uint64_t)k);
}

void fx_moved(const fx_config *c, int64_t id, int step, double jump, double *x) {
  fx_position(c, id, x);
  for (int s = 1; s <= step; ++s)
    for (int a = 0; a < c->dim; ++a)
      x[a] = amp_wrap(x[a] + jump * (2 * fx_uniform(c->seed + 2, (uint64_t)id, (uint64_t)s, (uint64_t)a) - 1), c->L);
}

void fx_fill(const fx_config *c, MPI_Comm comm, amp_particles *p) {
  int rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  amp_particles_init(p, c->dim, c->nq, (size_t)(c->n / size + 1));
  p->nowned = 0;
  for (int64_t id = rank; id < c->n; id += size) {
    size_t i = p->nowned++;
    p->id[i] = id;
    fx_position(c, id, p->x + i * (size_t)c->dim);
    fx_internal(c, id, 0, p->q + i * (size_t)c->nq);
  }
}

int fx_ids_once(const amp_domain *dom, const amp_particles *p, int64_t n) {
  int inside = 1;
  double lo[3], hi[3];
  amp_domain_subdomain(dom, dom->rank, lo, hi);
  for (size_t i = 0; i < p->nowned; ++i)
    for (int a = 0; a < dom->dim; ++a) {
      double x = p->x[i * (size_t)dom->dim + a];
      if (!(x >= lo[a] && x < hi[a])) inside = 0;
    }
  int64_t *seen = calloc((size_t)n, sizeof *seen);
  for (size_t i = 0; i < p->nowned; ++i)
    if (p->id[i] >= 0 && p->id[i] < n) ++seen[p->id[i]];
    else inside = 0;
  MPI_Allreduce(MPI_IN_PLACE, seen, (int)n, MPI_INT64_T, MPI_SUM, dom->comm);
  MPI_Allreduce(MPI_IN_PLACE, &inside, 1, MPI_INT, MPI_MIN, dom->comm);
  int once = 1;
  for (int64_t id = 0; id < n; ++id) once &= seen[id] == 1;
  free(seen);
  return once && inside;
}

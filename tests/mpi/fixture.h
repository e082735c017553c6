/*
 * fixture: configurations every rank can regenerate, for the domain tests.
 *
 * A particle's coordinates are a hash of (seed, id, step, component), so
 * every rank knows the whole configuration without communication and a test
 * can compare what a rank holds with the truth, row by row and by id. Rank r
 * starts with the ids r, r + P, r + 2P, ... wherever they lie, and the
 * domain module has to move them.
 */
#ifndef ACTIVEMPI_TESTS_FIXTURE_H
#define ACTIVEMPI_TESTS_FIXTURE_H

#include <mpi.h>
#include <stdint.h>

#include "activempi/domain.h"
#include "activempi/particles.h"

/* A uniform double in [0, 1) from four integers. */
double fx_uniform(uint64_t seed, uint64_t id, uint64_t step, uint64_t k);

/* How a configuration is drawn. Uniform in the box unless cluster_fraction
 * > 0: then that fraction of the ids lies uniformly in a disc (ball) of
 * radius cluster_radius around cluster_centre. */
typedef struct {
  uint64_t seed;
  int dim, nq;
  double L;
  int64_t n;                /* particles */
  double cluster_fraction;  /* of the ids in the cluster */
  double cluster_radius;
  double cluster_centre[3];
} fx_config;

/* Canonical position x[dim] of id at step 0. */
void fx_position(const fx_config *c, int64_t id, double *x);

/* Internal coordinates q[nq] of id at `step`. */
void fx_internal(const fx_config *c, int64_t id, int step, double *q);

/* The position of id at `step`: step 0's, displaced by up to `jump` per
 * step and component (cumulative), wrapped. */
void fx_moved(const fx_config *c, int64_t id, int step, double jump, double *x);

/* p holds the ids rank, rank + P, ... at step 0 (owned rows, no ghosts). */
void fx_fill(const fx_config *c, MPI_Comm comm, amp_particles *p);

/* Collective: 1 when the owned ids of every rank together are 0 .. n-1,
 * each exactly once, and every owned row lies in its rank's subdomain. */
int fx_ids_once(const amp_domain *dom, const amp_particles *p, int64_t n);

#endif

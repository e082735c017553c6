/*
 * domain_internal: what the files of the domain module share and callers do
 * not see: error reporting, agreement on failure across the replica, the
 * periodic interval distance, and rows packed as bytes for messages.
 *
 * A packed row is id (int64), then x[dim], then q[nq] (doubles): one MPI
 * contiguous type of amp_row_bytes() bytes carries it, so message counts are
 * rows, not bytes.
 */
#ifndef ACTIVEMPI_DOMAIN_INTERNAL_H
#define ACTIVEMPI_DOMAIN_INTERNAL_H

#include <mpi.h>
#include <stddef.h>

#include "activempi/domain.h"

/* Set dom->error from a printf format; returns -1. */
int amp_domain_fail(amp_domain *dom, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Collective: every rank learns whether any failed (failed != 0); if one
 * did, every rank returns -1 with the message of the lowest failing rank
 * in dom->error. Returns 0 when none failed. */
int amp_domain_agree(amp_domain *dom, int failed);

/* The distance on a circle of circumference L from x to the interval
 * [lo, hi] (0 inside); x, lo, hi in [-L/2, L/2]. */
double amp_periodic_gap(double x, double lo, double hi, double L);

/* The distance on a circle of circumference L between intervals [a0, a1] and [b0, b1]. */
double amp_interval_gap(double a0, double a1, double b0, double b1, double L);

/* Bytes of one packed row of p. */
size_t amp_row_bytes(const amp_particles *p);

/* Pack row `row` of p at buf (amp_row_bytes(p) bytes), or unpack it from buf. */
void amp_pack_row(const amp_particles *p, size_t row, unsigned char *buf);
void amp_unpack_row(amp_particles *p, size_t row, const unsigned char *buf);

/* A committed MPI type of one packed row of p, into *type. Returns 0 or -1. */
int amp_row_type(amp_domain *dom, const amp_particles *p, MPI_Datatype *type);

/* The rank at grid coordinates c[dim] (row-major, as MPI numbers a Cartesian grid). */
int amp_grid_rank(const amp_domain *dom, const int *c);

/* The slab of dimension a that holds coordinate x. */
int amp_grid_slab(const amp_domain *dom, int a, double x);

#endif

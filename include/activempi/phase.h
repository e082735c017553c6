/*
 * phase: the reference's local phase labels (analysis module; science.md §5).
 *
 * A particle is solid when at least `solid` particles, itself included, lie
 * within `radius` of it (minimum image, strictly closer), gas when at most
 * `gas` do, and interface otherwise (reference: radius 2.4, solid 5, gas 2).
 * Counting is a cell query per particle, so it is local: the rows must hold
 * the ghosts within `radius` of the owned ones.
 */
#ifndef ACTIVEMPI_PHASE_H
#define ACTIVEMPI_PHASE_H

#include "activempi/neighbors.h"
#include "activempi/particles.h"

typedef enum { AMP_PHASE_GAS, AMP_PHASE_INTERFACE, AMP_PHASE_SOLID, AMP_NPHASES } amp_phase;

typedef struct {
  double radius; /* counting distance */
  int solid;     /* solid: count >= solid */
  int gas;       /* gas: count <= gas (gas < solid) */
} amp_phase_rule;

/* The label of a particle with `count` particles within radius, itself included. */
amp_phase amp_phase_of(const amp_phase_rule *rule, int count);

/* "gas", "interface", "solid". */
const char *amp_phase_name(amp_phase phase);

/* count[i], itself included, for the owned rows of p, through cells c built
 * over all its rows (any cell size); rows is scratch (zero-initialised, free
 * with amp_rows_free). Returns 0, or -1 when out of memory. */
int amp_phase_counts(const amp_phase_rule *rule, const amp_cells *c, const amp_particles *p, amp_rows *rows,
                     int *count);

#endif

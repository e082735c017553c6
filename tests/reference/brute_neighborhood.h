/*
 * brute_neighborhood: the token tensors of one target by O(N^2) search, the
 * reference the unit and MPI tests compare amp_neighborhood_build with.
 *
 * Every other row of a particle set is a candidate; those at minimum-image
 * distance below R are sorted whole (qsort by distance, then id), the first
 * K kept, and the tokens written from scratch into zeroed arrays, so the
 * reference shares no selection, padding or layout code with the module.
 * With bonds, the candidates are every row the graph reaches, their hops
 * found by relaxing every bond until nothing changes (no queue), sorted by
 * (hop, distance, id), and each token carries its hop last.
 */
#ifndef ACTIVEMPI_TESTS_BRUTE_NEIGHBORHOOD_H
#define ACTIVEMPI_TESTS_BRUTE_NEIGHBORHOOD_H

#include <stddef.h>

#include "activempi/neighborhood.h"

/* Assert (cmocka) that batch entry b of nb is, bit for bit, the reference
 * tokens of row i of `all` (every row of `all` is a candidate), with the
 * right count. Returns that count. */
int brute_check_target(const amp_neighborhoods *nb, size_t b, const amp_neighborhood_spec *s,
                       const amp_particles *all, size_t i);

#endif

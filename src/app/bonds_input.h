/*
 * bonds_input: the bond graph an input describes, built the same on every
 * rank (private to app: the simulate and exact stages need it for forces,
 * train and evaluate for bond-graph neighbourhoods).
 */
#ifndef ACTIVEMPI_BONDS_INPUT_H
#define ACTIVEMPI_BONDS_INPUT_H

#include <mpi.h>

#include "activempi/config.h"
#include "activempi/physics.h"

/* Collective over comm: the graph of [interaction] bonds (an empty one for
 * bonds = "none"); distance bonds read the last frame of bond_reference.
 * Returns 0, or -1 with one line in err[size] (the same on every rank for a
 * user's mistake). Free b with amp_bonds_free, after a failure too. */
int amp_bonds_load(const amp_config *cfg, MPI_Comm comm, amp_bonds *b, char *err, size_t size);

/* amp_bonds_load, and the halo width the network's neighbourhoods need on
 * that graph besides their cutoff's into *graph_width (score.h:
 * amp_score_graph_halo; 0 for [network] neighborhood = "space"). The train
 * and evaluate stages' graph. */
int amp_bonds_load_with_halo(const amp_config *cfg, MPI_Comm comm, amp_bonds *b, double *graph_width, char *err,
                             size_t size);

/* The line for a bond (bad[0], bad[1]) that amp_bond_forces could not follow
 * (longer than bond_reach) at `where` ("step 100", "snapshot 3"), into
 * err[size]. Returns -1. */
int amp_bond_error(char *err, size_t size, const amp_config *cfg, const int64_t bad[2], const char *where);

#endif

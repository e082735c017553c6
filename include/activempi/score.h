/*
 * score: the score network configured for a system (learn module).
 *
 * Design. nn/ knows shapes, not physics; neighborhood.h knows tokens, not
 * networks. This joins them from the input: the [network] table gives the
 * sizes and the kind of neighbourhood (in space, or on the bond graph, whose
 * tokens carry one more position feature, the hop); the model and dimension
 * give the token widths (neighborhood.h) and the heads:
 *   internal-coordinate head: AOUP d outputs (s_g); ABP in 2-D one (s_theta,
 *   the score along the angle); ABP in 3-D three (s_n, to be projected on
 *   the tangent plane of n by its user);
 *   position head (outputs = "internal_and_position"): d outputs (s_x).
 */
#ifndef ACTIVEMPI_SCORE_H
#define ACTIVEMPI_SCORE_H

#include "activempi/config.h"
#include "activempi/drift.h"
#include "activempi/neighborhood.h"
#include "activempi/nn.h"

/* The architecture the configuration asks for (checked by config already). */
void amp_score_arch(const amp_config *cfg, amp_nn_arch *a);

/* The neighbourhoods that feed it. With [network] neighborhood = "bonds"
 * they walk `bonds` (the graph of [interaction] bonds, which must outlive
 * s); otherwise bonds is not used and may be NULL. */
void amp_score_neighborhood_spec(const amp_config *cfg, const amp_bonds *bonds, amp_neighborhood_spec *s);

/* The halo width those neighbourhoods need besides the cutoff's, into
 * *width: with neighborhood = "bonds", hops x [interaction] bond_reach
 * (hops = amp_graph_hops(bonds, K): every candidate of every particle is at
 * most that many bonds, each at most bond_reach long, away), capped at the
 * widest halo there is, just below L/2; 0 with "space". Returns 0, or -1
 * when out of memory for the walks. */
int amp_score_graph_halo(const amp_config *cfg, const amp_bonds *bonds, double *width);

/* What a stage needs to give its tokens the forces on their particles
 * ([network] forces = "input"; on = 0 otherwise, and nothing is held). */
typedef struct {
  int on;
  amp_drift_work drift;
  double *force; /* [rows][d] of the last build */
  size_t cap;    /* doubles allocated */
} amp_token_forces;

/* For cfg's network and system. Returns 0, or -1 when out of memory. */
int amp_token_forces_init(amp_token_forces *f, const amp_config *cfg);
void amp_token_forces_free(amp_token_forces *f);

/* The tokens of the n targets (owned rows of p; tokens.c): cells c over p's
 * rows with cutoff s->R, the forces on p's rows when s->force, then
 * amp_neighborhood_build_with_force. p's ghosts must cover the cutoff (and
 * the force cutoff beyond it with forces). Returns 0, or -1 with the reason
 * in nb->error. */
int amp_score_tokens(amp_token_forces *f, amp_neighborhoods *nb, const amp_neighborhood_spec *s, amp_cells *c,
                     const amp_particles *p, const size_t *target, size_t n);

/* Scores of a whole batch of neighbourhoods, through micro-batches of at
 * most ws->capacity particles (the activation budget):
 *   s_q [B, q_outputs], s_x [B, x_outputs] (NULL: not wanted)
 *   jq  [B, q_outputs, nf] d s_q / d q_self, jx [B, x_outputs, d] d s_x / d x_self
 *       (NULL: not computed; they need a workspace made with backward = 1)
 * for the B = nb->B targets of nb. */
void amp_score_evaluate(const amp_nn_layout *l, const float *params, amp_nn_workspace *ws,
                        const amp_neighborhoods *nb, int dim, float *s_q, float *s_x, float *jq, float *jx);

#endif

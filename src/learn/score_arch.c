/*
 * The score network's architecture and neighbourhoods from the input
 * (score.h): a direct translation of the [network] table, plus the widths
 * and heads the model implies, and the halo bond-graph tokens need.
 */
#include <math.h>

#include "activempi/score.h"

static int graph_tokens(const amp_config *cfg) { return cfg->network.neighborhood == AMP_NEIGHBORHOOD_BONDS; }

void amp_score_neighborhood_spec(const amp_config *cfg, const amp_bonds *bonds, amp_neighborhood_spec *s) {
  *s = (amp_neighborhood_spec){.model = cfg->system.model,
                               .dim = cfg->system.dimension,
                               .L = cfg->system.box_length,
                               .K = cfg->network.neighbors,
                               .R = cfg->network.neighborhood_cutoff,
                               .absolute_position = cfg->network.positions == AMP_POSITIONS_ABSOLUTE,
                               .force = cfg->network.forces != AMP_FORCES_NONE,
                               .drift = cfg->network.forces == AMP_FORCES_DRIFT,
                               .v0 = cfg->dynamics.v0,
                               .bonds = graph_tokens(cfg) ? bonds : NULL};
}

int amp_score_graph_halo(const amp_config *cfg, const amp_bonds *bonds, double *width) {
  *width = 0;
  if (!graph_tokens(cfg)) return 0;
  int hops = amp_graph_hops(bonds, cfg->network.neighbors);
  if (hops < 0) return -1;
  *width = fmin((double)hops * cfg->interaction.bond_reach, nextafter(cfg->system.box_length / 2, 0));
  return 0;
}

/* outputs of the internal-coordinate head */
static int internal_outputs(amp_model model, int dim) {
  if (model == AMP_MODEL_AOUP) return dim;
  return dim == 2 ? 1 : 3;
}

void amp_score_arch(const amp_config *cfg, amp_nn_arch *a) {
  const int d = cfg->system.dimension;
  int nf, nx;
  amp_neighborhood_widths(cfg->system.model, d, cfg->network.positions == AMP_POSITIONS_ABSOLUTE, graph_tokens(cfg),
                          cfg->network.forces != AMP_FORCES_NONE, cfg->network.forces == AMP_FORCES_DRIFT, &nf, &nx);
  *a = (amp_nn_arch){.q_features = nf,
                     .x_features = nx,
                     .q_outputs = internal_outputs(cfg->system.model, d),
                     .x_outputs = cfg->network.outputs == AMP_OUTPUTS_POSITION ? d : 0,
                     .embed_dim = cfg->network.embed_dim,
                     .heads = cfg->network.heads,
                     .layers = cfg->network.layers,
                     .ff_dim = cfg->network.feedforward_dim,
                     .ff_layers = cfg->network.feedforward_layers,
                     .embed_layers = cfg->network.embed_hidden_layers,
                     .embed_width = cfg->network.embed_hidden_width,
                     .decoder_layers = cfg->network.decoder_hidden_layers,
                     .decoder_width = cfg->network.decoder_hidden_width,
                     .pooling = cfg->network.pooling == AMP_POOLING_MEAN ? AMP_NN_POOL_MEAN : AMP_NN_POOL_SELF,
                     .equilibrium_shift = cfg->network.shift == AMP_SHIFT_EQUILIBRIUM,
                     .envelope_radius = cfg->network.envelope == AMP_ENVELOPE_SMOOTH
                                            ? cfg->network.neighborhood_cutoff
                                            : 0,
                     .distance = cfg->network.distance == AMP_DISTANCE_INPUT,
                     .force_features = cfg->network.forces != AMP_FORCES_NONE ? d : 0,
                     .drift_features = cfg->network.forces == AMP_FORCES_DRIFT ? d : 0,
                     .position_dim = cfg->network.envelope == AMP_ENVELOPE_SMOOTH ||
                                             cfg->network.distance == AMP_DISTANCE_INPUT
                                         ? d
                                         : 0};
}

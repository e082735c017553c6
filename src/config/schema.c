/*
 * schema: every key of the input file, its type, default, valid values and
 * meaning (see schema.h). doc/input.md shows the same rows; a test keeps the
 * two equal. Defaults follow the paper's MIPS experiment (science.md §5) where
 * it has one; physical parameters without a natural default are required.
 */
#include "schema.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define F(field) offsetof(amp_config, field)
#define VALUE(text) AMP_DEFAULT_VALUE, text
#define REQUIRED AMP_DEFAULT_REQUIRED, NULL
#define DERIVED(how) AMP_DEFAULT_DERIVED, how
#define ANY -HUGE_VAL, HUGE_VAL, 0, 0
#define GT(x) (x), HUGE_VAL, 1, 0
#define GE(x) (x), HUGE_VAL, 0, 0
#define FROM_TO(a, b) (a), (b), 0, 0
#define OPEN(a, b) (a), (b), 1, 1
#define LEFT_OPEN(a, b) (a), (b), 1, 0
#define RIGHT_OPEN(a, b) (a), (b), 0, 1
#define ALL AMP_MODELS_ALL

/* clang-format off */
const amp_key_spec amp_schema[] = {
  /* [run] */
  {"run", "stages", AMP_KEY_STAGES, F(run.stages), DERIVED("the stage tables in the file"), ANY,
   "simulate|train|evaluate|exact", ALL, "stages to run, in pipeline order"},
  {"run", "seed", AMP_KEY_LONG, F(run.seed), VALUE("0"), FROM_TO(0, 4294967295.0), NULL, ALL,
   "key of every random stream: the same seed gives the same run on any number of ranks"},
  {"run", "output_dir", AMP_KEY_STRING, F(run.output_dir), VALUE("\"output\""), ANY, NULL, ALL,
   "directory for everything the run writes (created if missing)"},
  {"run", "replicas", AMP_KEY_INT, F(run.replicas), VALUE("1"), GE(1), NULL, ALL,
   "independent configurations run side by side (evaluate: each its share of the snapshots); must divide the "
   "number of MPI ranks"},
  {"run", "progress_interval", AMP_KEY_REAL, F(run.progress_interval), VALUE("10.0"), GT(0), NULL, ALL,
   "seconds between progress lines (rank 0; --quiet turns them off)"},
  {"run", "blas_threads", AMP_KEY_INT, F(run.blas_threads), VALUE("1"), FROM_TO(1, 256), NULL, ALL,
   "OpenBLAS threads per MPI rank"},

  /* [system] */
  {"system", "model", AMP_KEY_CHOICE, F(system.model), VALUE("\"aoup\""), ANY, "aoup|abp", ALL,
   "active Ornstein-Uhlenbeck (aoup) or active Brownian (abp) particles"},
  {"system", "dimension", AMP_KEY_INT, F(system.dimension), VALUE("2"), FROM_TO(1, 3), NULL, ALL,
   "spatial dimension d"},
  {"system", "particles", AMP_KEY_LONG, F(system.particles), REQUIRED, GE(1), NULL, ALL,
   "number of particles N"},
  {"system", "packing_fraction", AMP_KEY_REAL, F(system.packing_fraction), DERIVED("from box_length"),
   LEFT_OPEN(0, 1), NULL, ALL,
   "phi = N v(a) / L^d, v(a) the volume of one particle; give it or box_length"},
  {"system", "box_length", AMP_KEY_REAL, F(system.box_length), DERIVED("from packing_fraction"), GT(0),
   NULL, ALL, "side L of the periodic box (length); give it or packing_fraction"},
  {"system", "radius", AMP_KEY_REAL, F(system.radius), VALUE("1.0"), GT(0), NULL, ALL,
   "particle radius a (the unit of length)"},

  /* [interaction] */
  {"interaction", "potential", AMP_KEY_CHOICE, F(interaction.potential), VALUE("\"softplus_harmonic\""),
   ANY, "softplus_harmonic|harmonic|wca|none", ALL,
   "pair repulsion between particles closer than 2a (wca: sigma = 2a, cut at 2^(1/6) sigma)"},
  {"interaction", "stiffness", AMP_KEY_REAL, F(interaction.stiffness), VALUE("1.0"), GE(0), NULL, ALL,
   "k: strength of the pair force (wca: its energy epsilon)"},
  {"interaction", "beta", AMP_KEY_REAL, F(interaction.beta), VALUE("7.5"), GT(0), NULL, ALL,
   "sharpness of softplus_harmonic (1/length)"},
  {"interaction", "cutoff_tolerance", AMP_KEY_REAL, F(interaction.cutoff_tolerance), VALUE("1e-08"),
   OPEN(0, 1), NULL, ALL, "softplus_harmonic is cut where its force falls below this (relative to k)"},
  {"interaction", "trap", AMP_KEY_REAL, F(interaction.trap), VALUE("0.0"), GE(0), NULL, ALL,
   "A: stiffness of a harmonic trap about the origin (1/time)"},
  {"interaction", "bonds", AMP_KEY_CHOICE, F(interaction.bonds), VALUE("\"none\""), ANY,
   "none|chain|ring|lattice|distance", ALL,
   "harmonic springs between particles by global id: i and i+1 (chain; ring also N-1 and 0), lattice neighbours, or pairs closer than bond_distance in bond_reference"},
  {"interaction", "bond_stiffness", AMP_KEY_REAL, F(interaction.bond_stiffness), VALUE("1.0"), GE(0), NULL, ALL,
   "k_b: a bond (i, j) pulls i with -k_b (x_i - x_j), minimum image (1/time)"},
  {"interaction", "bond_distance", AMP_KEY_REAL, F(interaction.bond_distance),
   DERIVED("required when bonds = \"distance\""), GT(0), NULL, ALL,
   "distance bonds join the pairs closer than this in the reference configuration (length)"},
  {"interaction", "bond_reference", AMP_KEY_STRING, F(interaction.bond_reference),
   DERIVED("required when bonds = \"distance\""), ANY, NULL, ALL,
   "H5MD trajectory whose last frame is the reference configuration of distance bonds"},
  {"interaction", "bond_reach", AMP_KEY_REAL, F(interaction.bond_reach), DERIVED("L/4"), GT(0), NULL, ALL,
   "longest bond allowed (length): the halo covers it and a longer bond stops the run; below L/2 with the skin"},

  /* [dynamics] */
  {"dynamics", "v0", AMP_KEY_REAL, F(dynamics.v0), REQUIRED, GE(0), NULL, ALL,
   "self-propulsion speed (length/time)"},
  {"dynamics", "gamma", AMP_KEY_REAL, F(dynamics.gamma), REQUIRED, GT(0), NULL, AMP_MODELS_AOUP,
   "relaxation rate of the self-propulsion g, the inverse persistence time (1/time)"},
  {"dynamics", "translational_diffusion", AMP_KEY_REAL, F(dynamics.translational_diffusion), VALUE("0.0"),
   GE(0), NULL, ALL, "eps (aoup) or Dt (abp), length^2/time; 0 is the hypoelliptic case"},
  {"dynamics", "rotational_diffusion", AMP_KEY_REAL, F(dynamics.rotational_diffusion), REQUIRED, GT(0),
   NULL, AMP_MODELS_ABP, "Dr: rotational diffusion of the orientation (1/time)"},
  {"dynamics", "dt", AMP_KEY_REAL, F(dynamics.dt), REQUIRED, GT(0), NULL, ALL, "time step (time)"},

  /* [simulate] */
  {"simulate", "burn_in_steps", AMP_KEY_LONG, F(simulate.burn_in_steps), VALUE("0"), GE(0), NULL, ALL,
   "steps run before anything is written"},
  {"simulate", "steps", AMP_KEY_LONG, F(simulate.steps), REQUIRED, GE(1), NULL, ALL,
   "steps after the burn-in"},
  {"simulate", "snapshot_interval", AMP_KEY_LONG, F(simulate.snapshot_interval), VALUE("100"), GE(1),
   NULL, ALL, "steps between snapshots in the trajectory"},
  {"simulate", "checkpoint_interval", AMP_KEY_LONG, F(simulate.checkpoint_interval), VALUE("0"), GE(0),
   NULL, ALL, "steps between checkpoints (0: only at the end and on SIGTERM or SIGUSR1)"},
  {"simulate", "trajectory", AMP_KEY_STRING, F(simulate.trajectory), VALUE("\"trajectory.h5\""), ANY,
   NULL, ALL, "H5MD trajectory written, in output_dir"},
  {"simulate", "initial", AMP_KEY_CHOICE, F(simulate.initial), VALUE("\"random\""), ANY,
   "random|random_nonoverlapping|lattice|file|origin", ALL,
   "starting positions: uniform, uniform without overlaps, a simple cubic lattice, the last frame of initial_file, or all at the origin (potential \"none\": bonded networks)"},
  {"simulate", "initial_file", AMP_KEY_STRING, F(simulate.initial_file), DERIVED("required when initial = \"file\""),
   ANY, NULL, ALL, "H5MD trajectory whose last frame starts the run"},
  {"simulate", "skin", AMP_KEY_REAL, F(simulate.skin), VALUE("0.5"), GT(0), NULL, ALL,
   "Verlet-list skin (length): lists are rebuilt once a particle has moved half of it"},
  {"simulate", "load_balance_threshold", AMP_KEY_REAL, F(simulate.load_balance_threshold), VALUE("1.2"), GE(1),
   NULL, ALL, "subdomains are resized when the particle-count imbalance max/mean exceeds this"},

  /* [network] */
  {"network", "neighbors", AMP_KEY_INT, F(network.neighbors), VALUE("64"), FROM_TO(1, 4096), NULL, ALL,
   "K: nearest neighbours in each particle's neighbourhood"},
  {"network", "neighborhood_cutoff", AMP_KEY_REAL, F(network.neighborhood_cutoff), VALUE("12.0"), GT(0),
   NULL, ALL, "R: neighbours farther than this are masked out; the network's halo width (length)"},
  {"network", "neighborhood", AMP_KEY_CHOICE, F(network.neighborhood), VALUE("\"space\""), ANY, "space|bonds", ALL,
   "tokens of a particle: its K nearest in space (within neighborhood_cutoff), or on the bond graph (fewest bonds "
   "away, each token with its hop count; needs [interaction] bonds, and neighborhood_cutoff selects nothing)"},
  {"network", "embed_dim", AMP_KEY_INT, F(network.embed_dim), VALUE("256"), FROM_TO(2, 65536), NULL, ALL,
   "C: token width; even, and a multiple of heads"},
  {"network", "heads", AMP_KEY_INT, F(network.heads), VALUE("4"), FROM_TO(1, 1024), NULL, ALL,
   "attention heads per encoder block"},
  {"network", "layers", AMP_KEY_INT, F(network.layers), VALUE("4"), FROM_TO(1, 1024), NULL, ALL,
   "L: encoder blocks"},
  {"network", "feedforward_dim", AMP_KEY_INT, F(network.feedforward_dim), VALUE("256"), FROM_TO(1, 65536),
   NULL, ALL, "F: hidden width of each block's feed-forward layer"},
  {"network", "embed_hidden_layers", AMP_KEY_INT, F(network.embed_hidden_layers), VALUE("4"),
   FROM_TO(0, 64), NULL, ALL, "hidden layers of the position and internal-coordinate embedding MLPs"},
  {"network", "embed_hidden_width", AMP_KEY_INT, F(network.embed_hidden_width), VALUE("256"),
   FROM_TO(1, 65536), NULL, ALL, "width of those hidden layers"},
  {"network", "decoder_hidden_layers", AMP_KEY_INT, F(network.decoder_hidden_layers), VALUE("4"),
   FROM_TO(0, 64), NULL, ALL, "hidden layers of the decoder MLP"},
  {"network", "decoder_hidden_width", AMP_KEY_INT, F(network.decoder_hidden_width), VALUE("256"),
   FROM_TO(1, 65536), NULL, ALL, "width of those hidden layers"},
  {"network", "feedforward_layers", AMP_KEY_INT, F(network.feedforward_layers), VALUE("1"), FROM_TO(0, 64),
   NULL, ALL, "hidden layers of each block's feed-forward MLP (C -> F ... F -> C)"},
  {"network", "pooling", AMP_KEY_CHOICE, F(network.pooling), VALUE("\"self\""), ANY, "self|mean", ALL,
   "readout: the particle's own token, or the mean of its neighbourhood's tokens"},
  {"network", "envelope", AMP_KEY_CHOICE, F(network.envelope), VALUE("\"none\""), ANY, "none|smooth", ALL,
   "smooth: each neighbour token weighs (1 - r^2/R^2)^2 in attention and mean pooling (R = neighborhood_cutoff), "
   "so the score stays continuous when a neighbour crosses R (neighborhood = \"space\" only)"},
  {"network", "distance", AMP_KEY_CHOICE, F(network.distance), VALUE("\"none\""), ANY, "none|input", ALL,
   "input: each token's position embedding also reads its distance r = norm(x_i - x_j), so a feature at one distance "
   "(a contact) is a function of one input, not a ring in the plane"},
  {"network", "forces", AMP_KEY_CHOICE, F(network.forces), VALUE("\"none\""), ANY, "none|input|drift", ALL,
   "input: each token also carries the interaction force on its particle (pairs and trap: the drift without "
   "self-propulsion), so the network sees its neighbours' velocities; drift: also its drift relative to the "
   "target's, b_j - b_i (AOUP); internal-coordinate head only, no bonds"},
  {"network", "positions", AMP_KEY_CHOICE, F(network.positions), VALUE("\"relative\""), ANY,
   "relative|relative_and_absolute", ALL,
   "position input per token: x_i - x_j, or also x_j (a trap breaks translation invariance)"},
  {"network", "outputs", AMP_KEY_CHOICE, F(network.outputs), DERIVED("\"internal_and_position\" when translational_diffusion > 0, else \"internal\""),
   ANY, "internal|internal_and_position", ALL,
   "score heads: internal coordinate only, or also position (needed for the EPR when translational noise is on)"},
  {"network", "shift", AMP_KEY_CHOICE, F(network.shift), VALUE("\"none\""), ANY, "none|equilibrium", AMP_MODELS_AOUP,
   "equilibrium: the g-score is the network minus g (exact at v0 = 0)"},
  {"network", "activation_memory", AMP_KEY_REAL, F(network.activation_memory), VALUE("512.0"), GT(0), NULL, ALL,
   "MiB per rank for one micro-batch's activations; larger batches are split"},

  /* [train] */
  {"train", "source", AMP_KEY_CHOICE, F(train.source), VALUE("\"file\""), ANY, "file|online", ALL,
   "file: learn from the snapshots of a trajectory (data); online: run the [simulate] table's simulation "
   "and learn from its snapshots as they come, through a replay buffer (doc/training.md)"},
  {"train", "replay_frames", AMP_KEY_INT, F(train.replay_frames), VALUE("64"), FROM_TO(1, 1048576), NULL, ALL,
   "online: the newest training snapshots kept, whole on every rank of a replica; each step draws one of them"},
  {"train", "steps_per_snapshot", AMP_KEY_LONG, F(train.steps_per_snapshot), VALUE("10"), GE(1), NULL, ALL,
   "online: training steps after each snapshot that enters the replay buffer"},
  {"train", "loss", AMP_KEY_CHOICE, F(train.loss), VALUE("\"denoising\""), ANY,
   "denoising|denoising_internal|implicit", ALL,
   "score matching: denoising over the whole configuration, over internal coordinates only, or implicit "
   "(Hyvarinen: the internal-coordinate head, see doc/training.md); 3-D ABPs need \"implicit\""},
  {"train", "noise_scale", AMP_KEY_REAL, F(train.noise_scale), VALUE("0.01"), GT(0), NULL, ALL,
   "sigma of the denoising loss"},
  {"train", "batch_particles", AMP_KEY_INT, F(train.batch_particles), VALUE("1024"), GE(1), NULL, ALL,
   "particles per optimiser step, over all ranks"},
  {"train", "frames_per_step", AMP_KEY_INT, F(train.frames_per_step), VALUE("1"), FROM_TO(1, 65536), NULL, ALL,
   "snapshots each replica draws per optimiser step, its batch_particles spread over them (small systems: many)"},
  {"train", "data_memory", AMP_KEY_REAL, F(train.data_memory), VALUE("1.0"), GE(0), NULL, ALL,
   "GiB per rank of data frames kept in memory after their first read (the first frames that fit), so steps that "
   "draw them again read no file; 0: every draw reads the file; source \"file\" only"},
  {"train", "steps", AMP_KEY_LONG, F(train.steps), REQUIRED, GE(1), NULL, ALL, "optimiser steps"},
  {"train", "optimizer", AMP_KEY_CHOICE, F(train.optimizer), VALUE("\"radam\""), ANY, "radam|adam", ALL,
   "optimiser"},
  {"train", "learning_rate", AMP_KEY_REAL, F(train.learning_rate), VALUE("0.0001"), GT(0), NULL, ALL,
   "peak learning rate"},
  {"train", "warmup_steps", AMP_KEY_LONG, F(train.warmup_steps), DERIVED("min(10000, decay_steps / 10)"),
   GE(0), NULL, ALL, "linear warm-up to the peak learning rate"},
  {"train", "decay_steps", AMP_KEY_LONG, F(train.decay_steps), DERIVED("steps"), GE(1), NULL, ALL,
   "cosine decay to 0 at this step"},
  {"train", "clip_norm", AMP_KEY_REAL, F(train.clip_norm), VALUE("1.0"), GE(0), NULL, ALL,
   "clip the gradient to this global norm (0: no clipping)"},
  {"train", "weight_decay", AMP_KEY_REAL, F(train.weight_decay), VALUE("0.0"), GE(0), NULL, ALL,
   "decoupled weight decay: each update also subtracts learning_rate * weight_decay * parameter"},
  {"train", "ema", AMP_KEY_REAL, F(train.ema), VALUE("0.9999"), RIGHT_OPEN(0, 1), NULL, ALL,
   "decay of the parameters' moving average, which is what gets evaluated"},
  {"train", "data", AMP_KEY_STRING, F(train.data), DERIVED("the simulate stage's trajectory"), ANY, NULL,
   ALL, "H5MD trajectory to learn from (required when simulate does not run); source \"file\" only"},
  {"train", "initial", AMP_KEY_STRING, F(train.initial), DERIVED("none"), ANY, NULL, ALL,
   "a train_checkpoint.h5 of the same network to continue from (its parameters, moving average, optimiser "
   "moments and step) when output_dir has no checkpoint yet: more steps on other data, e.g. a finer time step; "
   "steps counts from 0 and must not be below its step; source \"file\" only"},
  {"train", "first_snapshot", AMP_KEY_LONG, F(train.first_snapshot), VALUE("0"), GE(0), NULL, ALL,
   "frames of data (online: snapshots) before this one are not used (more burn-in)"},
  {"train", "validation_fraction", AMP_KEY_REAL, F(train.validation_fraction), VALUE("0.1"), FROM_TO(0, 0.5),
   NULL, ALL, "this fraction of the frames of data, the last ones (at least one when > 0), is held out for validation; "
   "online: every round(1/fraction)-th snapshot"},
  {"train", "log_interval", AMP_KEY_LONG, F(train.log_interval), VALUE("100"), GE(1), NULL, ALL,
   "steps between log rows: loss, gradient norm, learning rate, validation loss and EPR"},
  {"train", "checkpoint_interval", AMP_KEY_LONG, F(train.checkpoint_interval), VALUE("1000"), GE(0), NULL, ALL,
   "steps between checkpoints of the training state (0: only at the end and on a signal); source \"file\" "
   "only: online they come with the simulation's"},
  {"train", "redistribute", AMP_KEY_CHOICE, F(train.redistribute), VALUE("\"on\""), ANY, "on|off", ALL,
   "hand the batch's token tensors from ranks with many targets (a MIPS cluster) to ranks with few, so each evaluates about as many"},
  {"train", "model", AMP_KEY_STRING, F(train.model), VALUE("\"model.h5\""), ANY, NULL, ALL,
   "model file written, in output_dir"},

  /* [evaluate] */
  {"evaluate", "source", AMP_KEY_CHOICE, F(evaluate.source), VALUE("\"file\""), ANY, "file|online", ALL,
   "file: evaluate the snapshots of a trajectory; online: evaluate the [simulate] table's simulation in situ, "
   "each snapshot as it is taken, with no trajectory read (doc/evaluate.md)"},
  {"evaluate", "model", AMP_KEY_STRING, F(evaluate.model), DERIVED("the train stage's model"), ANY, NULL,
   ALL, "model file to evaluate (required when train does not run)"},
  {"evaluate", "trajectory", AMP_KEY_STRING, F(evaluate.trajectory),
   DERIVED("the simulate stage's trajectory"), ANY, NULL, ALL,
   "H5MD trajectory to evaluate (required when simulate does not run); source \"file\" only"},
  {"evaluate", "output", AMP_KEY_STRING, F(evaluate.output), VALUE("\"epr.h5\""), ANY, NULL, ALL,
   "results file written, in output_dir"},
  {"evaluate", "first_snapshot", AMP_KEY_LONG, F(evaluate.first_snapshot), VALUE("0"), GE(0), NULL, ALL,
   "snapshots before this one (frames of the trajectory, or of the simulation online) are not evaluated"},
  {"evaluate", "stride", AMP_KEY_LONG, F(evaluate.stride), VALUE("1"), GE(1), NULL, ALL,
   "evaluate every stride-th frame from first_snapshot on"},
  {"evaluate", "phase_radius", AMP_KEY_REAL, F(evaluate.phase_radius), VALUE("2.4"), GT(0), NULL, ALL,
   "phase labels count the particles within this distance of each one, itself included"},
  {"evaluate", "solid_neighbors", AMP_KEY_INT, F(evaluate.solid_neighbors), VALUE("5"), GE(1), NULL, ALL,
   "a particle with at least this many within phase_radius (itself included) is solid"},
  {"evaluate", "gas_neighbors", AMP_KEY_INT, F(evaluate.gas_neighbors), VALUE("2"), GE(1), NULL, ALL,
   "a particle with at most this many within phase_radius (itself included) is gas; between the two: interface"},
  {"evaluate", "field_cells", AMP_KEY_INT, F(evaluate.field_cells),
   DERIVED("L / (4 radius) rounded, at least 1: cells two particle diameters wide"), FROM_TO(0, 1048576), NULL, ALL,
   "cells per side of the grid of the coarse-grained fields (particle density, EPR density, current); 0: none"},
  {"evaluate", "radial_bin", AMP_KEY_REAL, F(evaluate.radial_bin), DERIVED("2 radius: one particle diameter"),
   GT(0), NULL, ALL, "bin width of the radial profile of sigma about the largest cluster's centre, out to L/2"},

  /* [exact] */
  {"exact", "reference", AMP_KEY_CHOICE, F(exact.reference), REQUIRED, ANY, "gaussian|ring", ALL,
   "the exact solution: gaussian, the linear system of trap and bonds (interaction potential \"none\"); ring, "
   "two AOUPs on a ring (d = 1, N = 2) by a 2-D Fokker-Planck solve"},
  {"exact", "output", AMP_KEY_STRING, F(exact.output), VALUE("\"exact.h5\""), ANY, NULL, ALL,
   "results file written, in output_dir"},
  {"exact", "trajectory", AMP_KEY_STRING, F(exact.trajectory), DERIVED("the simulate stage's trajectory, if it runs"),
   ANY, NULL, ALL,
   "gaussian: H5MD trajectory whose snapshots get the exact score and EPR (none: only the stationary law)"},
  {"exact", "gaussian_memory_per_rank", AMP_KEY_REAL, F(exact.gaussian_memory_per_rank), VALUE("4.0"), GT(0), NULL,
   ALL, "gaussian: GiB one rank may use for the eigensolve; a larger N is refused before it starts"},
  {"exact", "ring_cells_r", AMP_KEY_INT, F(exact.ring_cells_r), VALUE("2048"), FROM_TO(8, 1048576), NULL, ALL,
   "ring: finite-volume cells in the pair distance r over the box, on the finest grid"},
  {"exact", "ring_cells_u", AMP_KEY_INT, F(exact.ring_cells_u), VALUE("256"), FROM_TO(8, 1048576), NULL, ALL,
   "ring: cells in u = (g1 - g2)/sqrt(2) over [-ring_u_max, ring_u_max], on the finest grid"},
  {"exact", "ring_u_max", AMP_KEY_REAL, F(exact.ring_u_max), VALUE("8.0"), FROM_TO(3, 12), NULL, ALL,
   "ring: u is truncated to [-ring_u_max, ring_u_max] with zero-flux walls"},
  {"exact", "ring_levels", AMP_KEY_INT, F(exact.ring_levels), VALUE("3"), FROM_TO(3, 8), NULL, ALL,
   "ring: grids of the convergence study, the finest and then each with half the cells in r and in u"},
};
/* clang-format on */
const size_t amp_schema_count = sizeof amp_schema / sizeof amp_schema[0];

const amp_key_spec *amp_schema_find(const char *table, const char *key) {
  for (size_t i = 0; i < amp_schema_count; ++i)
    if (!strcmp(amp_schema[i].table, table) && !strcmp(amp_schema[i].key, key)) return &amp_schema[i];
  return NULL;
}

int amp_schema_has_table(const char *table) {
  for (size_t i = 0; i < amp_schema_count; ++i)
    if (!strcmp(amp_schema[i].table, table)) return 1;
  return 0;
}

int amp_schema_table_stage(const char *table) {
  for (int s = 0; s < AMP_NSTAGES; ++s)
    if (!strcmp(table, amp_stage_name((amp_stage)s))) return s;
  return -1;
}

int amp_schema_train_key_applies(const char *key, amp_data_source source) {
  static const char *const file_only[] = {"data", "checkpoint_interval", "data_memory", "initial", NULL};
  static const char *const online_only[] = {"replay_frames", "steps_per_snapshot", NULL};
  for (const char *const *other = source == AMP_SOURCE_ONLINE ? file_only : online_only; *other; ++other)
    if (!strcmp(key, *other)) return 0;
  return 1;
}

int amp_schema_applies(const amp_key_spec *spec, const amp_config *cfg) {
  if (!((spec->models >> cfg->system.model) & 1u)) return 0;
  if (!strcmp(spec->table, "network"))
    return amp_config_runs(cfg, AMP_STAGE_TRAIN) || amp_config_runs(cfg, AMP_STAGE_EVALUATE);
  if (!strcmp(spec->table, "train") && !amp_schema_train_key_applies(spec->key, cfg->train.source)) return 0;
  if (!strcmp(spec->table, "evaluate") && !strcmp(spec->key, "trajectory") && cfg->evaluate.source == AMP_SOURCE_ONLINE)
    return 0;
  if (!strcmp(spec->table, "interaction") && !strncmp(spec->key, "bond_", 5)) {
    if (cfg->interaction.bonds == AMP_BONDS_NONE) return 0;
    if (!strcmp(spec->key, "bond_distance") || !strcmp(spec->key, "bond_reference"))
      return cfg->interaction.bonds == AMP_BONDS_DISTANCE;
  }
  if (!strcmp(spec->table, "exact")) {
    if (!strncmp(spec->key, "ring_", 5) && cfg->exact.reference != AMP_EXACT_RING) return 0;
    if ((!strncmp(spec->key, "gaussian_", 9) || !strcmp(spec->key, "trajectory")) &&
        cfg->exact.reference != AMP_EXACT_GAUSSIAN)
      return 0;
  }
  int stage = amp_schema_table_stage(spec->table);
  return stage < 0 || amp_config_runs(cfg, (amp_stage)stage);
}

size_t amp_schema_size(void) { return amp_schema_count; }

int amp_choice_index(const char *choices, const char *name) {
  size_t n = strlen(name);
  int index = 0;
  for (const char *p = choices; *p; ++index) {
    size_t len = strcspn(p, "|");
    if (len == n && !strncmp(p, name, n)) return index;
    p += len + (p[len] == '|');
  }
  return -1;
}

const char *amp_choice_name(const char *choices, int n, char *buf, size_t size) {
  const char *p = choices;
  for (int i = 0; i < n && *p; ++i) p += strcspn(p, "|") + (p[strcspn(p, "|")] == '|');
  snprintf(buf, size, "%.*s", (int)strcspn(p, "|"), p);
  return buf;
}

/* The choices as a list of TOML strings: "a", "b" or "c". */
static void describe_choices(const char *choices, char *buf, size_t size) {
  size_t used = 0;
  int count = 1;
  for (const char *p = choices; *p; ++p) count += *p == '|';
  char name[64];
  for (int i = 0; i < count && used < size; ++i) {
    const char *sep = i == 0 ? "" : i == count - 1 ? " or " : ", ";
    used += (size_t)snprintf(buf + used, size - used, "%s\"%s\"", sep,
                             amp_choice_name(choices, i, name, sizeof name));
  }
}

void amp_schema_describe_range(const amp_key_spec *spec, char *buf, size_t size) {
  if (spec->type == AMP_KEY_CHOICE) {
    describe_choices(spec->choices, buf, size);
    return;
  }
  if (spec->type == AMP_KEY_STAGES) {
    char list[256];
    describe_choices(spec->choices, list, sizeof list);
    snprintf(buf, size, "each of %s", list);
    return;
  }
  if (spec->type == AMP_KEY_STRING) {
    snprintf(buf, size, "a file or directory name");
    return;
  }
  int has_lo = isfinite(spec->lo), has_hi = isfinite(spec->hi);
  if (has_lo && has_hi && !spec->lo_open && !spec->hi_open)
    snprintf(buf, size, "%.15g to %.15g", spec->lo, spec->hi);
  else if (has_lo && has_hi)
    snprintf(buf, size, "%.15g %s x %s %.15g", spec->lo, spec->lo_open ? "<" : "<=", spec->hi_open ? "<" : "<=",
             spec->hi);
  else if (has_lo)
    snprintf(buf, size, "%s %.15g", spec->lo_open ? ">" : ">=", spec->lo);
  else
    snprintf(buf, size, "any");
}

static const char *type_name(amp_key_type type) {
  switch (type) {
  case AMP_KEY_INT:
  case AMP_KEY_LONG: return "integer";
  case AMP_KEY_REAL: return "real";
  case AMP_KEY_STRING:
  case AMP_KEY_CHOICE: return "string";
  case AMP_KEY_STAGES: return "array of strings";
  }
  return "?";
}

const char *amp_schema_doc_row(size_t i, char *buf, size_t size) {
  const amp_key_spec *spec = &amp_schema[i];
  char range[256], dflt[256];
  amp_schema_describe_range(spec, range, sizeof range);
  if (spec->default_kind == AMP_DEFAULT_VALUE)
    snprintf(dflt, sizeof dflt, "`%s`", spec->default_text);
  else if (spec->default_kind == AMP_DEFAULT_REQUIRED)
    snprintf(dflt, sizeof dflt, "required");
  else
    snprintf(dflt, sizeof dflt, "%s", spec->default_text);
  const char *model = spec->models == AMP_MODELS_AOUP ? " (aoup only)"
                      : spec->models == AMP_MODELS_ABP ? " (abp only)"
                                                       : "";
  snprintf(buf, size, "| `%s` | %s | %s | %s | %s%s |", spec->key, type_name(spec->type), dflt, range,
           spec->meaning, model);
  return spec->table;
}

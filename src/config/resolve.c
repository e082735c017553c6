/*
 * resolve: the rules that involve several keys, run after every key passed
 * its own checks, and the quantities derived from them:
 *   - which stages run (by default, those whose table is in the file);
 *   - keys that do not apply to the chosen model, and required keys;
 *   - the box: exactly one of packing_fraction and box_length, the other derived;
 *   - the force cutoff and the network's neighbourhood against the box (the
 *     minimum-image convention needs both below L/2), and bond-graph
 *     neighbourhoods only where there is a bond graph;
 *   - bonds: the keys each kind needs, the reach of the longest bond against
 *     the box (the halo covers it);
 *   - the network's shapes, the learning-rate schedule, and the file each
 *     stage reads from the stage before it;
 *   - online training: the [train] keys of the source chosen, the simulation
 *     it needs, and enough snapshots for its steps;
 *   - the exact stage: the keys of its reference only, and what that
 *     reference needs of the system it solves (gaussian: linear forces; ring:
 *     two AOUPs in one dimension without a trap) and of its grids.
 * Errors point at the key that has to change.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "parse_context.h"

const char *amp_stage_name(amp_stage s) {
  static const char *const names[AMP_NSTAGES] = {"simulate", "train", "evaluate", "exact"};
  return (unsigned)s < AMP_NSTAGES ? names[s] : "?";
}

const char *amp_neighborhood_name(amp_neighborhood_kind k) {
  static const char *const names[] = {[AMP_NEIGHBORHOOD_SPACE] = "space", [AMP_NEIGHBORHOOD_BONDS] = "bonds"};
  return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

int amp_config_output_path(const amp_config *cfg, const char *name, char *path, size_t size) {
  int n = name[0] == '/' ? snprintf(path, size, "%s", name)
                         : snprintf(path, size, "%s/%s", cfg->run.output_dir, name);
  return n >= 0 && (size_t)n < size ? 0 : -1;
}

/* Error at the value of [table] key, which the file gave. */
static int key_error(amp_parse_context *ctx, const char *table, const char *key, const char *fmt,
                     const char *detail) {
  const amp_toml_node *v = amp_given(ctx, table, key);
  char msg[AMP_ERR_LEN];
  snprintf(msg, sizeof msg, fmt, detail);
  return amp_config_error(ctx, v ? v->line : 0, v ? v->column : 0, "[%s] %s %s", table, key, msg);
}

static void resolve_stages(amp_parse_context *ctx, amp_config *cfg) {
  if (amp_given(ctx, "run", "stages")) return;
  for (int s = 0; s < AMP_NSTAGES; ++s)
    if (amp_given_table(ctx, amp_stage_name((amp_stage)s))) cfg->run.stages |= 1u << s;
}

static int check_applicable_and_required(amp_parse_context *ctx, const amp_config *cfg) {
  static const char *const models[] = {"aoup", "abp"};
  for (size_t i = 0; i < amp_schema_count; ++i) {
    const amp_key_spec *spec = &amp_schema[i];
    const amp_toml_node *v = ctx->given[i];
    if (v && !((spec->models >> cfg->system.model) & 1u))
      return amp_config_error(ctx, v->key_line, v->key_column,
                              "[%s] %s does not apply to [system] model = \"%s\": remove it", spec->table,
                              spec->key, models[cfg->system.model]);
    if (!v && spec->default_kind == AMP_DEFAULT_REQUIRED && amp_schema_applies(spec, cfg)) {
      const amp_toml_node *table = amp_given_table(ctx, spec->table);
      return amp_config_error(ctx, table ? table->line : 0, table ? table->column : 0,
                              "[%s] %s is required (%s)", spec->table, spec->key, spec->meaning);
    }
  }
  return AMP_CONFIG_OK;
}

/* Volume of one particle of radius a in d dimensions: 2a, pi a^2, 4/3 pi a^3. */
static double particle_volume(int d, double a) {
  return d == 1 ? 2 * a : d == 2 ? M_PI * a * a : 4.0 / 3.0 * M_PI * a * a * a;
}

static int resolve_box(amp_parse_context *ctx, amp_config *cfg) {
  const amp_toml_node *phi = amp_given(ctx, "system", "packing_fraction");
  const amp_toml_node *box = amp_given(ctx, "system", "box_length");
  const amp_toml_node *table = amp_given_table(ctx, "system");
  double filled = (double)cfg->system.particles * particle_volume(cfg->system.dimension, cfg->system.radius);
  int d = cfg->system.dimension;
  if (phi && box)
    return amp_config_error(ctx, box->key_line, box->key_column,
                            "[system] give packing_fraction or box_length, not both");
  if (!phi && !box)
    return amp_config_error(ctx, table ? table->line : 0, table ? table->column : 0,
                            "[system] needs packing_fraction or box_length to size the box");
  cfg->derived.box_given = box != NULL;
  if (phi) {
    cfg->system.box_length = pow(filled / cfg->system.packing_fraction, 1.0 / d);
  } else {
    cfg->system.packing_fraction = filled / pow(cfg->system.box_length, d);
    if (!(cfg->system.packing_fraction <= 1)) {
      char detail[128];
      snprintf(detail, sizeof detail, "makes the packing fraction %.4g > 1: use a larger box or fewer particles",
               cfg->system.packing_fraction);
      return key_error(ctx, "system", "box_length", "%s", detail);
    }
  }
  cfg->derived.volume = pow(cfg->system.box_length, d);
  cfg->derived.density = (double)cfg->system.particles / cfg->derived.volume;
  return AMP_CONFIG_OK;
}

/* Range of the pair force: softplus is cut where k softplus(2a - r) falls to
 * tol k, r_c = 2a + ln(1/tol)/beta (science.md §1); wca at 2^(1/6) sigma, sigma = 2a. */
static double force_cutoff(const amp_config *cfg) {
  double diameter = 2 * cfg->system.radius;
  switch (cfg->interaction.potential) {
  case AMP_POTENTIAL_SOFTPLUS_HARMONIC:
    return diameter + log(1 / cfg->interaction.cutoff_tolerance) / cfg->interaction.beta;
  case AMP_POTENTIAL_HARMONIC: return diameter;
  case AMP_POTENTIAL_WCA: return pow(2.0, 1.0 / 6.0) * diameter;
  case AMP_POTENTIAL_NONE: return 0;
  }
  return 0;
}

/* A range must stay below half the box for the minimum-image convention.
 * The error points at [table] key when the file gave it, else at the box. */
static int check_against_box(amp_parse_context *ctx, const amp_config *cfg, const char *what, double range,
                             const char *table, const char *key, const char *remedy) {
  if (range < cfg->system.box_length / 2) return AMP_CONFIG_OK;
  const amp_toml_node *v = table ? amp_given(ctx, table, key) : NULL;
  if (!v) v = amp_given(ctx, "system", "box_length");
  if (!v) v = amp_given(ctx, "system", "packing_fraction");
  return amp_config_error(ctx, v ? v->line : 0, v ? v->column : 0,
                          "%s %.6g must be less than half the box length %.6g: %s", what, range,
                          cfg->system.box_length, remedy);
}

/* The token forces: no position head (its Jacobian would need the forces'
 * derivatives), no bonds (a bond's partner may lie beyond the halo), drifts
 * for AOUPs only, and the halo that completes a token's force (token_halo)
 * inside the box. */
static int check_force_input(amp_parse_context *ctx, const amp_config *cfg) {
  const char *value = cfg->network.forces == AMP_FORCES_DRIFT ? "drift" : "input";
  char detail[400];
  if (cfg->network.outputs == AMP_OUTPUTS_POSITION)
    snprintf(detail, sizeof detail,
             "= \"%s\" trains the internal-coordinate head only (the position head's Jacobian would need the "
             "forces' derivatives), but [network] outputs = \"internal_and_position\": set outputs = \"internal\" "
             "(eps = 0), or use forces = \"none\"",
             value);
  else if (cfg->interaction.bonds != AMP_BONDS_NONE)
    snprintf(detail, sizeof detail,
             "= \"%s\" does not include bond forces: use forces = \"none\" with [interaction] bonds", value);
  else if (cfg->network.forces == AMP_FORCES_DRIFT && cfg->system.model != AMP_MODEL_AOUP)
    snprintf(detail, sizeof detail, "%s",
             "= \"drift\" needs [system] model = \"aoup\" (the drift is then linear in the self-propulsion): use "
             "forces = \"input\"");
  else
    detail[0] = '\0';
  if (detail[0]) return key_error(ctx, "network", "forces", "%s", detail);
  return check_against_box(ctx, cfg, "[network] neighborhood_cutoff plus the force cutoff ([network] forces)",
                           cfg->derived.token_halo, "network", "forces",
                           "lower [network] neighborhood_cutoff, or use a larger box");
}

static int check_network(amp_parse_context *ctx, amp_config *cfg) {
  if (!amp_given(ctx, "network", "outputs"))
    cfg->network.outputs = cfg->dynamics.translational_diffusion > 0 ? AMP_OUTPUTS_POSITION : AMP_OUTPUTS_INTERNAL;
  if (cfg->network.embed_dim % 2)
    return key_error(ctx, "network", "embed_dim", "%s", "must be even (half for positions, half for internal coordinates)");
  if (cfg->network.embed_dim % cfg->network.heads) {
    char detail[128];
    snprintf(detail, sizeof detail, "= %d must be a multiple of [network] heads = %d", cfg->network.embed_dim,
             cfg->network.heads);
    return key_error(ctx, "network", "embed_dim", "%s", detail);
  }
  if (cfg->network.neighborhood == AMP_NEIGHBORHOOD_BONDS && cfg->interaction.bonds == AMP_BONDS_NONE)
    return key_error(ctx, "network", "neighborhood", "%s",
                     "= \"bonds\" walks the bond graph, but [interaction] bonds = \"none\": set bonds (\"chain\", "
                     "\"ring\", \"lattice\" or \"distance\"), or use neighborhood = \"space\"");
  if (cfg->network.neighborhood == AMP_NEIGHBORHOOD_BONDS && cfg->network.envelope == AMP_ENVELOPE_SMOOTH)
    return key_error(ctx, "network", "envelope", "%s",
                     "= \"smooth\" fades tokens out at neighborhood_cutoff, which selects nothing with neighborhood "
                     "= \"bonds\": use envelope = \"none\"");
  cfg->derived.token_halo =
      cfg->network.neighborhood_cutoff + (cfg->network.forces != AMP_FORCES_NONE ? cfg->derived.force_cutoff : 0);
  if (cfg->network.forces != AMP_FORCES_NONE) {
    int status = check_force_input(ctx, cfg);
    if (status) return status;
  }
  return check_against_box(ctx, cfg, "[network] neighborhood_cutoff", cfg->network.neighborhood_cutoff,
                           "network", "neighborhood_cutoff", "lower it, or use a larger box");
}

/* A file a stage reads: given, or the one an earlier stage of this run writes. */
static int resolve_input_file(amp_parse_context *ctx, amp_config *cfg, char *field, const char *table,
                              const char *key, amp_stage producer, const char *produced) {
  if (amp_given(ctx, table, key)) return AMP_CONFIG_OK;
  if (amp_config_runs(cfg, producer)) {
    if (amp_config_output_path(cfg, produced, field, AMP_STR_LEN))
      return key_error(ctx, "run", "output_dir", "%s", "is too long");
    return AMP_CONFIG_OK;
  }
  const amp_toml_node *t = amp_given_table(ctx, table);
  return amp_config_error(ctx, t ? t->line : 0, t ? t->column : 0,
                          "[%s] %s is required when the %s stage does not run in the same input", table, key,
                          amp_stage_name(producer));
}

/* What each loss can train (learn/): the denoising losses perturb the
 * internal coordinates additively, which takes a 3-D ABP's orientation off
 * its unit sphere; the implicit loss trains no position head. */
static int check_loss(amp_parse_context *ctx, const amp_config *cfg) {
  const int sphere = cfg->system.model == AMP_MODEL_ABP && cfg->system.dimension == 3;
  if (cfg->train.loss != AMP_LOSS_IMPLICIT && sphere)
    return key_error(ctx, "train", "loss", "%s",
                     "must be \"implicit\" for 3-D abp: the denoising noise takes the orientations off their unit "
                     "sphere");
  if (cfg->train.loss == AMP_LOSS_IMPLICIT && cfg->network.outputs == AMP_OUTPUTS_POSITION)
    return key_error(ctx, "train", "loss", "%s",
                     "= \"implicit\" trains the internal-coordinate head only, but [network] outputs = "
                     "\"internal_and_position\" (the default when translational_diffusion > 0): set [network] "
                     "outputs = \"internal\", or use \"denoising\"");
  return AMP_CONFIG_OK;
}

/* Every round(1/validation_fraction)-th snapshot is held out online (0: none). */
static long long holdout_period(const amp_config *cfg) {
  return cfg->train.validation_fraction > 0 ? llround(1 / cfg->train.validation_fraction) : 0;
}

amp_snapshot_role amp_online_role(const amp_config *cfg, long long j) {
  long long k = j - cfg->train.first_snapshot, period = holdout_period(cfg);
  if (k < 0) return AMP_SNAPSHOT_SKIPPED;
  return period && k % period == 0 ? AMP_SNAPSHOT_HELD_OUT : AMP_SNAPSHOT_TRAIN;
}

long long amp_online_training_snapshots(const amp_config *cfg, long long count) {
  long long k = count - cfg->train.first_snapshot, period = holdout_period(cfg);
  if (k <= 0) return 0;
  return period ? k - (k + period - 1) / period : k;
}

/* A [train] key given for the other source (amp_schema_applies says which). */
static int check_source_keys(amp_parse_context *ctx, const amp_config *cfg) {
  static const char *const keys[] = {"replay_frames", "steps_per_snapshot", "data", "checkpoint_interval",
                                     "data_memory", "initial"};
  const int online = cfg->train.source == AMP_SOURCE_ONLINE;
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; ++i)
    if (amp_given(ctx, "train", keys[i]) && !amp_schema_train_key_applies(keys[i], cfg->train.source))
      return key_error(ctx, "train", keys[i], "%s",
                       online ? "does not apply to [train] source = \"online\" (training reads no trajectory, and "
                                "checkpoints with the simulation): remove it"
                              : "applies only to [train] source = \"online\": set source = \"online\", or remove it");
  return AMP_CONFIG_OK;
}

/* Online training runs the [simulate] table's simulation, whose snapshots
 * must feed all of [train] steps. */
static int check_online(amp_parse_context *ctx, const amp_config *cfg) {
  int status = check_source_keys(ctx, cfg);
  if (status || cfg->train.source != AMP_SOURCE_ONLINE) return status;
  if (!amp_config_runs(cfg, AMP_STAGE_SIMULATE))
    return key_error(ctx, "train", "source", "%s",
                     "= \"online\" runs the simulation of the [simulate] table: add that table (and \"simulate\" "
                     "to [run] stages when they are listed)");
  long long snapshots = cfg->simulate.steps / cfg->simulate.snapshot_interval;
  long long training = amp_online_training_snapshots(cfg, snapshots);
  if (cfg->train.steps <= training * cfg->train.steps_per_snapshot) return AMP_CONFIG_OK;
  char detail[320];
  snprintf(detail, sizeof detail,
           "= %lld is more than the simulation feeds online: %lld snapshots enter the replay buffer (after "
           "first_snapshot and the held-out ones) x steps_per_snapshot = %lld gives %lld steps: lower it, raise "
           "steps_per_snapshot, or simulate longer",
           cfg->train.steps, training, cfg->train.steps_per_snapshot, training * cfg->train.steps_per_snapshot);
  return key_error(ctx, "train", "steps", "%s", detail);
}

/* 6 sigma per component covers the denoising noise but for 2e-9 of the draws;
 * a pair's difference moves by at most twice that. */
static int resolve_train_halo(amp_parse_context *ctx, amp_config *cfg) {
  double reach = cfg->train.loss == AMP_LOSS_DENOISING ? 2 * 6.0 * cfg->train.noise_scale : 0;
  cfg->derived.train_halo = cfg->derived.token_halo + reach * sqrt((double)cfg->system.dimension);
  return check_against_box(ctx, cfg,
                           "[network] neighborhood_cutoff plus the reach of the denoising noise (12 sqrt(d) [train] "
                           "noise_scale)",
                           cfg->derived.train_halo, "train", "noise_scale",
                           "lower [network] neighborhood_cutoff or [train] noise_scale");
}

static int resolve_train(amp_parse_context *ctx, amp_config *cfg) {
  if (!amp_config_runs(cfg, AMP_STAGE_TRAIN)) return AMP_CONFIG_OK;
  int status = check_loss(ctx, cfg);
  if (!status) status = check_online(ctx, cfg);
  if (!status) status = resolve_train_halo(ctx, cfg);
  if (status) return status;
  if (!amp_given(ctx, "train", "decay_steps")) cfg->train.decay_steps = cfg->train.steps;
  if (!amp_given(ctx, "train", "warmup_steps"))
    cfg->train.warmup_steps = cfg->train.decay_steps / 10 < 10000 ? cfg->train.decay_steps / 10 : 10000;
  if (cfg->train.warmup_steps > cfg->train.decay_steps) {
    char detail[128];
    snprintf(detail, sizeof detail, "= %lld must not exceed [train] decay_steps = %lld", cfg->train.warmup_steps,
             cfg->train.decay_steps);
    return key_error(ctx, "train", "warmup_steps", "%s", detail);
  }
  if (cfg->train.source == AMP_SOURCE_ONLINE) return AMP_CONFIG_OK;
  return resolve_input_file(ctx, cfg, cfg->train.data, "train", "data", AMP_STAGE_SIMULATE,
                            cfg->simulate.trajectory);
}

/* Replicas write trajectory_r<k>.h5 each: a stage that reads one must name it. */
static int replica_trajectory_error(amp_parse_context *ctx, const amp_config *cfg, const char *stage) {
  char detail[AMP_STR_LEN + 160];
  snprintf(detail, sizeof detail,
           "> 1 writes one trajectory per replica: name the one to evaluate in [%s] trajectory (e.g. "
           "\"%s/trajectory_r0.h5\")",
           stage, cfg->run.output_dir);
  return key_error(ctx, "run", "replicas", "%s", detail);
}

/* In situ evaluation ([evaluate] source = "online") watches this run's one
 * simulation with a model that exists before it starts. */
static int check_evaluate_online(amp_parse_context *ctx, const amp_config *cfg) {
  if (cfg->evaluate.source != AMP_SOURCE_ONLINE) return AMP_CONFIG_OK;
  if (amp_given(ctx, "evaluate", "trajectory"))
    return key_error(ctx, "evaluate", "trajectory", "%s",
                     "does not apply to [evaluate] source = \"online\" (it evaluates the simulation as it runs): "
                     "remove it");
  if (!amp_config_runs(cfg, AMP_STAGE_SIMULATE))
    return key_error(ctx, "evaluate", "source", "%s",
                     "= \"online\" evaluates the [simulate] table's simulation: add that table (and \"simulate\" "
                     "to [run] stages when they are listed)");
  if (amp_config_runs(cfg, AMP_STAGE_TRAIN))
    return key_error(ctx, "evaluate", "source", "%s",
                     "= \"online\" evaluates during the simulation, before the train stage writes its model: "
                     "train in another run and name its model in [evaluate] model");
  if (cfg->run.replicas > 1)
    return key_error(ctx, "run", "replicas", "%s",
                     "> 1: [evaluate] source = \"online\" evaluates one simulation: use replicas = 1");
  long long snapshots = cfg->simulate.steps / cfg->simulate.snapshot_interval;
  if (cfg->evaluate.first_snapshot < snapshots) return AMP_CONFIG_OK;
  char detail[200];
  snprintf(detail, sizeof detail, "= %lld: the simulation takes %lld snapshots; evaluate from an earlier one",
           cfg->evaluate.first_snapshot, snapshots);
  return key_error(ctx, "evaluate", "first_snapshot", "%s", detail);
}

/* What the evaluate stage cannot do, and phase thresholds that contradict. */
static int check_evaluate(amp_parse_context *ctx, const amp_config *cfg) {
  int status = check_evaluate_online(ctx, cfg);
  if (status) return status;
  if (cfg->evaluate.gas_neighbors >= cfg->evaluate.solid_neighbors) {
    char detail[128];
    snprintf(detail, sizeof detail, "= %d must be less than [evaluate] solid_neighbors = %d",
             cfg->evaluate.gas_neighbors, cfg->evaluate.solid_neighbors);
    return key_error(ctx, "evaluate", "gas_neighbors", "%s", detail);
  }
  if (cfg->run.replicas > 1 && amp_config_runs(cfg, AMP_STAGE_SIMULATE) && !amp_given(ctx, "evaluate", "trajectory"))
    return replica_trajectory_error(ctx, cfg, "evaluate");
  return check_against_box(ctx, cfg, "[evaluate] phase_radius", cfg->evaluate.phase_radius, "evaluate",
                           "phase_radius", "lower it, or use a larger box");
}

/* The grid of the fields and the bins of the radial profile: derived from
 * the particle radius, and within what the box and a PETSc index allow. */
static int resolve_spatial(amp_parse_context *ctx, amp_config *cfg) {
  const double a = cfg->system.radius, L = cfg->system.box_length;
  const int d = cfg->system.dimension;
  char detail[160];
  if (!amp_given(ctx, "evaluate", "field_cells")) cfg->evaluate.field_cells = (int)fmax(1, round(L / (4 * a)));
  if (!amp_given(ctx, "evaluate", "radial_bin")) cfg->evaluate.radial_bin = 2 * a;
  if (pow(cfg->evaluate.field_cells, d) * (d + 2) > INT_MAX) {
    snprintf(detail, sizeof detail, "= %d gives %d^%d cells of %d numbers, more than a PETSc index counts: use fewer",
             cfg->evaluate.field_cells, cfg->evaluate.field_cells, d, d + 2);
    return key_error(ctx, "evaluate", "field_cells", "%s", detail);
  }
  if (cfg->evaluate.radial_bin <= L / 2) return AMP_CONFIG_OK;
  snprintf(detail, sizeof detail, "= %.6g leaves no bin within L/2 = %.6g: use a smaller bin",
           cfg->evaluate.radial_bin, L / 2);
  return key_error(ctx, "evaluate", "radial_bin", "%s", detail);
}

static int resolve_evaluate(amp_parse_context *ctx, amp_config *cfg) {
  if (!amp_config_runs(cfg, AMP_STAGE_EVALUATE)) return AMP_CONFIG_OK;
  int status = check_evaluate(ctx, cfg);
  if (!status) status = resolve_spatial(ctx, cfg);
  if (!status) status = resolve_input_file(ctx, cfg, cfg->evaluate.model, "evaluate", "model", AMP_STAGE_TRAIN,
                                  cfg->train.model);
  if (status || cfg->evaluate.source == AMP_SOURCE_ONLINE) return status;
  return resolve_input_file(ctx, cfg, cfg->evaluate.trajectory, "evaluate", "trajectory", AMP_STAGE_SIMULATE,
                            cfg->simulate.trajectory);
}

static int check_simulate(amp_parse_context *ctx, const amp_config *cfg) {
  if (!amp_config_runs(cfg, AMP_STAGE_SIMULATE)) return AMP_CONFIG_OK;
  if (cfg->system.model == AMP_MODEL_ABP && cfg->system.dimension == 1)
    return key_error(ctx, "system", "dimension", "%s", "= 1: abp needs dimension 2 or 3 (an orientation)");
  if (cfg->simulate.initial == AMP_INITIAL_FILE && !amp_given(ctx, "simulate", "initial_file"))
    return key_error(ctx, "simulate", "initial", "%s", "= \"file\" needs [simulate] initial_file");
  if (cfg->simulate.initial == AMP_INITIAL_ORIGIN && cfg->interaction.potential != AMP_POTENTIAL_NONE)
    return key_error(ctx, "simulate", "initial", "%s",
                     "= \"origin\" puts every particle in one place: it needs [interaction] potential = \"none\"");
  if (cfg->interaction.potential != AMP_POTENTIAL_NONE) {
    int status = check_against_box(ctx, cfg, "the force cutoff plus [simulate] skin",
                                   cfg->derived.force_cutoff + cfg->simulate.skin, "simulate", "skin",
                                   "use a smaller skin or a larger box");
    if (status) return status;
  }
  if (cfg->simulate.snapshot_interval <= cfg->simulate.steps) return AMP_CONFIG_OK;
  char detail[160];
  snprintf(detail, sizeof detail, "= %lld exceeds [simulate] steps = %lld: no snapshot would be written",
           cfg->simulate.snapshot_interval, cfg->simulate.steps);
  return key_error(ctx, "simulate", "snapshot_interval", "%s", detail);
}

/* A bond key given where it does not apply (amp_schema_applies says when). */
static int check_bond_keys(amp_parse_context *ctx, const amp_config *cfg) {
  static const char *const keys[] = {"bond_stiffness", "bond_distance", "bond_reference", "bond_reach"};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; ++i) {
    const amp_key_spec *spec = amp_schema_find("interaction", keys[i]);
    if (!amp_given(ctx, "interaction", keys[i]) || amp_schema_applies(spec, cfg)) continue;
    return key_error(ctx, "interaction", keys[i], "%s",
                     cfg->interaction.bonds == AMP_BONDS_NONE
                         ? "applies only with bonds: set [interaction] bonds, or remove it"
                         : "applies only to [interaction] bonds = \"distance\": remove it");
  }
  return AMP_CONFIG_OK;
}

static int resolve_bonds(amp_parse_context *ctx, amp_config *cfg) {
  int status = check_bond_keys(ctx, cfg);
  if (status || cfg->interaction.bonds == AMP_BONDS_NONE) return status;
  if (cfg->interaction.bonds == AMP_BONDS_DISTANCE) {
    static const char *const needed[] = {"bond_distance", "bond_reference"};
    for (int i = 0; i < 2; ++i)
      if (!amp_given(ctx, "interaction", needed[i]))
        return key_error(ctx, "interaction", "bonds", "= \"distance\" needs [interaction] %s", needed[i]);
  }
  if (!amp_given(ctx, "interaction", "bond_reach")) cfg->interaction.bond_reach = cfg->system.box_length / 4;
  if (cfg->interaction.bonds == AMP_BONDS_DISTANCE && cfg->interaction.bond_distance >= cfg->interaction.bond_reach) {
    char detail[160];
    snprintf(detail, sizeof detail, "= %.6g must be less than [interaction] bond_reach = %.6g",
             cfg->interaction.bond_distance, cfg->interaction.bond_reach);
    return key_error(ctx, "interaction", "bond_distance", "%s", detail);
  }
  double reach = cfg->interaction.bond_reach + (amp_config_runs(cfg, AMP_STAGE_SIMULATE) ? cfg->simulate.skin : 0);
  return check_against_box(ctx, cfg, "[interaction] bond_reach (plus [simulate] skin when simulate runs)", reach,
                           "interaction", "bond_reach", "bonds must stay shorter than L/2: use a larger box");
}

/* The linear (Gaussian) reference: AOUPs whose only forces are the trap and
 * the bonds, with a stationary law that is not a point mass. */
static int resolve_gaussian(amp_parse_context *ctx, amp_config *cfg) {
  if (cfg->system.model != AMP_MODEL_AOUP)
    return key_error(ctx, "system", "model", "%s", "must be \"aoup\" for [exact] reference = \"gaussian\"");
  if (cfg->interaction.potential != AMP_POTENTIAL_NONE)
    return key_error(ctx, "interaction", "potential", "%s",
                     "must be \"none\" for [exact] reference = \"gaussian\" (only the trap and bonds are linear)");
  if (cfg->dynamics.translational_diffusion == 0 && cfg->dynamics.v0 == 0)
    return key_error(ctx, "dynamics", "v0", "%s",
                     "= 0 with translational_diffusion = 0 has a point mass for its stationary law: [exact] needs "
                     "v0 > 0 or translational_diffusion > 0");
  if (amp_given(ctx, "exact", "trajectory") || !amp_config_runs(cfg, AMP_STAGE_SIMULATE)) return AMP_CONFIG_OK;
  if (cfg->run.replicas > 1)
    return replica_trajectory_error(ctx, cfg, "exact");
  return resolve_input_file(ctx, cfg, cfg->exact.trajectory, "exact", "trajectory", AMP_STAGE_SIMULATE,
                            cfg->simulate.trajectory);
}

/* "[table] key = value: [exact] reference = "ring" needs <need>", at the key. */
static int ring_needs(amp_parse_context *ctx, const char *table, const char *key, const char *value,
                      const char *need) {
  char detail[256];
  snprintf(detail, sizeof detail, "= %s: [exact] reference = \"ring\" needs %s", value, need);
  return key_error(ctx, table, key, "%s", detail);
}

/* The ring reference solves two AOUPs on a line (science.md §5) in relative
 * coordinates: translation invariance (no trap), eps > 0 (an elliptic
 * problem) and a bounded force (the density must not underflow in a core). */
static int check_ring_system(amp_parse_context *ctx, const amp_config *cfg) {
  char value[64];
  static const char *const potentials[] = {"softplus_harmonic", "harmonic", "wca", "none"};
  if (cfg->system.model != AMP_MODEL_AOUP) return ring_needs(ctx, "system", "model", "\"abp\"", "\"aoup\"");
  snprintf(value, sizeof value, "%d", cfg->system.dimension);
  if (cfg->system.dimension != 1) return ring_needs(ctx, "system", "dimension", value, "dimension 1");
  snprintf(value, sizeof value, "%lld", cfg->system.particles);
  if (cfg->system.particles != 2) return ring_needs(ctx, "system", "particles", value, "2 particles");
  amp_format_real(cfg->interaction.trap, value, sizeof value);
  if (cfg->interaction.trap != 0)
    return ring_needs(ctx, "interaction", "trap", value, "trap = 0 (a trap breaks translation invariance)");
  snprintf(value, sizeof value, "\"%s\"", potentials[cfg->interaction.potential]);
  if (cfg->interaction.potential == AMP_POTENTIAL_WCA)
    return ring_needs(ctx, "interaction", "potential", value,
                      "a bounded force: \"softplus_harmonic\", \"harmonic\" or \"none\"");
  char kind[32];
  amp_choice_name(amp_schema_find("interaction", "bonds")->choices, cfg->interaction.bonds, kind, sizeof kind);
  snprintf(value, sizeof value, "\"%s\"", kind);
  if (cfg->interaction.bonds != AMP_BONDS_NONE)
    return ring_needs(ctx, "interaction", "bonds", value, "bonds = \"none\" (it solves the pair force only)");
  if (cfg->dynamics.translational_diffusion > 0) return AMP_CONFIG_OK;
  return ring_needs(ctx, "dynamics", "translational_diffusion", "0.0", "eps > 0 (the elliptic case)");
}

/* Every grid of the study halves the one before: the cells must divide by
 * 2^(levels - 1) and leave at least 4 cells on the coarsest grid. */
static int check_ring_cells(amp_parse_context *ctx, const char *key, int cells, int levels) {
  int factor = 1 << (levels - 1);
  if (cells % factor == 0 && cells / factor >= 4) return AMP_CONFIG_OK;
  char detail[160];
  snprintf(detail, sizeof detail,
           "= %d must be a multiple of 2^(ring_levels - 1) = %d with at least 4 cells on the coarsest grid", cells,
           factor);
  return key_error(ctx, "exact", key, "%s", detail);
}

static int check_ring(amp_parse_context *ctx, const amp_config *cfg) {
  int status = check_ring_system(ctx, cfg);
  if (!status) status = check_ring_cells(ctx, "ring_cells_r", cfg->exact.ring_cells_r, cfg->exact.ring_levels);
  if (!status) status = check_ring_cells(ctx, "ring_cells_u", cfg->exact.ring_cells_u, cfg->exact.ring_levels);
  return status;
}

/* An [exact] key of another reference than the one chosen (amp_schema_applies
 * says which), then the rules of the chosen one. */
static int resolve_exact(amp_parse_context *ctx, amp_config *cfg) {
  if (!amp_config_runs(cfg, AMP_STAGE_EXACT)) return AMP_CONFIG_OK;
  const char *references = amp_schema_find("exact", "reference")->choices;
  for (size_t i = 0; i < amp_schema_count; ++i) {
    const amp_key_spec *spec = &amp_schema[i];
    if (strcmp(spec->table, "exact") || !ctx->given[i] || amp_schema_applies(spec, cfg)) continue;
    char detail[128], owner[32];
    amp_choice_name(references, !strncmp(spec->key, "ring_", 5) ? AMP_EXACT_RING : AMP_EXACT_GAUSSIAN, owner,
                    sizeof owner);
    snprintf(detail, sizeof detail, "applies only to [exact] reference = \"%s\": remove it", owner);
    return key_error(ctx, "exact", spec->key, "%s", detail);
  }
  return cfg->exact.reference == AMP_EXACT_RING ? check_ring(ctx, cfg) : resolve_gaussian(ctx, cfg);
}

int amp_config_resolve(amp_parse_context *ctx, amp_config *cfg) {
  resolve_stages(ctx, cfg);
  int status = check_applicable_and_required(ctx, cfg);
  if (!status) status = resolve_box(ctx, cfg);
  if (!status) {
    cfg->derived.force_cutoff = force_cutoff(cfg);
    status = check_against_box(ctx, cfg, "the force cutoff", cfg->derived.force_cutoff, NULL, NULL,
                               "use a larger box (more particles or a smaller packing fraction)");
  }
  int uses_network = amp_config_runs(cfg, AMP_STAGE_TRAIN) || amp_config_runs(cfg, AMP_STAGE_EVALUATE);
  if (!status && uses_network) status = check_network(ctx, cfg);
  if (!status) status = check_simulate(ctx, cfg);
  if (!status) status = resolve_bonds(ctx, cfg);
  if (!status) status = resolve_train(ctx, cfg);
  if (!status) status = resolve_evaluate(ctx, cfg);
  if (!status) status = resolve_exact(ctx, cfg);
  return status;
}

/*
 * resolve: the rules that involve several keys, run after every key passed
 * its own checks, and the quantities derived from them:
 *   - which stages run (by default, those whose table is in the file);
 *   - keys that do not apply to the chosen model, and required keys;
 *   - the box: exactly one of packing_fraction and box_length, the other derived;
 *   - the force cutoff and the network's neighbourhood against the box (the
 *     minimum-image convention needs both below L/2);
 *   - the network's shapes, the learning-rate schedule, and the file each
 *     stage reads from the stage before it.
 * Errors point at the key that has to change.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "parse_context.h"

const char *amp_stage_name(amp_stage s) {
  static const char *const names[AMP_NSTAGES] = {"simulate", "train", "evaluate", "exact"};
  return (unsigned)s < AMP_NSTAGES ? names[s] : "?";
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

/* The implicit loss trains the internal-coordinate head of AOUPs and of
 * 2-D ABPs (learn/implicit.c). */
static int check_implicit(amp_parse_context *ctx, const amp_config *cfg) {
  if (cfg->train.loss != AMP_LOSS_IMPLICIT) return AMP_CONFIG_OK;
  if (cfg->system.model == AMP_MODEL_ABP && cfg->system.dimension == 3)
    return key_error(ctx, "train", "loss", "%s",
                     "= \"implicit\": training of 3-D abp is not supported yet: use \"denoising\" or "
                     "\"denoising_internal\"");
  if (cfg->network.outputs == AMP_OUTPUTS_POSITION)
    return key_error(ctx, "train", "loss", "%s",
                     "= \"implicit\" trains the internal-coordinate head only, but [network] outputs = "
                     "\"internal_and_position\" (the default when translational_diffusion > 0): use "
                     "\"denoising\"");
  return AMP_CONFIG_OK;
}

static int resolve_train(amp_parse_context *ctx, amp_config *cfg) {
  if (!amp_config_runs(cfg, AMP_STAGE_TRAIN)) return AMP_CONFIG_OK;
  int status = check_implicit(ctx, cfg);
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
  return resolve_input_file(ctx, cfg, cfg->train.data, "train", "data", AMP_STAGE_SIMULATE,
                            cfg->simulate.trajectory);
}

static int resolve_evaluate(amp_parse_context *ctx, amp_config *cfg) {
  if (!amp_config_runs(cfg, AMP_STAGE_EVALUATE)) return AMP_CONFIG_OK;
  int status = resolve_input_file(ctx, cfg, cfg->evaluate.model, "evaluate", "model", AMP_STAGE_TRAIN,
                                  cfg->train.model);
  if (status) return status;
  return resolve_input_file(ctx, cfg, cfg->evaluate.trajectory, "evaluate", "trajectory", AMP_STAGE_SIMULATE,
                            cfg->simulate.trajectory);
}

static int check_simulate(amp_parse_context *ctx, const amp_config *cfg) {
  if (!amp_config_runs(cfg, AMP_STAGE_SIMULATE)) return AMP_CONFIG_OK;
  if (cfg->system.model == AMP_MODEL_ABP && cfg->system.dimension == 1)
    return key_error(ctx, "system", "dimension", "%s", "= 1: abp needs dimension 2 or 3 (an orientation)");
  if (cfg->simulate.initial == AMP_INITIAL_FILE && !amp_given(ctx, "simulate", "initial_file"))
    return key_error(ctx, "simulate", "initial", "%s", "= \"file\" needs [simulate] initial_file");
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
  if (!status) status = resolve_train(ctx, cfg);
  if (!status) status = resolve_evaluate(ctx, cfg);
  return status;
}

/*
 * The evaluate stage's files (evaluate_internal.h).
 *
 * Data. One trajectory ([evaluate] trajectory, or the simulate stage's),
 * opened by each replica over its own ranks and read frame by frame (each
 * replica its own frames) by every rank, which keeps the particles it owns
 * and exchanges ghosts, as the train stage does.
 *
 * Model. Its neighbourhood kind must be the input's, and its architecture
 * exactly the one [network] implies (amp_score_arch): a model trained for
 * another input is refused with both kinds or both architectures in the
 * message, before any output exists. Rank 0 computes
 * the file's checksum, which the output records.
 *
 * Output. epr.h5 is an H5MD file (h5md.h): the snapshot's positions and
 * internal coordinates, per-particle observables with rows in id order
 * (vectors [T][N][w]), one scalar observable per per-snapshot total, and
 * the run's totals and provenance as root attributes, the radial profile
 * (per-frame observables of several numbers) and the fields on their grid
 * (grid observables, evaluate_spatial.c); written by all ranks together,
 * a round of frames at a time (evaluate_rounds.c), under "<name>.partial"
 * and renamed when complete, with its XDMF sidecar. A run that fails
 * removes the partial file.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "activempi/app.h"
#include "activempi/files.h"
#include "activempi/model_file.h"
#include "activempi/score.h"
#include "evaluate_internal.h"
#include "stage_files.h"

static const char *const obs_names[AMP_EVAL_NOBS] = {
    [AMP_EVAL_ID] = "id",
    [AMP_EVAL_SCORE_Q] = "score_internal",
    [AMP_EVAL_SCORE_X] = "score_position",
    [AMP_EVAL_FLOW_Q] = "velocity_internal",
    [AMP_EVAL_FLOW_X] = "velocity_position",
    [AMP_EVAL_SIGMA] = "sigma",
    [AMP_EVAL_DENSITY] = "signed_density",
    [AMP_EVAL_DIV_DRIFT] = "div_drift",
    [AMP_EVAL_FREE] = "epr_free",
    [AMP_EVAL_NEIGHBORS] = "phase_neighbors",
    [AMP_EVAL_PHASE] = "phase"};

static const char *const scalar_names[AMP_EVAL_NSCALARS] = {
    [AMP_EVAL_TOTAL_SIGMA] = "epr_network_total",
    [AMP_EVAL_TOTAL_SIGMA_Q] = "epr_network_internal_total",
    [AMP_EVAL_TOTAL_DENSITY] = "signed_density_total",
    [AMP_EVAL_TOTAL_FREE] = "epr_free_total",
    [AMP_EVAL_PHASE_COUNT + AMP_PHASE_GAS] = "particles_gas",
    [AMP_EVAL_PHASE_COUNT + AMP_PHASE_INTERFACE] = "particles_interface",
    [AMP_EVAL_PHASE_COUNT + AMP_PHASE_SOLID] = "particles_solid",
    [AMP_EVAL_PHASE_SIGMA + AMP_PHASE_GAS] = "sigma_mean_gas",
    [AMP_EVAL_PHASE_SIGMA + AMP_PHASE_INTERFACE] = "sigma_mean_interface",
    [AMP_EVAL_PHASE_SIGMA + AMP_PHASE_SOLID] = "sigma_mean_solid"};

/* The radial profile's per-frame observables, after the scalars. */
static const char *const profile_names[AMP_EVAL_NPROFILE] = {
    [AMP_EVAL_CLUSTER_SIZE] = "cluster_size",
    [AMP_EVAL_CLUSTER_CENTER] = "cluster_center",
    [AMP_EVAL_RADIAL_COUNT] = "radial_count",
    [AMP_EVAL_RADIAL_SIGMA] = "radial_sigma"};

/* The fields on the grid: the components (1, sigma, velocity) deposited. */
static const char *const grid_names[] = {"field_density", "field_epr_density", "field_current"};

static int fail(amp_evaluate *e, const char *what) {
  snprintf(e->error, sizeof e->error, "%s", what);
  return -1;
}

/* The trajectory, opened by this replica's ranks, checked, its frames chosen. */
static int open_data(amp_evaluate *e) {
  const amp_config *cfg = e->cfg;
  const char *path = cfg->evaluate.trajectory;
  if (amp_h5md_open(&e->data, path, e->replica.comm, &e->info, e->error)) return -1;
  if (amp_trajectory_mismatch(cfg, path, e->info.particles, e->info.dim, e->info.box, e->info.internal, e->error,
                              sizeof e->error))
    return -1;
  if (e->first < e->info.frames) {
    e->snapshots = (e->info.frames - e->first + e->stride - 1) / e->stride;
    return 0;
  }
  snprintf(e->error, sizeof e->error, "%.700s has %lld frames: [evaluate] first_snapshot = %lld must be below that",
           path, (long long)e->info.frames, (long long)e->first);
  return -1;
}

int amp_evaluate_open_data(amp_evaluate *e) { return amp_evaluate_agree(e, open_data(e) != 0); }

/* The file's architecture must be the input's. */
static int check_arch(amp_evaluate *e, const amp_nn_arch *file) {
  amp_nn_arch want;
  char have[320], need[320];
  amp_score_arch(e->cfg, &want);
  amp_nn_arch_describe(file, have, sizeof have);
  amp_nn_arch_describe(&want, need, sizeof need);
  if (!strcmp(have, need)) return 0;
  snprintf(e->error, sizeof e->error, "%.200s has the architecture (%.320s), the input's [network] implies (%.320s)",
           e->cfg->evaluate.model, have, need);
  return -1;
}

/* Rank 0's checksum of the model file, on every rank. */
static int checksum(amp_evaluate *e) {
  int status = 0;
  if (e->rank == 0) status = amp_file_checksum(e->cfg->evaluate.model, &e->checksum);
  if (MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD) != MPI_SUCCESS ||
      MPI_Bcast(&e->checksum, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
    return fail(e, "MPI_Bcast failed");
  if (!status) return 0;
  snprintf(e->error, sizeof e->error, "cannot read %.800s: %s", e->cfg->evaluate.model, strerror(status));
  return -1;
}

int amp_evaluate_read_model(amp_evaluate *e) {
  const amp_config *cfg = e->cfg;
  amp_nn_arch arch;
  amp_neighborhood_kind kind;
  if (amp_model_read_arch(cfg->evaluate.model, MPI_COMM_WORLD, &arch, &kind, e->error) ||
      amp_model_kind_mismatch(cfg, cfg->evaluate.model, kind, e->error, sizeof e->error) || check_arch(e, &arch))
    return -1;
  int bad = amp_nn_layout_init(&e->layout, &arch) || !(e->params = malloc(e->layout.nparams * sizeof *e->params));
  if (MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD) != MPI_SUCCESS || bad)
    return fail(e, "out of memory for the network");
  if (amp_model_read(cfg->evaluate.model, MPI_COMM_WORLD, &e->layout, e->params, NULL, NULL, e->error)) return -1;
  int T = cfg->network.neighbors + 1;
  size_t bytes = (size_t)(cfg->network.activation_memory * 1048576.0);
  if (amp_nn_workspace_init(&e->ws, &e->layout, amp_nn_batch_capacity(&e->layout, T, 1, bytes), T, 1))
    return fail(e, "out of memory for the network's activations");
  return checksum(e);
}

/* The names and widths of epr.h5's observables (what its spec points to). */
typedef struct {
  const char *names[AMP_EVAL_NOBS], *snames[AMP_EVAL_NSCALARS + AMP_EVAL_NPROFILE];
  int widths[AMP_EVAL_NOBS], swidths[AMP_EVAL_NSCALARS + AMP_EVAL_NPROFILE], n, gwidths[3];
} output_layout;

static void describe_output(const amp_evaluate *e, output_layout *o) {
  o->n = 0;
  for (int k = 0; k < AMP_EVAL_NOBS; ++k)
    if (e->width[k]) o->names[o->n] = obs_names[k], o->widths[o->n++] = e->width[k];
  for (int k = 0; k < AMP_EVAL_NSCALARS + AMP_EVAL_NPROFILE; ++k) {
    o->snames[k] = k < AMP_EVAL_NSCALARS ? scalar_names[k] : profile_names[k - AMP_EVAL_NSCALARS];
    o->swidths[k] = k < AMP_EVAL_NSCALARS ? 1 : e->spatial.width[k - AMP_EVAL_NSCALARS];
  }
  o->gwidths[0] = o->gwidths[1] = 1;
  o->gwidths[2] = e->cfg->system.dimension;
}

/* Create epr.h5 afresh (frames < 0), or continue its partial file after
 * `frames` frames. */
static int open_output(amp_evaluate *e, int64_t frames) {
  const amp_config *cfg = e->cfg;
  output_layout o;
  describe_output(e, &o);
  if (amp_config_output_path(cfg, cfg->evaluate.output, e->out_path, sizeof e->out_path))
    return fail(e, "[run] output_dir or [evaluate] output is too long");
  char *config = amp_output_text(cfg, 0), *versions = amp_output_text(cfg, 1);
  amp_h5md_spec spec = {.particles = cfg->system.particles,
                        .dim = cfg->system.dimension,
                        .box = cfg->system.box_length,
                        .model = cfg->system.model == AMP_MODEL_AOUP ? "AOUP" : "ABP",
                        .internal = amp_internal_element(cfg),
                        .internal_components = e->p.nq,
                        .particle_observables = o.n,
                        .particle_observable_names = o.names,
                        .particle_observable_widths = o.widths,
                        .scalar_observables = AMP_EVAL_NSCALARS + AMP_EVAL_NPROFILE,
                        .scalar_observable_names = o.snames,
                        .scalar_observable_widths = o.swidths,
                        .grid_cells = cfg->evaluate.field_cells,
                        .grid_observables = cfg->evaluate.field_cells ? 3 : 0,
                        .grid_observable_names = grid_names,
                        .grid_observable_widths = o.gwidths,
                        .configuration = config,
                        .provenance = versions};
  int status = !config || !versions ? fail(e, "out of memory")
               : frames < 0         ? amp_h5md_create(&e->out, e->out_path, MPI_COMM_WORLD, &spec, e->error)
                                    : amp_h5md_resume(&e->out, e->out_path, MPI_COMM_WORLD, &spec, frames, e->error);
  free(config);
  free(versions);
  return status ? -1 : 0;
}

int amp_evaluate_create_output(amp_evaluate *e) { return open_output(e, -1); }

/* Frame f's scalars and profile (into spatial.numbers) and fields (into
 * grid) from the partial file. Collective. */
static int read_back_frame(amp_evaluate *e, amp_h5md_reader *r, int64_t f, double *const grid[3]) {
  output_layout o;
  describe_output(e, &o);
  const size_t cells = (size_t)pow(e->cfg->evaluate.field_cells, e->cfg->system.dimension);
  double *at = e->spatial.numbers;
  size_t count;
  for (int k = 0; k < AMP_EVAL_NSCALARS + AMP_EVAL_NPROFILE; at += o.swidths[k++])
    if (amp_h5md_read_observable(r, o.snames[k], f, at, (size_t)o.swidths[k], &count, e->error)) return -1;
  for (int k = 0; e->spatial.fields.n && k < 3; ++k)
    if (amp_h5md_read_observable(r, grid_names[k], f, grid[k], cells * (size_t)o.gwidths[k], &count, e->error))
      return -1;
  amp_evaluate_accumulate(e, e->spatial.numbers);
  return amp_evaluate_spatial_restore(e, (const double *const *)grid);
}

/* The first `frames` frames of the partial file into the run's sums. */
static int read_back(amp_evaluate *e, int64_t frames) {
  char partial[sizeof e->out_path + 16], err[AMP_IO_ERR_LEN];
  amp_h5md_reader *r;
  amp_h5md_info info;
  const size_t cells = (size_t)fmax(1, pow(e->cfg->evaluate.field_cells, e->cfg->system.dimension));
  double *grid[3] = {malloc(cells * sizeof(double)), malloc(cells * sizeof(double)),
                     malloc(cells * (size_t)e->cfg->system.dimension * sizeof(double))};
  int status = !grid[0] || !grid[1] || !grid[2] ? fail(e, "out of memory reading epr.h5 back") : 0;
  if (!status && (amp_config_output_path(e->cfg, e->cfg->evaluate.output, e->out_path, sizeof e->out_path) ||
                  amp_h5md_partial_name(e->out_path, partial, sizeof partial)))
    status = fail(e, "[run] output_dir or [evaluate] output is too long");
  if (!status && !amp_h5md_open(&r, partial, MPI_COMM_WORLD, &info, e->error)) {
    status = info.frames < frames ? fail(e, "the partial file has fewer frames than the checkpoint counts") : 0;
    for (int64_t f = 0; !status && f < frames; ++f) status = read_back_frame(e, r, f, grid);
    if (amp_h5md_reader_close(r, err) && !status) status = fail(e, err);
  } else if (!status) {
    status = -1;
  }
  for (int k = 0; k < 3; ++k) free(grid[k]);
  return status;
}

int amp_evaluate_resume_output(amp_evaluate *e, int64_t frames) {
  if (!read_back(e, frames) && !open_output(e, frames)) return 0;
  char why[AMP_ERR_LEN];
  snprintf(why, sizeof why, "%s", e->error);
  snprintf(e->error, sizeof e->error,
           "cannot continue the in situ evaluation's %.300s.partial after %lld frames (%.400s): remove the "
           "simulation's checkpoint to start afresh",
           e->out_path, (long long)frames, why);
  return -1;
}

int amp_evaluate_flush_output(amp_evaluate *e) { return amp_h5md_flush(e->out, e->error) ? -1 : 0; }

int amp_evaluate_write_round(amp_evaluate *e, int frames, int64_t step, double time) {
  const double *obs[AMP_EVAL_NOBS];
  const int slot = e->replica.index < frames ? e->replica.index : -1;
  int n = 0;
  for (int k = 0; k < AMP_EVAL_NOBS; ++k)
    if (e->width[k]) obs[n++] = e->obs[k];
  if (amp_h5md_append_round(e->out, frames, slot, e->replica.comm, step, time, &e->p, obs, e->spatial.numbers,
                            e->error))
    return -1;
  return amp_evaluate_spatial_write(e, amp_h5md_frames(e->out) - frames + (slot >= 0 ? slot : 0), slot >= 0);
}

/* mean and standard error of a blocking series */
static void mean_error(const amp_blocking *b, double v[2]) {
  v[0] = amp_blocking_mean(b);
  v[1] = amp_blocking_error(b);
}

/* The run's totals and where the numbers came from, as root attributes. */
static int run_attributes(amp_evaluate *e) {
  const amp_config *cfg = e->cfg;
  double sigma[2], sigma_q[2], density[2], free[2], fraction[AMP_NPHASES], phase_sigma[AMP_NPHASES];
  double rule[3] = {e->rule.radius, e->rule.solid, e->rule.gas}, snapshots = (double)e->done;
  mean_error(&e->sigma, sigma);
  mean_error(&e->sigma_q, sigma_q);
  mean_error(&e->density, density);
  mean_error(&e->free, free);
  double relative = (sigma[0] - free[0]) / free[0], frames[2] = {(double)e->first, (double)e->stride};
  for (int k = 0; k < AMP_NPHASES; ++k) {
    fraction[k] = e->phase_count[k] / (snapshots * (double)cfg->system.particles);
    phase_sigma[k] = e->phase_count[k] > 0 ? e->phase_sigma[k] / e->phase_count[k] : NAN;
  }
  char sum[32];
  snprintf(sum, sizeof sum, "fnv1a64:%016" PRIx64, e->checksum);
  return amp_h5md_attr_numbers(e->out, "epr_network_per_particle", 2, sigma, e->error) ||
         amp_h5md_attr_numbers(e->out, "epr_network_internal_per_particle", 2, sigma_q, e->error) ||
         amp_h5md_attr_numbers(e->out, "signed_density_per_particle", 2, density, e->error) ||
         amp_h5md_attr_numbers(e->out, "epr_free_per_particle", 2, free, e->error) ||
         amp_h5md_attr_numbers(e->out, "epr_relative_difference", 0, &relative, e->error) ||
         amp_h5md_attr_numbers(e->out, "phase_fraction", AMP_NPHASES, fraction, e->error) ||
         amp_h5md_attr_numbers(e->out, "phase_sigma_mean", AMP_NPHASES, phase_sigma, e->error) ||
         amp_h5md_attr_numbers(e->out, "phase_rule", 3, rule, e->error) ||
         amp_h5md_attr_numbers(e->out, "snapshots", 0, &snapshots, e->error) ||
         amp_h5md_attr_numbers(e->out, "trajectory_frames", 2, frames, e->error) ||
         amp_h5md_attr_text(e->out, "model_file", cfg->evaluate.model, e->error) ||
         amp_h5md_attr_text(e->out, "model_checksum", sum, e->error) ||
         amp_h5md_attr_text(e->out, "trajectory_file",
                            cfg->evaluate.source == AMP_SOURCE_FILE ? cfg->evaluate.trajectory : "(in situ)", e->error);
}

int amp_evaluate_finish_output(amp_evaluate *e) {
  if (run_attributes(e) || amp_evaluate_spatial_finish(e)) return -1;
  amp_h5md *out = e->out;
  e->out = NULL;
  return amp_h5md_close(out, e->error) ? -1 : 0;
}

void amp_evaluate_close_files(amp_evaluate *e) {
  char err[AMP_IO_ERR_LEN], partial[AMP_STR_LEN + 64];
  if (e->data) amp_h5md_reader_close(e->data, err);
  e->data = NULL;
  if (!e->out) return;
  amp_h5md_release(e->out, err);
  e->out = NULL;
  if (e->rank == 0 && !amp_h5md_partial_name(e->out_path, partial, sizeof partial)) unlink(partial);
}

/*
 * simulate_files: the files of the simulation stage, per replica.
 *
 *   <output_dir>/<trajectory>           H5MD trajectory (".partial" while written)
 *   <output_dir>/checkpoint.h5          the state to continue from
 * With several replicas, "_r<k>" goes before the extension of both.
 *
 * A checkpoint records the step, every position and internal coordinate, the
 * number of trajectory frames written and the running EPR statistics; a run
 * that finds one continues from it (on any number of ranks), cutting the
 * partial trajectory back to the frames the checkpoint counted. A checkpoint
 * at the last step means the run is complete: running again changes nothing.
 * Hooks (simulate_hooks.h) hear of the start, before the trajectory is
 * opened, and of every checkpoint, after it is written.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>

#include "activempi/checkpoint.h"
#include "activempi/timers.h"
#include "simulate_internal.h"
#include "stage_files.h"

/* What a checkpoint carries besides the state: the run's EPR statistics, and
 * the time step and seed, which must not change under a continuing run. */
#define NBLOCKING ((int)(sizeof(amp_blocking) / sizeof(double)))
#define NACCUMULATORS (NBLOCKING + 2)

static int fail(amp_sim *sim, const char *fmt, const char *detail) {
  snprintf(sim->error, sizeof sim->error, fmt, detail);
  return -1;
}

int amp_sim_paths(amp_sim *sim) {
  const amp_config *cfg = sim->cfg;
  const int r = sim->replica.index, count = sim->replica.count;
  if (amp_replica_path(cfg, r, count, cfg->simulate.trajectory, sim->trajectory_path, sizeof sim->trajectory_path) ||
      amp_replica_path(cfg, r, count, "checkpoint.h5", sim->checkpoint_path, sizeof sim->checkpoint_path))
    return fail(sim, "%s", "[run] output_dir is too long");
  return 0;
}

/* Keep the rows of `all` (every particle, row i = id i) that this rank owns. */
static int keep_owned(amp_sim *sim, const amp_particles *all) {
  return amp_keep_owned(&sim->dom, all, &sim->p) ? fail(sim, "%s", "out of memory for particles") : 0;
}

/* Does a file's N, d, L and internal coordinate match the run? */
static int check_matches(amp_sim *sim, const char *path, int64_t n, int dim, double box, const char *internal) {
  return amp_trajectory_mismatch(sim->cfg, path, n, dim, box, internal, sim->error, sizeof sim->error);
}

int amp_sim_read_initial(amp_sim *sim) {
  amp_h5md_reader *reader;
  amp_h5md_info info;
  const char *path = sim->cfg->simulate.initial_file;
  if (amp_h5md_open(&reader, path, sim->replica.comm, &info, sim->error)) return -1;
  amp_particles all;
  int status = check_matches(sim, path, info.particles, info.dim, info.box, info.internal);
  if (!status && amp_particles_init(&all, info.dim, info.internal_components, (size_t)info.particles))
    status = fail(sim, "%s", "out of memory reading the initial frame");
  if (!status) {
    status = amp_h5md_read_frame(reader, -1, &all, NULL, NULL, sim->error) ? -1 : keep_owned(sim, &all);
    amp_particles_free(&all);
  }
  char err[AMP_IO_ERR_LEN];
  if (amp_h5md_reader_close(reader, err) && !status) status = fail(sim, "%s", err);
  return status;
}

static int open_trajectory(amp_sim *sim, int64_t resume_frames) {
  static const char *const particle_obs[] = {"epr_free"};
  static const char *const scalar_obs[] = {"epr_free_total"};
  const amp_config *cfg = sim->cfg;
  char *configuration = amp_output_text(cfg, 0), *provenance = amp_output_text(cfg, 1);
  amp_h5md_spec spec = {.particles = cfg->system.particles,
                        .dim = cfg->system.dimension,
                        .box = sim->L,
                        .model = cfg->system.model == AMP_MODEL_AOUP ? "AOUP" : "ABP",
                        .internal = amp_internal_element(cfg),
                        .internal_components = sim->p.nq,
                        .particle_observables = 1,
                        .particle_observable_names = particle_obs,
                        .scalar_observables = 1,
                        .scalar_observable_names = scalar_obs,
                        .configuration = configuration ? configuration : "",
                        .provenance = provenance ? provenance : ""};
  int status = resume_frames < 0
                   ? amp_h5md_create(&sim->trajectory, sim->trajectory_path, sim->replica.comm, &spec, sim->error)
                   : amp_h5md_resume(&sim->trajectory, sim->trajectory_path, sim->replica.comm, &spec,
                                     resume_frames, sim->error);
  free(configuration);
  free(provenance);
  return status ? -1 : 0;
}

int amp_sim_open_trajectory(amp_sim *sim) { return open_trajectory(sim, -1); }

/* Accumulator names: "epr_blocking_000", ... for the doubles of amp_blocking, then "dt" and "seed". */
static const char *const *accumulator_names(void) {
  static char names[NBLOCKING][24];
  static const char *pointers[NACCUMULATORS];
  for (int k = 0; k < NBLOCKING; ++k) {
    snprintf(names[k], sizeof names[k], "epr_blocking_%03d", k);
    pointers[k] = names[k];
  }
  pointers[NBLOCKING] = "dt";
  pointers[NBLOCKING + 1] = "seed";
  return pointers;
}

static void pack_accumulators(const amp_sim *sim, double *values) {
  memcpy(values, &sim->epr_total, sizeof sim->epr_total);
  values[NBLOCKING] = sim->cfg->dynamics.dt;
  values[NBLOCKING + 1] = (double)sim->cfg->run.seed;
}

int amp_sim_checkpoint(amp_sim *sim) {
  amp_timer_begin(sim->ev.checkpoint);
  int status = amp_h5md_flush(sim->trajectory, sim->error);
  double values[NACCUMULATORS];
  pack_accumulators(sim, values);
  amp_checkpoint c = {.step = sim->step,
                      .trajectory_frames = amp_h5md_frames(sim->trajectory),
                      .particles = sim->cfg->system.particles,
                      .box = sim->L,
                      .naccumulators = NACCUMULATORS,
                      .accumulator_names = accumulator_names(),
                      .accumulators = values};
  if (!status) status = amp_checkpoint_write(sim->checkpoint_path, sim->replica.comm, &c, &sim->p, sim->error);
  amp_timer_end(sim->ev.checkpoint);
  if (status) return -1;
  if (sim->hooks && sim->hooks->checkpoint && sim->hooks->checkpoint(sim->hooks->ctx, sim->error)) return amp_sim_hook_failed(sim);
  return 0;
}

/* Tell the hooks where the run starts. Returns 0 or -1. */
static int started(amp_sim *sim) {
  if (!sim->hooks || !sim->hooks->start(sim->hooks->ctx, sim->step, sim->complete, sim->error)) return 0;
  return amp_sim_hook_failed(sim);
}

/* Does this replica's checkpoint exist? Rank 0 looks; the replica agrees. */
static int checkpoint_exists(amp_sim *sim) {
  int exists = sim->rank == 0 && access(sim->checkpoint_path, F_OK) == 0;
  if (MPI_Bcast(&exists, 1, MPI_INT, 0, sim->replica.comm) != MPI_SUCCESS) return 0;
  return exists;
}

/* The partial trajectory could not be continued (missing, or damaged by a
 * kill in the middle of a write: HDF5 1.10 files are not journaled). The
 * checkpoint is whole, so the run goes on: the old file is kept beside as
 * "<partial>.damaged" and a new trajectory starts with the next snapshot. */
static int start_over_damaged(amp_sim *sim) {
  char partial[sizeof sim->trajectory_path + 16], damaged[sizeof partial + 16];
  if (amp_h5md_partial_name(sim->trajectory_path, partial, sizeof partial)) return -1;
  snprintf(damaged, sizeof damaged, "%s.damaged", partial);
  if (sim->rank == 0) {
    rename(partial, damaged); /* nothing to keep when it is missing */
    printf("simulate: warning: %s could not be continued (%s); it is kept as %s and a new trajectory starts "
           "after step %lld\n", partial, sim->error, damaged, sim->step);
  }
  return open_trajectory(sim, -1);
}

int amp_sim_resume(amp_sim *sim) {
  if (!checkpoint_exists(sim)) return started(sim);
  amp_particles all;
  if (amp_particles_init(&all, sim->p.dim, sim->p.nq, (size_t)sim->cfg->system.particles))
    return fail(sim, "%s", "out of memory reading the checkpoint");
  double values[NACCUMULATORS], expected[NACCUMULATORS];
  amp_checkpoint c = {.naccumulators = NACCUMULATORS, .accumulator_names = accumulator_names(), .accumulators = values};
  int status = amp_checkpoint_read(sim->checkpoint_path, sim->replica.comm, &c, &all, sim->error) ? -1 : 0;
  if (!status) status = check_matches(sim, sim->checkpoint_path, c.particles, sim->p.dim, c.box, NULL);
  pack_accumulators(sim, expected);
  if (!status && (values[NBLOCKING] != expected[NBLOCKING] || values[NBLOCKING + 1] != expected[NBLOCKING + 1])) {
    snprintf(sim->error, sizeof sim->error,
             "%.700s was written with dt = %g and seed = %.0f, the input has dt = %g and seed = %.0f: "
             "remove the checkpoint (and the .partial trajectory) to start afresh",
             sim->checkpoint_path, values[NBLOCKING], values[NBLOCKING + 1], expected[NBLOCKING],
             expected[NBLOCKING + 1]);
    status = -1;
  }
  if (!status) memcpy(&sim->epr_total, values, sizeof sim->epr_total);
  if (!status) status = keep_owned(sim, &all);
  amp_particles_free(&all);
  if (status) return -1;
  long long total = sim->cfg->simulate.burn_in_steps + sim->cfg->simulate.steps;
  sim->step = c.step;
  if (c.step > total) {
    snprintf(sim->error, sizeof sim->error, "%.800s is at step %lld, beyond this input's %lld steps: remove it to start afresh",
             sim->checkpoint_path, (long long)c.step, total);
    return -1;
  }
  sim->complete = c.step == total;
  if (sim->world_rank == 0)
    printf("simulate: %s from %s at step %lld\n", sim->complete ? "already complete" : "continuing",
           sim->checkpoint_path, (long long)c.step);
  if (started(sim)) return -1;
  if (sim->complete) return 1;
  return open_trajectory(sim, c.trajectory_frames) && start_over_damaged(sim) ? -1 : 1;
}

int amp_sim_close_trajectory(amp_sim *sim) {
  amp_h5md *w = sim->trajectory;
  sim->trajectory = NULL;
  return w && amp_h5md_close(w, sim->error) ? -1 : 0;
}

void amp_sim_release_trajectory(amp_sim *sim) {
  char err[AMP_IO_ERR_LEN];
  if (sim->trajectory) amp_h5md_release(sim->trajectory, err);
  sim->trajectory = NULL;
}

/*
 * The train stage's files: the trajectory it learns from, its checkpoint,
 * its log and the model it writes (train_internal.h).
 *
 * Data. Online, frames come from the replay buffer (train_online.c). Else
 * each replica reads its own trajectory when the simulate stage ran
 * in the same input (trajectory_r<k>.h5 with several replicas), else the
 * file [train] data. Frames before first_snapshot are skipped; the last
 * validation_fraction of the rest (at least one when the fraction is > 0)
 * are held out. A frame is read whole by every rank of the replica, which
 * keeps the particles it owns and exchanges ghosts (the halo); at the sizes
 * training runs at (N up to ~1e5 per replica) a frame is a few MB. The
 * first frames that fit [train] data_memory stay in memory after their
 * first read (the cache): a step that draws one again reads no file. Every
 * rank of a replica draws the same frames and sizes the cache alike, so they
 * all read (collectively) or all skip the file together.
 *
 * Checkpoint (output_dir/train_checkpoint.h5) is a model file with every
 * parameter set (model_file.h): the moving average (what evaluation reads),
 * the raw parameters, the optimiser's moments and the step. The log
 * (output_dir/train_log.h5, /log [rows][columns]) is written with every
 * checkpoint, so a resumed run continues both. The model (model.h5) is the
 * average with the raw parameters under /raw.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "activempi/model_file.h"
#include "activempi/table.h"
#include "activempi/timers.h"
#include "stage_files.h"
#include "train_internal.h"

static const char *const log_columns[AMP_LOG_COLUMNS] = {
    [AMP_LOG_STEP] = "step",
    [AMP_LOG_LOSS] = "loss",
    [AMP_LOG_GRAD_NORM] = "grad_norm",
    [AMP_LOG_LEARNING_RATE] = "learning_rate",
    [AMP_LOG_VALIDATION_LOSS] = "validation_loss",
    [AMP_LOG_EPR_NETWORK] = "epr_network_per_particle",
    [AMP_LOG_EPR_FREE] = "epr_free_per_particle",
    [AMP_LOG_IMBALANCE] = "batch_imbalance",
    [AMP_LOG_IMBALANCE_OWNED] = "batch_imbalance_owned",
    [AMP_LOG_SECONDS] = "seconds"};

static int fail(amp_train *t, const char *fmt, const char *detail) {
  snprintf(t->error, sizeof t->error, fmt, detail);
  return -1;
}

int amp_train_paths(amp_train *t) {
  const amp_config *cfg = t->cfg;
  const int r = t->replica.index, count = t->replica.count;
  int bad = amp_config_output_path(cfg, cfg->train.model, t->model_path, sizeof t->model_path) ||
            amp_config_output_path(cfg, "train_checkpoint.h5", t->checkpoint_path, sizeof t->checkpoint_path) ||
            amp_config_output_path(cfg, "train_log.h5", t->log_path, sizeof t->log_path);
  if (amp_config_runs(cfg, AMP_STAGE_SIMULATE))
    bad = bad || amp_replica_path(cfg, r, count, cfg->simulate.trajectory, t->data_path, sizeof t->data_path);
  else
    bad = bad || snprintf(t->data_path, sizeof t->data_path, "%s", cfg->train.data) >= (int)sizeof t->data_path;
  return bad ? fail(t, "%s", "[run] output_dir or a file name is too long") : 0;
}

/* Split the usable frames into training and validation. */
static int split_frames(amp_train *t) {
  const amp_config *cfg = t->cfg;
  int64_t usable = t->info.frames - cfg->train.first_snapshot;
  double fraction = cfg->train.validation_fraction;
  t->first = cfg->train.first_snapshot;
  t->nval = fraction > 0 ? llround(fraction * (double)usable) : 0;
  if (fraction > 0 && t->nval < 1) t->nval = 1;
  t->ntrain = usable - t->nval;
  if (t->ntrain >= 1) return 0;
  snprintf(t->error, sizeof t->error,
           "%.700s has %lld frames from [train] first_snapshot = %lld on: need at least %d (training%s); simulate "
           "longer or lower first_snapshot",
           t->data_path, (long long)usable, cfg->train.first_snapshot, fraction > 0 ? 2 : 1,
           fraction > 0 ? " and one held out for validation" : "");
  return -1;
}

/* Mean network-free EPR per particle of the validation frames (NaN when the
 * trajectory has none recorded). */
static void read_epr_free(amp_train *t) {
  double sum = 0;
  t->epr_free = NAN;
  for (int64_t k = 0; k < t->nval; k++) {
    double v;
    size_t count;
    char err[AMP_IO_ERR_LEN];
    if (amp_h5md_read_observable(t->data, "epr_free_total", t->first + t->ntrain + k, &v, 1, &count, err) ||
        count != 1)
      return;
    sum += v;
  }
  if (t->nval) t->epr_free = sum / ((double)t->nval * (double)t->cfg->system.particles);
}

/* Slots for the first of the training and validation frames that fit
 * [train] data_memory, each a frame of (id, x, q) rows; they fill as frames
 * are read. */
static int cache_open(amp_train *t) {
  amp_frame_cache *c = &t->cache;
  const amp_particles *f = &t->frame;
  const double bytes = (double)t->info.particles * (double)(sizeof *f->id + (size_t)(f->dim + f->nq) * sizeof *f->x);
  const double fit = floor(t->cfg->train.data_memory * 1073741824.0 / bytes);
  const int64_t frames = t->ntrain + t->nval;
  c->count = fit < (double)frames ? (int64_t)fit : frames;
  if (c->count && !(c->frame = calloc((size_t)c->count, sizeof *c->frame)))
    return fail(t, "%s", "out of memory for the frame cache: lower [train] data_memory");
  for (int64_t k = 0; k < c->count; k++)
    if (amp_particles_init(&c->frame[k], f->dim, f->nq, 1))
      return fail(t, "%s", "out of memory for the frame cache: lower [train] data_memory");
  if (t->world_rank == 0 && !t->quiet)
    printf("train: %lld of the %lld frames stay in memory after their first read (%.3g MB per rank, [train] "
           "data_memory)\n",
           (long long)c->count, (long long)frames, (double)c->count * bytes / 1e6);
  return 0;
}

int amp_train_open_data(amp_train *t) {
  if (amp_h5md_open(&t->data, t->data_path, t->replica.comm, &t->info, t->error)) return -1;
  if (amp_trajectory_mismatch(t->cfg, t->data_path, t->info.particles, t->info.dim, t->info.box, t->info.internal,
                              t->error, sizeof t->error) ||
      split_frames(t))
    return -1;
  read_epr_free(t);
  return cache_open(t);
}

void amp_train_close_data(amp_train *t) {
  char err[AMP_IO_ERR_LEN];
  if (t->data) amp_h5md_reader_close(t->data, err);
  t->data = NULL;
  for (int64_t k = 0; t->cache.frame && k < t->cache.count; k++)
    if (t->cache.frame[k].capacity) amp_particles_free(&t->cache.frame[k]);
  free(t->cache.frame);
  t->cache = (amp_frame_cache){0};
}

/* Frame f of the file: its cache slot, read into on first use, or read into
 * t->frame when it has none. NULL on failure. Collective over the replica. */
static const amp_particles *file_frame(amp_train *t, int64_t f) {
  const int64_t k = f - t->first;
  amp_particles *slot = k < t->cache.count ? &t->cache.frame[k] : &t->frame;
  if (slot != &t->frame && slot->nowned) return slot;
  return amp_h5md_read_frame(t->data, f, slot, NULL, NULL, t->error) ? NULL : slot;
}

int amp_train_load(amp_train *t, int64_t f) {
  if (f == t->loaded) return 0;
  t->loaded = -1;
  const amp_particles *all = t->replay.capacity ? amp_train_replay_frame(t, f) : file_frame(t, f);
  if (!all || amp_own_frame(all, &t->dom, t->halo_width, &t->p, &t->halo, t->error)) return -1;
  t->loaded = f;
  return 0;
}

/* The parameter sets of the training state, in model-file order. */
static void state_sets(amp_train *t, float *sets[AMP_MODEL_NSETS]) {
  sets[AMP_MODEL_MAIN] = t->tr.opt.average;
  sets[AMP_MODEL_RAW] = t->tr.params;
  sets[AMP_MODEL_MOMENT1] = t->tr.opt.m;
  sets[AMP_MODEL_MOMENT2] = t->tr.opt.v;
}

/* 1 when path exists (rank 0 looks), on every rank; -1 when MPI fails. */
static int exists(const char *path) {
  int rank, there = 0;
  if (MPI_Comm_rank(MPI_COMM_WORLD, &rank) != MPI_SUCCESS) return -1;
  if (rank == 0) there = access(path, F_OK) == 0;
  return MPI_Bcast(&there, 1, MPI_INT, 0, MPI_COMM_WORLD) == MPI_SUCCESS ? there : -1;
}

static int read_log(amp_train *t) {
  char err[AMP_IO_ERR_LEN];
  double *rows;
  size_t n;
  int there = exists(t->log_path);
  if (there <= 0) return there ? fail(t, "%s", "MPI_Bcast failed") : 0;
  if (amp_table_read(t->log_path, MPI_COMM_WORLD, "log", AMP_LOG_COLUMNS, &rows, &n, err))
    return fail(t, "%s", err);
  while (n && rows[(n - 1) * AMP_LOG_COLUMNS + AMP_LOG_STEP] > (double)t->step) n--; /* rows after the checkpoint */
  t->log = rows;
  t->nlog = t->cap_log = n;
  if (!n) {
    free(rows);
    t->log = NULL;
  }
  return 0;
}

/* The checkpoint to continue from: output_dir's own, else [train] initial
 * (*initial = 1), else none ("" with 0 returned). */
static int continue_from(amp_train *t, const char **path, int *initial) {
  int there = exists(t->checkpoint_path);
  if (there < 0) return fail(t, "%s", "MPI_Bcast failed");
  *initial = !there && t->cfg->train.initial[0];
  *path = there ? t->checkpoint_path : t->cfg->train.initial;
  if (!*initial) return 0;
  there = exists(*path);
  if (there < 0) return fail(t, "%s", "MPI_Bcast failed");
  return there ? 0
               : fail(t, "[train] initial = \"%.900s\": no such file (name a train_checkpoint.h5 of this network)",
                      *path);
}

int amp_train_resume(amp_train *t) {
  const char *path;
  int initial;
  if (continue_from(t, &path, &initial)) return -1;
  if (!path[0]) return 0;
  const char *remedy =
      initial ? "name a checkpoint of this network in [train] initial" : "remove it to start training afresh";
  float *sets[AMP_MODEL_NSETS];
  amp_model_provenance prov;
  char err[AMP_IO_ERR_LEN];
  amp_nn_arch arch;
  amp_neighborhood_kind kind;
  state_sets(t, sets);
  if (amp_model_read_arch(path, MPI_COMM_WORLD, &arch, &kind, err) ||
      amp_model_kind_mismatch(t->cfg, path, kind, err, sizeof err) ||
      amp_model_read_sets(path, MPI_COMM_WORLD, &t->tr.layout, sets, &prov, err)) {
    snprintf(t->error, sizeof t->error, "%.900s (%s)", err, remedy);
    return -1;
  }
  amp_model_provenance_free(&prov);
  if (prov.step > t->cfg->train.steps) {
    snprintf(t->error, sizeof t->error, "%.800s is at step %lld, beyond [train] steps = %lld: %s", path,
             (long long)prov.step, t->cfg->train.steps, initial ? "raise steps" : "remove it to start afresh");
    return -1;
  }
  t->step = t->tr.opt.step = prov.step;
  if (!initial && read_log(t)) return -1;
  if (t->world_rank == 0)
    printf("train: continuing from %s at step %lld%s\n", path, t->step, initial ? " ([train] initial)" : "");
  return 1;
}

int amp_train_checkpoint(amp_train *t) {
  float *sets[AMP_MODEL_NSETS];
  char err[AMP_IO_ERR_LEN];
  char *config = amp_output_text(t->cfg, 0);
  state_sets(t, sets);
  amp_timer_begin(t->ev.output);
  int status = amp_model_write_sets(t->checkpoint_path, MPI_COMM_WORLD, &t->tr.layout, (const float *const *)sets,
                                    t->step, config, t->cfg->network.neighborhood, err) ||
               amp_table_write(t->log_path, MPI_COMM_WORLD, "log", log_columns, AMP_LOG_COLUMNS, t->log, t->nlog,
                               err);
  amp_timer_end(t->ev.output);
  free(config);
  return status ? fail(t, "%s", err) : 0;
}

int amp_train_write_model(amp_train *t) {
  char err[AMP_IO_ERR_LEN];
  char *config = amp_output_text(t->cfg, 0);
  amp_timer_begin(t->ev.output);
  int status = amp_model_write(t->model_path, MPI_COMM_WORLD, &t->tr.layout, t->tr.opt.average, t->tr.params,
                               t->step, config, t->cfg->network.neighborhood, err);
  amp_timer_end(t->ev.output);
  free(config);
  return status ? fail(t, "%s", err) : 0;
}

/*
 * train_online: the train stage's online source ([train] source = "online"):
 * the simulation of the same input feeds the training, snapshot by
 * snapshot, with no file read in between (doc/training.md, "Online
 * training").
 *
 * Design. The train stage runs the simulation itself (amp_simulate with
 * hooks, simulate_hooks.h) and run.c skips the separate simulate stage: the
 * simulator keeps its loop, signals, checkpoints and trajectory unchanged
 * (bit for bit), and the trainer only watches. At each snapshot after the
 * burn-in (amp_online_role: skipped before first_snapshot, every
 * round(1/validation_fraction)-th held out, the rest trained on):
 *
 *   owned rows (id, x, q) of every rank of the replica -> MPI_Allgatherv
 *   -> the whole snapshot, row i = id i, on every rank of the replica
 *   -> training snapshot: ring slot k % replay_frames (k counts them), then
 *      steps_per_snapshot training steps (until [train] steps), each on a
 *      frame drawn uniformly from the ring by (seed, replica, step)
 *   -> held-out snapshot: the validation frame (the newest one), with the
 *      simulator's network-free EPR of it for the log
 *
 * train.c numbers frames as for a file: the ring's training snapshots are
 * [first, first + ntrain) by arrival (first = the oldest still held), the
 * validation frame is first + ntrain. The ring's content, and so every draw,
 * is the same on any number of ranks.
 *
 * Memory: (replay_frames + 1) x N x (1 + d + nq) doubles on every rank
 * (64 frames of 1e5 2-D AOUPs: 256 MB), plus one snapshot for the gather.
 *
 * Restart. The training checkpoint is written with every checkpoint of the
 * simulation (the same moments: its interval, a signal, the end). The ring
 * is not saved: its frames are snapshots of the trajectory, which the
 * simulation flushes before each checkpoint, so a restart refills it from
 * the (partial) trajectory up to the checkpoint's step, bit for bit, and the
 * continued run trains as the uninterrupted one. A checkpoint pair that
 * disagrees (a kill between the two writes) is refused.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activempi/timers.h"
#include "simulate_hooks.h"
#include "stage_files.h"
#include "train_internal.h"

static int fail(amp_train *t, const char *fmt, const char *detail) {
  snprintf(t->error, sizeof t->error, fmt, detail);
  return -1;
}

/* A hook's failure: t's message into the simulation's error line. */
static int hook_failed(const amp_train *t, char *error) {
  snprintf(error, AMP_ERR_LEN, "%s", t->error);
  return -1;
}

int amp_train_online_init(amp_train *t) {
  const amp_config *cfg = t->cfg;
  amp_replay *r = &t->replay;
  const size_t n = (size_t)cfg->system.particles, width = (size_t)(1 + t->p.dim + t->p.nq);
  int ranks;
  if (MPI_Comm_size(t->replica.comm, &ranks) != MPI_SUCCESS) return fail(t, "%s", "MPI_Comm_size failed");
  r->frame = calloc((size_t)cfg->train.replay_frames + 1, sizeof *r->frame);
  r->recv = malloc(n * width * sizeof *r->recv);
  r->counts = malloc(2 * (size_t)ranks * sizeof *r->counts);
  if (!r->frame || !r->recv || !r->counts) return fail(t, "%s", "out of memory for the replay buffer");
  r->displs = r->counts + ranks;
  r->capacity = cfg->train.replay_frames;
  for (int k = 0; k <= r->capacity; ++k)
    if (amp_particles_init(&r->frame[k], t->p.dim, t->p.nq, n))
      return fail(t, "%s", "out of memory for the replay buffer ([train] replay_frames frames of every particle)");
  t->epr_free = NAN;
  if (t->world_rank == 0)
    printf("train: online, a replay buffer of %d snapshots of %lld particles (%.3g MB per rank), %lld steps per "
           "snapshot\n",
           r->capacity, cfg->system.particles, (double)(r->capacity + 2) * (double)(n * width) * 8 / 1e6,
           cfg->train.steps_per_snapshot);
  return 0;
}

void amp_train_online_free(amp_train *t) {
  amp_replay *r = &t->replay;
  for (int k = 0; r->frame && k <= r->capacity; ++k)
    if (r->frame[k].capacity) amp_particles_free(&r->frame[k]);
  free(r->frame);
  free(r->send);
  free(r->recv);
  free(r->counts);
  memset(r, 0, sizeof *r);
}

const amp_particles *amp_train_replay_frame(const amp_train *t, int64_t f) {
  const int cap = t->replay.capacity;
  return &t->replay.frame[f < t->first + t->ntrain ? f % cap : cap];
}

/* The frames train.c sees after the buffer changed. */
static void publish(amp_train *t) {
  const amp_replay *r = &t->replay;
  t->ntrain = r->pushed < r->capacity ? r->pushed : r->capacity;
  t->first = r->pushed - t->ntrain;
  t->nval = r->held_out;
  t->loaded = -1; /* frame numbers now name other snapshots */
}

/* This rank's owned rows as (id, x, q) records. Returns 0 or -1. */
static int pack(amp_train *t, const amp_particles *owned, int width) {
  amp_replay *r = &t->replay;
  const int d = owned->dim, nq = owned->nq;
  if (owned->nowned > r->cap_send) {
    double *bigger = realloc(r->send, owned->nowned * (size_t)width * sizeof *bigger);
    if (!bigger) return fail(t, "%s", "out of memory gathering a snapshot");
    r->send = bigger;
    r->cap_send = owned->nowned;
  }
  for (size_t i = 0; i < owned->nowned; ++i) {
    double *row = r->send + i * (size_t)width;
    row[0] = (double)owned->id[i];
    memcpy(row + 1, owned->x + i * (size_t)d, (size_t)d * sizeof *row);
    memcpy(row + 1 + d, owned->q + i * (size_t)nq, (size_t)nq * sizeof *row);
  }
  return 0;
}

/* The replica's snapshot, whole, into `into` (row i = id i) on every rank
 * of the replica: one MPI_Allgatherv of the owned records. Collective. */
static int gather(amp_train *t, const amp_particles *owned, amp_particles *into) {
  amp_replay *r = &t->replay;
  const int d = owned->dim, nq = owned->nq, width = 1 + d + nq;
  const int64_t n = t->cfg->system.particles;
  int ranks, mine = pack(t, owned, width) ? -1 : (int)owned->nowned * width, total = 0, short_of_memory = 0;
  if (MPI_Comm_size(t->replica.comm, &ranks) != MPI_SUCCESS ||
      MPI_Allgather(&mine, 1, MPI_INT, r->counts, 1, MPI_INT, t->replica.comm) != MPI_SUCCESS)
    return fail(t, "%s", "MPI_Allgather of the snapshot's sizes failed");
  for (int k = 0; k < ranks; ++k) {
    r->displs[k] = total;
    total += r->counts[k];
    short_of_memory |= r->counts[k] < 0;
  }
  if (short_of_memory) return fail(t, "%s", "out of memory gathering a snapshot");
  if (total != n * width) return fail(t, "%s", "a snapshot's ids are not 0 .. N-1, each once");
  if (MPI_Allgatherv(r->send, mine, MPI_DOUBLE, r->recv, r->counts, r->displs, MPI_DOUBLE, t->replica.comm) !=
      MPI_SUCCESS)
    return fail(t, "%s", "MPI_Allgatherv of a snapshot failed");
  for (int64_t k = 0; k < n; ++k) {
    const double *row = r->recv + k * width;
    const int64_t id = (int64_t)row[0];
    into->id[id] = id;
    memcpy(into->x + id * d, row + 1, (size_t)d * sizeof *row);
    memcpy(into->q + id * nq, row + 1 + d, (size_t)nq * sizeof *row);
  }
  into->nowned = (size_t)n;
  into->nghost = 0;
  return 0;
}

/* Snapshot j (0: the first after the burn-in) of the simulation's step. */
static long long snapshot_index(const amp_config *cfg, long long step) {
  return (step - cfg->simulate.burn_in_steps) / cfg->simulate.snapshot_interval - 1;
}

/* Snapshots taken up to and including the simulation's step. */
static long long snapshots_taken(const amp_config *cfg, long long step) {
  return step > cfg->simulate.burn_in_steps ? snapshot_index(cfg, step) + 1 : 0;
}

static int on_snapshot(void *ctx, long long step, const amp_particles *owned, double epr_total, char *error) {
  amp_train *t = ctx;
  amp_replay *r = &t->replay;
  amp_snapshot_role role = amp_online_role(t->cfg, snapshot_index(t->cfg, step));
  if (role == AMP_SNAPSHOT_SKIPPED) return 0;
  amp_timer_begin(t->ev.data);
  int status = gather(t, owned, &r->frame[role == AMP_SNAPSHOT_HELD_OUT ? r->capacity : r->pushed % r->capacity]);
  amp_timer_end(t->ev.data);
  if (status) return hook_failed(t, error);
  if (role == AMP_SNAPSHOT_HELD_OUT) {
    r->held_out = 1;
    t->epr_free = epr_total / (double)t->cfg->system.particles;
  } else {
    r->pushed++;
  }
  publish(t);
  if (role == AMP_SNAPSHOT_TRAIN && amp_train_steps(t, t->step + t->cfg->train.steps_per_snapshot))
    return hook_failed(t, error);
  return 0;
}

static int on_checkpoint(void *ctx, char *error) {
  amp_train *t = ctx;
  return amp_train_checkpoint(t) ? hook_failed(t, error) : 0;
}

/* Snapshot j of the trajectory into `into` (checking its step); with
 * `epr`, also its network-free EPR per particle. Collective. */
static int read_snapshot(amp_train *t, amp_h5md_reader *reader, long long j, amp_particles *into, double *epr) {
  const amp_config *cfg = t->cfg;
  int64_t step, want = cfg->simulate.burn_in_steps + (j + 1) * cfg->simulate.snapshot_interval;
  size_t count;
  if (amp_h5md_read_frame(reader, j, into, &step, NULL, t->error)) return -1;
  if (step != want) {
    snprintf(t->error, sizeof t->error,
             "cannot refill the replay buffer: frame %lld of %.700s is step %lld, not %lld (the trajectory was "
             "restarted): remove the checkpoints to start afresh",
             j, t->data_path, (long long)step, (long long)want);
    return -1;
  }
  if (!epr) return 0;
  if (amp_h5md_read_observable(reader, "epr_free_total", j, epr, 1, &count, t->error)) return -1;
  *epr /= (double)cfg->system.particles;
  return 0;
}

/* The newest training snapshots (up to the ring's size) and the newest
 * held-out one of the first `taken`, read back in place. Collective. */
static int read_back(amp_train *t, amp_h5md_reader *reader, long long taken) {
  amp_replay *r = &t->replay;
  const long long want = r->pushed < r->capacity ? r->pushed : r->capacity;
  long long got = 0;
  for (long long j = taken - 1; j >= t->cfg->train.first_snapshot && (got < want || !r->held_out); --j) {
    amp_snapshot_role role = amp_online_role(t->cfg, j);
    if (role == AMP_SNAPSHOT_TRAIN && got < want) {
      if (read_snapshot(t, reader, j, &r->frame[(r->pushed - 1 - got) % r->capacity], NULL)) return -1;
      got++;
    } else if (role == AMP_SNAPSHOT_HELD_OUT && !r->held_out) {
      if (read_snapshot(t, reader, j, &r->frame[r->capacity], &t->epr_free)) return -1;
      r->held_out = 1;
    }
  }
  return 0;
}

/* Refill the buffer as it was after `taken` snapshots, from the trajectory
 * (the partial one while the simulation is not complete). Collective. */
static int refill(amp_train *t, long long taken, int complete) {
  amp_replay *r = &t->replay;
  r->pushed = amp_online_training_snapshots(t->cfg, taken);
  r->held_out = 0;
  if (taken > 0) {
    char path[sizeof t->data_path + 16], err[AMP_IO_ERR_LEN];
    amp_h5md_reader *reader;
    amp_h5md_info info;
    if (complete)
      snprintf(path, sizeof path, "%s", t->data_path);
    else if (amp_h5md_partial_name(t->data_path, path, sizeof path))
      return fail(t, "%s", "[run] output_dir is too long");
    if (amp_h5md_open(&reader, path, t->replica.comm, &info, t->error)) return -1;
    int status = read_back(t, reader, taken);
    if (amp_h5md_reader_close(reader, err) && !status) status = fail(t, "%s", err);
    if (status) return -1;
  }
  publish(t);
  return 0;
}

/* The training checkpoint must be the one written with the simulation's. */
static int on_start(void *ctx, long long step, int complete, char *error) {
  amp_train *t = ctx;
  const amp_config *cfg = t->cfg;
  const long long taken = snapshots_taken(cfg, step);
  long long expected = amp_online_training_snapshots(cfg, taken) * cfg->train.steps_per_snapshot;
  if (expected > cfg->train.steps) expected = cfg->train.steps;
  if (t->step != expected) {
    snprintf(t->error, sizeof t->error,
             "%.700s is at training step %lld, but the simulation starts at step %lld, which goes with training "
             "step %lld: the two checkpoints were not written together; remove both to start afresh",
             t->checkpoint_path, t->step, step, expected);
    return hook_failed(t, error);
  }
  return refill(t, taken, complete) ? hook_failed(t, error) : 0;
}

int amp_train_online(amp_train *t, const amp_cli *cli) {
  const amp_sim_hooks hooks = {
      .ctx = t, .stage = "train", .start = on_start, .snapshot = on_snapshot, .checkpoint = on_checkpoint};
  return amp_simulate(t->cfg, cli, &hooks);
}

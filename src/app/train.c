/*
 * The train stage: snapshots of a trajectory -> a score network (model.h5).
 *
 * Design. Every rank belongs to a replica (parallel.h); a replica's ranks
 * share one snapshot in space, as the simulator does (domain.h), and every
 * rank of every replica holds the whole network. A step:
 *
 *   each replica picks a training frame (counter-based, by step) -> its ranks
 *   keep the particles they own and receive ghosts within the neighbourhood
 *   cutoff plus the noise's reach (bond-graph neighbourhoods: at least the
 *   hops their K tokens span times the bond reach, score.h) -> one
 *   distributed score-matching step
 *   (trainer.h: one MPI_Allreduce of the gradient over all ranks)
 *
 * Every log_interval steps it measures, with the parameters' moving average
 * (what gets saved for evaluation), the loss on a held-out frame with fixed
 * noise (the denoising losses) and the entropy production of that frame's internal coordinates,
 * next to the network-free estimate the simulator recorded for the held-out
 * frames (science.md I4/I5); the rows go to train_log.h5 and to the screen.
 * Checkpoints (parameters, average, optimiser moments, step) are written on
 * an interval, at the end and on SIGTERM/SIGUSR1; a run that finds one
 * continues from it, and takes the same steps as an uninterrupted run.
 *
 * With [train] source = "online" the frames are the snapshots of the run's
 * own simulation, and the simulation drives the steps (train_online.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activempi/app.h"
#include "activempi/epr_frame.h"
#include "activempi/score.h"
#include "activempi/signals.h"
#include "activempi/timers.h"
#include "activempi/progress.h"
#include "bonds_input.h"
#include "train_internal.h"

/* The counter of the validation noise: fixed, so validation losses compare. */
#define VALIDATION_STEP (1LL << 60)

static int fail(amp_train *t, const char *what) {
  snprintf(t->error, sizeof t->error, "%s", what);
  return -1;
}

static PetscErrorCode register_events(amp_train *t) {
  PetscFunctionBeginUser;
  PetscCall(amp_timer_register("io", "AmpTrainData", &t->ev.data));
  PetscCall(amp_timer_register("learn", "AmpTrainStep", &t->ev.step));
  PetscCall(amp_timer_register("learn", "AmpValidate", &t->ev.validate));
  PetscCall(amp_timer_register("learn", "AmpTrainTokens", &t->ev.tokens));
  PetscCall(amp_timer_register("learn", "AmpRedistribute", &t->ev.redistribute));
  PetscCall(amp_timer_register("learn", "AmpTrainNetwork", &t->ev.network));
  PetscCall(amp_timer_register("learn", "AmpAllreduce", &t->ev.allreduce));
  PetscCall(amp_timer_register("io", "AmpTrainOutput", &t->ev.output));
  PetscFunctionReturn(0);
}

static int setup(amp_train *t, const amp_config *cfg, const amp_cli *cli) {
  t->cfg = cfg;
  t->quiet = cli->quiet;
  t->loaded = -1;
  t->halo_width = fmax(cfg->derived.train_halo, amp_drift_halo_width(cfg)); /* below L/2: config checks both */
  if (register_events(t)) return fail(t, "cannot register the timers");
  if (amp_replica_split(MPI_COMM_WORLD, cfg->run.replicas, &t->replica))
    return fail(t, "cannot split the ranks into replicas");
  MPI_Comm_rank(MPI_COMM_WORLD, &t->world_rank);
  double graph_width; /* bond-graph tokens: their hops, whatever the cutoff and the noise */
  if (amp_bonds_load_with_halo(cfg, t->replica.comm, &t->bonds, &graph_width, t->error, sizeof t->error)) return -1;
  t->halo_width = fmax(t->halo_width, graph_width);
  if (amp_domain_create(&t->dom, t->replica.comm, cfg->system.dimension, cfg->system.box_length))
    return fail(t, t->dom.error);
  int nq = amp_internal_components(cfg->system.model, cfg->system.dimension);
  if (amp_particles_init(&t->p, cfg->system.dimension, nq, 1024) ||
      (cfg->train.source == AMP_SOURCE_FILE &&
       amp_particles_init(&t->frame, cfg->system.dimension, nq, (size_t)cfg->system.particles)))
    return fail(t, "out of memory for particles");
  if (amp_train_paths(t)) return -1;
  if (cfg->train.source == AMP_SOURCE_ONLINE ? amp_train_online_init(t) : amp_train_open_data(t)) return -1;
  if (amp_trainer_init(&t->tr, cfg, &t->bonds, MPI_COMM_WORLD, t->replica.index, t->replica.count))
    return fail(t, t->tr.error);
  t->tr.ev.tokens = t->ev.tokens;
  t->tr.ev.redistribute = t->ev.redistribute;
  t->tr.ev.network = t->ev.network;
  t->tr.ev.allreduce = t->ev.allreduce;
  if (amp_epr_frame_init(&t->epr, cfg, &t->tr.layout.arch, &t->bonds))
    return fail(t, "out of memory for the pair-force table");
  return amp_train_resume(t) < 0 ? -1 : 0;
}

static void teardown(amp_train *t) {
  amp_trainer_free(&t->tr);
  amp_train_online_free(t);
  amp_epr_frame_free(&t->epr);
  amp_bonds_free(&t->bonds);
  amp_train_close_data(t);
  amp_halo_free(&t->halo);
  amp_bonds_free(&t->bonds);
  if (t->p.capacity) amp_particles_free(&t->p);
  if (t->frame.capacity) amp_particles_free(&t->frame);
  if (t->dom.comm) amp_domain_free(&t->dom);
  if (t->replica.comm) MPI_Comm_free(&t->replica.comm);
  free(t->log);
}

/* The training frame of this replica for draw counter `draw` (a function of
 * seed, replica, draw). */
static int64_t training_frame(const amp_train *t, long long draw) {
  double u[4];
  amp_rng_uniform4(&t->tr.rng, 0, (uint64_t)draw, AMP_RNG_TRAIN_SNAPSHOT, u);
  int64_t k = (int64_t)(u[0] * (double)t->ntrain);
  return t->first + (k < t->ntrain ? k : t->ntrain - 1);
}

/* Entropy production per particle of the loaded frame from the moving-average
 * network: the internal coordinate's part, plus the positions' when the
 * network has a position head (epr_frame.h). Collective. */
static int network_epr(amp_train *t, double *epr) {
  amp_trainer *tr = &t->tr;
  size_t n = t->p.nowned;
  amp_epr_point *point = malloc((n ? n : 1) * sizeof *point);
  size_t *target = malloc((n ? n : 1) * sizeof *target);
  int failed = !point || !target;
  if (!failed) {
    for (size_t i = 0; i < n; i++) target[i] = i;
    failed = amp_trainer_tokens(tr, &t->p, target, n);
  }
  if (!failed)
    failed = amp_epr_frame_compute(&t->epr, &tr->layout, tr->opt.average, &tr->ws, &tr->nb, &t->p, 0, point, NULL);
  double local[2] = {0, failed != 0};
  for (size_t i = 0; !failed && i < n; i++) local[0] += point[i].sigma;
  free(point);
  free(target);
  if (MPI_Allreduce(MPI_IN_PLACE, local, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD) != MPI_SUCCESS)
    return fail(t, "MPI_Allreduce failed");
  if (local[1] > 0) { /* the reason where it happened */
    if (failed == -2) return amp_bond_error(t->error, sizeof t->error, t->cfg, t->epr.drift.bad, "a validation frame");
    return fail(t, !failed                ? ""
                   : tr->nb.error[0] ? tr->nb.error
                                     : "out of memory evaluating the network on a validation frame");
  }
  *epr = local[0] / ((double)t->cfg->system.particles * t->replica.count);
  return 0;
}

/* Validation loss and EPR of the moving average on frames_per_step held-out
 * frames (their means: one frame of a large system, several of a small one). */
static int validate(amp_train *t, double *loss, double *epr) {
  *loss = *epr = NAN;
  if (!t->nval) return 0;
  const int F = t->cfg->train.frames_per_step;
  const int64_t k = t->step / t->cfg->train.log_interval * F + t->replica.index;
  double sum_loss = 0, sum_epr = 0;
  amp_timer_begin(t->ev.validate);
  int status = 0;
  for (int f = 0; f < F && !status; f++) {
    amp_train_stats stats = {0};
    double e = 0;
    status = amp_train_load(t, t->first + t->ntrain + (k + f) % t->nval) ||
             amp_trainer_loss(&t->tr, t->tr.opt.average, &t->p, VALIDATION_STEP, &stats) || network_epr(t, &e);
    sum_loss += stats.loss;
    sum_epr += e;
  }
  amp_timer_end(t->ev.validate);
  if (status) return t->error[0] ? -1 : fail(t, t->tr.error);
  *loss = sum_loss / F;
  *epr = sum_epr / F;
  return 0;
}

/* The moving average's EPR over every held-out frame, with the standard
 * error of its frame-to-frame scatter: the closing line. Collective. */
static int final_epr(amp_train *t) {
  if (!t->nval) return 0;
  const int R = t->replica.count;
  const int64_t rounds = (t->nval + R - 1) / R;
  double sum = 0, sum2 = 0;
  for (int64_t j = 0; j < rounds; j++) {
    double epr;
    if (amp_train_load(t, t->first + t->ntrain + (j * R + t->replica.index) % t->nval) || network_epr(t, &epr))
      return -1;
    sum += epr;
    sum2 += epr * epr;
  }
  double mean = sum / (double)rounds, var = rounds > 1 ? (sum2 - sum * mean) / (double)(rounds - 1) : 0;
  long long frames = rounds * R < t->nval ? rounds * R : t->nval;
  if (t->world_rank == 0)
    printf("train: EPR per particle on %lld held-out frame%s: network %.6g +- %.2g, network-free %.6g\n", frames,
           frames == 1 ? "" : "s", mean, sqrt(fmax(var, 0) / (double)rounds), t->epr_free);
  return 0;
}

static int append_log(amp_train *t, const amp_train_stats *st) {
  double row[AMP_LOG_COLUMNS];
  row[AMP_LOG_STEP] = (double)t->step;
  row[AMP_LOG_LOSS] = st->loss;
  row[AMP_LOG_GRAD_NORM] = st->grad_norm;
  row[AMP_LOG_LEARNING_RATE] = st->learning_rate;
  row[AMP_LOG_EPR_FREE] = t->epr_free;
  row[AMP_LOG_IMBALANCE] = st->imbalance;
  row[AMP_LOG_IMBALANCE_OWNED] = st->imbalance_owned;
  row[AMP_LOG_SECONDS] = amp_clock() - t->start;
  if (validate(t, &row[AMP_LOG_VALIDATION_LOSS], &row[AMP_LOG_EPR_NETWORK])) return -1;
  if (t->nlog == t->cap_log) {
    size_t cap = t->cap_log ? 2 * t->cap_log : 64;
    double *log = realloc(t->log, cap * AMP_LOG_COLUMNS * sizeof *log);
    if (!log) return fail(t, "out of memory for the training log");
    t->log = log;
    t->cap_log = cap;
  }
  memcpy(t->log + t->nlog++ * AMP_LOG_COLUMNS, row, sizeof row);
  if (t->world_rank == 0 && !t->quiet)
    printf("train: step %lld/%lld  loss %.6g  |grad| %.3g  lr %.3g  validation %.6g  EPR/particle network %.5g "
           "free %.5g\n",
           t->step, t->cfg->train.steps, st->loss, st->grad_norm, st->learning_rate, row[AMP_LOG_VALIDATION_LOSS],
           row[AMP_LOG_EPR_NETWORK], t->epr_free);
  return 0;
}

/* A signal seen by any rank, agreed over all (SIGTERM's number if MPI fails). */
static int signal_agreed(void) {
  int caught = amp_signal_caught(), any = caught;
  return MPI_Allreduce(&caught, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD) == MPI_SUCCESS ? any : 15;
}

/* Frame f of a step's frames_per_step: its counter of random draws (the frame,
 * the particles, their noise); with one frame per step, the step itself. */
static long long draw_counter(const amp_train *t, long long step, int f) {
  return step * t->cfg->train.frames_per_step + f;
}

/* One optimisation step over frames_per_step frames. Collective. */
static int train_step(amp_train *t, amp_train_stats *st) {
  amp_trainer_begin_step(&t->tr);
  for (int f = 0; f < t->cfg->train.frames_per_step; f++) {
    long long draw = draw_counter(t, t->step, f);
    amp_timer_begin(t->ev.data);
    int status = amp_train_load(t, training_frame(t, draw));
    amp_timer_end(t->ev.data);
    if (status) return -1;
    amp_timer_begin(t->ev.step);
    status = amp_trainer_add_frame(&t->tr, &t->p, draw);
    amp_timer_end(t->ev.step);
    if (status) return fail(t, t->tr.error);
  }
  amp_timer_begin(t->ev.step);
  int status = amp_trainer_update(&t->tr, t->step, st);
  amp_timer_end(t->ev.step);
  return status ? fail(t, t->tr.error) : 0;
}

int amp_train_steps(amp_train *t, long long until) {
  const long long total = t->cfg->train.steps;
  while (t->step < until && t->step < total) {
    amp_train_stats st;
    if (train_step(t, &st)) return -1;
    t->step++;
    if ((t->step % t->cfg->train.log_interval == 0 || t->step == total) && append_log(t, &st)) return -1;
  }
  return 0;
}

/* The model and the closing EPR line, once training is done. Collective. */
static int finish(amp_train *t) { return amp_train_write_model(t) || final_epr(t); }

/* The file source: steps, with checkpoints on the interval and on a signal. */
static int run(amp_train *t) {
  const amp_config *cfg = t->cfg;
  const long long total = cfg->train.steps, first = t->step;
  amp_progress progress;
  amp_progress_start(&progress, "train", "steps", total - first, cfg->run.progress_interval,
                     t->world_rank == 0 && !t->quiet ? stdout : NULL, amp_clock());
  while (t->step < total) {
    if (amp_train_steps(t, t->step + 1)) return -1;
    int caught = signal_agreed();
    long long every = cfg->train.checkpoint_interval;
    if ((caught || (every > 0 && t->step % every == 0)) && t->step < total && amp_train_checkpoint(t)) return -1;
    if (caught) {
      t->interrupted = caught;
      return 0;
    }
    amp_progress_update(&progress, t->step - first, amp_clock());
  }
  amp_progress_finish(&progress, total - first, amp_clock());
  return amp_train_checkpoint(t) || finish(t);
}

/* Every rank agrees on the outcome, which rank 0 reports. Returns the exit code. */
static int conclude(amp_train *t, int status) {
  int any = amp_report_failure(status != 0, t->error, "train");
  if (t->interrupted && t->world_rank == 0)
    printf("train: stopped by signal %d at step %lld after writing a checkpoint; run again to continue\n",
           t->interrupted, t->step);
  else if (!any && t->world_rank == 0)
    printf("train: model %s (%zu parameters, moving average), log %s, checkpoint %s\n", t->model_path,
           t->tr.layout.nparams, t->log_path, t->checkpoint_path);
  return any ? AMP_EXIT_FAILURE : t->interrupted ? AMP_EXIT_INTERRUPTED : AMP_EXIT_OK;
}

/* Online, the simulation drives the steps and reports its own outcome (a
 * failure, or a signal after both checkpoints); the model follows its end. */
static int stage_online(amp_train *t, const amp_cli *cli, int status) {
  if (amp_report_failure(status != 0, t->error, "train")) return AMP_EXIT_FAILURE;
  int code = amp_train_online(t, cli);
  return code == AMP_EXIT_OK ? conclude(t, finish(t)) : code;
}

int amp_stage_train(const amp_config *cfg, const amp_cli *cli) {
  amp_train t;
  memset(&t, 0, sizeof t);
  t.start = amp_clock();
  if (amp_signals_install()) return AMP_EXIT_FAILURE;
  int status = setup(&t, cfg, cli);
  int code = cfg->train.source == AMP_SOURCE_ONLINE ? stage_online(&t, cli, status)
                                                    : conclude(&t, status ? status : run(&t));
  teardown(&t);
  return code;
}

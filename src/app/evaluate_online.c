/*
 * evaluate_online: in situ evaluation ([evaluate] source = "online"): the
 * evaluate stage runs the simulation of the same input and evaluates its
 * snapshots as they are taken, with no trajectory read (doc/evaluate.md,
 * "In situ evaluation").
 *
 * Design. The stage calls amp_simulate with hooks (simulate_hooks.h) and
 * run.c skips the separate simulate stage: the simulator keeps its loop,
 * signals, checkpoints and trajectory unchanged, bit for bit. At each
 * snapshot j (0: the first after the burn-in) with j = first_snapshot +
 * k stride, the same frames an offline evaluation of the trajectory picks:
 *
 *   the simulation's owned rows (id, x, q), copied -> amp_domain_migrate to
 *   the evaluate stage's own domain (equal slabs over MPI_COMM_WORLD; the
 *   simulator's may be load balanced) -> rows in id order -> ghosts within
 *   the stage's halo width -> amp_evaluate_frame, the offline stage's code
 *   -> one frame of epr.h5, flushed
 *
 * A rank then holds the particles it would own reading the frame from a
 * file, in the same order, and the positions are the doubles the trajectory
 * records, so epr.h5 is the one an offline evaluation of the same frames
 * writes, bit for bit (tests/cli/evaluate_online.sh). Nothing is gathered
 * but the solid and interface particles for the cluster search.
 *
 * Restart. epr.h5.partial is flushed after every snapshot, so it always
 * holds at least the frames the simulation's last checkpoint has taken. A
 * run continued from that checkpoint cuts the partial file back to those
 * frames (frames written after the checkpoint are dropped, and evaluated
 * again as the simulation retakes them) and reads their numbers back into
 * the run's sums (amp_evaluate_accumulate, amp_evaluate_spatial_restore),
 * so the finished file is the uninterrupted run's. A partial file that
 * cannot be continued (missing, damaged by a kill in a write) stops the
 * run with one line. Interrupted or failed, the run keeps the partial file
 * for the next one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activempi/timers.h"
#include "evaluate_internal.h"
#include "simulate_hooks.h"

/* A hook's failure: e's message into the simulation's error line. */
static int hook_failed(const amp_evaluate *e, char *error) {
  snprintf(error, AMP_ERR_LEN, "%s", e->error);
  return -1;
}

/* Snapshots taken up to and including the simulation's step. */
static long long snapshots_taken(const amp_config *cfg, long long step) {
  long long after = step - cfg->simulate.burn_in_steps;
  return after > 0 ? after / cfg->simulate.snapshot_interval : 0;
}

/* Snapshots evaluated among the first `taken`. */
static long long evaluated(const amp_evaluate *e, long long taken) {
  return taken > e->first ? (taken - e->first + e->stride - 1) / e->stride : 0;
}

static int on_start(void *ctx, long long step, int complete, char *error) {
  amp_evaluate *e = ctx;
  if (complete) return 0; /* epr.h5 was finished with the simulation */
  long long kept = evaluated(e, snapshots_taken(e->cfg, step));
  int status = kept > 0 ? amp_evaluate_resume_output(e, kept) : amp_evaluate_create_output(e);
  return status ? hook_failed(e, error) : 0;
}

typedef struct {
  int64_t id;
  size_t row;
} id_row;

static int by_id(const void *a, const void *b) {
  int64_t x = ((const id_row *)a)->id, y = ((const id_row *)b)->id;
  return (x > y) - (x < y);
}

/* e->all's rows into e->p in id order. Local; 0 or -1. */
static int sort_rows(amp_evaluate *e) {
  const amp_particles *s = &e->all;
  amp_particles *p = &e->p;
  const size_t n = s->nowned, d = (size_t)s->dim, nq = (size_t)s->nq;
  id_row *order = malloc((n ? n : 1) * sizeof *order);
  if (!order || amp_particles_reserve(p, n)) {
    free(order);
    return -1;
  }
  for (size_t i = 0; i < n; ++i) order[i] = (id_row){s->id[i], i};
  qsort(order, n, sizeof *order, by_id);
  for (size_t k = 0; k < n; ++k) {
    p->id[k] = order[k].id;
    memcpy(p->x + k * d, s->x + order[k].row * d, d * sizeof(double));
    memcpy(p->q + k * nq, s->q + order[k].row * nq, nq * sizeof(double));
  }
  p->nowned = n;
  p->nghost = 0;
  free(order);
  return 0;
}

/* Every rank agrees whether one failed (bad) for lack of memory.
 * Collective: 0, or -1 with e->error set on every rank. */
static int agree(amp_evaluate *e, int bad) {
  if (MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD) == MPI_SUCCESS && !bad) return 0;
  snprintf(e->error, sizeof e->error, "out of memory for the snapshot's particles");
  return -1;
}

/* The live rows copied into e->all. Collective. */
static int stage_rows(amp_evaluate *e, const amp_particles *live) {
  amp_particles *s = &e->all;
  const size_t n = live->nowned;
  int bad = amp_particles_reserve(s, n) != 0;
  if (!bad) {
    memcpy(s->id, live->id, n * sizeof *s->id);
    memcpy(s->x, live->x, n * (size_t)live->dim * sizeof *s->x);
    memcpy(s->q, live->q, n * (size_t)live->nq * sizeof *s->q);
    s->nowned = n;
    s->nghost = 0;
  }
  return agree(e, bad);
}

/* The domain's failure (the same on every rank) as e's. */
static int domain_failed(amp_evaluate *e) {
  snprintf(e->error, sizeof e->error, "%s", e->dom.error);
  return -1;
}

/* The simulation's owned rows as e->p: on the stage's domain, in id order,
 * with ghosts. Collective. */
static int own(amp_evaluate *e, const amp_particles *live) {
  amp_timer_begin(e->ev.load);
  int status = stage_rows(e, live);
  if (!status && amp_domain_migrate(&e->dom, &e->all)) status = domain_failed(e);
  if (!status) status = agree(e, sort_rows(e));
  amp_halo_free(&e->halo);
  if (!status && amp_halo_build(&e->halo, &e->dom, &e->p, e->halo_width)) status = domain_failed(e);
  amp_timer_end(e->ev.load);
  return status;
}

static int on_snapshot(void *ctx, long long step, const amp_particles *owned, double epr_total, char *error) {
  amp_evaluate *e = ctx;
  long long j = snapshots_taken(e->cfg, step) - 1;
  if (j < e->first || (j - e->first) % e->stride) return 0;
  char where[64];
  snprintf(where, sizeof where, "step %lld of the simulation", step);
  if (own(e, owned) || amp_evaluate_frame(e, step, (double)step * e->cfg->dynamics.dt, where) ||
      amp_evaluate_flush_output(e))
    return hook_failed(e, error);
  return 0;
}

/* After the simulation: finish epr.h5 when it completed, else keep the
 * partial file for the next run. Returns the stage's exit code. */
static int conclude(amp_evaluate *e, int simulated) {
  int status = simulated == AMP_EXIT_OK && e->out ? amp_evaluate_finish(e) : 0;
  int any = amp_report_failure(status != 0, e->error, "evaluate");
  if (e->out) {
    char err[AMP_IO_ERR_LEN];
    amp_h5md_release(e->out, err);
    e->out = NULL;
  }
  if (!any && simulated == AMP_EXIT_OK && e->rank == 0) {
    if (e->done)
      amp_evaluate_report(e);
    else
      printf("evaluate: nothing to do: the simulation was complete, with its epr.h5\n");
  }
  return any ? AMP_EXIT_FAILURE : simulated;
}

int amp_evaluate_online(const amp_config *cfg, const amp_cli *cli) {
  amp_evaluate e;
  memset(&e, 0, sizeof e);
  int failed = amp_evaluate_setup(&e, cfg, cli);
  if (amp_report_failure(failed != 0, e.error, "evaluate")) {
    amp_evaluate_teardown(&e);
    return AMP_EXIT_FAILURE;
  }
  const amp_sim_hooks hooks = {.ctx = &e, .stage = "evaluate", .start = on_start, .snapshot = on_snapshot};
  int status = conclude(&e, amp_simulate(cfg, cli, &hooks));
  amp_evaluate_teardown(&e);
  return status;
}

/*
 * The evaluate stage: a trajectory and a score network (model.h5) -> the
 * probability flow and entropy production of every particle of every
 * snapshot (epr.h5), and the totals next to the network-free estimate.
 *
 * Design. MPI_COMM_WORLD splits into [run] replicas = R replicas of P ranks
 * (parallel.h, as in the simulate and train stages). The snapshots are
 * shared among them round robin: snapshot k (frame first + k stride) is
 * replica k mod R's, and in round j replica r evaluates snapshot j R + r,
 * split in space over its own ranks (domain.h) as a run of P ranks would.
 * A snapshot:
 *
 *   read the frame, keep the owned particles, ghosts within
 *   max(neighbourhood cutoff, force cutoff, bond_reach, phase_radius, and
 *   for bond-graph neighbourhoods the hops of their tokens times the bond
 *   reach) -> cells
 *   -> every owned particle's neighbourhood -> scores and their input Jacobian (score.h) -> drift and
 *   div_x b -> the per-particle formulas (epr_frame.h, epr_local.h) ->
 *   phase labels (phase.h) -> one MPI_Allreduce of the totals over the
 *   replica -> fields on a grid and the radial profile about the largest
 *   cluster (evaluate_spatial.c)
 *
 * and then, all replicas together, the round (evaluate_rounds.c): its
 * frames appended to epr.h5 by all ranks in one collective write, rows in
 * id order at each replica's frame, and every frame's numbers added to the
 * run's sums in frame order, so the file does not depend on R.
 *
 * A particle's numbers depend only on its neighbourhood (the same tokens on
 * any number of ranks, neighborhood.h) and its own drift (summed in id
 * order), so they are the same on 1, 2 or 4 ranks up to the float rounding
 * of the network's micro-batches, and on R not at all. The totals per
 * snapshot enter blocking averages (blocking.h), whose errors are the ones
 * printed at the end.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activempi/app.h"
#include "activempi/progress.h"
#include "activempi/score.h"
#include "activempi/timers.h"
#include "bonds_input.h"
#include "evaluate_internal.h"
#include "stage_files.h"

static int fail(amp_evaluate *e, const char *what) {
  snprintf(e->error, sizeof e->error, "%s", what);
  return -1;
}

static PetscErrorCode register_events(amp_evaluate *e) {
  PetscFunctionBeginUser;
  PetscCall(amp_timer_register("io", "AmpEvaluateData", &e->ev.load));
  PetscCall(amp_timer_register("analysis", "AmpEvaluateNetwork", &e->ev.network));
  PetscCall(amp_timer_register("io", "AmpEvaluateOutput", &e->ev.output));
  PetscFunctionReturn(0);
}

/* Components of each observable; 0 for those this system does not have. */
static void observable_widths(amp_evaluate *e) {
  const amp_epr_law *law = &e->epr.law;
  const int d = law->dim;
  for (int k = 0; k < AMP_EVAL_NOBS; ++k) e->width[k] = 1;
  e->width[AMP_EVAL_SCORE_Q] = e->layout.arch.q_outputs;
  e->width[AMP_EVAL_SCORE_X] = e->layout.arch.x_outputs ? d : 0;
  e->width[AMP_EVAL_FLOW_Q] = law->nv;
  e->width[AMP_EVAL_FLOW_X] = law->position ? d : 0;
}

int amp_evaluate_setup(amp_evaluate *e, const amp_config *cfg, const amp_cli *cli) {
  const int d = cfg->system.dimension, nq = amp_internal_components(cfg->system.model, d);
  e->cfg = cfg;
  e->quiet = cli->quiet;
  e->first = cfg->evaluate.first_snapshot;
  e->stride = cfg->evaluate.stride;
  e->rule = (amp_phase_rule){cfg->evaluate.phase_radius, cfg->evaluate.solid_neighbors, cfg->evaluate.gas_neighbors};
  e->halo_width = fmax(fmax(cfg->derived.token_halo, amp_drift_halo_width(cfg)), e->rule.radius);
  amp_blocking_init(&e->sigma);
  amp_blocking_init(&e->sigma_q);
  amp_blocking_init(&e->density);
  amp_blocking_init(&e->free);
  MPI_Comm_rank(MPI_COMM_WORLD, &e->rank);
  if (register_events(e)) return fail(e, "cannot register the timers");
  if (amp_replica_split(MPI_COMM_WORLD, cfg->run.replicas, &e->replica))
    return fail(e, "cannot split the ranks into replicas");
  double graph_width;
  if (amp_bonds_load_with_halo(cfg, MPI_COMM_WORLD, &e->bonds, &graph_width, e->error, sizeof e->error)) return -1;
  e->halo_width = fmax(e->halo_width, graph_width);
  amp_score_neighborhood_spec(cfg, &e->bonds, &e->spec);
  if (amp_domain_create(&e->dom, e->replica.comm, d, cfg->system.box_length)) return fail(e, e->dom.error);
  /* all: the whole frame read from a file, or the live rows staged online */
  const size_t staged = cfg->evaluate.source == AMP_SOURCE_FILE ? (size_t)cfg->system.particles : 1024;
  if (amp_particles_init(&e->p, d, nq, 1024) || amp_particles_init(&e->all, d, nq, staged))
    return fail(e, "out of memory for particles");
  if (amp_evaluate_read_model(e)) return -1;
  if (amp_epr_frame_init(&e->epr, cfg, &e->layout.arch, &e->bonds) || amp_token_forces_init(&e->forces, cfg))
    return fail(e, "out of memory for the pair-force table");
  observable_widths(e);
  return amp_evaluate_spatial_init(e) || amp_evaluate_rounds_init(e) ? -1 : 0;
}

void amp_evaluate_teardown(amp_evaluate *e) {
  amp_evaluate_close_files(e);
  amp_evaluate_rounds_free(e);
  amp_evaluate_spatial_free(e);
  amp_epr_frame_free(&e->epr);
  amp_token_forces_free(&e->forces);
  amp_bonds_free(&e->bonds);
  amp_neighborhood_free(&e->nb);
  amp_cells_free(&e->cells);
  amp_rows_free(&e->rows);
  amp_nn_workspace_free(&e->ws);
  if (e->layout.tensor) amp_nn_layout_free(&e->layout);
  free(e->params);
  free(e->target);
  free(e->point);
  free(e->free_term);
  free(e->neighbors);
  for (int k = 0; k < AMP_EVAL_NOBS; ++k) free(e->obs[k]);
  amp_halo_free(&e->halo);
  amp_bonds_free(&e->bonds);
  if (e->p.capacity) amp_particles_free(&e->p);
  if (e->all.capacity) amp_particles_free(&e->all);
  if (e->dom.comm) amp_domain_free(&e->dom);
  if (e->replica.comm) MPI_Comm_free(&e->replica.comm);
}

/* Room for n owned rows in every per-particle buffer. */
static int reserve(amp_evaluate *e, size_t n) {
  if (n <= e->capacity) return 0;
  void *a = realloc(e->target, n * sizeof *e->target), *b = a ? realloc(e->point, n * sizeof *e->point) : NULL;
  if (a) e->target = a;
  if (b) e->point = b;
  double *f = b ? realloc(e->free_term, n * sizeof *e->free_term) : NULL;
  if (f) e->free_term = f;
  int *c = f ? realloc(e->neighbors, n * sizeof *e->neighbors) : NULL;
  if (c) e->neighbors = c;
  int ok = c != NULL;
  for (int k = 0; ok && k < AMP_EVAL_NOBS; ++k) {
    double *o = realloc(e->obs[k], n * (size_t)(e->width[k] ? e->width[k] : 1) * sizeof *o);
    if (o) e->obs[k] = o;
    ok = o != NULL;
  }
  if (!ok) return -1;
  for (size_t i = 0; i < n; ++i) e->target[i] = i;
  e->capacity = n;
  return 0;
}

/* The network, the drift and the phase counts of the loaded frame's owned
 * rows (`where` names the snapshot in a message). Returns 0, or -1 with
 * e->error set. */
static int network(amp_evaluate *e, const char *where) {
  const size_t n = e->p.nowned;
  amp_timer_begin(e->ev.network);
  int status = reserve(e, n ? n : 1);
  if (!status && amp_score_tokens(&e->forces, &e->nb, &e->spec, &e->cells, &e->p, e->target, n)) status = -3;
  if (!status)
    status = amp_epr_frame_compute(&e->epr, &e->layout, e->params, &e->ws, &e->nb, &e->p, 1, e->point,
                                   e->free_term);
  if (!status) status = amp_phase_counts(&e->rule, &e->cells, &e->p, &e->rows, e->neighbors);
  amp_timer_end(e->ev.network);
  if (status == -2) return amp_bond_error(e->error, sizeof e->error, e->cfg, e->epr.drift.bad, where);
  if (status == -3) return fail(e, e->nb.error);
  return status ? fail(e, "out of memory evaluating a snapshot") : 0;
}

/* Row i's observables, and its share of this rank's sums. */
static void record(amp_evaluate *e, size_t i, double *sums) {
  const amp_epr_point *pt = &e->point[i];
  const amp_epr_frame *f = &e->epr;
  const size_t d = (size_t)f->law.dim;
  amp_phase phase = amp_phase_of(&e->rule, e->neighbors[i]);
  double *const *o = e->obs;
  const int *w = e->width;
  o[AMP_EVAL_ID][i] = (double)e->p.id[i];
  for (size_t k = 0, n = (size_t)w[AMP_EVAL_SCORE_Q]; k < n; ++k)
    o[AMP_EVAL_SCORE_Q][i * n + k] = f->s_q[i * (size_t)f->q_outputs + k];
  for (size_t k = 0; k < (size_t)w[AMP_EVAL_SCORE_X]; ++k)
    o[AMP_EVAL_SCORE_X][i * d + k] = f->s_x[i * (size_t)f->x_outputs + k];
  for (size_t k = 0, n = (size_t)w[AMP_EVAL_FLOW_Q]; k < n; ++k) o[AMP_EVAL_FLOW_Q][i * n + k] = pt->v_q[k];
  for (size_t k = 0; k < (size_t)w[AMP_EVAL_FLOW_X]; ++k) o[AMP_EVAL_FLOW_X][i * d + k] = pt->v_x[k];
  o[AMP_EVAL_SIGMA][i] = pt->sigma;
  o[AMP_EVAL_DENSITY][i] = pt->signed_density;
  o[AMP_EVAL_DIV_DRIFT][i] = f->div_b[i];
  o[AMP_EVAL_FREE][i] = e->free_term[i];
  o[AMP_EVAL_NEIGHBORS][i] = e->neighbors[i];
  o[AMP_EVAL_PHASE][i] = phase;
  sums[AMP_EVAL_TOTAL_SIGMA] += pt->sigma;
  sums[AMP_EVAL_TOTAL_SIGMA_Q] += pt->sigma_q;
  sums[AMP_EVAL_TOTAL_DENSITY] += pt->signed_density;
  sums[AMP_EVAL_TOTAL_FREE] += e->free_term[i];
  sums[AMP_EVAL_PHASE_COUNT + phase] += 1;
  sums[AMP_EVAL_PHASE_SIGMA + phase] += pt->sigma;
}

/* The snapshot's totals over the replica's ranks (sums[AMP_EVAL_NSCALARS]
 * on entry: this rank's; failed: this rank failed), as the frame's scalars
 * in e->spatial.numbers. Returns -1 when any rank failed. Collective over
 * the replica. */
static int totals(amp_evaluate *e, const double *sums, int failed) {
  double all[AMP_EVAL_NSCALARS + 1], *scalars = e->spatial.numbers;
  memcpy(all, sums, AMP_EVAL_NSCALARS * sizeof *all);
  all[AMP_EVAL_NSCALARS] = failed;
  if (MPI_Allreduce(MPI_IN_PLACE, all, AMP_EVAL_NSCALARS + 1, MPI_DOUBLE, MPI_SUM, e->dom.comm) != MPI_SUCCESS)
    return fail(e, "MPI_Allreduce failed");
  if (all[AMP_EVAL_NSCALARS] > 0) return failed ? -1 : fail(e, "");
  memcpy(scalars, all, AMP_EVAL_NSCALARS * sizeof *scalars);
  for (int k = 0; k < AMP_NPHASES; ++k) {
    double count = scalars[AMP_EVAL_PHASE_COUNT + k];
    scalars[AMP_EVAL_PHASE_SIGMA + k] = count > 0 ? scalars[AMP_EVAL_PHASE_SIGMA + k] / count : NAN;
  }
  return 0;
}

void amp_evaluate_accumulate(amp_evaluate *e, const double *numbers) {
  const double N = (double)e->cfg->system.particles;
  amp_blocking_add(&e->sigma, numbers[AMP_EVAL_TOTAL_SIGMA] / N);
  amp_blocking_add(&e->sigma_q, numbers[AMP_EVAL_TOTAL_SIGMA_Q] / N);
  amp_blocking_add(&e->density, numbers[AMP_EVAL_TOTAL_DENSITY] / N);
  amp_blocking_add(&e->free, numbers[AMP_EVAL_TOTAL_FREE] / N);
  for (int k = 0; k < AMP_NPHASES; ++k) {
    double count = numbers[AMP_EVAL_PHASE_COUNT + k];
    e->phase_count[k] += count;
    if (count > 0) e->phase_sigma[k] += numbers[AMP_EVAL_PHASE_SIGMA + k] * count;
  }
  amp_evaluate_spatial_accumulate(e, numbers);
  e->done++;
}

int amp_evaluate_compute(amp_evaluate *e, const char *where) {
  double sums[AMP_EVAL_NSCALARS] = {0};
  int failed = network(e, where);
  for (size_t i = 0; !failed && i < e->p.nowned; ++i) record(e, i, sums);
  return totals(e, sums, failed) || amp_evaluate_spatial_frame(e) ? -1 : 0;
}

int amp_evaluate_frame(amp_evaluate *e, int64_t step, double time, const char *where) {
  return amp_evaluate_round(e, 1, amp_evaluate_compute(e, where) != 0, step, time);
}

/* Frame f of the trajectory, read and computed by this replica. Collective
 * over the replica. */
static int snapshot(amp_evaluate *e, int64_t f, int64_t *step, double *time) {
  char where[64];
  amp_timer_begin(e->ev.load);
  int status = amp_load_frame(e->data, f, &e->dom, e->halo_width, &e->all, &e->p, &e->halo, step, time, e->error);
  amp_timer_end(e->ev.load);
  snprintf(where, sizeof where, "frame %lld of the trajectory", (long long)f);
  return status ? -1 : amp_evaluate_compute(e, where);
}

/* The round of the snapshots k = from .. from + replicas - 1 (those below
 * e->snapshots): replica r computes snapshot from + r, then all write and
 * accumulate them. Collective. */
static int round_from(amp_evaluate *e, int64_t from) {
  const int64_t R = e->replica.count, k = from + e->replica.index, left = e->snapshots - from;
  int64_t step = 0;
  double time = 0;
  int failed = k < e->snapshots && snapshot(e, e->first + k * e->stride, &step, &time);
  return amp_evaluate_round(e, (int)(left < R ? left : R), failed, step, time);
}

static int run(amp_evaluate *e) {
  amp_progress progress;
  const int64_t R = e->replica.count;
  amp_progress_start(&progress, "evaluate", "snapshots", e->snapshots, e->cfg->run.progress_interval,
                     e->rank == 0 && !e->quiet ? stdout : NULL, amp_clock());
  for (int64_t from = 0; from < e->snapshots; from += R) {
    if (round_from(e, from)) return -1;
    amp_progress_update(&progress, from + R < e->snapshots ? from + R : e->snapshots, amp_clock());
  }
  amp_progress_finish(&progress, e->snapshots, amp_clock());
  return amp_evaluate_finish(e);
}

int amp_evaluate_finish(amp_evaluate *e) {
  amp_timer_begin(e->ev.output);
  int status = amp_evaluate_finish_output(e);
  amp_timer_end(e->ev.output);
  return status;
}

void amp_evaluate_report(const amp_evaluate *e) {
  const double net = amp_blocking_mean(&e->sigma), free = amp_blocking_mean(&e->free);
  const double samples = (double)e->done * (double)e->cfg->system.particles;
  printf("evaluate: %lld snapshots of %s (%s %lld to %lld every %lld), model %s\n", (long long)e->done,
         e->cfg->evaluate.source == AMP_SOURCE_FILE ? e->cfg->evaluate.trajectory : "the simulation, in situ",
         e->cfg->evaluate.source == AMP_SOURCE_FILE ? "frames" : "snapshots", (long long)e->first,
         (long long)(e->first + (e->done - 1) * e->stride), (long long)e->stride, e->cfg->evaluate.model);
  printf("evaluate: EPR per particle: network %.6g +- %.2g, network-free %.6g +- %.2g, relative difference %+.3g %%\n",
         net, amp_blocking_error(&e->sigma), free, amp_blocking_error(&e->free), 100 * (net - free) / fabs(free));
  printf("evaluate: internal coordinate's part %.6g +- %.2g, signed density %.6g +- %.2g (equal means for the "
         "exact score, I3)\n",
         amp_blocking_mean(&e->sigma_q), amp_blocking_error(&e->sigma_q), amp_blocking_mean(&e->density),
         amp_blocking_error(&e->density));
  for (int k = 0; k < AMP_NPHASES; ++k)
    printf("evaluate: phase %-9s %6.2f %% of particles, mean sigma %.6g\n", amp_phase_name((amp_phase)k),
           100 * e->phase_count[k] / samples, e->phase_count[k] > 0 ? e->phase_sigma[k] / e->phase_count[k] : NAN);
  amp_evaluate_spatial_report(e);
  printf("evaluate: output %s (the .xdmf beside it for ParaView)\n", e->out_path);
}

int amp_stage_evaluate(const amp_config *cfg, const amp_cli *cli) {
  if (cfg->evaluate.source == AMP_SOURCE_ONLINE) return amp_evaluate_online(cfg, cli);
  amp_evaluate e;
  memset(&e, 0, sizeof e);
  int status = amp_evaluate_setup(&e, cfg, cli);
  if (!status) status = amp_evaluate_open_data(&e) || amp_evaluate_create_output(&e) ? -1 : run(&e);
  int any = amp_report_failure(status != 0, e.error, "evaluate");
  if (!any && e.rank == 0) amp_evaluate_report(&e);
  amp_evaluate_teardown(&e);
  return any ? AMP_EXIT_FAILURE : AMP_EXIT_OK;
}

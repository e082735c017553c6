/*
 * One step of distributed score matching (trainer.h), over the step's
 * frames: per frame, batch selection; denoising: the antithetic pair of
 * perturbed configurations, their neighbourhoods appended as work items;
 * implicit: the unperturbed configuration's neighbourhoods through the
 * network at once. Then the step's items redistributed over the ranks and
 * through the network in micro-batches, one Allreduce, the gradient divided
 * by the step's targets, one optimiser update.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activempi/denoise.h"
#include "activempi/implicit.h"
#include "activempi/loss.h"
#include "activempi/score.h"
#include "activempi/timers.h"
#include "activempi/trainer.h"

/* a stage's event, when it registered one */
static void begin(PetscLogEvent e) {
  if (e >= 0) amp_timer_begin(e);
}
static void end(PetscLogEvent e) {
  if (e >= 0) amp_timer_end(e);
}

/* 1 on every rank if any rank passes failed != 0 (or MPI fails) */
static int any(MPI_Comm comm, int failed) {
  int all = failed;
  return MPI_Allreduce(&failed, &all, 1, MPI_INT, MPI_MAX, comm) != MPI_SUCCESS || all;
}

static int fail(amp_trainer *t, const char *why) {
  snprintf(t->error, sizeof t->error, "%s", why);
  return -1;
}

/* After a collective failure of the batch's tokens (this rank's part failed
 * when `failed`): its reason where it happened, "" elsewhere. */
static int tokens_failed(amp_trainer *t, int failed) {
  if (!failed) return fail(t, "");
  return fail(t, t->nb.error[0] ? t->nb.error : "out of memory for the neighbourhoods of a training batch");
}

/* The work items' record and one micro-batch's inputs, noise, dL/ds and
 * activations, in [network] activation_memory. Returns 0 or -1. */
static int work_init(amp_trainer *t, const amp_nn_arch *a) {
  const amp_config *cfg = t->cfg;
  int T = cfg->network.neighbors + 1;
  amp_work_layout_init(&t->item, T, a->q_features, a->x_features, a->q_outputs,
                       t->perturb_positions ? a->x_outputs : 0);
  t->items.bytes = t->item.bytes;
  size_t bytes = (size_t)(cfg->network.activation_memory * 1048576.0);
  int capacity = amp_nn_batch_capacity(&t->layout, T, 1, bytes);
  size_t out = (size_t)capacity * (size_t)(a->q_outputs > a->x_outputs ? a->q_outputs : a->x_outputs);
  size_t tokens = (size_t)capacity * (size_t)T;
  t->zeta_q = malloc(out * sizeof(float));
  t->zeta_x = malloc(out * sizeof(float));
  t->ds_q = malloc(out * sizeof(float));
  t->ds_x = malloc(out * sizeof(float));
  t->bq = malloc(tokens * (size_t)a->q_features * sizeof(float));
  t->bx = malloc(tokens * (size_t)a->x_features * sizeof(float));
  t->bmask = malloc(tokens);
  t->q_shift = malloc(tokens * (size_t)a->q_features * sizeof(float));
  t->x_shift = malloc(a->drift_features ? tokens * (size_t)a->x_features * sizeof(float) : 1);
  t->readout = malloc(out * sizeof(float));
  return !t->zeta_q || !t->zeta_x || !t->ds_q || !t->ds_x || !t->bq || !t->bx || !t->bmask || !t->q_shift ||
         !t->x_shift || !t->readout ||
         amp_nn_workspace_init(&t->ws, &t->layout, capacity, T, 1);
}

int amp_trainer_init(amp_trainer *t, const amp_config *cfg, const amp_bonds *bonds, MPI_Comm comm, int replica,
                     int replicas) {
  memset(t, 0, sizeof *t);
  t->cfg = cfg;
  t->comm = comm;
  t->sigma = cfg->train.noise_scale;
  t->perturb_positions = cfg->train.loss == AMP_LOSS_DENOISING;
  t->implicit = cfg->train.loss == AMP_LOSS_IMPLICIT;
  t->fraction = (double)cfg->train.batch_particles /
                ((double)cfg->system.particles * replicas * cfg->train.frames_per_step);
  t->redistribute = cfg->train.redistribute == AMP_REDISTRIBUTE_ON;
  t->ev.tokens = t->ev.redistribute = t->ev.network = t->ev.allreduce = -1;
  amp_rng_init(&t->rng, (uint64_t)cfg->run.seed, (uint32_t)replica);
  amp_score_neighborhood_spec(cfg, bonds, &t->spec);
  amp_nn_arch arch;
  amp_score_arch(cfg, &arch);
  int failed = amp_nn_layout_init(&t->layout, &arch);
  if (!failed) {
    size_t n = t->layout.nparams;
    t->params = malloc(n * sizeof *t->params);
    t->grads = malloc(n * sizeof *t->grads);
    failed = !t->params || !t->grads;
    if (!failed) amp_nn_init_params(&t->layout, (uint64_t)cfg->run.seed, t->params);
    failed = failed || amp_optim_init(&t->opt, cfg, n, t->params);
  }
  if (!failed) failed = work_init(t, &arch) || amp_token_forces_init(&t->forces, cfg);
  if (any(comm, failed) || amp_redistributor_init(&t->redist, comm)) {
    amp_trainer_free(t);
    return fail(t, "out of memory for the network, its optimiser state or its activations");
  }
  return 0;
}

int amp_trainer_tokens(amp_trainer *t, const amp_particles *p, const size_t *target, size_t n) {
  return amp_score_tokens(&t->forces, &t->nb, &t->spec, &t->cells, p, target, n);
}

void amp_trainer_free(amp_trainer *t) {
  amp_token_forces_free(&t->forces);
  amp_nn_workspace_free(&t->ws);
  amp_optim_free(&t->opt);
  amp_nn_layout_free(&t->layout);
  amp_neighborhood_free(&t->nb);
  amp_items_free(&t->items);
  amp_redistributor_free(&t->redist);
  amp_cells_free(&t->cells);
  if (t->pert.capacity) amp_particles_free(&t->pert);
  free(t->params), free(t->grads), free(t->zq), free(t->zx), free(t->target);
  free(t->zeta_q), free(t->zeta_x), free(t->ds_q), free(t->ds_x), free(t->bq), free(t->bx), free(t->bmask);
  free(t->q_shift), free(t->x_shift), free(t->readout);
  t->params = t->grads = NULL;
  t->zq = t->zx = NULL;
  t->target = NULL;
  t->zeta_q = t->zeta_x = t->ds_q = t->ds_x = t->bq = t->bx = NULL;
  t->bmask = NULL;
  t->q_shift = t->x_shift = t->readout = NULL;
}

/* room for the rows of p; returns 0 or -1 */
static int reserve(amp_trainer *t, const amp_particles *p) {
  size_t rows = p->nowned + p->nghost;
  if (!t->pert.capacity && amp_particles_init(&t->pert, p->dim, p->nq, rows ? rows : 1)) return -1;
  if (amp_particles_reserve(&t->pert, rows)) return -1;
  if (rows > t->cap_rows) {
    double *zq = realloc(t->zq, rows * (size_t)p->nq * sizeof *zq);
    if (zq) t->zq = zq;
    double *zx = realloc(t->zx, rows * (size_t)p->dim * sizeof *zx);
    if (zx) t->zx = zx;
    if (!zq || !zx) return -1;
    t->cap_rows = rows;
  }
  if (p->nowned > t->cap_targets) {
    size_t *target = realloc(t->target, p->nowned * sizeof *target);
    if (!target) return -1;
    t->target = target;
    t->cap_targets = p->nowned;
  }
  return 0;
}

/* zeta [n][k] of targets target[0 .. n) from the row noise z [rows][k] */
static void gather_noise(float *zeta, const double *z, const size_t *target, size_t n, int k) {
  for (size_t j = 0; j < n; j++)
    for (int c = 0; c < k; c++) zeta[j * (size_t)k + c] = (float)z[target[j] * (size_t)k + c];
}

/* Work item j of the last neighbourhood build, at side `sign`, appended to t->items. */
static void put_item(amp_trainer *t, size_t j, float sign) {
  const amp_neighborhoods *nb = &t->nb;
  const amp_work_layout *l = &t->item;
  const size_t T = (size_t)nb->T;
  gather_noise(t->zeta_q, t->zq, t->target + j, 1, l->nzq);
  gather_noise(t->zeta_x, t->zx, t->target + j, 1, l->nzx);
  amp_work_put(&t->items, l, t->items.n++, nb->q + j * T * (size_t)nb->nf, nb->x + j * T * (size_t)nb->nx,
               nb->mask + j * T, t->zeta_q, t->zeta_x, sign);
}

/* The work items of the n targets at both sides of the pair, appended to
 * t->items. Returns 0, or -1 when out of memory. */
static int build_items(amp_trainer *t, const amp_particles *p, size_t n) {
  if (amp_items_reserve(&t->items, t->items.n + 2 * n)) return -1;
  for (int side = 0; side < 2; side++) {
    double sign = side ? -1 : 1;
    amp_denoise_perturb(p, &t->pert, t->zq, t->zx, sign * t->sigma, t->perturb_positions, t->spec.L);
    if (amp_trainer_tokens(t, &t->pert, t->target, n)) return -1;
    for (size_t j = 0; j < n; j++) put_item(t, j, (float)sign);
  }
  return 0;
}

/* The loss terms of the items this rank holds, through micro-batches;
 * gradients into grads unless NULL. */
static double evaluate(amp_trainer *t, const float *params, float *grads) {
  const amp_work_layout *l = &t->item;
  const size_t n = t->items.n, cap = (size_t)t->ws.capacity;
  double loss = 0;
  begin(t->ev.network);
  for (size_t b0 = 0; b0 < n; b0 += cap) {
    size_t m = n - b0 < cap ? n - b0 : cap;
    amp_work_batch(&t->items, l, b0, m, t->bq, t->bx, t->bmask, t->zeta_q, t->zeta_x);
    amp_nn_forward(&t->layout, params, &t->ws, (int)m, t->bq, t->bx, t->bmask);
    loss += amp_loss_denoising(t->ws.s_q, t->zeta_q, m, l->nzq, 1, t->sigma, t->ds_q);
    if (l->nzx) loss += amp_loss_denoising(t->ws.s_x, t->zeta_x, m, l->nzx, 1, t->sigma, t->ds_x);
    if (grads) amp_nn_backward(&t->layout, params, &t->ws, t->ds_q, l->nzx ? t->ds_x : NULL, grads);
  }
  end(t->ev.network);
  return loss;
}

/* t->items spread over the ranks (or only measured); the batch size and the
 * imbalance before and after in stats. Collective. */
static int redistribute(amp_trainer *t, amp_train_stats *stats) {
  amp_redistribute_stats rs;
  begin(t->ev.redistribute);
  int status = amp_redistribute(&t->redist, &t->items, t->redistribute, &rs);
  end(t->ev.redistribute);
  if (status) return fail(t, "redistributing the work items of a training batch failed: out of memory or MPI error");
  stats->targets = rs.total / 2;
  stats->imbalance = rs.after;
  stats->imbalance_owned = rs.before;
  return 0;
}

/* The space of the internal coordinate, for the implicit loss's probes */
static amp_implicit_geometry geometry(const amp_trainer *t) {
  if (t->spec.model == AMP_MODEL_AOUP) return AMP_IMPLICIT_FLAT;
  return t->spec.dim == 2 ? AMP_IMPLICIT_CIRCLE : AMP_IMPLICIT_SPHERE;
}

/* The implicit loss sum of the n targets on the unperturbed configuration,
 * through micro-batches (gradients into grads unless NULL); returns 0, or
 * -1 when out of memory. */
static int implicit_terms(amp_trainer *t, const float *params, const amp_particles *p, size_t n, float *grads,
                          double *loss) {
  const amp_neighborhoods *nb = &t->nb;
  if (amp_trainer_tokens(t, p, t->target, n)) return -1;
  const size_t T = (size_t)nb->T, cap = (size_t)t->ws.capacity;
  for (size_t b0 = 0; b0 < n; b0 += cap) {
    size_t m = n - b0 < cap ? n - b0 : cap;
    amp_nn_implicit_batch b = {.B = (int)m, .geometry = geometry(t), .q = nb->q + b0 * T * nb->nf,
                               .x = nb->x + b0 * T * nb->nx, .mask = nb->mask + b0 * T, .q_shift = t->q_shift,
                               .x_shift = t->x_shift, .drift_scale = nb->drift_scale, .w = t->readout,
                               .ds = t->ds_q};
    *loss += amp_nn_implicit_loss(&t->layout, params, &t->ws, &b, AMP_IMPLICIT_STEP, grads);
  }
  return 0;
}

/* The implicit loss: each rank evaluates the targets it owns (the 1 + 2
 * probes passes per target need the target's own tokens only); the batch
 * size and imbalance in stats. Collective. */
static int implicit_accumulate(amp_trainer *t, const float *params, const amp_particles *p, size_t n, float *grads,
                               double *loss, amp_train_stats *stats) {
  long long local = (long long)n, total = 0, most = 0;
  int size;
  if (MPI_Comm_size(t->comm, &size) != MPI_SUCCESS ||
      MPI_Allreduce(&local, &total, 1, MPI_LONG_LONG, MPI_SUM, t->comm) != MPI_SUCCESS ||
      MPI_Allreduce(&local, &most, 1, MPI_LONG_LONG, MPI_MAX, t->comm) != MPI_SUCCESS)
    return fail(t, "MPI_Allreduce of the batch size failed");
  stats->targets = total;
  stats->imbalance = stats->imbalance_owned = total ? (double)most * size / (double)total : 1;
  *loss = 0;
  int failed = implicit_terms(t, params, p, n, grads, loss);
  if (any(t->comm, failed)) return tokens_failed(t, failed);
  return 0;
}

/* a batch's loss sum, targets and imbalances added into a step's */
static void add_stats(amp_train_stats *acc, const amp_train_stats *st, double loss) {
  acc->loss += loss;
  acc->targets += st->targets;
  acc->imbalance = fmax(acc->imbalance, st->imbalance);
  acc->imbalance_owned = fmax(acc->imbalance_owned, st->imbalance_owned);
}

/* Batch of configuration p for draw counter `draw` into the step: denoising
 * appends its work items to t->items (evaluated by evaluate_items), implicit
 * evaluates it at once (gradients into grads unless NULL) and adds to t->acc.
 * Collective. */
static int add_frame(amp_trainer *t, const float *params, const amp_particles *p, long long draw, float *grads) {
  if (any(t->comm, reserve(t, p))) return fail(t, "out of memory for a training batch");
  size_t n = amp_denoise_select(&t->rng, p, draw, t->fraction, t->target);
  if (t->implicit) {
    double loss = 0;
    amp_train_stats st = {0};
    if (implicit_accumulate(t, params, p, n, grads, &loss, &st)) return -1;
    add_stats(&t->acc, &st, loss);
    return 0;
  }
  amp_denoise_noise(&t->rng, p, draw, t->zq, t->zx);
  begin(t->ev.tokens);
  int built = build_items(t, p, n);
  end(t->ev.tokens);
  return any(t->comm, built) ? tokens_failed(t, built) : 0;
}

/* The step's denoising work items spread over the ranks and evaluated
 * (gradients into grads unless NULL), their loss sum and counts into t->acc.
 * Collective. */
static int evaluate_items(amp_trainer *t, const float *params, float *grads) {
  if (t->implicit) return 0;
  amp_train_stats st = {0};
  if (redistribute(t, &st)) return -1;
  add_stats(&t->acc, &st, evaluate(t, params, grads));
  return 0;
}

/* sum over ranks of the step's local loss sum, divided by its targets */
static int mean_loss(amp_trainer *t, double *loss, long long targets) {
  if (MPI_Allreduce(MPI_IN_PLACE, loss, 1, MPI_DOUBLE, MPI_SUM, t->comm) != MPI_SUCCESS)
    return fail(t, "MPI_Allreduce of the loss failed");
  *loss = targets ? *loss / (double)targets : 0;
  return 0;
}

void amp_trainer_begin_step(amp_trainer *t) {
  memset(t->grads, 0, t->layout.nparams * sizeof *t->grads);
  memset(&t->acc, 0, sizeof t->acc);
  t->items.n = 0;
}

int amp_trainer_loss(amp_trainer *t, const float *params, const amp_particles *p, long long draw,
                     amp_train_stats *stats) {
  memset(&t->acc, 0, sizeof t->acc);
  t->items.n = 0;
  if (add_frame(t, params, p, draw, NULL) || evaluate_items(t, params, NULL)) return -1;
  *stats = t->acc;
  return mean_loss(t, &stats->loss, stats->targets);
}

int amp_trainer_add_frame(amp_trainer *t, const amp_particles *p, long long draw) {
  return add_frame(t, t->params, p, draw, t->grads);
}

int amp_trainer_update(amp_trainer *t, long long step, amp_train_stats *stats) {
  if (evaluate_items(t, t->params, t->grads)) return -1;
  *stats = t->acc;
  begin(t->ev.allreduce);
  int reduced = MPI_Allreduce(MPI_IN_PLACE, t->grads, (int)t->layout.nparams, MPI_FLOAT, MPI_SUM, t->comm) == MPI_SUCCESS;
  end(t->ev.allreduce);
  if (!reduced) return fail(t, "MPI_Allreduce of the gradient failed");
  if (mean_loss(t, &stats->loss, stats->targets)) return -1;
  const float weight = stats->targets ? 1.0f / (float)stats->targets : 0;
  double sum = 0;
  for (size_t i = 0; i < t->layout.nparams; i++) {
    t->grads[i] *= weight;
    sum += (double)t->grads[i] * t->grads[i];
  }
  stats->learning_rate = amp_optim_learning_rate(&t->opt, t->opt.step);
  stats->grad_norm = sqrt(sum);
  if (!isfinite(stats->loss) || !isfinite(stats->grad_norm)) {
    snprintf(t->error, sizeof t->error,
             "the loss (%g) or the gradient norm (%g) is not finite at training step %lld: lower [train] "
             "learning_rate or raise noise_scale; the last checkpoint holds the last good parameters",
             stats->loss, stats->grad_norm, step);
    return -1;
  }
  amp_optim_step(&t->opt, t->params, t->grads);
  return 0;
}

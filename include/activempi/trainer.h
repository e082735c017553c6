/*
 * trainer: one step of distributed score training (learn module).
 *
 * Design. Every rank holds the whole network (parameters replicated), its
 * replica's configuration in space (owned rows + ghosts within the
 * neighbourhood cutoff plus the perturbation's reach), and evaluates the
 * targets it owns:
 *
 *   select targets (denoise.h)
 *   denoising: noise of every row -> for each sign of the antithetic pair:
 *       perturbed copy -> cells -> neighbourhood tokens of the targets
 *       -> one work item per target and sign: tokens, noise, sign
 *     redistribute the items ([train] redistribute = "on"): ranks holding
 *     more than the mean (a MIPS cluster) hand the surplus to ranks below it
 *     (redistribute.h: an Allgather of counts, one Alltoallv of records)
 *     -> micro-batches of the items this rank holds: forward, dL/ds (loss.h),
 *        backward (parameter gradients)
 *   implicit: cells -> neighbourhood tokens of the unperturbed targets
 *       -> micro-batches: 1 + 2 (probes) forward/backward passes (implicit.h)
 *   one Allreduce of the flat gradient buffer and the loss terms over all
 *   ranks -> the same optimiser update on every rank (optimizer.h)
 *
 * Where an item is evaluated does not change the sum, only its rounding: so
 * the gradients still take one MPI_Allreduce per step, whatever the number
 * of replicas and ranks. The sum's order depends on the rank count and on
 * the redistribution, so runs on different counts, or with it on and off,
 * agree to float rounding, not bit for bit.
 */
#ifndef ACTIVEMPI_TRAINER_H
#define ACTIVEMPI_TRAINER_H

#include <mpi.h>
#include <petscsys.h>
#include <stddef.h>

#include "activempi/config.h"
#include "activempi/neighborhood.h"
#include "activempi/nn.h"
#include "activempi/optimizer.h"
#include "activempi/redistribute.h"
#include "activempi/rng.h"
#include "activempi/score.h"

/* What a step (or a validation pass) measured, the same on every rank. */
typedef struct {
  double loss;          /* mean over the batch's targets of their loss (the antithetic pair's, or implicit) */
  double grad_norm;     /* global norm of the summed gradient, before clipping */
  double learning_rate; /* of this update */
  long long targets;    /* targets in the whole batch */
  double imbalance;     /* max / mean of the work items per rank, as evaluated (after redistribution) */
  double imbalance_owned; /* max / mean of the work items per rank owning them (before redistribution) */
} amp_train_stats;

typedef struct {
  const amp_config *cfg;
  MPI_Comm comm;              /* every training rank (all replicas) */
  amp_nn_layout layout;
  float *params;              /* [nparams] replicated */
  float *grads;               /* [nparams] this rank's part, then the sum */
  amp_optim opt;              /* moments and the moving average */
  amp_nn_workspace ws;        /* one micro-batch's activations */
  amp_neighborhood_spec spec;
  amp_neighborhoods nb;
  amp_cells cells;
  amp_token_forces forces;    /* the tokens' forces ([network] forces = "input") */
  amp_particles pert;         /* a perturbed copy of the configuration */
  double *zq, *zx;            /* [rows][nq], [rows][d] noise of every row */
  size_t cap_rows;
  size_t *target;             /* [cap_targets] owned rows in the batch */
  size_t cap_targets;
  amp_work_layout item;       /* a work item's record */
  amp_items items;            /* this rank's work items: built, then redistributed */
  amp_redistributor redist;
  int redistribute;           /* [train] redistribute = "on" */
  struct {                    /* timers.h events the stage registered (-1 after init: none) */
    PetscLogEvent tokens;       /* perturbed copies, cells, neighbourhood tokens, work items */
    PetscLogEvent redistribute; /* the Allgather and the exchange of work items */
    PetscLogEvent network;      /* micro-batches: forward, loss, backward */
    PetscLogEvent allreduce;    /* the gradient's MPI_Allreduce */
  } ev;
  float *bq, *bx;             /* [capacity][T][nf], [capacity][T][nx] a micro-batch's tokens */
  unsigned char *bmask;       /* [capacity][T] */
  float *zeta_q, *zeta_x;     /* [capacity][outputs] the items' signed noise, by micro-batch */
  float *ds_q, *ds_x;         /* [capacity][outputs] dL/ds */
  float *q_shift;             /* [capacity][T][nf] implicit: tokens with token 0 moved */
  float *x_shift;             /* [capacity][T][nx] implicit with drift columns: those moved with it */
  float *readout;             /* [capacity][q_outputs] implicit: read-outs of a probe (implicit.h) */
  double sigma;               /* [train] noise_scale */
  int perturb_positions;      /* loss = "denoising" (positions and internal coordinates) */
  int implicit;               /* loss = "implicit" */
  double fraction;            /* selection probability of a particle */
  amp_rng rng;                /* keyed by (seed, replica) */
  amp_train_stats acc;        /* the step so far: this rank's loss sum, targets, largest imbalances */
  char error[AMP_ERR_LEN];
} amp_trainer;

/* Collective over comm (MPI_COMM_WORLD): the network of cfg initialised from
 * [run] seed, the optimiser, and a workspace of [network] activation_memory.
 * bonds: the graph of [interaction] bonds, which bond-graph neighbourhoods
 * walk (score.h; it must outlive t), or NULL with neighborhood = "space".
 * replica: this rank's replica, of `replicas`. Returns 0, or -1 with
 * t->error (the same on every rank). */
int amp_trainer_init(amp_trainer *t, const amp_config *cfg, const amp_bonds *bonds, MPI_Comm comm, int replica,
                     int replicas);
void amp_trainer_free(amp_trainer *t);

/* t->nb: the tokens of the n targets (owned rows of p), through t->cells and
 * t->forces (amp_score_tokens). Returns 0, or -1 with the reason in t->nb.error. */
int amp_trainer_tokens(amp_trainer *t, const amp_particles *p, const size_t *target, size_t n);

/* One optimisation step over F frames ([train] frames_per_step):
 *   amp_trainer_begin_step(t);
 *   for each frame f: amp_trainer_add_frame(t, p_f, draw_f);
 *   amp_trainer_update(t, step, &stats);
 * add_frame (collective) adds the gradient of configuration p's batch to
 * this rank's sum: p holds owned rows + ghosts within cfg->derived.train_halo
 * (and for bond-graph neighbourhoods within amp_score_graph_halo), and `draw`
 * is the counter of its random numbers (the particles drawn, their noise).
 * update (collective) sums the gradient and the loss over the ranks in one
 * MPI_Allreduce, divides them by the step's targets, and updates the
 * parameters. Both return 0, or -1 on every rank (parameters unchanged) when
 * the loss or gradient is not finite, memory runs out, or a bond-graph
 * neighbourhood reaches beyond the halo, with t->error on the ranks that know
 * why ("" on the others, so the one that knows reports it). */
void amp_trainer_begin_step(amp_trainer *t);
int amp_trainer_add_frame(amp_trainer *t, const amp_particles *p, long long draw);
int amp_trainer_update(amp_trainer *t, long long step, amp_train_stats *stats);

/* Collective: the loss of `params` on p with the batch (and the noise) of
 * counter `draw`, without gradients (validation). */
int amp_trainer_loss(amp_trainer *t, const float *params, const amp_particles *p, long long draw,
                     amp_train_stats *stats);

#endif

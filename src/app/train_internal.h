/*
 * train_internal: the state of the train stage, shared by its loop
 * (train.c), its files (train_files.c: data frames, the training
 * checkpoint, the log, the model) and its online source (train_online.c:
 * the simulation of the same run through a replay buffer).
 */
#ifndef ACTIVEMPI_TRAIN_INTERNAL_H
#define ACTIVEMPI_TRAIN_INTERNAL_H

#include <petscsys.h>

#include "activempi/app.h"
#include "activempi/domain.h"
#include "activempi/epr_frame.h"
#include "activempi/h5md.h"
#include "activempi/parallel.h"
#include "activempi/trainer.h"

/* Columns of a log row. */
enum {
  AMP_LOG_STEP,
  AMP_LOG_LOSS,
  AMP_LOG_GRAD_NORM,
  AMP_LOG_LEARNING_RATE,
  AMP_LOG_VALIDATION_LOSS,
  AMP_LOG_EPR_NETWORK,
  AMP_LOG_EPR_FREE,
  AMP_LOG_IMBALANCE,       /* max/mean of the work items evaluated per rank (after redistribution) */
  AMP_LOG_IMBALANCE_OWNED, /* the same as the ranks own them (before) */
  AMP_LOG_SECONDS,
  AMP_LOG_COLUMNS
};

/* The online source's frames: the ring of the newest training snapshots and
 * the newest held-out one, each whole (every particle, row i = id i) on
 * every rank of the replica. */
typedef struct {
  int capacity;              /* [train] replay_frames; 0: the source is a file */
  amp_particles *frame;      /* [capacity + 1]: the ring (training snapshot k in k % capacity), then the held-out one */
  long long pushed;          /* training snapshots so far */
  int held_out;              /* frame[capacity] holds a snapshot */
  double *send, *recv;       /* gather buffers: [owned][W], [N][W] rows (id, x, q) */
  size_t cap_send;
  int *counts, *displs;      /* [replica ranks] of the gather */
} amp_replay;

/* The file source's frames kept in memory ([train] data_memory): slot k
 * holds frame first + k once it has been read (nowned > 0), for k < count. */
typedef struct {
  amp_particles *frame; /* [count] */
  int64_t count;
} amp_frame_cache;

typedef struct {
  const amp_config *cfg;
  int quiet;
  amp_replica replica;
  int world_rank;
  amp_domain dom;
  amp_halo halo;
  amp_bonds bonds;            /* the graph of [interaction] bonds (empty without), which bond-graph tokens walk */
  amp_trainer tr;
  amp_epr_frame epr;          /* a frame's per-particle EPR from the network */
  double halo_width;
  amp_h5md_reader *data;      /* this replica's trajectory */
  amp_h5md_info info;
  char data_path[AMP_STR_LEN + 32];
  amp_particles frame;        /* every particle of the frame read last (one beyond the cache) */
  amp_frame_cache cache;      /* file: the frames read once and kept */
  amp_particles p;            /* owned rows + ghosts of that frame */
  int64_t loaded;             /* frame in p, or -1 */
  int64_t first, ntrain, nval; /* frames: [first, first + ntrain) train, the next nval validate */
  amp_replay replay;          /* online: where those frames are (first counts training snapshots) */
  double epr_free;            /* network-free EPR per particle over the validation frames; NaN: none */
  long long step;             /* updates made */
  double start;               /* clock at the start */
  double *log;                /* [nlog][AMP_LOG_COLUMNS] (every rank keeps the same rows) */
  size_t nlog, cap_log;
  char model_path[AMP_STR_LEN + 32];
  char checkpoint_path[AMP_STR_LEN + 32];
  char log_path[AMP_STR_LEN + 32];
  int interrupted;            /* the signal that stopped the run, or 0 */
  struct {
    PetscLogEvent data, step, validate, output, tokens, redistribute, network, allreduce;
  } ev;
  char error[AMP_ERR_LEN];
} amp_train;

/* The paths of the model, checkpoint, log and data (online: the trajectory
 * the simulation writes, read only to refill the replay buffer on a
 * restart). Returns 0 or -1. */
int amp_train_paths(amp_train *t);

/* Open this replica's data, check it against the input, split its frames,
 * read the network-free EPR of the validation frames and set up the frame
 * cache. Collective. */
int amp_train_open_data(amp_train *t);

/* Load frame f into t->p (owned rows, then ghosts within the halo width):
 * from the replay buffer, the frame cache, or the file. Collective over the
 * replica. */
int amp_train_load(amp_train *t, int64_t f);

/* Continue from the checkpoint when there is one: 1 resumed, 0 none, -1 failure. Collective. */
int amp_train_resume(amp_train *t);

/* Write the training checkpoint, the log and the model (parameters' moving
 * average, with the raw parameters under /raw). Collective. */
int amp_train_checkpoint(amp_train *t);
int amp_train_write_model(amp_train *t);

void amp_train_close_data(amp_train *t);

/* Training steps until t->step reaches `until` or [train] steps, each on a
 * frame drawn from [first, first + ntrain), with its log rows. Collective. */
int amp_train_steps(amp_train *t, long long until);

/* --- the online source (train_online.c) --- */

/* An empty replay buffer. Returns 0 or -1. */
int amp_train_online_init(amp_train *t);
void amp_train_online_free(amp_train *t);

/* The frame f of the online source, as train.c numbers them. */
const amp_particles *amp_train_replay_frame(const amp_train *t, int64_t f);

/* Run the simulation of the input, training on its snapshots as they come
 * (simulate_hooks.h). Returns the exit code; failures are reported. */
int amp_train_online(amp_train *t, const amp_cli *cli);

#endif

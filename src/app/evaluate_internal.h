/*
 * evaluate_internal: the state of the evaluate stage, shared by its loop
 * (evaluate.c), its files (evaluate_files.c: the trajectory, the model,
 * epr.h5), its spatial views (evaluate_spatial.c), its rounds of frames
 * shared among replicas (evaluate_rounds.c) and in situ evaluation
 * (evaluate_online.c).
 */
#ifndef ACTIVEMPI_EVALUATE_INTERNAL_H
#define ACTIVEMPI_EVALUATE_INTERNAL_H

#include <petscsys.h>
#include <stdint.h>

#include "activempi/app.h"
#include "activempi/blocking.h"
#include "activempi/clusters.h"
#include "activempi/domain.h"
#include "activempi/epr_frame.h"
#include "activempi/fields.h"
#include "activempi/h5md.h"
#include "activempi/parallel.h"
#include "activempi/phase.h"
#include "activempi/score.h"

/* Per-particle observables of epr.h5, in file order (doc/output-format.md). */
enum {
  AMP_EVAL_ID,
  AMP_EVAL_SCORE_Q,    /* s_q [nq outputs] */
  AMP_EVAL_SCORE_X,    /* s_x [d]: only with a position head */
  AMP_EVAL_FLOW_Q,     /* v_q [nv] */
  AMP_EVAL_FLOW_X,     /* v_x [d]: only when it enters sigma */
  AMP_EVAL_SIGMA,
  AMP_EVAL_DENSITY,    /* div_q v_q */
  AMP_EVAL_DIV_DRIFT,  /* div_x b */
  AMP_EVAL_FREE,       /* the network-free term */
  AMP_EVAL_NEIGHBORS,  /* particles within phase_radius, itself included */
  AMP_EVAL_PHASE,      /* amp_phase: 0 gas, 1 interface, 2 solid */
  AMP_EVAL_NOBS
};

/* Scalars per snapshot. */
enum {
  AMP_EVAL_TOTAL_SIGMA,
  AMP_EVAL_TOTAL_SIGMA_Q,  /* the internal coordinate's part */
  AMP_EVAL_TOTAL_DENSITY,
  AMP_EVAL_TOTAL_FREE,
  AMP_EVAL_PHASE_COUNT,                          /* [AMP_NPHASES] particles of each phase */
  AMP_EVAL_PHASE_SIGMA = AMP_EVAL_PHASE_COUNT + AMP_NPHASES, /* [AMP_NPHASES] their mean sigma */
  AMP_EVAL_NSCALARS = AMP_EVAL_PHASE_SIGMA + AMP_NPHASES
};

/* Per-frame numbers of the radial profile, after the scalars in epr.h5. */
enum { AMP_EVAL_CLUSTER_SIZE, AMP_EVAL_CLUSTER_CENTER, AMP_EVAL_RADIAL_COUNT, AMP_EVAL_RADIAL_SIGMA, AMP_EVAL_NPROFILE };

/* The fields on a grid and the radial profile about the largest cluster
 * (evaluate_spatial.c). "rank 0": the replica's first rank. */
typedef struct {
  amp_fields fields;          /* fields.n = 0: none */
  double *values;             /* [capacity][2 + d] each owned row's 1, sigma, velocity: what is deposited */
  double *records;            /* [capacity][1 + d] owned solid and interface (id, x); rank 0: [N] all of them */
  size_t *slot;               /* rank 0: [N] each gathered id's record */
  size_t capacity;
  int *counts, *displs;       /* rank 0: [ranks] for the gather of ids */
  amp_particles dense;        /* rank 0: the solid and interface particles in id order */
  unsigned char *member;      /* rank 0: [N] in the largest cluster, by row of dense */
  amp_cluster_work cluster;   /* rank 0 */
  int bins;                   /* of the radial profile */
  int width[AMP_EVAL_NPROFILE]; /* numbers of each profile observable: 1, d, bins, bins */
  double *numbers;            /* [nnumbers] the frame's scalars, then cluster size, centre, count per bin,
                                 mean sigma per bin: what epr.h5 records of the frame besides its rows */
  int nnumbers;               /* AMP_EVAL_NSCALARS + 1 + d + 2 bins */
  double *count_sum, *sigma_sum; /* [bins] summed over snapshots with a cluster */
  double size_sum;            /* cluster sizes summed over those snapshots */
  long long clustered;        /* snapshots with a cluster */
  PetscLogEvent ev_fields, ev_clusters, ev_write;
} amp_evaluate_spatial;

typedef struct {
  const amp_config *cfg;
  int quiet, rank;             /* rank: in MPI_COMM_WORLD */
  amp_replica replica;         /* this rank's replica: its ranks evaluate one snapshot together */
  MPI_Comm peers;              /* the ranks at this rank's place in every replica, by replica (parallel.h) */
  double *gathered;            /* [replicas][nnumbers + fields block] a round's frames as the peers hold them */
  amp_domain dom;              /* the replica's ranks on its snapshot */
  amp_halo halo;
  double halo_width;           /* max(derived.token_halo, drift's width, phase_radius, bond-graph tokens' reach) */
  amp_bonds bonds;             /* the graph of [interaction] bonds (empty without) */
  amp_h5md_reader *data;
  amp_h5md_info info;
  int64_t first, stride, snapshots; /* frames first + k stride, k < snapshots (online: snapshots of the
                                       simulation, counted from 0 after the burn-in); replica r evaluates
                                       k = r, r + replicas, ... */
  int64_t done;                /* snapshots in the run's accumulators (online: with those kept at a restart) */
  amp_particles all, p;        /* the frame read (online: the live owned rows, staged); owned rows + ghosts */
  amp_nn_layout layout;
  float *params;               /* the model's parameters to evaluate */
  amp_nn_workspace ws;         /* with room for the input Jacobian */
  uint64_t checksum;           /* of the model file */
  amp_neighborhood_spec spec;
  amp_cells cells;             /* over p's rows, for neighbourhoods and phase counts */
  amp_neighborhoods nb;
  amp_token_forces forces;     /* the tokens' forces ([network] forces = "input") */
  amp_rows rows;
  amp_epr_frame epr;
  amp_phase_rule rule;
  size_t capacity;             /* rows of the buffers below */
  size_t *target;              /* [capacity] 0, 1, ... */
  amp_epr_point *point;        /* [capacity] */
  double *free_term;           /* [capacity] */
  int *neighbors;              /* [capacity] */
  int width[AMP_EVAL_NOBS];    /* components of each observable; 0: not written */
  double *obs[AMP_EVAL_NOBS];  /* [capacity][width] */
  amp_h5md *out;
  char out_path[AMP_STR_LEN + 32];
  amp_blocking sigma, sigma_q, density, free; /* per particle, one value per snapshot */
  double phase_count[AMP_NPHASES], phase_sigma[AMP_NPHASES]; /* summed over snapshots */
  amp_evaluate_spatial spatial;
  struct {
    PetscLogEvent load, network, output;
  } ev;
  char error[AMP_ERR_LEN];
} amp_evaluate;

/* The stage's state for either source: the model, the domain, the
 * per-particle formulas and the spatial views (not the output). Collective;
 * 0, or -1 with e->error set. Teardown releases whatever exists. */
int amp_evaluate_setup(amp_evaluate *e, const amp_config *cfg, const amp_cli *cli);
void amp_evaluate_teardown(amp_evaluate *e);

/* The numbers of the replica's snapshot, whose owned rows and ghosts are in
 * e->p (halo built over e->dom): the network, the per-particle formulas
 * (e->obs), the totals, fields and radial profile (e->spatial.numbers, the
 * fields' frame); `where` names it in a message. Collective over the
 * replica; 0, or -1 on every rank of the replica with e->error set where it
 * failed (empty on the others). */
int amp_evaluate_compute(amp_evaluate *e, const char *where);

/* One snapshot in situ: amp_evaluate_compute, then its round of one frame.
 * Collective. */
int amp_evaluate_frame(amp_evaluate *e, int64_t step, double time, const char *where);

/* The run's accumulators (blocking averages, phases, the radial profile's
 * sums, e->done) from one frame's numbers as epr.h5 records them (scalars,
 * phase sigma as means, then the profile): the same for a frame just
 * computed, one gathered from another replica and one read back at a
 * restart, so the sums are added in frame order whoever computed a frame,
 * and a continued run accumulates bit for bit as the uninterrupted one.
 * Local. */
void amp_evaluate_accumulate(amp_evaluate *e, const double *numbers);

/* Rounds of frames (evaluate_rounds.c). Replica r has frame r of a round of
 * `frames` (its numbers computed, step and time its trajectory's) when
 * r < frames; failed: it failed. Every rank agrees whether any replica
 * failed; then the round is written (every replica its frame, collective
 * parallel HDF5) and its frames' numbers and fields, gathered among peers,
 * are added to the run's sums in frame order. Collective over
 * MPI_COMM_WORLD; 0, or -1 with e->error set where it failed. */
int amp_evaluate_rounds_init(amp_evaluate *e);
int amp_evaluate_round(amp_evaluate *e, int frames, int failed, int64_t step, double time);
void amp_evaluate_rounds_free(amp_evaluate *e);

/* Every rank of MPI_COMM_WORLD learns whether one failed: 0, or -1 with an
 * empty e->error on the ranks that did not fail. Collective. */
int amp_evaluate_agree(amp_evaluate *e, int failed);

/* The run's attributes, the fields' means and the rename of epr.h5; the
 * closing lines (rank 0). */
int amp_evaluate_finish(amp_evaluate *e);
void amp_evaluate_report(const amp_evaluate *e);

/* The stage with [evaluate] source = "online" (evaluate_online.c): runs the
 * simulation and evaluates its snapshots in situ. Returns an exit code. */
int amp_evaluate_online(const amp_config *cfg, const amp_cli *cli);

/* Open the trajectory, check it against the input and choose its frames. Collective. */
int amp_evaluate_open_data(amp_evaluate *e);

/* Read the model, refusing one whose neighbourhood kind or architecture is
 * not the input's. Collective. */
int amp_evaluate_read_model(amp_evaluate *e);

/* Create the output (as "<output>.partial"), append a round of snapshots
 * (amp_evaluate_round), and finish it: the run's totals as attributes, then
 * the rename. Collective. */
int amp_evaluate_create_output(amp_evaluate *e);
/* Online, at a restart: continue the partial output after its first
 * `frames` frames (the rest are dropped), whose numbers are read back into
 * the run's accumulators. Collective. */
int amp_evaluate_resume_output(amp_evaluate *e, int64_t frames);
/* Flush what is written so far (online: after every snapshot, so that a
 * checkpoint never counts frames the file lacks). Collective. */
int amp_evaluate_flush_output(amp_evaluate *e);
int amp_evaluate_write_round(amp_evaluate *e, int frames, int64_t step, double time);
int amp_evaluate_finish_output(amp_evaluate *e);

/* The fields and the radial profile (evaluate_spatial.c): set up (before
 * the output is created), one snapshot's (after its totals; collective over
 * the replica), the frame's block of fields into frame `frame` of epr.h5
 * (mine = 0: a replica without a frame writes none), their part of the
 * finished file, the closing line (rank 0), and release. All but report
 * and free are collective; each returns 0, or -1 with e->error set on every
 * rank. */
int amp_evaluate_spatial_init(amp_evaluate *e);
int amp_evaluate_spatial_frame(amp_evaluate *e);
int amp_evaluate_spatial_write(amp_evaluate *e, int64_t frame, int mine);
/* The profile's part of a frame's numbers (after its scalars) into the
 * run's sums. Local. */
void amp_evaluate_spatial_accumulate(amp_evaluate *e, const double *numbers);
/* This rank's block of the fields' frame: its size (0 without fields), a
 * copy into block, and a frame's block (this rank's cells of any replica's
 * frame) into the run's sum. */
size_t amp_evaluate_spatial_block(const amp_evaluate *e);
int amp_evaluate_spatial_copy(amp_evaluate *e, double *block);
int amp_evaluate_spatial_add(amp_evaluate *e, const double *block);
/* A frame kept at a restart: its fields, grid[k] the whole grid of the
 * k-th field (density, EPR density, current) as epr.h5 holds it, into the
 * run's sum as amp_evaluate_spatial_add adds them. */
int amp_evaluate_spatial_restore(amp_evaluate *e, const double *const grid[3]);
int amp_evaluate_spatial_finish(amp_evaluate *e);
void amp_evaluate_spatial_report(const amp_evaluate *e);
void amp_evaluate_spatial_free(amp_evaluate *e);

/* Release the files; a partial output is removed. Collective. */
void amp_evaluate_close_files(amp_evaluate *e);

#endif

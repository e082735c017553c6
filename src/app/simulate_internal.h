/*
 * simulate_internal: the state of the simulation stage, shared by its loop
 * (simulate.c) and its files (simulate_files.c: trajectory, checkpoints,
 * restart, initial frames).
 */
#ifndef ACTIVEMPI_SIMULATE_INTERNAL_H
#define ACTIVEMPI_SIMULATE_INTERNAL_H

#include <petscsys.h>

#include "activempi/app.h"
#include "activempi/blocking.h"
#include "activempi/domain.h"
#include "activempi/h5md.h"
#include "activempi/neighbors.h"
#include "activempi/parallel.h"
#include "activempi/physics.h"
#include "simulate_hooks.h"

typedef struct {
  const amp_config *cfg;
  int quiet;                 /* --quiet */
  const amp_sim_hooks *hooks; /* another stage's view of the run (online training), or NULL */
  const char *failing;       /* the stage a failure is reported under: "simulate", or the hooks' */
  amp_replica replica;       /* this rank's replica */
  int rank;                  /* in the replica */
  int world_rank;
  double L;                  /* box side */
  double list_cutoff;        /* force cutoff + skin */
  double halo_width;         /* the ghosts' reach */
  double rebuild_distance;   /* rebuild once a particle has moved this far since the last build */
  amp_domain dom;
  amp_halo halo;
  amp_cells cells;
  amp_verlet verlet;
  amp_pair_work pair_work;   /* pair forces of the list, each pair computed once */
  amp_particles p;           /* owned rows, then ghosts */
  amp_pair pair;
  amp_bonds bonds;           /* the bond graph (empty without bonds) */
  int32_t *row_of;           /* [N] row of each id on this rank (owned or ghost), -1 if absent; bonds only */
  amp_dynamics dyn;
  amp_rng rng;
  size_t capacity;           /* rows of the arrays below */
  double *force;             /* [owned][d] pair forces */
  double *div;               /* [owned] pair and bond parts of div_x b (the trap apart) */
  double *epr;               /* [owned] network-free EPR terms */
  double *x_saved, *q_saved; /* owned state before the last step */
  long long step;            /* steps done */
  long long rebuilds, balances;
  double imbalance_max;      /* largest particle-count imbalance seen before balancing */
  amp_blocking epr_total;    /* per-snapshot totals of the network-free EPR */
  amp_h5md *trajectory;
  char trajectory_path[AMP_STR_LEN + 32];
  char checkpoint_path[AMP_STR_LEN + 32];
  int interrupted;           /* the signal that stopped the run, or 0 */
  int complete;              /* the checkpoint found is at the last step */
  struct {
    PetscLogEvent force, integrate, lists, halo, migrate, balance, output, checkpoint;
  } ev;
  char error[AMP_ERR_LEN];
} amp_sim;

/* A hook failed: its stage names the failure. Returns -1. */
int amp_sim_hook_failed(amp_sim *sim);

/* Paths of this replica's trajectory and checkpoint. Returns 0 or -1. */
int amp_sim_paths(amp_sim *sim);

/* Owned particles from the last frame of [simulate] initial_file. Collective. */
int amp_sim_read_initial(amp_sim *sim);

/* Continue from this replica's checkpoint when there is one: 1 resumed, 0 no
 * checkpoint (start afresh), -1 error. Collective. */
int amp_sim_resume(amp_sim *sim);

/* Start this replica's trajectory. Collective. */
int amp_sim_open_trajectory(amp_sim *sim);

/* Write the checkpoint of the current state (after flushing the trajectory).
 * Collective. Returns 0 or -1. */
int amp_sim_checkpoint(amp_sim *sim);

/* Publish the finished trajectory (rename, XDMF sidecar). Collective. */
int amp_sim_close_trajectory(amp_sim *sim);

/* Close an unfinished trajectory, leaving it for a restart. Collective. */
void amp_sim_release_trajectory(amp_sim *sim);

#endif

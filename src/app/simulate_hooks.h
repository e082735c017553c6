/*
 * simulate_hooks: how another stage runs the simulation and sees it as it
 * goes (private to app). Online training (train_online.c) and in situ
 * evaluation (evaluate_online.c) use it: the train or evaluate stage calls
 * amp_simulate with its hooks instead of reading a trajectory, and run.c
 * skips the separate simulate stage.
 *
 * Design. The simulation stays the owner of its loop, its signals and its
 * checkpoints; a hook only reads what it is given, so the trajectory is the
 * same bit for bit with hooks or without. Hooks are collective over
 * MPI_COMM_WORLD (every replica reaches a snapshot at the same step) and
 * return 0, or -1 with one line in `error` (AMP_ERR_LEN bytes), which stops
 * the run and is reported under the hooks' stage name.
 */
#ifndef ACTIVEMPI_APP_SIMULATE_HOOKS_H
#define ACTIVEMPI_APP_SIMULATE_HOOKS_H

#include "activempi/app.h"
#include "activempi/particles.h"

typedef struct {
  void *ctx;         /* handed to every hook */
  const char *stage; /* names a hook's failure in the error line ("train") */
  /* Before the first step: the simulation starts at `step` (0, or its
   * checkpoint's step), `complete` when that is its last. Its trajectory is
   * not open for writing yet (a hook may read the partial file). */
  int (*start)(void *ctx, long long step, int complete, char *error);
  /* After each snapshot is written: its step, this rank's owned rows, and
   * the replica's network-free EPR total of the snapshot. */
  int (*snapshot)(void *ctx, long long step, const amp_particles *owned, double epr_total, char *error);
  /* After each checkpoint of the simulation is written (NULL: nothing to do). */
  int (*checkpoint)(void *ctx, char *error);
} amp_sim_hooks;

/* The simulate stage, with hooks (NULL: none, amp_stage_simulate). Returns
 * an exit code, its failures reported (app.h). */
int amp_simulate(const amp_config *cfg, const amp_cli *cli, const amp_sim_hooks *hooks);

#endif

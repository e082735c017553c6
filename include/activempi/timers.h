/*
 * timers: where the time went, as PETSc log events.
 *
 * Design. Each module registers its events once (amp_timer_register, under a
 * PETSc class named for the module), then brackets work with
 * PetscLogEventBegin/End. Because they are ordinary PETSc events, -log_view
 * shows them beside PETSc's own, with flops and messages; and every run ends
 * with activempi's own short table (amp_timers_report) of the same events:
 * calls, the slowest rank's time, the mean, their ratio (the load imbalance)
 * and the share of the run's wall time.
 */
#ifndef ACTIVEMPI_TIMERS_H
#define ACTIVEMPI_TIMERS_H

#include <mpi.h>
#include <petscsys.h>
#include <stdio.h>

/* Turn PETSc's default logging on (if -log_view has not already). Call after PetscInitialize. */
PetscErrorCode amp_timers_init(void);

/* Register event `name` of `module` ("config", "physics", ...) and return it in *event. */
PetscErrorCode amp_timer_register(const char *module, const char *name, PetscLogEvent *event);

/* Bracket work with an event (PETSc's begin/end, whose status only reports
 * misuse, which these wrappers cannot commit). */
static inline void amp_timer_begin(PetscLogEvent event) { (void)PetscLogEventBegin(event, 0, 0, 0, 0); }
static inline void amp_timer_end(PetscLogEvent event) { (void)PetscLogEventEnd(event, 0, 0, 0, 0); }

/* Collective over comm: write the timing table on rank 0 of comm; `wall` is
 * the run's elapsed time on the calling rank. */
PetscErrorCode amp_timers_report(FILE *out, MPI_Comm comm, double wall);

#endif

/*
 * signals: SIGTERM and SIGUSR1 (SLURM's warnings before a time limit or a
 * preemption) ask a run to checkpoint and stop cleanly. The handler only
 * records the signal; stages poll amp_signal_caught() and agree over the ranks
 * before acting, so all ranks stop at the same step.
 */
#ifndef ACTIVEMPI_SIGNALS_H
#define ACTIVEMPI_SIGNALS_H

/* Install the handlers (idempotent). Returns 0 or -1. */
int amp_signals_install(void);

/* The signal number caught since the start, or 0. */
int amp_signal_caught(void);

#endif

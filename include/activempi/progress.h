/*
 * progress: the progress line of a long stage, "simulate: 1200/10000 steps
 * (12.0 %), 850 steps/s, ETA 10 s", printed at most once per interval.
 *
 * Design. Knows nothing of MPI: the caller passes a NULL stream on every rank
 * but 0 (and everywhere under --quiet), so a reporter costs one comparison per
 * update. Times are passed in, from amp_clock(), so tests can drive it.
 */
#ifndef ACTIVEMPI_PROGRESS_H
#define ACTIVEMPI_PROGRESS_H

#include <stdio.h>

typedef struct {
  const char *label; /* stage name, first on the line */
  const char *unit;  /* what is counted ("steps") */
  long long total;   /* units in the stage */
  double interval;   /* seconds between lines */
  double start;      /* clock at the start */
  double last;       /* clock at the last line */
  FILE *out;         /* NULL: silent */
} amp_progress;

/* Monotonic wall-clock seconds. */
double amp_clock(void);

void amp_progress_start(amp_progress *p, const char *label, const char *unit, long long total,
                        double interval, FILE *out, double now);

/* `done` units are complete at time `now`: print when an interval has passed. */
void amp_progress_update(amp_progress *p, long long done, double now);

/* The closing line, with the mean rate and the elapsed time. */
void amp_progress_finish(amp_progress *p, long long done, double now);

/* "42 s", "3 min 20 s", "2 h 05 min" */
void amp_format_duration(double seconds, char *buf, size_t size);

#endif

/*
 * progress: rate and ETA lines for long stages (see progress.h). The rate is
 * the mean since the start, which is steady for the uniform steps of a
 * simulation or a training run; the ETA is the remaining units at that rate.
 */
#include "activempi/progress.h"

#include <math.h>
#include <time.h>

double amp_clock(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void amp_format_duration(double seconds, char *buf, size_t size) {
  if (!(seconds < 3.6e6 * 24)) {
    snprintf(buf, size, "more than 100 days");
  } else if (seconds < 60) {
    snprintf(buf, size, "%.0f s", seconds);
  } else if (seconds < 3600) {
    long s = lround(seconds);
    snprintf(buf, size, "%ld min %02ld s", s / 60, s % 60);
  } else {
    long m = lround(seconds / 60);
    snprintf(buf, size, "%ld h %02ld min", m / 60, m % 60);
  }
}

void amp_progress_start(amp_progress *p, const char *label, const char *unit, long long total,
                        double interval, FILE *out, double now) {
  *p = (amp_progress){.label = label, .unit = unit, .total = total, .interval = interval,
                      .start = now, .last = now, .out = out};
}

void amp_progress_update(amp_progress *p, long long done, double now) {
  if (!p->out || now - p->last < p->interval) return;
  p->last = now;
  double elapsed = now - p->start, rate = elapsed > 0 ? (double)done / elapsed : 0;
  char eta[32] = "unknown";
  if (rate > 0) amp_format_duration((double)(p->total - done) / rate, eta, sizeof eta);
  fprintf(p->out, "%s: %lld/%lld %s (%.1f %%), %.4g %s/s, ETA %s\n", p->label, done, p->total, p->unit,
          p->total > 0 ? 100.0 * (double)done / (double)p->total : 100.0, rate, p->unit, eta);
  fflush(p->out);
}

void amp_progress_finish(amp_progress *p, long long done, double now) {
  if (!p->out) return;
  double elapsed = now - p->start;
  char took[32];
  amp_format_duration(elapsed, took, sizeof took);
  fprintf(p->out, "%s: %lld %s done in %s (%.4g %s/s)\n", p->label, done, p->unit, took,
          elapsed > 0 ? (double)done / elapsed : 0.0, p->unit);
  fflush(p->out);
}

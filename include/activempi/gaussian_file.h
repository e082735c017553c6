/*
 * gaussian_file: the results file of the Gaussian exact reference, exact.h5
 * (layout in doc/output-format.md).
 *
 * Design. Everything the file holds is already gathered on one rank (the
 * mode arrays are N doubles, and the scores of each batch of snapshots come
 * back whole from the distributed products), so one process writes it
 * serially, under a temporary name published by rename at close: the file
 * appears whole or not at all. The functions are called on that rank only
 * and return a status of io.h with one line in err.
 */
#ifndef ACTIVEMPI_GAUSSIAN_FILE_H
#define ACTIVEMPI_GAUSSIAN_FILE_H

#include <stdint.h>

#include "activempi/io.h"

/* What the file says about the stationary law (arrays of N, by mode or by particle). */
typedef struct {
  int64_t particles;        /* N */
  int dim;                  /* d */
  int64_t frames;           /* snapshots evaluated (0: none) */
  int64_t zero_modes;       /* modes with kappa <= zero_tol */
  double zero_tol;
  const double *kappa;      /* [N] eigenvalues of K, ascending */
  const double *cov_xx, *cov_xg, *cov_gg; /* [N] per-mode covariances (xx = inf for a zero mode) */
  const double *epr_mode;   /* [N] per-mode EPR, per dimension */
  const double *epr_particle; /* [N] E[sigma_i] */
  double epr_total;         /* d sum_k epr_mode[k] */
  const char *trajectory;   /* file the snapshots come from ("" for none) */
  const char *configuration, *provenance; /* text attributes */
} amp_gaussian_summary;

typedef struct amp_gaussian_file amp_gaussian_file;

/* Create the temporary file of `path` and write the summary. */
int amp_gaussian_file_create(amp_gaussian_file **f, const char *path, const amp_gaussian_summary *s, char *err);

/* Snapshot `frame`: its step and time, and per particle score_x, score_g
 * ([N][d]) and sigma ([N]). */
int amp_gaussian_file_frame(amp_gaussian_file *f, int64_t frame, int64_t step, double time, const double *score_x,
                            const double *score_g, const double *sigma, char *err);

/* Close; publish under path when `publish` (else remove the temporary file). Frees f. */
int amp_gaussian_file_close(amp_gaussian_file *f, int publish, char *err);

#endif

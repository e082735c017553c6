/*
 * exact_internal: the references of the exact stage (private to app).
 */
#ifndef ACTIVEMPI_EXACT_INTERNAL_H
#define ACTIVEMPI_EXACT_INTERNAL_H

#include "activempi/app.h"

/* Gaussian: refuse an eigensolve that would need more than [exact]
 * gaussian_memory_per_rank on nranks ranks (msg says so; returns 1), else 0. */
int amp_exact_gaussian_check_job(const amp_config *cfg, int nranks, char *msg, size_t size);

/* The Gaussian reference stage (exact_gaussian.c). */
int amp_exact_gaussian(const amp_config *cfg, const amp_cli *cli);

/* Ring: refuse a job with more ranks than the coarsest grid of the
 * convergence study has cells in r (msg says so; returns 1), else 0. */
int amp_exact_ring_check_job(const amp_config *cfg, int nranks, char *msg, size_t size);

/* The ring reference stage (exact_ring.c). */
int amp_exact_ring(const amp_config *cfg, const amp_cli *cli);

#endif

/*
 * denoise: the random ingredients of a training step (learn module) —
 * which particles enter the batch, and the noise of denoising score matching.
 *
 * Design. Everything is a function of (seed, replica, step, global id)
 * through the counter-based generator (rng.h), never of the rank: a ghost
 * draws the same noise as its owner, and a training run takes the same steps
 * on any number of ranks.
 *   - Batch: particle i enters step t's batch when u(i, t) < fraction, with
 *     fraction = batch_particles / (N x replicas): each replica contributes
 *     about batch_particles / replicas particles of its snapshot, and the
 *     whole batch has about batch_particles. Independent thinning needs no
 *     communication; the batch size fluctuates by its square root (the loss
 *     is normalised by the realised size).
 *   - Noise: zeta = (zeta_q, zeta_x) standard normal per particle; the
 *     antithetic pair of configurations is z +- sigma zeta, the position part
 *     only for the "denoising" loss (the reference's denoising_xg), not for
 *     "denoising_internal" (denoising_g).
 */
#ifndef ACTIVEMPI_DENOISE_H
#define ACTIVEMPI_DENOISE_H

#include <stddef.h>

#include "activempi/particles.h"
#include "activempi/rng.h"

/* The owned rows of p in step t's batch, into target (room for p->nowned);
 * returns their number. */
size_t amp_denoise_select(const amp_rng *rng, const amp_particles *p, long long step, double fraction,
                          size_t *target);

/* The noise of every row of p (owned and ghosts): zq [rows][nq], zx [rows][d]. */
void amp_denoise_noise(const amp_rng *rng, const amp_particles *p, long long step, double *zq, double *zx);

/* pert = base + s (zq, zx) for every row (s = +sigma or -sigma), positions
 * wrapped into the box of side L and left alone unless perturb_positions.
 * pert must have room for base's rows; its ids and counts follow base. */
void amp_denoise_perturb(const amp_particles *base, amp_particles *pert, const double *zq, const double *zx,
                         double s, int perturb_positions, double L);

#endif

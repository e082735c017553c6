/*
 * epr_frame: the per-particle entropy production of a snapshot from a score
 * network (analysis module): the network's scores (and, for the signed
 * density, its input Jacobian) of every owned particle, the drift where the
 * formulas need it, then epr_local.h's formulas particle by particle.
 *
 * Design. The caller owns the network (layout, parameters, a workspace) and
 * builds the neighbourhoods (neighborhood.h), because the train stage
 * already has both for its batch; this holds the per-frame buffers and the
 * drift's work space, reused from frame to frame. Nothing here is
 * collective: sums over ranks are the caller's. The scores stay in the
 * struct after a compute (s_q, s_x) for callers that record them.
 */
#ifndef ACTIVEMPI_EPR_FRAME_H
#define ACTIVEMPI_EPR_FRAME_H

#include <stddef.h>

#include "activempi/drift.h"
#include "activempi/epr_local.h"
#include "activempi/neighborhood.h"
#include "activempi/nn.h"

typedef struct {
  amp_epr_law law;
  amp_drift_work drift;
  int q_outputs, x_outputs; /* the network's heads */
  float *s_q;               /* [capacity][q_outputs] scores of the last compute */
  float *s_x;               /* [capacity][max(x_outputs, 1)] */
  float *jq;                /* [capacity][q_outputs][nf] */
  double *b, *div_b;        /* [capacity][d], [capacity] drift and div_x b */
  size_t capacity;
} amp_epr_frame;

/* For cfg's system, its bond graph (NULL: none; drift.h) and a network of
 * architecture a. Returns 0, or -1 when out of memory. Free with
 * amp_epr_frame_free (also after a failure). */
int amp_epr_frame_init(amp_epr_frame *f, const amp_config *cfg, const amp_nn_arch *a, const amp_bonds *bonds);
void amp_epr_frame_free(amp_epr_frame *f);

/* The owned rows of p, whose neighbourhoods nb holds in row order
 * (nb->B == p->nowned; p has the ghosts within max(R, force cutoff,
 * bond_reach)):
 * out[i] for row i (jacobian = 0: no signed density, NaN; ws must have been
 * made with backward = 1 otherwise) and, when free_term is not NULL,
 * div_b[i] and the network-free term free_term[i] (physics.h). Returns 0, -1
 * when out of memory, or -2 for a bond amp_drift_compute cannot follow (the
 * ids in f->drift.bad). */
int amp_epr_frame_compute(amp_epr_frame *f, const amp_nn_layout *l, const float *params, amp_nn_workspace *ws,
                          const amp_neighborhoods *nb, const amp_particles *p, int jacobian, amp_epr_point *out,
                          double *free_term);

#endif

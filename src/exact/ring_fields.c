/*
 * ring_fields: from the density p(r, u) to the score, the current and the
 * entropy production rate (exact_ring.h; science.md §2).
 *
 * Design. At each cell centre the score is the central difference of log p
 * (one-sided at the u walls, where p is ~exp(-U^2/2) and contributes
 * nothing); p > 0 everywhere (ring_solve.c checks it). Then, with
 * D_r = 2 eps and D_u = gamma,
 *
 *   v_r = sqrt(2) v0 u + 2 F(r) - D_r s_r,   v_u = -gamma u - gamma s_u,
 *   J = p v,   EPR(r, u) = sum_cells p hr hu (v_r^2/D_r + v_u^2/D_u),
 *
 * and the centre of mass adds v0^2/eps to the x part (x_c has drift
 * v0 g_+/sqrt(2) and diffusion eps/2, and a uniform density, so its
 * velocity is the drift). Both the score and the sums are second-order
 * accurate. The network-free total (I5) needs no score,
 *
 *   EPR = E[a_r^2/D_r + a_r' + a_u^2/D_u + a_u'] + v0^2/eps,
 *
 * and converges to the same number: their difference on one grid is a
 * check of the discretisation, and I5 is what the simulate stage estimates.
 */
#include <math.h>

#include "activempi/exact_ring.h"

/* What one cell contributes. */
typedef struct {
  double s_r, s_u, j_r, j_u;
  double epr_x, epr_g, free; /* weighted by p hr hu */
} cell;

static cell cell_at(const amp_ring_problem *rp, PetscScalar **p, int i, int j) {
  double r = amp_ring_r(rp, i), u = amp_ring_u(rp, j), dF, F = amp_ring_force(rp, r, &dF);
  double Dr = 2 * rp->eps, Du = rp->gamma;
  int lo = j > 0 ? j - 1 : j, hi = j + 1 < rp->cells_u ? j + 1 : j;
  cell c = {.s_r = (log(p[j][i + 1]) - log(p[j][i - 1])) / (2 * rp->hr),
            .s_u = (log(p[hi][i]) - log(p[lo][i])) / ((hi - lo) * rp->hu)};
  double a_r = sqrt(2.0) * rp->v0 * u + 2 * F, a_u = -rp->gamma * u;
  double v_r = a_r - Dr * c.s_r, v_u = a_u - Du * c.s_u, w = p[j][i] * rp->hr * rp->hu;
  c.j_r = p[j][i] * v_r;
  c.j_u = p[j][i] * v_u;
  c.epr_x = w * v_r * v_r / Dr;
  c.epr_g = w * v_u * v_u / Du;
  c.free = w * (a_r * a_r / Dr + 2 * dF + a_u * a_u / Du - rp->gamma);
  return c;
}

/* The four field vectors, shaped like the density. */
static PetscErrorCode create_fields(amp_ring_solution *s) {
  PetscFunctionBeginUser;
  Vec *v[] = {&s->score_r, &s->score_u, &s->current_r, &s->current_u};
  for (size_t k = 0; k < sizeof v / sizeof v[0]; ++k) PetscCall(VecDuplicate(s->density, v[k]));
  PetscFunctionReturn(0);
}

/* Fill the fields over the owned cells; sums[3] gets the local EPR terms. */
static PetscErrorCode fill(const amp_ring_problem *rp, amp_ring_solution *s, Vec local, double sums[3]) {
  PetscScalar **p, **sr, **su, **jr, **ju;
  PetscInt xs, ys, xm, ym;
  PetscFunctionBeginUser;
  PetscCall(DMDAGetCorners(s->da, &xs, &ys, NULL, &xm, &ym, NULL));
  PetscCall(DMDAVecGetArrayRead(s->da, local, &p));
  PetscCall(DMDAVecGetArray(s->da, s->score_r, &sr));
  PetscCall(DMDAVecGetArray(s->da, s->score_u, &su));
  PetscCall(DMDAVecGetArray(s->da, s->current_r, &jr));
  PetscCall(DMDAVecGetArray(s->da, s->current_u, &ju));
  for (PetscInt j = ys; j < ys + ym; ++j)
    for (PetscInt i = xs; i < xs + xm; ++i) {
      cell c = cell_at(rp, p, (int)i, (int)j);
      sr[j][i] = c.s_r, su[j][i] = c.s_u, jr[j][i] = c.j_r, ju[j][i] = c.j_u;
      sums[0] += c.epr_x, sums[1] += c.epr_g, sums[2] += c.free;
    }
  PetscCall(DMDAVecRestoreArray(s->da, s->current_u, &ju));
  PetscCall(DMDAVecRestoreArray(s->da, s->current_r, &jr));
  PetscCall(DMDAVecRestoreArray(s->da, s->score_u, &su));
  PetscCall(DMDAVecRestoreArray(s->da, s->score_r, &sr));
  PetscCall(DMDAVecRestoreArrayRead(s->da, local, &p));
  PetscFunctionReturn(0);
}

PetscErrorCode amp_ring_fields(const amp_ring_problem *rp, amp_ring_solution *s) {
  Vec local;
  double mine[3] = {0, 0, 0}, sums[3];
  PetscFunctionBeginUser;
  PetscCall(create_fields(s));
  PetscCall(DMGetLocalVector(s->da, &local));
  PetscCall(DMGlobalToLocalBegin(s->da, s->density, INSERT_VALUES, local));
  PetscCall(DMGlobalToLocalEnd(s->da, s->density, INSERT_VALUES, local));
  PetscCall(fill(rp, s, local, mine));
  PetscCall(DMRestoreLocalVector(s->da, &local));
  PetscCallMPI(MPI_Allreduce(mine, sums, 3, MPI_DOUBLE, MPI_SUM, PetscObjectComm((PetscObject)s->da)));
  double com = rp->v0 * rp->v0 / rp->eps;
  s->epr = (amp_ring_epr){.relative_x = sums[0],
                          .center_of_mass = com,
                          .x = sums[0] + com,
                          .g = sums[1],
                          .total = sums[0] + com + sums[1],
                          .network_free = sums[2] + com};
  PetscFunctionReturn(0);
}

void amp_ring_particle_scores(double s_r, double s_u, double g1, double g2, double score[4]) {
  double g_plus = (g1 + g2) / sqrt(2.0);
  score[0] = s_r;
  score[1] = -s_r;
  score[2] = (s_u - g_plus) / sqrt(2.0);
  score[3] = (-s_u - g_plus) / sqrt(2.0);
}

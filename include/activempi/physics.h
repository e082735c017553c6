/*
 * physics: the equations of motion of active particles (science.md §1), as
 * plain kernels over particle arrays. Knows nothing of MPI or the network.
 *
 *   AOUP: dx = [v0 g + k sum_j F(x - x_j) - A x] dt + sqrt(2 eps) dW,
 *         dg = -gamma g dt + sqrt(2 gamma) dB
 *   ABP:  dx = [v0 n + k sum_j F - A x] dt + sqrt(2 Dt) dW,  n on the unit
 *         circle (angle theta) or sphere, rotational diffusion Dr.
 *
 * Pair forces are central, F(r_vec) = f(r) r_vec / r with f >= 0 repulsive and
 * the stiffness k folded into f; every potential comes with its energy U
 * (f = -U') for tests, and with f' for the drift's divergence
 *
 *   div_{x_i} b_i = sum_j [ f(r_ij) (d-1)/r_ij + f'(r_ij) ] - A d,
 *
 * which the network-free entropy production estimators need (I4, I5).
 *
 * Bonds (bonds.c) are harmonic springs on a graph of global ids, linear
 * forces -k_b (x_i - x_j) that add -k_b d per bond to div_{x_i} b_i.
 */
#ifndef ACTIVEMPI_PHYSICS_H
#define ACTIVEMPI_PHYSICS_H

#include <stddef.h>
#include <stdint.h>

#include "activempi/config.h"
#include "activempi/particles.h"
#include "activempi/rng.h"

/* ---- pair potentials ---------------------------------------------------- */

#define AMP_PAIR_TABLE_INTERVALS 4096

typedef struct {
  amp_potential kind;
  double k;        /* stiffness (wca: epsilon) */
  double sigma;    /* contact distance 2a (wca: the LJ sigma) */
  double beta;     /* softplus sharpness */
  double cutoff;   /* f = 0 beyond; 0 for none */
  double u_cutoff; /* softplus: the uncut energy at the cutoff, subtracted */
  /* softplus: f, f', f'' at r = m h, h = cutoff / AMP_PAIR_TABLE_INTERVALS,
   * interpolated by cubic Hermite polynomials (f from f and f', f' from f'
   * and f''); relative error below 1e-11 for beta = 7.5 (a test checks it),
   * against an exp and a log1p per pair. */
  double *table;   /* [intervals + 1][3] */
  double table_scale; /* 1 / h */
} amp_pair;

/* Returns 0, or -1 when out of memory for the table. Free with amp_pair_free. */
int amp_pair_setup(amp_pair *pair, const amp_config *cfg);
void amp_pair_free(amp_pair *pair);

/* For 0 <= r < cutoff: the force magnitude f(r) (stiffness included) and its
 * derivative f'(r) (softplus from the table). */
void amp_pair_force(const amp_pair *pair, double r, double *f, double *df);

/* The same from the closed forms, without the table (for tests). */
void amp_pair_force_exact(const amp_pair *pair, double r, double *f, double *df);

/* The pair energy U(r), zero at and beyond the cutoff (for tests). */
double amp_pair_energy(const amp_pair *pair, double r);

/* The work space of pair forces over one neighbour list. The list is full
 * (each owned pair appears in both particles' lists), but each owned pair's
 * force is computed once: entry k (i -> j) and its mirror (j -> i) share it,
 * with the sign flipped, which is exact. Pairs with a ghost are computed
 * here and, with the same arithmetic, on the ghost's own rank. */
typedef struct {
  size_t npairs, capacity;   /* entries of the list; allocated */
  int dim;
  int64_t *mirror;           /* [npairs] entry j -> i of entry i -> j when j is owned, else -1 */
  double *value;             /* [npairs][d + 1] force on i, then the divergence term */
  unsigned char *in_range;   /* [npairs] r < cutoff */
} amp_pair_work;

/* Match every owned-owned entry of the list with its mirror; call after each
 * list build. The list is CSR (start[n + 1], index), each particle's
 * neighbours sorted by global id. Returns 0, or -1 when out of memory. */
int amp_pair_work_build(amp_pair_work *w, const amp_particles *p, size_t n, const size_t *start,
                        const uint32_t *index);

void amp_pair_work_free(amp_pair_work *w);

/* Pair forces and their divergence for the n owned rows of p over the list
 * that w was built for:
 *   force: [n][d]  sum_j f(r_ij) (x_i - x_j)/r_ij   (minimum image, box L)
 *   div:   [n]     sum_j f(r_ij)(d-1)/r_ij + f'(r_ij)
 * Each particle's terms are added in the order of its list, by global id, so
 * the sums are the same on every decomposition. Pairs at or beyond the
 * cutoff contribute nothing. */
void amp_pair_forces(const amp_pair *pair, const amp_particles *p, size_t n, const size_t *start,
                     const uint32_t *index, amp_pair_work *w, double L, double *force, double *div);

/* ---- bonds ----------------------------------------------------------------
 * The graph is held whole on every rank as a CSR adjacency by global id (16
 * bytes per bond end plus 8 per particle): bonds join arbitrary ids, and a
 * rank must know the partners of whatever particles it comes to own. */

typedef struct {
  int64_t n;        /* N */
  int dim;          /* d */
  double k;         /* k_b */
  int64_t *start;   /* [N + 1] offsets into partner */
  int64_t *partner; /* [start[N]] bonded ids of each particle, ascending */
} amp_bonds;

/* The graph of [interaction] bonds for cfg's N and d: chain (i, i+1), ring
 * (also (N-1, 0) when N > 2), lattice (neighbours along each axis of the
 * amp_initial_lattice sites, not periodic), distance (pairs whose
 * minimum-image distance in reference [N][d] is below bond_distance; O(N^2)).
 * reference is read only for distance bonds. Returns 0, or -1 when out of
 * memory. Free with amp_bonds_free (also after a failure). */
int amp_bonds_build(amp_bonds *b, const amp_config *cfg, const double *reference);
void amp_bonds_free(amp_bonds *b);

static inline int64_t amp_bonds_degree(const amp_bonds *b, int64_t id) { return b->start[id + 1] - b->start[id]; }

/* Add the bond forces and divergences of the n owned rows of p:
 *   force[n][d] += -k_b sum_j (x_i - x_j)   (minimum image, box L)
 *   div[n]      += -k_b d degree(i)
 * row_of[N] is the row (owned or ghost) of each id on this rank, -1 when
 * absent. Partners are added in id order, so a particle's sum is the same on
 * any decomposition. Returns 0, or -1 with the bond in bad[2] when a bond is
 * longer than `reach` or its partner is absent (the same bond stops every
 * decomposition when the halo covers reach). */
int amp_bond_forces(const amp_bonds *b, const amp_particles *p, size_t n, const int32_t *row_of, double L,
                    double reach, double *force, double *div, int64_t bad[2]);

/* The bond energy k_b/2 sum over bonds |x_i - x_j|^2 (minimum image) of
 * positions x[N][d] by id (for tests). */
double amp_bonds_energy(const amp_bonds *b, const double *x, double L);

/* ---- dynamics ------------------------------------------------------------ */

typedef struct {
  amp_model model;
  int dim;
  double v0, trap, dt;
  double diffusion;      /* eps (AOUP) or Dt (ABP) */
  double gamma;          /* AOUP */
  double rotational;     /* ABP: Dr */
  double ou_decay;       /* exp(-gamma dt) */
  double ou_kick;        /* sqrt(1 - exp(-2 gamma dt)) */
  double position_kick;  /* sqrt(2 eps dt) */
  double rotation_kick;  /* sqrt(2 Dr dt) */
} amp_dynamics;

void amp_dynamics_setup(amp_dynamics *dyn, const amp_config *cfg);

/* The self-propulsion direction e (length d) of internal coordinate q:
 * AOUP g itself; ABP (cos theta, sin theta) or n. */
void amp_self_propulsion(const amp_dynamics *dyn, const double *q, double *e);

/* The drift b_x = v0 e(q) + force - A x of one particle ([d] each). */
void amp_drift(const amp_dynamics *dyn, const double *x, const double *q, const double *force, double *b);

/* One time step of the n owned rows (the reference scheme, science.md §1):
 *   x <- wrap(x + dt b_x + sqrt(2 eps dt) xi)
 *   AOUP: g <- exp(-gamma dt) g + sqrt(1 - exp(-2 gamma dt)) eta   (exact OU)
 *   ABP 2-D: theta <- theta + sqrt(2 Dr dt) eta
 *   ABP 3-D: n rotated by the angle vector sqrt(2 Dr dt) eta, renormalised
 * with xi, eta standard normals keyed by (global id, step). force is [n][d].
 * Returns the largest displacement |dx| of the step (NAN if any position
 * became non-finite, which the caller reports). */
double amp_dynamics_step(const amp_dynamics *dyn, const amp_rng *rng, uint64_t step, amp_particles *p, size_t n,
                         const double *force, double L);

/* ---- initial conditions ----------------------------------------------------
 * Functions of the global id alone (and the seed), so every rank can generate
 * exactly the particles it owns and the start is the same on any
 * decomposition. */

/* Uniformly random position of particle `id` in the box [-L/2, L/2)^d. */
void amp_initial_random(const amp_rng *rng, int64_t id, int dim, double L, double *x);

/* Position of particle `id` on a simple cubic lattice of ceil(N^(1/d)) sites
 * per side, spacing L / sites, the sites filled in id order. */
void amp_initial_lattice(int64_t id, int64_t n, int dim, double L, double *x);

/* Random sequential addition: positions [n][dim] of n particles placed one
 * after the other in id order, each uniformly at random among the places at
 * least `spacing` from every particle before it (attempt k of particle id
 * draws from counter (id, k)). Every rank computes the same configuration.
 * Returns 0, or -1 with the id that found no place in 10000 attempts in
 * *stuck (addition jams near packing fraction 0.547 in 2-D, 0.38 in 3-D). */
int amp_initial_nonoverlapping(const amp_rng *rng, int64_t n, int dim, double L, double spacing, double *x,
                               int64_t *stuck);

/* A draw of the internal coordinate from its stationary law: g ~ N(0, I),
 * a uniform angle, or a uniform unit vector. */
void amp_initial_internal(const amp_dynamics *dyn, const amp_rng *rng, int64_t id, double *q);

/* ---- network-free entropy production (science.md I4, I5) ----------------- */

/* One particle's term of the network-free estimator, from its drift b ([d])
 * and div_{x_i} b_i (pair and bond parts plus -A d):
 *   eps = 0:  -div b                 (I4: its mean is the EPR, hypoelliptic)
 *   eps > 0:  |b|^2 / eps + div b    (I5) */
double amp_epr_free_term(const amp_dynamics *dyn, const double *b, double div_b);

#endif

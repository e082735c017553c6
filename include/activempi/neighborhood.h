/*
 * neighborhood: a rank's particles -> the token tensors of the score network.
 *
 * Design. The network (nn/) sees, for each target particle i, T = K + 1
 * tokens and nothing else: token 0 is i itself, tokens 1..K are its K
 * nearest other particles by minimum-image distance strictly below the
 * cutoff R, ascending by distance, ties broken by ascending global id. The
 * order is a function of the configuration alone (distances are computed in
 * double from the canonical positions, which a ghost shares with its owner),
 * so a target's tokens are the same bits on any number of ranks and in any
 * row order. A target with m < K particles within R gets K - m padding
 * tokens after its real ones.
 *
 * Tensors of a batch of B targets, row-major, all float (the network's
 * compute type) except the mask and the ids:
 *
 *   q     [B][T][nf]  features of the internal coordinate (the feature map):
 *                     AOUP: g (nf = d); ABP d = 2: (cos theta, sin theta)
 *                     (nf = 2); ABP d = 3: n (nf = 3)
 *   x     [B][T][nx]  x_i - x_j, minimum image, rounded from double (nx = d;
 *                     token 0: zeros); with absolute_position, [x_i - x_j, x_j]
 *                     (nx = 2d; token 0: [0, x_i]), x_j the canonical position
 *                     in [-L/2, L/2)^d
 *   mask  [B][T]      1 for a real token, 0 for padding (token 0: always 1)
 *   id    [B][T]      global id of the token's particle, -1 for padding
 *   count [B]         real neighbours m of each target, 0 <= m <= K
 *
 * With spec.force, x gains d last columns, the force on the token's particle
 * (the caller's, from the configuration: amp_neighborhood_build_with_force):
 *   x     [B][T][nx]  [x_i - x_j, (x_j), (hop), F_j]  (nx = the above + d)
 * and with spec.drift (AOUP, q = g) d more, the token's drift relative to the
 * target's, b_j - b_i with b = v0 g + F (token 0: zeros):
 *   x     [B][T][nx]  [x_i - x_j, (x_j), (hop), F_j, b_j - b_i]  (nx = the above + 2d)
 *
 * Padding tokens have q = 0, x = 0, mask = 0, id = -1. The five arrays are
 * one allocation (block[bytes]), so a batch moves as one buffer.
 *
 * Bond-graph neighbourhoods (spec.bonds set: [network] neighborhood =
 * "bonds", graph_neighborhood.c). For particles joined by springs on a
 * graph, the exact score of i is a linear function of its graph neighbours'
 * coordinates with weights that decay with the number of bonds between them,
 * while its nearest particles in space are mostly unbonded. Tokens 1..K are
 * then the K particles fewest bonds away from i (breadth first over the
 * graph, i excluded), ordered by (hop, minimum-image distance, global id):
 * again a function of the configuration and the graph alone. R selects
 * nothing; fewer than K reachable particles leave padding. Each token's x
 * gains one last component, its hop count h as a float:
 *   x     [B][T][nx]  [x_i - x_j, h] (nx = d + 1), or [x_i - x_j, x_j, h]
 *                     (nx = 2d + 1); token 0: h = 0, padding: all 0
 * Completeness is then a matter of hops, not distance: every particle within
 * hops(K) bonds of an owned target (amp_graph_hops) must be a row of p,
 * which a halo of width hops(K) x (longest bond) ensures. A candidate that
 * is not a row fails the build with the reason in nb->error.
 *
 * Periodic images. R < L/2 is required (config enforces it for [network]
 * neighborhood_cutoff): two images of a particle are at least L apart, so at
 * most one of them lies within R < L/2 of i, and taking each particle once,
 * at its minimum image, loses nothing. Each particle must appear in at most
 * one row of p (the halo sends a particle to a rank at most once).
 *
 * Completeness. Every particle within R of an owned target must be a row of
 * p: after amp_domain_migrate, amp_halo_build with width >= R (any width
 * below L/2 works on any grid, multi-hop included), then amp_cells_build
 * over the same rows with any cell cutoff.
 *
 * Cost (space). O(candidates) per target: amp_cells_query returns the rows within R
 * (about K at the radius that holds K neighbours, several times K inside a
 * dense cluster); a max-heap of size K over them keeps the K smallest by
 * (distance, id), and sorting the heap orders them: O(n log K), never a sort
 * of all n candidates. Cost (bonds): the walk visits the levels up to
 * hops(K), the same heap then orders them; O(rows) per build to index p's
 * rows by id. Candidates, keys and tensors live in the struct and are reused
 * between builds; zero-initialise it (amp_neighborhoods nb = {0};) and free
 * it with amp_neighborhood_free.
 */
#ifndef ACTIVEMPI_NEIGHBORHOOD_H
#define ACTIVEMPI_NEIGHBORHOOD_H

#include <stddef.h>
#include <stdint.h>

#include "activempi/config.h"
#include "activempi/neighbors.h"
#include "activempi/particles.h"
#include "activempi/physics.h"

#define AMP_NEIGHBORHOOD_ERR_LEN 384

/* What a batch is built for. */
typedef struct {
  amp_model model;        /* the feature map of q (AMP_MODEL_AOUP or AMP_MODEL_ABP) */
  int dim;                /* d: 1, 2 or 3 (ABP: 2 or 3) */
  double L;               /* box side */
  int K;                  /* neighbour tokens per target, >= 1 */
  double R;               /* cutoff: 0 < R < L/2 (space only) */
  int absolute_position;  /* 1: x tokens carry x_j after x_i - x_j */
  const amp_bonds *bonds; /* NULL: neighbours in space; else the bond graph they are chosen on */
  int force;              /* 1: x tokens end with the force on the token's particle (d columns) */
  int drift;              /* 1 (with force, AOUP): then with the drift relative to the target's (d columns) */
  double v0;              /* the drift's self-propulsion speed: b = v0 q + force */
} amp_neighborhood_spec;

/* The scratch of the walks on the bond graph (arrays of the graph's N). */
typedef struct {
  int64_t n;              /* N of the arrays; 0 before the first graph build */
  int32_t *row_of;        /* [N] row of each id in the particles being built, -1 absent */
  int32_t *hop;           /* [N] bonds from the current target, -1 not reached */
  int64_t *queue;         /* [N] ids in breadth-first order */
} amp_graph_walk;

/* A batch of token tensors (shapes above) and the scratch that builds it. */
typedef struct {
  size_t B;               /* targets of the last build */
  int T, nf, nx;          /* tokens per target (K + 1), feature and position widths */
  int absolute_position;  /* x carries x_j (columns d .. 2d-1) */
  double drift_scale;     /* v0 with the drift columns (x's last d: they move by -v0 dg_i), else 0 */
  float *q;               /* [B][T][nf] */
  float *x;               /* [B][T][nx] */
  unsigned char *mask;    /* [B][T] */
  int64_t *id;            /* [B][T] */
  int *count;             /* [B] */
  size_t candidates;      /* rows within R summed over the targets of the last build */
  void *block;            /* the one allocation behind id, q, x, count, mask */
  size_t bytes;           /* its size in use: B * amp_neighborhood_bytes(spec) */
  size_t cap_block;       /* allocated bytes */
  amp_rows rows;          /* one target's candidate rows */
  void *keys;             /* [cap_keys] (distance, id, row) of the candidates */
  size_t cap_keys;
  amp_graph_walk walk;    /* bonds only */
  char error[AMP_NEIGHBORHOOD_ERR_LEN]; /* why the last build failed ("" after a success) */
} amp_neighborhoods;

/* The widths of a token for a model and dimension: *nf features of q
 * (AOUP d, ABP 2 in 2-D and 3 in 3-D) and *nx x columns: positions (d, or
 * 2d with absolute_position), one more (the hop) with bonds, d more (the
 * particle's force) with force, d more (its drift relative to the target's)
 * with drift. */
void amp_neighborhood_widths(amp_model model, int dim, int absolute_position, int bonds, int force, int drift,
                             int *nf, int *nx);

/* The feature map: the nf floats f of internal coordinates q (nq =
 * amp_internal_components(model, dim) doubles). ABP in 2-D: q = theta,
 * f = (cos theta, sin theta); otherwise f = q. */
void amp_neighborhood_features(amp_model model, int dim, const double *q, float *f);

/* ABP in 2-D: d f / d theta = (-sin theta, cos theta) into df[2], which maps
 * the network's input Jacobian with respect to the features to d/d theta. */
void amp_neighborhood_features_dtheta(double theta, double df[2]);

/* Bytes of tensors per target: T (8 id + 4 nf + 4 nx + 1 mask) + 4 count. */
size_t amp_neighborhood_bytes(const amp_neighborhood_spec *s);

/* The tokens of the B targets target[0 .. B) (owned rows of p), in that
 * order, through cells c built over all rows of p (owned + ghosts; unused,
 * and may be NULL, with bonds). Returns 0, or -1 with one line in nb->error
 * when out of memory, when the arguments break the contract (R not in
 * (0, L/2), K < 1, d or q not those of the model, c not built over p's rows,
 * a target not an owned row; bonds: an id of p not in the graph), or, with
 * bonds, when a particle the walk reaches is not a row of p (the halo does
 * not reach the K-th graph neighbour); nb's tensors are then not a valid
 * batch. */
int amp_neighborhood_build(amp_neighborhoods *nb, const amp_neighborhood_spec *s, const amp_cells *c,
                           const amp_particles *p, const size_t *target, size_t B);

/* The same with spec.force: force [rows][d] holds the force on every row of
 * p (at least on those within R of a target), and each token's x ends with
 * its particle's; NULL exactly when spec.force is 0. */
int amp_neighborhood_build_with_force(amp_neighborhoods *nb, const amp_neighborhood_spec *s, const amp_cells *c,
                                      const amp_particles *p, const double *force, const size_t *target, size_t B);

/* The hops a bond-graph neighbourhood of K tokens needs: over every
 * particle, the largest number of bonds to its K graph-nearest (to the
 * farthest it reaches when fewer): 8 for a ring with K = 16, 0 without
 * bonds. The halo that covers them is this many times the longest bond.
 * O(N) walks of about K particles. Returns it, or -1 when out of memory. */
int amp_graph_hops(const amp_bonds *b, int K);

/* -1, with "out of memory" for the tokens in nb->error. */
int amp_nb_fail_oom(amp_neighborhoods *nb);

void amp_neighborhood_free(amp_neighborhoods *nb);

#endif

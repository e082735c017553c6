/*
 * initial: starting configurations as functions of the particle id (see
 * physics.h), drawn from the counter-based generator at step 0.
 */
#include <math.h>
#include <stdlib.h>

#include "activempi/physics.h"

void amp_initial_random(const amp_rng *rng, int64_t id, int dim, double L, double *x) {
  double u[4];
  amp_rng_uniform4(rng, (uint64_t)id, 0, AMP_RNG_INITIAL, u);
  for (int a = 0; a < dim; ++a) x[a] = amp_wrap(L * (u[a] - 0.5), L);
}

void amp_initial_lattice(int64_t id, int64_t n, int dim, double L, double *x) {
  int64_t side = (int64_t)ceil(pow((double)n, 1.0 / dim) - 1e-9);
  while (side > 1 && (int64_t)pow((double)(side - 1), dim) >= n) --side; /* exact ceil of the root */
  double spacing = L / (double)side;
  for (int a = 0; a < dim; ++a, id /= side) x[a] = amp_wrap(-L / 2 + spacing * ((double)(id % side) + 0.5), L);
}

void amp_initial_internal(const amp_dynamics *dyn, const amp_rng *rng, int64_t id, double *q) {
  double z[4], u[4];
  amp_rng_normal4(rng, (uint64_t)id, 0, AMP_RNG_INITIAL_INTERNAL, z);
  if (dyn->model == AMP_MODEL_AOUP) {
    for (int a = 0; a < dyn->dim; ++a) q[a] = z[a];
  } else if (dyn->dim == 2) {
    amp_rng_uniform4(rng, (uint64_t)id, 0, AMP_RNG_INITIAL_INTERNAL, u);
    q[0] = 2 * M_PI * u[0] - M_PI;
  } else {
    double norm = sqrt(z[0] * z[0] + z[1] * z[1] + z[2] * z[2]);
    for (int a = 0; a < 3; ++a) q[a] = z[a] / norm;
  }
}

/* ---- random sequential addition -------------------------------------------
 * Placed particles are kept in a periodic grid of cells of edge >= spacing,
 * as linked lists (head per cell, next per particle), so a candidate is
 * checked against the particles of the 3^d cells around it. */

typedef struct {
  int dim, n[3];   /* cells per dimension */
  double edge[3];
  int64_t *head;   /* [cells] last particle placed in the cell, or -1 */
  int64_t *next;   /* [particles] the one placed before it in its cell */
} rsa_grid;

static int64_t cell_of(const rsa_grid *g, const double *x, double L, int shift[3]) {
  int64_t cell = 0;
  for (int a = g->dim - 1; a >= 0; --a) {
    int c = (int)floor((x[a] + L / 2) / g->edge[a]) + shift[a];
    c = ((c % g->n[a]) + g->n[a]) % g->n[a];
    cell = cell * g->n[a] + c;
  }
  return cell;
}

/* Is x at least `spacing` from every placed particle? */
static int free_place(const rsa_grid *g, const double *xs, const double *x, double L, double spacing) {
  int reach[3] = {0, 0, 0}, shift[3];
  for (int a = 0; a < g->dim; ++a) reach[a] = g->n[a] >= 3 ? 1 : g->n[a] == 2 ? 1 : 0;
  for (shift[2] = -reach[2]; shift[2] <= (g->dim > 2 ? reach[2] : 0); ++shift[2])
    for (shift[1] = -reach[1]; shift[1] <= (g->dim > 1 ? reach[1] : 0); ++shift[1])
      for (shift[0] = -reach[0]; shift[0] <= reach[0]; ++shift[0]) {
        if ((g->n[0] == 2 && shift[0] == 1) || (g->dim > 1 && g->n[1] == 2 && shift[1] == 1) ||
            (g->dim > 2 && g->n[2] == 2 && shift[2] == 1))
          continue; /* with two cells, -1 and +1 are the same neighbour */
        for (int64_t j = g->head[cell_of(g, x, L, shift)]; j >= 0; j = g->next[j]) {
          double r2 = 0;
          for (int a = 0; a < g->dim; ++a) r2 += pow(amp_min_image(x[a] - xs[j * g->dim + a], L), 2);
          if (r2 < spacing * spacing) return 0;
        }
      }
  return 1;
}

int amp_initial_nonoverlapping(const amp_rng *rng, int64_t n, int dim, double L, double spacing, double *x,
                               int64_t *stuck) {
  rsa_grid g = {.dim = dim, .n = {1, 1, 1}};
  int64_t cells = 1;
  for (int a = 0; a < dim; ++a) {
    g.n[a] = (int)fmax(1, floor(L / spacing));
    g.edge[a] = L / g.n[a];
    cells *= g.n[a];
  }
  g.head = malloc((size_t)cells * sizeof *g.head);
  g.next = malloc((size_t)n * sizeof *g.next);
  int status = g.head && g.next ? 0 : -1;
  for (int64_t c = 0; c < cells && !status; ++c) g.head[c] = -1;
  for (int64_t id = 0; id < n && !status; ++id) {
    double *xi = x + id * dim;
    int placed = 0;
    for (uint64_t attempt = 0; attempt < 10000 && !placed; ++attempt) {
      double u[4];
      amp_rng_uniform4(rng, (uint64_t)id, attempt, AMP_RNG_INITIAL, u);
      for (int a = 0; a < dim; ++a) xi[a] = amp_wrap(L * (u[a] - 0.5), L);
      placed = free_place(&g, x, xi, L, spacing);
    }
    if (!placed) {
      *stuck = id;
      status = -1;
      break;
    }
    int none[3] = {0, 0, 0};
    int64_t cell = cell_of(&g, xi, L, none);
    g.next[id] = g.head[cell];
    g.head[cell] = id;
  }
  if (!g.head || !g.next) *stuck = -1;
  free(g.head);
  free(g.next);
  return status;
}

/*
 * bonds: harmonic springs on a graph of global ids (science.md §2, I8).
 *
 * The graph is built once, the same on every rank, as a CSR adjacency by
 * global id with each particle's partners ascending; a bond appears in the
 * lists of both its ends. The chain, ring and lattice graphs are functions of
 * N and d alone; distance bonds come from a reference configuration that
 * every rank holds whole. Forces look partners up through row_of, the local
 * row of each id (owned rows and ghosts), which the simulation refreshes at
 * every rebuild; a partner is there when the halo is at least the longest
 * bond plus the skin, which is why a bond longer than the reach stops the run
 * rather than silently losing its force.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "activempi/physics.h"

/* Lattice sites per side, as amp_initial_lattice places them. */
static int64_t lattice_side(int64_t n, int dim) {
  int64_t side = (int64_t)ceil(pow((double)n, 1.0 / dim) - 1e-9);
  while (side > 1 && (int64_t)pow((double)(side - 1), dim) >= n) --side;
  return side;
}

/* The partners of id (up to 6 for graphs of N and d; any number for
 * distance bonds) into out, ascending; returns how many. out may be NULL to count. */
static int64_t partners_of(const amp_config *cfg, const double *reference, int64_t id, int64_t *out) {
  const int64_t n = cfg->system.particles;
  const int d = cfg->system.dimension;
  int64_t count = 0, found[6];
  switch (cfg->interaction.bonds) {
  case AMP_BONDS_NONE: break;
  case AMP_BONDS_CHAIN:
  case AMP_BONDS_RING:
    if (id > 0) found[count++] = id - 1;
    if (id + 1 < n) found[count++] = id + 1;
    if (cfg->interaction.bonds == AMP_BONDS_RING && n > 2) {
      if (id == 0) found[count++] = n - 1;
      if (id == n - 1) found[count++] = 0;
    }
    break;
  case AMP_BONDS_LATTICE: {
    int64_t side = lattice_side(n, d), stride = 1;
    for (int a = 0; a < d; ++a, stride *= side) {
      int64_t c = (id / stride) % side;
      if (c > 0) found[count++] = id - stride;
      if (c + 1 < side && id + stride < n) found[count++] = id + stride;
    }
    break;
  }
  case AMP_BONDS_DISTANCE: {
    const double L = cfg->system.box_length, r2max = pow(cfg->interaction.bond_distance, 2);
    for (int64_t j = 0; j < n; ++j) {
      if (j == id) continue;
      double r2 = 0;
      for (int a = 0; a < d; ++a) r2 += pow(amp_min_image(reference[id * d + a] - reference[j * d + a], L), 2);
      if (r2 < r2max && out) out[count] = j;
      count += r2 < r2max;
    }
    return count; /* already ascending */
  }
  }
  for (int64_t i = 1; i < count; ++i) /* insertion sort of at most 6 */
    for (int64_t k = i; k > 0 && found[k - 1] > found[k]; --k) {
      int64_t t = found[k];
      found[k] = found[k - 1];
      found[k - 1] = t;
    }
  if (out) memcpy(out, found, (size_t)count * sizeof *out);
  return count;
}

int amp_bonds_build(amp_bonds *b, const amp_config *cfg, const double *reference) {
  const int64_t n = cfg->system.particles;
  *b = (amp_bonds){.n = n, .dim = cfg->system.dimension, .k = cfg->interaction.bond_stiffness};
  b->start = malloc((size_t)(n + 1) * sizeof *b->start);
  if (!b->start) return -1;
  b->start[0] = 0;
  for (int64_t i = 0; i < n; ++i) b->start[i + 1] = b->start[i] + partners_of(cfg, reference, i, NULL);
  b->partner = malloc((size_t)(b->start[n] > 0 ? b->start[n] : 1) * sizeof *b->partner);
  if (!b->partner) return -1;
  for (int64_t i = 0; i < n; ++i) partners_of(cfg, reference, i, b->partner + b->start[i]);
  return 0;
}

void amp_bonds_free(amp_bonds *b) {
  free(b->start);
  free(b->partner);
  *b = (amp_bonds){0};
}

int amp_bond_forces(const amp_bonds *b, const amp_particles *p, size_t n, const int32_t *row_of, double L,
                    double reach, double *force, double *div, int64_t bad[2]) {
  const int d = p->dim;
  const double reach2 = reach * reach;
  for (size_t i = 0; i < n; ++i) {
    const int64_t id = p->id[i];
    const double *xi = p->x + i * (size_t)d;
    double *fi = force + i * (size_t)d;
    for (int64_t e = b->start[id]; e < b->start[id + 1]; ++e) {
      int32_t j = row_of[b->partner[e]];
      double dx[3], r2 = 0;
      for (int a = 0; a < d && j >= 0; ++a) {
        dx[a] = amp_min_image(xi[a] - p->x[(size_t)j * d + a], L);
        r2 += dx[a] * dx[a];
      }
      if (j < 0 || !(r2 <= reach2)) {
        bad[0] = id;
        bad[1] = b->partner[e];
        return -1;
      }
      for (int a = 0; a < d; ++a) fi[a] -= b->k * dx[a];
    }
    div[i] -= b->k * d * (double)amp_bonds_degree(b, id);
  }
  return 0;
}

double amp_bonds_energy(const amp_bonds *b, const double *x, double L) {
  const int d = b->dim;
  double energy = 0;
  for (int64_t i = 0; i < b->n; ++i)
    for (int64_t e = b->start[i]; e < b->start[i + 1]; ++e) {
      int64_t j = b->partner[e];
      if (j < i) continue; /* each bond once */
      for (int a = 0; a < d; ++a) energy += 0.5 * b->k * pow(amp_min_image(x[i * d + a] - x[j * d + a], L), 2);
    }
  return energy;
}

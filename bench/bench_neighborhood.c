/*
 * bench_neighborhood: how fast one rank turns particles into token tensors.
 *
 * The paper's MIPS system in 2-D (science.md §5): N = 32768 disks of radius
 * 1, positions uniform in the box (a gas at the mean density, not a relaxed
 * cluster), AOUP internal coordinates, K = 64 neighbours, at packing
 * fraction 0.5 with R = 12 and at 0.1 with R = 26 (where the 64th neighbour
 * is about 25 radii away, science.md §6). Cells are built at R once per
 * pass; every particle is a target once per pass, in training-sized batches
 * of 1024 that reuse one amp_neighborhoods. It repeats passes for at least a
 * second and prints, as YAML, neighbourhoods per second, candidates and real
 * neighbours per target, the cell build time, and the bytes of token
 * tensors per particle. Serial: a rank's build is local.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"
#include "activempi/neighborhood.h"

enum { BATCH = 1024 };


typedef struct {
  double cells, tokens;      /* seconds spent building cells and tokens */
  double candidates, real;   /* summed over targets */
  long long targets, passes;
} tally;

/* One pass: cells, then every particle as a target in batches. */
static int pass(const amp_neighborhood_spec *s, const amp_particles *p, amp_cells *c, amp_neighborhoods *nb,
                size_t *target, tally *t) {
  double t0 = bench_now();
  if (amp_cells_build(c, p, s->L, s->R)) return -1;
  double t1 = bench_now();
  for (size_t first = 0; first < p->nowned; first += BATCH) {
    size_t B = p->nowned - first < BATCH ? p->nowned - first : BATCH;
    for (size_t b = 0; b < B; ++b) target[b] = first + b;
    if (amp_neighborhood_build(nb, s, c, p, target, B)) return -1;
    t->candidates += (double)nb->candidates;
    for (size_t b = 0; b < B; ++b) t->real += nb->count[b];
  }
  t->cells += t1 - t0;
  t->tokens += bench_now() - t1;
  t->targets += (long long)p->nowned;
  ++t->passes;
  return 0;
}

static void report(const amp_neighborhood_spec *s, size_t n, double phi, const amp_cells *c, const tally *t) {
  printf("- particles: %zu\n  packing_fraction: %.2f\n  box_length: %.2f\n  neighbors: %d\n  cutoff: %.1f\n"
         "  cells: %d x %d\n  candidates_per_target: %.1f\n  real_neighbours_per_target: %.2f\n"
         "  neighbourhoods_per_second: %.4g\n  seconds_per_batch_of_%d: %.3e\n  cell_build_seconds: %.3e\n"
         "  token_bytes_per_particle: %zu\n",
         n, phi, s->L, s->K, s->R, c->ncells[0], c->ncells[1], t->candidates / (double)t->targets,
         t->real / (double)t->targets, (double)t->targets / t->tokens, BATCH, t->tokens * BATCH / (double)t->targets,
         t->cells / (double)t->passes, amp_neighborhood_bytes(s));
}

static int bench(size_t n, double phi, double R) {
  amp_neighborhood_spec s = {.model = AMP_MODEL_AOUP, .dim = 2, .L = sqrt((double)n * M_PI / phi), .K = 64, .R = R};
  amp_particles p;
  amp_cells c = {0};
  amp_neighborhoods nb = {0};
  size_t *target = malloc(BATCH * sizeof *target);
  if (!target || amp_particles_init(&p, 2, 2, n)) return -1;
  p.nowned = n;
  for (size_t i = 0; i < 2 * n; ++i) p.x[i] = amp_wrap((bench_uniform() - 0.5) * s.L, s.L), p.q[i] = 2 * bench_uniform() - 1;
  for (size_t i = 0; i < n; ++i) p.id[i] = (int64_t)i;
  tally t = {0};
  int status = 0;
  double start = bench_now();
  while (!status && (bench_now() - start < 1.0 || t.passes < 2)) status = pass(&s, &p, &c, &nb, target, &t);
  if (!status) report(&s, n, phi, &c, &t);
  amp_neighborhood_free(&nb);
  amp_cells_free(&c);
  amp_particles_free(&p);
  free(target);
  return status;
}

int main(void) {
  printf("bench_neighborhood:\n");
  int status = bench(32768, 0.5, 12.0) || bench(32768, 0.1, 26.0);
  if (status) fprintf(stderr, "bench_neighborhood: out of memory\n");
  return status ? 1 : 0;
}

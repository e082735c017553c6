/*
 * bench_neighbors: how fast one rank builds its cells and Verlet list.
 *
 * The paper's MIPS density in 2-D: N disks of radius 1 at packing fraction
 * 0.5 (L = sqrt(N pi / 0.5)), positions uniform in the box (a gas, not a
 * relaxed configuration: the neighbour count is what the density gives),
 * list cutoff 4.46 (softplus force at tolerance 1e-8) + skin 0.5. For each
 * N it repeats cell build + list build for at least a second and prints,
 * as YAML, builds per second, the mean neighbour count, and the bytes per
 * particle the cells and the list hold. Serial: a rank's build is local.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "bench_util.h"
#include "activempi/neighbors.h"


static int bench(size_t n) {
  const double phi = 0.5, cutoff = 4.46 + 0.5, L = sqrt((double)n * M_PI / phi);
  amp_particles p;
  amp_cells c = {0};
  amp_verlet v = {0};
  if (amp_particles_init(&p, 2, 2, n)) return -1;
  p.nowned = n;
  for (size_t i = 0; i < n; ++i) {
    p.id[i] = (int64_t)i;
    for (int a = 0; a < 2; ++a) p.x[2 * i + a] = amp_wrap((bench_uniform() - 0.5) * L, L), p.q[2 * i + a] = 0;
  }
  int builds = 0, status = 0;
  double start = bench_now(), elapsed = 0;
  while (!status && (elapsed < 1.0 || builds < 3)) {
    status = amp_cells_build(&c, &p, L, cutoff) || amp_verlet_build(&v, &c, &p, cutoff);
    ++builds;
    elapsed = bench_now() - start;
  }
  if (!status)
    printf("- particles: %zu\n  box_length: %.2f\n  cutoff: %.2f\n  cells: %d x %d\n  neighbours_per_particle: %.2f\n"
           "  builds_per_second: %.1f\n  seconds_per_build: %.3e\n  list_bytes_per_particle: %.1f\n"
           "  cell_bytes_per_particle: %.1f\n",
           n, L, cutoff, c.ncells[0], c.ncells[1], (double)v.start[n] / (double)n, builds / elapsed,
           elapsed / builds, (double)amp_verlet_bytes(&v) / (double)n, (double)amp_cells_bytes(&c) / (double)n);
  amp_verlet_free(&v);
  amp_cells_free(&c);
  amp_particles_free(&p);
  return status;
}

int main(void) {
  printf("bench_neighbors:\n");
  int status = bench(4096) || bench(32768);
  if (status) fprintf(stderr, "bench_neighbors: out of memory\n");
  return status ? 1 : 0;
}

/*
 * bench_gaussian: the Gaussian reference's eigensolve at scale.
 *
 * An active Rouse chain of N particles in a trap (A = 0.05, k_b = 1), whose
 * stiffness eigenvalues are known in closed form, A + 2 k_b (1 - cos(pi k/N)),
 * k = 0 .. N-1: the benchmark times setup (BLACS grid, workspace query), the
 * PDSYEVD solve, the per-particle EPR and the scores of 256 columns of
 * configurations, checks the largest eigenvalue error against the closed
 * form, and prints it all as YAML. Run under mpirun with any rank count:
 *   mpirun -n 2 bench/bench_gaussian [N]   (default N = 8192)
 */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activempi/exact.h"

static int bench(int64_t n, int rank, int nranks) {
  char text[512], err[AMP_ERR_LEN];
  snprintf(text, sizeof text,
           "[system]\ndimension = 1\nparticles = %lld\nbox_length = 1e6\n[interaction]\npotential = \"none\"\n"
           "trap = 0.05\nbonds = \"chain\"\nbond_stiffness = 1.0\n[dynamics]\nv0 = 0.5\ngamma = 0.1\n"
           "translational_diffusion = 0.1\ndt = 0.01\n",
           (long long)n);
  amp_config cfg;
  amp_bonds bonds;
  amp_gaussian g;
  if (amp_config_parse(text, strlen(text), "bench", &cfg, err) || amp_bonds_build(&bonds, &cfg, NULL)) {
    fprintf(stderr, "bench_gaussian: %s\n", err);
    return 1;
  }
  double t0 = MPI_Wtime();
  int status = amp_gaussian_setup(&g, MPI_COMM_WORLD, n, err, sizeof err);
  MPI_Barrier(MPI_COMM_WORLD);
  double t1 = MPI_Wtime();
  if (!status) status = amp_gaussian_solve(&g, &bonds, cfg.interaction.trap, err, sizeof err);
  MPI_Barrier(MPI_COMM_WORLD);
  double t2 = MPI_Wtime();
  amp_gaussian_model m = {.v0 = 0.5, .gamma = 0.1, .eps = 0.1, .zero_tol = amp_gaussian_zero_tol(&bonds, 0.05)};
  double *epr = malloc((size_t)n * sizeof *epr), *x = malloc((size_t)n * 256 * 4 * sizeof *x);
  if (!status && (!epr || !x)) status = -1, snprintf(err, sizeof err, "out of memory");
  if (!status) status = amp_gaussian_particle_epr(&g, &m, 1, epr, err, sizeof err);
  MPI_Barrier(MPI_COMM_WORLD);
  double t3 = MPI_Wtime();
  if (!status) {
    for (size_t i = 0; i < (size_t)n * 256 * 2; ++i) x[i] = sin(0.001 * (double)i);
    status = amp_gaussian_scores(&g, &m, 256, x, x + (size_t)n * 256, x + (size_t)n * 512, x + (size_t)n * 768, err,
                                 sizeof err);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  double t4 = MPI_Wtime(), worst = 0;
  for (int64_t k = 0; k < n && !status; ++k)
    worst = fmax(worst, fabs(g.kappa[k] - (0.05 + 2 * (1 - cos(M_PI * (double)k / (double)n)))));
  if (rank == 0 && !status)
    printf("- bench: gaussian_eigensolve\n  particles: %lld\n  ranks: %d\n  grid: [%d, %d]\n  block: %d\n"
           "  memory_per_rank_gib: %.4g\n  setup_s: %.4g\n  solve_s: %.4g\n  particle_epr_s: %.4g\n"
           "  scores_256_columns_s: %.4g\n  max_eigenvalue_error: %.3g\n",
           (long long)n, nranks, g.nprow, g.npcol, g.nb, g.bytes / 1073741824.0, t1 - t0, t2 - t1, t3 - t2, t4 - t3,
           worst);
  if (status && rank == 0) fprintf(stderr, "bench_gaussian: %s\n", err);
  free(epr);
  free(x);
  amp_gaussian_free(&g);
  amp_bonds_free(&bonds);
  return status ? 1 : 0;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, nranks;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &nranks);
  int64_t n = argc > 1 ? atoll(argv[1]) : 8192;
  int status = bench(n, rank, nranks);
  MPI_Finalize();
  return status;
}

/*
 * write_trajectory PATH D NQ FRAMES N: a helper of tests/cli/h5md_readers.sh.
 * Writes an H5MD trajectory of the sample data (tests/mpi/sample.h), the
 * particles dealt at random over the ranks, and, from rank 0, the positions
 * it wrote as text lines "frame id component value" in PATH.expected, for
 * readers other than ours (h5py, MDAnalysis) to compare with.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include "activempi/app.h"
#include "activempi/h5md.h"
#include "sample.h"

static const double L = 7.5;

static void write_expected(const char *path, int d, int64_t frames, int64_t N) {
  char name[4096];
  snprintf(name, sizeof name, "%s.expected", path);
  FILE *f = fopen(name, "w");
  if (!f) return;
  for (int64_t t = 0; t < frames; ++t)
    for (int64_t i = 0; i < N; ++i)
      for (int a = 0; a < d; ++a) fprintf(f, "%lld %lld %d %.17g\n", (long long)t, (long long)i, a, sample_value(SAMPLE_X, t, i, a, L));
  fclose(f);
}

/* Append the frames; returns a status of io.h. */
static int append_all(amp_h5md *w, int d, int nq, int64_t frames, int64_t N, char *err) {
  int rank, size, status = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int64_t *ids = malloc((size_t)N * sizeof *ids);
  double *obs = malloc((size_t)N * sizeof *obs);
  amp_particles p;
  if (!ids || !obs || amp_particles_init(&p, d, nq, (size_t)N)) return AMP_IO_FAILED;
  size_t n = sample_deal(N, rank, size, 3, ids);
  for (int64_t t = 0; t < frames && !status; ++t) {
    sample_fill(&p, n, ids, t, L, obs);
    const double *pobs[] = {obs};
    double total = (double)t;
    status = amp_h5md_append(w, 10 * t, 0.25 * (double)t, &p, pobs, &total, err);
  }
  amp_particles_free(&p);
  free(ids);
  free(obs);
  return status;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  if (argc != 6) {
    fprintf(stderr, "usage: write_trajectory PATH D NQ FRAMES N\n");
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  int rank, d = atoi(argv[2]), nq = atoi(argv[3]);
  int64_t frames = atoll(argv[4]), N = atoll(argv[5]);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  char *provenance = NULL, err[AMP_IO_ERR_LEN];
  size_t len;
  FILE *mem = open_memstream(&provenance, &len);
  amp_version_write(mem, "");
  fclose(mem);
  const char *pobs[] = {"entropy_production"}, *sobs[] = {"entropy_production_total"};
  amp_h5md_spec spec = {.particles = N, .dim = d, .box = L, .model = "AOUP", .internal = "self_propulsion",
                        .internal_components = nq, .particle_observables = 1, .particle_observable_names = pobs,
                        .scalar_observables = 1, .scalar_observable_names = sobs,
                        .configuration = "[system]\nmodel = \"aoup\"\n", .provenance = provenance, .author = "tests"};
  amp_h5md *w;
  int status = amp_h5md_create(&w, argv[1], MPI_COMM_WORLD, &spec, err);
  if (!status) status = append_all(w, d, nq, frames, N, err);
  if (!status) status = amp_h5md_close(w, err);
  if (status) fprintf(stderr, "write_trajectory: %s\n", err);
  else if (rank == 0) write_expected(argv[1], d, frames, N);
  free(provenance);
  MPI_Finalize();
  return status;
}

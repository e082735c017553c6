/*
 * exact_gaussian: the exact stage for the linear system of trap and bonds
 * (exact.h, doc/exact.md), over all ranks of the job:
 *
 *   bond graph -> memory estimate (printed; refused earlier by check_job
 *   when above [exact] gaussian_memory_per_rank) -> PDSYEVD of K on a BLACS
 *   grid -> per-mode covariances and EPR, per-particle EPR, the total
 *   -> for each batch of snapshots of the trajectory: exact scores (two
 *   PDGEMMs each way), then on rank 0 the velocities and sigma_i
 *   -> exact.h5 written by rank 0 under a temporary name, renamed at the end.
 *
 * The scores need positions that are not wrapped inside the network: a
 * snapshot in which a bond crosses the periodic boundary stops the stage
 * with the bond and the snapshot (use a box larger than the network).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "activempi/blocking.h"
#include "activempi/exact.h"
#include "activempi/gaussian_file.h"
#include "activempi/h5md.h"
#include "activempi/progress.h"
#include "activempi/timers.h"
#include "bonds_input.h"
#include "exact_internal.h"

#define GIB 1073741824.0

typedef struct {
  const amp_config *cfg;
  int rank, nranks, dim;
  int64_t n;
  amp_bonds bonds;
  amp_gaussian g;
  amp_gaussian_model m;
  double *modes;            /* [5][N]: cov xx, xg, gg, epr per mode, epr per particle */
  double epr_total;
  int64_t zero_modes;
  amp_gaussian_file *file;  /* rank 0 */
  amp_blocking snapshot_total; /* sum_i sigma_i over the snapshots */
  struct {
    PetscLogEvent solve, scores, write;
  } ev;
  char error[AMP_ERR_LEN];
} stage;

int amp_exact_gaussian_check_job(const amp_config *cfg, int nranks, char *msg, size_t size) {
  double bytes = amp_gaussian_memory(cfg->system.particles, nranks), limit = cfg->exact.gaussian_memory_per_rank * GIB;
  if (bytes <= limit) return 0;
  snprintf(msg, size,
           "[exact] the eigensolve of %lld particles needs %.3g GiB per rank on %d rank%s, more than "
           "[exact] gaussian_memory_per_rank = %.6g: use more ranks (memory per rank falls as 1/ranks) or raise it",
           cfg->system.particles, bytes / GIB, nranks, nranks == 1 ? "" : "s", cfg->exact.gaussian_memory_per_rank);
  return 1;
}

/* -1 on every rank when any rank's status is nonzero (local failures such
 * as an allocation, before the next collective call). */
static int everywhere(int status) {
  int any = status != 0;
  if (MPI_Allreduce(MPI_IN_PLACE, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD) != MPI_SUCCESS) return -1;
  return any ? -1 : 0;
}

/* Rank 0's status to every rank (its message stays on rank 0). */
static int shared_status(int status) {
  if (MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD) != MPI_SUCCESS) return -1;
  return status;
}

static int solve(stage *s) {
  const amp_config *cfg = s->cfg;
  if (amp_bonds_load(cfg, MPI_COMM_WORLD, &s->bonds, s->error, sizeof s->error) ||
      amp_gaussian_setup(&s->g, MPI_COMM_WORLD, s->n, s->error, sizeof s->error))
    return -1;
  if (s->rank == 0)
    printf("exact: eigensolve of the %lld x %lld stiffness matrix on a %d x %d BLACS grid, blocks of %d: "
           "about %.3g GiB per rank (limit %.6g)\n",
           (long long)s->n, (long long)s->n, s->g.nprow, s->g.npcol, s->g.nb, s->g.bytes / GIB,
           cfg->exact.gaussian_memory_per_rank);
  double start = amp_clock();
  amp_timer_begin(s->ev.solve);
  int status = amp_gaussian_solve(&s->g, &s->bonds, cfg->interaction.trap, s->error, sizeof s->error);
  amp_timer_end(s->ev.solve);
  if (status) return -1;
  s->m = (amp_gaussian_model){.v0 = cfg->dynamics.v0, .gamma = cfg->dynamics.gamma,
                              .eps = cfg->dynamics.translational_diffusion,
                              .zero_tol = amp_gaussian_zero_tol(&s->bonds, cfg->interaction.trap)};
  if (!(s->modes = malloc(5 * (size_t)s->n * sizeof *s->modes)))
    snprintf(s->error, sizeof s->error, "out of memory for the mode arrays");
  if (everywhere(!s->modes)) return -1;
  double *xx = s->modes, *xg = xx + s->n, *gg = xg + s->n, *rate = gg + s->n, *particle = rate + s->n;
  s->epr_total = 0;
  for (int64_t k = 0; k < s->n; ++k) {
    amp_gaussian_cov c = amp_gaussian_mode_covariance(&s->m, s->g.kappa[k]);
    xx[k] = c.xx, xg[k] = c.xg, gg[k] = c.gg;
    rate[k] = amp_gaussian_mode_epr(&s->m, s->g.kappa[k]);
    s->epr_total += s->dim * rate[k];
    s->zero_modes += s->g.kappa[k] <= s->m.zero_tol;
  }
  if (amp_gaussian_particle_epr(&s->g, &s->m, s->dim, particle, s->error, sizeof s->error)) return -1;
  if (s->rank == 0)
    printf("exact: solved in %.3g s; %lld zero mode%s; exact EPR %.10g in total, %.10g per particle\n",
           amp_clock() - start, (long long)s->zero_modes, s->zero_modes == 1 ? "" : "s", s->epr_total,
           s->epr_total / (double)s->n);
  return 0;
}

/* Rank 0 creates the file with the summary; every rank learns the outcome. */
static int create_file(stage *s, const char *path, int64_t frames) {
  int status = 0;
  if (s->rank == 0) {
    char *configuration = amp_output_text(s->cfg, 0), *provenance = amp_output_text(s->cfg, 1);
    const double *xx = s->modes;
    amp_gaussian_summary sum = {.particles = s->n, .dim = s->dim, .frames = frames, .zero_modes = s->zero_modes,
                                .zero_tol = s->m.zero_tol, .kappa = s->g.kappa, .cov_xx = xx,
                                .cov_xg = xx + s->n, .cov_gg = xx + 2 * s->n, .epr_mode = xx + 3 * s->n,
                                .epr_particle = xx + 4 * s->n, .epr_total = s->epr_total,
                                .trajectory = s->cfg->exact.trajectory,
                                .configuration = configuration ? configuration : "",
                                .provenance = provenance ? provenance : ""};
    status = configuration && provenance ? amp_gaussian_file_create(&s->file, path, &sum, s->error) : -1;
    if (!configuration || !provenance) snprintf(s->error, sizeof s->error, "out of memory for the attributes");
    free(configuration);
    free(provenance);
  }
  return shared_status(status);
}

/* A bond whose raw difference is not its minimum-image one crosses the boundary. */
static int check_unwrapped(stage *s, const amp_particles *all, int64_t frame) {
  const int d = s->dim;
  const double L = s->cfg->system.box_length;
  for (int64_t i = 0; i < s->n; ++i)
    for (int64_t e = s->bonds.start[i]; e < s->bonds.start[i + 1]; ++e) {
      int64_t j = s->bonds.partner[e];
      for (int a = 0; a < d; ++a) {
        double raw = all->x[i * d + a] - all->x[j * d + a];
        if (raw == amp_min_image(raw, L)) continue;
        snprintf(s->error, sizeof s->error,
                 "%.600s, snapshot %lld: the bond (%lld, %lld) crosses the periodic boundary; the exact score needs "
                 "the network whole inside the box: use a larger [system] box_length",
                 s->cfg->exact.trajectory, (long long)frame, (long long)i, (long long)j);
        return -1;
      }
    }
  return 0;
}

/* sigma_i of one snapshot from x, g, s_x, s_g (columns `col` .. col + d of [N][cols]). */
static void particle_sigma(const stage *s, int cols, int col, const double *x, const double *gq, const double *sx,
                           const double *sg, double *sigma) {
  const amp_config *cfg = s->cfg;
  const double gamma = s->m.gamma, eps = s->m.eps, A = cfg->interaction.trap, kb = s->bonds.k;
  for (int64_t i = 0; i < s->n; ++i) {
    sigma[i] = 0;
    for (int a = 0; a < s->dim; ++a) {
      size_t at = (size_t)i * cols + col + a;
      double kx = A * x[at]; /* (K x)_i */
      for (int64_t e = s->bonds.start[i]; e < s->bonds.start[i + 1]; ++e)
        kx += kb * (x[at] - x[(size_t)s->bonds.partner[e] * cols + col + a]);
      double vg = -gamma * (gq[at] + sg[at]), vx = s->m.v0 * gq[at] - kx - eps * sx[at];
      sigma[i] += vg * vg / gamma + (eps > 0 ? vx * vx / eps : 0);
    }
  }
}

/* Scores and sigma of every snapshot, `batch` snapshots per distributed product. */
static int snapshots(stage *s, amp_h5md_reader *reader, int64_t frames) {
  const int d = s->dim, batch = 256 / d > 0 ? 256 / d : 1;
  const size_t n = (size_t)s->n, width = (size_t)batch * d;
  double *buf = malloc(4 * n * width * sizeof *buf), *out = malloc((2 * (size_t)d + 1) * n * sizeof *out), times[256];
  int64_t steps[256];
  amp_particles all = {0};
  int status = buf && out && !amp_particles_init(&all, d, d, n) ? 0 : -1;
  if (status) snprintf(s->error, sizeof s->error, "out of memory for a batch of snapshots");
  status = everywhere(status);
  all.nowned = n;
  double *x = buf, *gq = buf + n * width, *sx = gq + n * width, *sg = sx + n * width;
  for (int64_t first = 0; first < frames && !status; first += batch) {
    int count = frames - first < batch ? (int)(frames - first) : batch, cols = count * d;
    for (int f = 0; f < count && !status; ++f) {
      char err[AMP_IO_ERR_LEN] = "";
      if (amp_h5md_read_frame(reader, first + f, &all, &steps[f], &times[f], err)) {
        snprintf(s->error, sizeof s->error, "%s", err);
        status = -1;
        break;
      }
      status = check_unwrapped(s, &all, first + f); /* the same data, so the same answer, on every rank */
      for (size_t i = 0; i < n; ++i)
        for (int a = 0; a < d; ++a) {
          x[i * cols + f * d + a] = all.x[i * d + a];
          gq[i * cols + f * d + a] = all.q[i * d + a];
        }
    }
    if (status) break;
    amp_timer_begin(s->ev.scores);
    status = amp_gaussian_scores(&s->g, &s->m, cols, x, gq, sx, sg, s->error, sizeof s->error);
    amp_timer_end(s->ev.scores);
    if (status) break;
    amp_timer_begin(s->ev.write);
    for (int f = 0; f < count && s->rank == 0 && !status; ++f) {
      double *fx = out, *fg = out + n * d, *sigma = out + 2 * n * d, total = 0;
      particle_sigma(s, cols, f * d, x, gq, sx, sg, sigma);
      for (size_t i = 0; i < n; ++i) {
        total += sigma[i];
        for (int a = 0; a < d; ++a) {
          fx[i * d + a] = sx[i * cols + f * d + a];
          fg[i * d + a] = sg[i * cols + f * d + a];
        }
      }
      amp_blocking_add(&s->snapshot_total, total);
      status = amp_gaussian_file_frame(s->file, first + f, steps[f], times[f], fx, fg, sigma, s->error) ? -1 : 0;
    }
    amp_timer_end(s->ev.write);
    status = shared_status(status);
  }
  amp_particles_free(&all);
  free(buf);
  free(out);
  return status;
}

/* Open the trajectory to evaluate (if any) and check it against the input. */
static int open_trajectory(stage *s, amp_h5md_reader **reader, int64_t *frames) {
  const char *path = s->cfg->exact.trajectory;
  amp_h5md_info info;
  *reader = NULL;
  *frames = 0;
  if (!path[0]) return 0;
  char err[AMP_IO_ERR_LEN] = "";
  if (amp_h5md_open(reader, path, MPI_COMM_WORLD, &info, err)) {
    snprintf(s->error, sizeof s->error, "[exact] trajectory: %s", err);
    *reader = NULL;
    return -1;
  }
  *frames = info.frames;
  return amp_trajectory_mismatch(s->cfg, path, info.particles, info.dim, info.box, "self_propulsion", s->error,
                                 sizeof s->error);
}

static int run(stage *s, char *path) {
  if (amp_timer_register("exact", "AmpExactSolve", &s->ev.solve) ||
      amp_timer_register("exact", "AmpExactScores", &s->ev.scores) ||
      amp_timer_register("io", "AmpExactWrite", &s->ev.write)) {
    snprintf(s->error, sizeof s->error, "cannot register the timers");
    return -1;
  }
  if (amp_config_output_path(s->cfg, s->cfg->exact.output, path, AMP_STR_LEN + 16)) {
    snprintf(s->error, sizeof s->error, "[exact] output: the path is too long");
    return -1;
  }
  if (solve(s)) return -1;
  amp_h5md_reader *reader;
  int64_t frames;
  int status = open_trajectory(s, &reader, &frames);
  if (!status) status = create_file(s, path, frames);
  if (!status && frames > 0) status = snapshots(s, reader, frames);
  char err[AMP_IO_ERR_LEN] = "";
  if (reader && amp_h5md_reader_close(reader, err) && !status) {
    snprintf(s->error, sizeof s->error, "%s", err);
    status = -1;
  }
  int any = 0;
  if (MPI_Allreduce(&status, &any, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD) != MPI_SUCCESS) any = -1;
  if (s->file) {
    status = amp_gaussian_file_close(s->file, any == 0, s->error) ? -1 : any;
    s->file = NULL;
  }
  return shared_status(status ? -1 : any);
}

static void report(const stage *s, const char *path) {
  if (s->rank != 0) return;
  double count = amp_blocking_count(&s->snapshot_total);
  if (count > 0)
    printf("exact: sum_i sigma_i over %.0f snapshots: %.6g +- %.2g (blocking error), exact mean %.6g\n", count,
           amp_blocking_mean(&s->snapshot_total), amp_blocking_error(&s->snapshot_total), s->epr_total);
  printf("exact: results in %s\n", path);
}

int amp_exact_gaussian(const amp_config *cfg, const amp_cli *cli) {
  (void)cli;
  stage s;
  memset(&s, 0, sizeof s);
  s.cfg = cfg;
  s.n = cfg->system.particles;
  s.dim = cfg->system.dimension;
  s.g.context = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &s.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &s.nranks);
  amp_blocking_init(&s.snapshot_total);
  char path[AMP_STR_LEN + 16];
  int status = run(&s, path);
  int any = amp_report_failure(status != 0, s.error, "exact");
  if (!any) report(&s, path);
  amp_gaussian_free(&s.g);
  amp_bonds_free(&s.bonds);
  free(s.modes);
  return any ? AMP_EXIT_FAILURE : AMP_EXIT_OK;
}

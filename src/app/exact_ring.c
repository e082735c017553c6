/*
 * exact_ring: the exact stage's ring reference, two AOUPs on a ring
 * (exact_ring.h, doc/exact-ring.md); exact.c dispatches to it. The
 * stationary Fokker-Planck equation in relative coordinates is solved on
 * ring_levels grids, coarsest first, each with twice the cells of the one
 * before in r and in u; the finest solution is written to [exact] output
 * with the EPR of every grid, the observed order of convergence and the
 * Richardson estimate of the finest grid's error.
 *
 * Every rank takes part in every solve (the DMDA splits r over all ranks).
 * PETSc errors are caught (PetscReturnErrorHandler) and reported as one
 * line; the results file is written only when every solve succeeded.
 */
#include <stdlib.h>

#include "activempi/exact_ring.h"
#include "activempi/io.h"
#include "activempi/timers.h"
#include "exact_internal.h"

typedef struct {
  const amp_config *cfg;
  int rank;
  PetscLogEvent solve_event, write_event;
} ring_run;

/* Every level's grid must give each rank at least one column of cells in r
 * (checked by run.c before anything is written). */
int amp_exact_ring_check_job(const amp_config *cfg, int nranks, char *msg, size_t size) {
  int coarsest = cfg->exact.ring_cells_r >> (cfg->exact.ring_levels - 1);
  if (coarsest >= nranks) return 0;
  snprintf(msg, size,
           "[exact] ring_cells_r = %d leaves %d cells in r on the coarsest grid, fewer than the %d ranks: give "
           "more cells, fewer ring_levels or run on at most %d ranks",
           cfg->exact.ring_cells_r, coarsest, nranks, coarsest);
  return 1;
}

/* One line per PETSc failure: its own message when it has one. */
static void petsc_message(PetscErrorCode code, char *buf, size_t size) {
  const char *text = NULL;
  char *specific = NULL;
  PetscErrorMessage(code, &text, &specific);
  snprintf(buf, size, "PETSc: %s", specific && specific[0] ? specific : text ? text : "error");
}

/* Solve level l into *s (the caller destroys it); fills c's row l. */
static PetscErrorCode solve_level(const ring_run *run, int l, amp_ring_convergence *c, amp_ring_problem *rp,
                                  amp_ring_solution *s) {
  PetscFunctionBeginUser;
  c->cells_r[l] = run->cfg->exact.ring_cells_r >> l;
  c->cells_u[l] = run->cfg->exact.ring_cells_u >> l;
  PetscCheck(!amp_ring_problem_setup(rp, run->cfg, c->cells_r[l], c->cells_u[l]), PETSC_COMM_WORLD, PETSC_ERR_MEM,
             "out of memory for the pair force table");
  double start = MPI_Wtime();
  amp_timer_begin(run->solve_event);
  PetscErrorCode code = amp_ring_solve(PETSC_COMM_WORLD, rp, s);
  amp_timer_end(run->solve_event);
  PetscCall(code);
  c->seconds[l] = MPI_Wtime() - start;
  c->epr[l] = s->epr.total;
  if (run->rank == 0)
    printf("exact ring: %6d x %-5d grid: EPR %.12g (x %.9g, g %.9g; network-free %.12g) in %.3g s\n",
           c->cells_r[l], c->cells_u[l], s->epr.total, s->epr.x, s->epr.g, s->epr.network_free, c->seconds[l]);
  PetscFunctionReturn(0);
}

/* All levels, coarsest first; the finest stays in *rp, *s. */
static PetscErrorCode solve_levels(const ring_run *run, amp_ring_convergence *c, amp_ring_problem *rp,
                                   amp_ring_solution *s) {
  PetscFunctionBeginUser;
  c->levels = run->cfg->exact.ring_levels;
  for (int l = c->levels - 1; l >= 0; --l) {
    PetscCall(solve_level(run, l, c, rp, s));
    if (l > 0) {
      amp_ring_problem_free(rp);
      PetscCall(amp_ring_solution_destroy(s));
    }
  }
  amp_ring_convergence_estimate(c);
  if (run->rank == 0)
    printf("exact ring: observed order %.3g; extrapolated EPR %.12g, finest grid's error %.3g (relative %.2g)\n",
           c->order, c->extrapolated, c->error, c->error / c->extrapolated);
  PetscFunctionReturn(0);
}

static int write_results(const ring_run *run, const amp_ring_problem *rp, const amp_ring_solution *s,
                         const amp_ring_convergence *c, char *message, size_t size) {
  char path[AMP_STR_LEN + 16], err[AMP_IO_ERR_LEN];
  if (amp_config_output_path(run->cfg, run->cfg->exact.output, path, sizeof path)) {
    snprintf(message, size, "[exact] output: the path is too long");
    return -1;
  }
  char *configuration = amp_output_text(run->cfg, 0), *provenance = amp_output_text(run->cfg, 1);
  amp_timer_begin(run->write_event);
  int status = amp_ring_write(path, rp, s, c, configuration ? configuration : "", provenance ? provenance : "", err);
  amp_timer_end(run->write_event);
  free(configuration);
  free(provenance);
  if (status) snprintf(message, size, "%s", err);
  else if (run->rank == 0) printf("exact: results in %s\n", path);
  return status ? -1 : 0;
}

static int run_ring(ring_run *run) {
  amp_ring_problem rp = {0};
  amp_ring_solution s = {0};
  amp_ring_convergence c = {0};
  char message[AMP_IO_ERR_LEN] = "";
  if (PetscPushErrorHandler(PetscReturnErrorHandler, NULL)) return AMP_EXIT_FAILURE;
  PetscErrorCode code = solve_levels(run, &c, &rp, &s);
  if (PetscPopErrorHandler()) return AMP_EXIT_FAILURE;
  if (code) petsc_message(code, message, sizeof message);
  int failed = code ? 1 : write_results(run, &rp, &s, &c, message, sizeof message) != 0;
  amp_ring_problem_free(&rp);
  if (amp_ring_solution_destroy(&s)) failed = 1;
  return amp_report_failure(failed, message, "exact") ? AMP_EXIT_FAILURE : AMP_EXIT_OK;
}

int amp_exact_ring(const amp_config *cfg, const amp_cli *cli) {
  (void)cli;
  ring_run run = {.cfg = cfg};
  MPI_Comm_rank(MPI_COMM_WORLD, &run.rank);
  if (amp_timer_register("exact", "AmpRingSolve", &run.solve_event) ||
      amp_timer_register("exact", "AmpRingWrite", &run.write_event))
    return AMP_EXIT_FAILURE;
  return run_ring(&run);
}

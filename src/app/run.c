/*
 * run: one activempi run, from the input file to the closing timing table.
 *
 *   load the input (every rank) -> check it against the job (ranks, stages)
 *   -> --check: print the resolved configuration and stop
 *   -> record run.toml in output_dir -> run each stage in pipeline order
 *   -> timing table
 *
 * A stage is a function of the resolved configuration; the table `stages`
 * below lists them in pipeline order. Online training ([train] source =
 * "online") runs the simulation inside the train stage (train_online.c), and
 * in situ evaluation ([evaluate] source = "online") inside the evaluate
 * stage (evaluate_online.c), so the simulate stage is not run on its own then.
 */
#include <cblas.h>
#include <errno.h>
#include <string.h>

#include "activempi/app.h"
#include "activempi/files.h"
#include "activempi/progress.h"
#include "activempi/timers.h"
#include "config.h"

typedef int (*amp_stage_fn)(const amp_config *cfg, const amp_cli *cli);

/* The stages, by amp_stage. */
static const amp_stage_fn stages[AMP_NSTAGES] = {amp_stage_simulate, amp_stage_train, amp_stage_evaluate, amp_stage_exact};

static void write_resolved(FILE *out, const amp_config *cfg, const char *input) {
  fprintf(out, "# resolved configuration of %s\n", input);
  amp_version_write(out, "# ");
  fputc('\n', out);
  amp_config_write(out, cfg);
}

/* Checks that need the job, not only the file: every rank gets the same answer. */
static int check_job(const amp_config *cfg, const char *input, int size, int rank, int check_only) {
  if (check_only && rank == 0 && cfg->run.replicas > 1)
    printf("# note: [run] replicas = %d: run it on a multiple of %d MPI ranks\n", cfg->run.replicas,
           cfg->run.replicas);
  if (!check_only && size % cfg->run.replicas) {
    if (rank == 0)
      fprintf(stderr, "%s: error: [run] replicas = %d must divide the number of MPI ranks (%d)\n", input,
              cfg->run.replicas, size);
    return AMP_EXIT_INVALID;
  }
  char why[512];
  if (amp_exact_check_job(cfg, size, why, sizeof why)) {
    if (rank == 0 && check_only) printf("# note: %s\n", why);
    if (rank == 0 && !check_only) fprintf(stderr, "%s: error: %s\n", input, why);
    if (!check_only) return AMP_EXIT_INVALID;
  }
  return AMP_EXIT_OK;
}

/* Rank 0 creates output_dir and writes run.toml atomically; all ranks get the result. */
static int record_run(const amp_config *cfg, const char *input, int rank, char *path, size_t size) {
  int status = 0;
  if (amp_config_output_path(cfg, "run.toml", path, size)) status = ENAMETOOLONG;
  if (rank == 0 && !status) {
    char tmp[AMP_STR_LEN + 64];
    FILE *f = NULL;
    status = amp_mkdir_p(cfg->run.output_dir);
    if (!status && !(f = amp_atomic_open(path, tmp, sizeof tmp))) status = errno;
    if (f) {
      write_resolved(f, cfg, input);
      status = amp_atomic_commit(f, tmp, path);
    }
    if (status) fprintf(stderr, "activempi: error: cannot write %s: %s\n", path, strerror(status));
  }
  if (MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD) != MPI_SUCCESS) status = EIO;
  return status ? AMP_EXIT_FAILURE : AMP_EXIT_OK;
}

/* Does the train stage run the simulation itself? */
static int trains_online(const amp_config *cfg) {
  return amp_config_runs(cfg, AMP_STAGE_TRAIN) && cfg->train.source == AMP_SOURCE_ONLINE;
}

/* Does the evaluate stage run the simulation itself (in situ)? */
static int evaluates_online(const amp_config *cfg) {
  return amp_config_runs(cfg, AMP_STAGE_EVALUATE) && cfg->evaluate.source == AMP_SOURCE_ONLINE;
}

static void describe_run(const amp_config *cfg, const char *input, int size) {
  printf("activempi %s: %s on %d rank%s (%d replica%s)\n", PACKAGE_VERSION, input, size, size == 1 ? "" : "s",
         cfg->run.replicas, cfg->run.replicas == 1 ? "" : "s");
  printf("stages:");
  for (int s = 0; s < AMP_NSTAGES; ++s)
    if (amp_config_runs(cfg, (amp_stage)s)) printf(" %s", amp_stage_name((amp_stage)s));
  printf("%s%s%s\n", trains_online(cfg) ? " (online: train runs the simulation)" : "",
         evaluates_online(cfg) ? " (online: evaluate runs the simulation, in situ)" : "",
         cfg->run.stages ? "" : " none (the input has no [simulate], [train], [evaluate] or [exact] table)");
}

int amp_report_failure(int failed, const char *message, const char *stage) {
  int rank, size, any;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int speaker = failed && message[0] ? rank : size, first;
  MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Allreduce(&speaker, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (any && rank == (first < size ? first : 0))
    fprintf(stderr, "activempi: error: %s: %s\n", stage, message[0] ? message : "failed on another rank");
  return any;
}

static int run_stages(const amp_config *cfg, const amp_cli *cli) {
  for (int s = 0; s < AMP_NSTAGES; ++s)
    if (amp_config_runs(cfg, (amp_stage)s) &&
        !(s == AMP_STAGE_SIMULATE && (trains_online(cfg) || evaluates_online(cfg)))) {
      int status = stages[s](cfg, cli);
      if (status) return status;
    }
  return AMP_EXIT_OK;
}

int amp_run(const amp_cli *cli) {
  double start = amp_clock();
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  PetscLogEvent load_event, record_event;
  if (amp_timers_init() || amp_timer_register("config", "AmpInputLoad", &load_event) ||
      amp_timer_register("app", "AmpRunRecord", &record_event))
    return AMP_EXIT_FAILURE;

  amp_config cfg;
  amp_timer_begin(load_event);
  int status = amp_load_input(MPI_COMM_WORLD, cli->input, cli->sets, cli->nsets, &cfg, stderr);
  amp_timer_end(load_event);
  if (!status) status = check_job(&cfg, cli->input, size, rank, cli->check);
  if (status || cli->check) {
    if (!status && rank == 0) write_resolved(stdout, &cfg, cli->input);
    return status;
  }
  openblas_set_num_threads(cfg.run.blas_threads);
  if (rank == 0) describe_run(&cfg, cli->input, size);

  char record[AMP_STR_LEN + 16];
  amp_timer_begin(record_event);
  status = record_run(&cfg, cli->input, rank, record, sizeof record);
  amp_timer_end(record_event);
  if (!status) status = run_stages(&cfg, cli);
  if (amp_timers_report(stdout, MPI_COMM_WORLD, amp_clock() - start)) status = AMP_EXIT_FAILURE;
  if (!status && rank == 0) printf("\noutputs in %s/ (run.toml: the resolved configuration)\n", cfg.run.output_dir);
  return status;
}

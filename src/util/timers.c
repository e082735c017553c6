/*
 * timers: module events on top of PETSc's logging (see timers.h). The table
 * lists only events that ran somewhere; times are reduced over the ranks of
 * the communicator (max, mean) so imbalance is visible at a glance.
 */
#include "activempi/timers.h"

#include <string.h>

#define AMP_MAX_EVENTS 64
#define AMP_MAX_MODULES 16

static struct {
  const char *module, *name;
  PetscLogEvent event;
} events[AMP_MAX_EVENTS];
static int nevents;

static struct {
  const char *module;
  PetscClassId id;
} modules[AMP_MAX_MODULES];
static int nmodules;

PetscErrorCode amp_timers_init(void) {
  PetscBool active;
  PetscFunctionBeginUser;
  PetscCall(PetscLogIsActive(&active));
  if (!active) PetscCall(PetscLogDefaultBegin());
  PetscFunctionReturn(0);
}

/* The PETSc class of a module, registered on first use. */
static PetscErrorCode module_class(const char *module, PetscClassId *id) {
  PetscFunctionBeginUser;
  for (int i = 0; i < nmodules; ++i)
    if (!strcmp(modules[i].module, module)) {
      *id = modules[i].id;
      PetscFunctionReturn(0);
    }
  PetscCheck(nmodules < AMP_MAX_MODULES, PETSC_COMM_SELF, PETSC_ERR_PLIB, "too many timer modules");
  char name[64];
  snprintf(name, sizeof name, "activempi %s", module);
  PetscCall(PetscClassIdRegister(name, id));
  modules[nmodules].module = module;
  modules[nmodules++].id = *id;
  PetscFunctionReturn(0);
}

PetscErrorCode amp_timer_register(const char *module, const char *name, PetscLogEvent *event) {
  PetscClassId id;
  PetscFunctionBeginUser;
  for (int i = 0; i < nevents; ++i)
    if (!strcmp(events[i].name, name)) {
      *event = events[i].event;
      PetscFunctionReturn(0);
    }
  PetscCheck(nevents < AMP_MAX_EVENTS, PETSC_COMM_SELF, PETSC_ERR_PLIB, "too many timer events");
  PetscCall(module_class(module, &id));
  PetscCall(PetscLogEventRegister(name, id, event));
  events[nevents].module = module;
  events[nevents].name = name;
  events[nevents++].event = *event;
  PetscFunctionReturn(0);
}

PetscErrorCode amp_timers_report(FILE *out, MPI_Comm comm, double wall) {
  int rank, size;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  double wall_max;
  PetscCallMPI(MPI_Reduce(&wall, &wall_max, 1, MPI_DOUBLE, MPI_MAX, 0, comm));
  if (rank == 0) {
    fprintf(out, "\ntiming over %d rank%s, wall time %.3f s\n", size, size == 1 ? "" : "s", wall_max);
    fprintf(out, "%-10s %-22s %8s %11s %11s %9s %7s\n", "module", "event", "calls", "max (s)", "mean (s)",
            "max/mean", "% wall");
  }
  for (int i = 0; i < nevents; ++i) {
    PetscEventPerfInfo info;
    PetscCall(PetscLogEventGetPerfInfo(PETSC_DETERMINE, events[i].event, &info));
    double mine[2] = {info.time, (double)info.count}, max[2], sum[2];
    PetscCallMPI(MPI_Reduce(mine, max, 2, MPI_DOUBLE, MPI_MAX, 0, comm));
    PetscCallMPI(MPI_Reduce(mine, sum, 2, MPI_DOUBLE, MPI_SUM, 0, comm));
    if (rank != 0 || max[1] == 0) continue;
    double mean = sum[0] / size;
    fprintf(out, "%-10s %-22s %8.0f %11.4g %11.4g %9.3f %7.2f\n", events[i].module, events[i].name, max[1],
            max[0], mean, mean > 0 ? max[0] / mean : 1.0, wall_max > 0 ? 100 * max[0] / wall_max : 0.0);
  }
  PetscFunctionReturn(0);
}

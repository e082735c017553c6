/*
 * exact: the exact-reference stage. [exact] reference selects the solution;
 * each one lives in its own file (exact_gaussian.c: the linear system of
 * trap and bonds; exact_ring.c: two AOUPs on a ring) and shares only the
 * [exact] output name and this dispatch.
 */
#include "exact_internal.h"

int amp_exact_check_job(const amp_config *cfg, int nranks, char *msg, size_t size) {
  if (!amp_config_runs(cfg, AMP_STAGE_EXACT)) return 0;
  switch (cfg->exact.reference) {
  case AMP_EXACT_GAUSSIAN: return amp_exact_gaussian_check_job(cfg, nranks, msg, size);
  case AMP_EXACT_RING: return amp_exact_ring_check_job(cfg, nranks, msg, size);
  }
  return 0;
}

int amp_stage_exact(const amp_config *cfg, const amp_cli *cli) {
  switch (cfg->exact.reference) {
  case AMP_EXACT_GAUSSIAN: return amp_exact_gaussian(cfg, cli);
  case AMP_EXACT_RING: return amp_exact_ring(cfg, cli);
  }
  return AMP_EXIT_FAILURE;
}

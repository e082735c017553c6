/*
 * phase: solid, interface and gas by a neighbour count (see phase.h).
 */
#include "activempi/phase.h"

amp_phase amp_phase_of(const amp_phase_rule *rule, int count) {
  if (count >= rule->solid) return AMP_PHASE_SOLID;
  return count <= rule->gas ? AMP_PHASE_GAS : AMP_PHASE_INTERFACE;
}

const char *amp_phase_name(amp_phase phase) {
  static const char *const names[AMP_NPHASES] = {"gas", "interface", "solid"};
  return names[phase];
}

int amp_phase_counts(const amp_phase_rule *rule, const amp_cells *c, const amp_particles *p, amp_rows *rows,
                     int *count) {
  for (size_t i = 0; i < p->nowned; ++i) {
    rows->n = 0;
    if (amp_cells_query(c, p, i, rule->radius, rows)) return -1;
    count[i] = 1 + (int)rows->n;
  }
  return 0;
}

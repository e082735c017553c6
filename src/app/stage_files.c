/*
 * Files of particles as the stages see them (stage_files.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "activempi/app.h"
#include "stage_files.h"

int amp_replica_path(const amp_config *cfg, int replica, int replicas, const char *name, char *path, size_t size) {
  char joined[AMP_STR_LEN + 32];
  if (amp_config_output_path(cfg, name, joined, sizeof joined)) return -1;
  if (replicas == 1) return snprintf(path, size, "%s", joined) >= (int)size ? -1 : 0;
  char *dot = strrchr(joined, '.'), *slash = strrchr(joined, '/');
  size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - joined) : strlen(joined);
  int n = snprintf(path, size, "%.*s_r%d%s", (int)stem, joined, replica, joined + stem);
  return n >= 0 && (size_t)n < size ? 0 : -1;
}

const char *amp_internal_element(const amp_config *cfg) {
  return cfg->system.model == AMP_MODEL_AOUP ? "self_propulsion" : "orientation";
}

int amp_model_kind_mismatch(const amp_config *cfg, const char *path, amp_neighborhood_kind kind, char *err,
                            size_t size) {
  amp_neighborhood_kind want = cfg->network.neighborhood;
  if (kind == want) return 0;
  snprintf(err, size,
           "%.700s was trained on [network] neighborhood = \"%s\" tokens, the input has \"%s\": a network reads one "
           "kind only; set neighborhood = \"%s\" to use this file",
           path, amp_neighborhood_name(kind), amp_neighborhood_name(want), amp_neighborhood_name(kind));
  return -1;
}

int amp_trajectory_mismatch(const amp_config *cfg, const char *path, int64_t n, int dim, double box,
                            const char *internal, char *err, size_t size) {
  char why[256] = "";
  double L = cfg->system.box_length;
  if (n != cfg->system.particles || dim != cfg->system.dimension)
    snprintf(why, sizeof why, "holds %lld particles in %d dimensions, the input %lld in %d", (long long)n, dim,
             cfg->system.particles, cfg->system.dimension);
  else if (!(fabs(box - L) <= 1e-12 * L))
    snprintf(why, sizeof why, "has box length %.17g, the input %.17g", box, L);
  else if (internal && strcmp(internal, amp_internal_element(cfg)))
    snprintf(why, sizeof why, "holds %s, the input's model needs %s", internal, amp_internal_element(cfg));
  if (!why[0]) return 0;
  snprintf(err, size, "%.700s %s", path, why);
  return -1;
}

int amp_load_frame(amp_h5md_reader *r, int64_t f, amp_domain *dom, double width, amp_particles *all,
                   amp_particles *p, amp_halo *h, int64_t *step, double *time, char *err) {
  if (amp_h5md_read_frame(r, f, all, step, time, err)) return -1;
  return amp_own_frame(all, dom, width, p, h, err);
}

int amp_own_frame(const amp_particles *all, amp_domain *dom, double width, amp_particles *p, amp_halo *h, char *err) {
  if (amp_keep_owned(dom, all, p)) {
    snprintf(err, AMP_ERR_LEN, "out of memory for particles");
    return -1;
  }
  amp_halo_free(h);
  if (!amp_halo_build(h, dom, p, width)) return 0;
  snprintf(err, AMP_ERR_LEN, "%s", dom->error);
  return -1;
}

int amp_keep_owned(const amp_domain *dom, const amp_particles *all, amp_particles *p) {
  const int d = p->dim, nq = p->nq;
  p->nowned = p->nghost = 0;
  for (size_t i = 0; i < all->nowned; ++i) {
    if (amp_domain_owner(dom, all->x + i * d) != dom->rank) continue;
    if (amp_particles_reserve(p, p->nowned + 1)) return -1;
    size_t row = p->nowned++;
    p->id[row] = all->id[i];
    memcpy(p->x + row * d, all->x + i * d, (size_t)d * sizeof(double));
    memcpy(p->q + row * nq, all->q + i * nq, (size_t)nq * sizeof(double));
  }
  return 0;
}

/*
 * stage_files: what the stages share about files of particles (private to
 * app): per-replica names in output_dir, whether a file's system is the
 * input's (app.h: amp_trajectory_mismatch) and a model file's neighbourhood
 * kind the input's, and a frame's rows that this rank owns, with their
 * ghosts.
 */
#ifndef ACTIVEMPI_APP_STAGE_FILES_H
#define ACTIVEMPI_APP_STAGE_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "activempi/config.h"
#include "activempi/domain.h"
#include "activempi/h5md.h"

/* name joined onto output_dir, "dir/name.h5" -> "dir/name_r3.h5" for replica
 * 3 of several (replicas > 1). Returns 0, or -1 when it does not fit. */
int amp_replica_path(const amp_config *cfg, int replica, int replicas, const char *name, char *path, size_t size);

/* The H5MD element name of the model's internal coordinate:
 * "self_propulsion" (AOUP) or "orientation" (ABP). */
const char *amp_internal_element(const amp_config *cfg);

/* A model file (path) whose network reads the neighbourhood kind `kind`
 * cannot serve an input whose [network] neighborhood is another: -1 with
 * one line in err[size] saying so, or 0 when they agree. */
int amp_model_kind_mismatch(const amp_config *cfg, const char *path, amp_neighborhood_kind kind, char *err,
                            size_t size);

/* p's owned rows := the rows of `all` (every particle) inside this rank's
 * subdomain; no ghosts. Returns 0, or -1 when out of memory. */
int amp_keep_owned(const amp_domain *dom, const amp_particles *all, amp_particles *p);

/* Collective over the domain's ranks: p := the rows of `all` (every
 * particle) this rank owns and the ghosts within `width` (h rebuilt; free it
 * with amp_halo_free). Returns 0, or -1 with the reason in err[AMP_ERR_LEN]. */
int amp_own_frame(const amp_particles *all, amp_domain *dom, double width, amp_particles *p, amp_halo *h, char *err);

/* Collective over the domain's ranks: frame f of r, read whole into `all`,
 * then p := the owned rows and the ghosts within `width` (h rebuilt; free it
 * with amp_halo_free). step and time may be NULL. Returns 0, or -1 with the
 * reason in err[AMP_ERR_LEN]. */
int amp_load_frame(amp_h5md_reader *r, int64_t f, amp_domain *dom, double width, amp_particles *all,
                   amp_particles *p, amp_halo *h, int64_t *step, double *time, char *err);

#endif

/*
 * stage_files: what the stages share about files of particles (private to
 * app): per-replica names in output_dir, whether a file's system is the
 * input's, and a frame's rows that this rank owns.
 */
#ifndef ACTIVEMPI_APP_STAGE_FILES_H
#define ACTIVEMPI_APP_STAGE_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "activempi/config.h"
#include "activempi/domain.h"

/* name joined onto output_dir, "dir/name.h5" -> "dir/name_r3.h5" for replica
 * 3 of several (replicas > 1). Returns 0, or -1 when it does not fit. */
int amp_replica_path(const amp_config *cfg, int replica, int replicas, const char *name, char *path, size_t size);

/* The resolved configuration as TOML text (versions = 0), or the versions of
 * activempi and its libraries (versions = 1): malloc'ed, or NULL. */
char *amp_config_text(const amp_config *cfg, int versions);

/* The H5MD element name of the model's internal coordinate:
 * "self_propulsion" (AOUP) or "orientation" (ABP). */
const char *amp_internal_element(const amp_config *cfg);

/* 0 when a file's N, d, L and internal coordinate (NULL: not checked) are the
 * input's; else -1 and "path holds ..., the input ..." in err[size]. */
int amp_check_system(const amp_config *cfg, const char *path, int64_t n, int dim, double box, const char *internal,
                     char *err, size_t size);

/* p's owned rows := the rows of `all` (every particle) inside this rank's
 * subdomain; no ghosts. Returns 0, or -1 when out of memory. */
int amp_keep_owned(const amp_domain *dom, const amp_particles *all, amp_particles *p);

#endif

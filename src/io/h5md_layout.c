/*
 * h5md_layout: creating an H5MD trajectory, and reopening a partial one
 * (see h5md.h for the layout and doc/output-format.md for its details).
 *
 * Design. Creation writes the whole tree with zero frames: groups, the
 * attributes that say how the file was made, and one extendable dataset per
 * time series. The step and time datasets exist once, under position, and
 * every other element links to them (hard links), so extending them once per
 * frame keeps all elements in step; the time series are then opened by name
 * (amp_h5md_open_datasets), the same way for a new file and for a resumed
 * one, which checks shapes against the caller's spec in both cases.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activempi/files.h"
#include "config.h"
#include "h5.h"
#include "h5md_file.h"

int amp_h5md_partial_name(const char *path, char *partial, size_t size) {
  int n = snprintf(partial, size, "%s.partial", path);
  return n >= 0 && (size_t)n < size ? 0 : -1;
}

/* A name usable as one HDF5 link and, unescaped, in XML: letters, digits,
 * '_', '-', '.', not starting with '.'. */
static int valid_name(const char *name) {
  if (!name || !name[0] || name[0] == '.' || strlen(name) >= AMP_H5MD_NAME_LEN) return 0;
  for (const char *c = name; *c; ++c)
    if (!isalnum((unsigned char)*c) && !strchr("_-.", *c)) return 0;
  return 1;
}

/* Components of observable k given `widths` (NULL: 1 each). */
static int width_of(const int *widths, int k) { return widths ? widths[k] : 1; }

static int check_spec(const amp_h5md_spec *s, const char *path, char *err) {
  if (s->particles < 1 || s->dim < 1 || s->dim > 3 || !(s->box > 0) || s->internal_components < 1)
    return amp_io_fail(err, AMP_IO_INVALID, "%s: a trajectory needs N >= 1, d in 1..3, L > 0 and nq >= 1", path);
  if (!valid_name(s->internal) || !strcmp(s->internal, "position") || !strcmp(s->internal, "box"))
    return amp_io_fail(err, AMP_IO_INVALID, "%s: invalid element name for the internal coordinate", path);
  for (int k = 0; k < s->particle_observables; ++k)
    if (!valid_name(s->particle_observable_names[k]) || width_of(s->particle_observable_widths, k) < 1 || width_of(s->particle_observable_widths, k) > 9)
      return amp_io_fail(err, AMP_IO_INVALID, "%s: invalid observable name or width", path);
  for (int k = 0; k < s->scalar_observables; ++k)
    if (!valid_name(s->scalar_observable_names[k]) || width_of(s->scalar_observable_widths, k) < 1)
      return amp_io_fail(err, AMP_IO_INVALID, "%s: invalid observable name or width", path);
  if (s->grid_observables > 0 && s->grid_cells < 1)
    return amp_io_fail(err, AMP_IO_INVALID, "%s: grid observables need at least one cell per side", path);
  for (int k = 0; k < s->grid_observables; ++k)
    if (!valid_name(s->grid_observable_names[k]) || width_of(s->grid_observable_widths, k) < 1 ||
        width_of(s->grid_observable_widths, k) > 9)
      return amp_io_fail(err, AMP_IO_INVALID, "%s: invalid grid observable name or width", path);
  return 0;
}

int amp_h5md_writer_new(amp_h5md **out, const char *path, MPI_Comm comm, const amp_h5md_spec *spec, char *err) {
  *out = NULL;
  int status = check_spec(spec, path, err);
  if (status) return status;
  amp_h5md *w = calloc(1, sizeof *w);
  if (!w) return amp_io_fail(err, AMP_IO_FAILED, "%s: out of memory", path);
  *w = (amp_h5md){.comm = MPI_COMM_NULL, .N = spec->particles, .dim = spec->dim, .nq = spec->internal_components,
                  .box = spec->box, .npobs = spec->particle_observables, .nsobs = spec->scalar_observables,
                  .ngobs = spec->grid_observables, .grid_cells = spec->grid_cells, .file = -1, .dxpl = -1,
                  .time = -1, .step = -1, .position = -1, .q = -1, .edges = -1};
  snprintf(w->internal, sizeof w->internal, "%s", spec->internal);
  size_t len = strlen(path) + sizeof ".partial";
  w->path = strdup(path);
  w->partial = malloc(len);
  w->pobs = calloc((size_t)w->npobs + 1, sizeof *w->pobs);
  w->pobs_width = calloc((size_t)w->npobs + 1, sizeof *w->pobs_width);
  w->pobs_value = malloc(((size_t)w->npobs + 1) * sizeof *w->pobs_value);
  w->sobs_value = malloc(((size_t)w->nsobs + 1) * sizeof *w->sobs_value);
  w->sobs_width = calloc((size_t)w->nsobs + 1, sizeof *w->sobs_width);
  w->gobs = calloc((size_t)w->ngobs + 1, sizeof *w->gobs);
  w->gobs_width = calloc((size_t)w->ngobs + 1, sizeof *w->gobs_width);
  w->gobs_value = malloc(((size_t)w->ngobs + 1) * sizeof *w->gobs_value);
  if (!w->path || !w->partial || !w->pobs || !w->pobs_width || !w->pobs_value || !w->sobs_value ||
      !w->sobs_width || !w->gobs || !w->gobs_width || !w->gobs_value) {
    amp_h5md_writer_free(w);
    return amp_io_fail(err, AMP_IO_FAILED, "%s: out of memory", path);
  }
  amp_h5md_partial_name(path, w->partial, len);
  for (int k = 0; k < w->npobs; ++k) {
    snprintf(w->pobs[k], AMP_H5MD_NAME_LEN, "%s", spec->particle_observable_names[k]);
    w->pobs_width[k] = width_of(spec->particle_observable_widths, k);
    w->pobs_columns += w->pobs_width[k];
    w->pobs_value[k] = -1;
  }
  for (int k = 0; k < w->nsobs; ++k) {
    w->sobs_width[k] = width_of(spec->scalar_observable_widths, k);
    w->sobs_value[k] = -1;
  }
  for (int k = 0; k < w->ngobs; ++k) {
    snprintf(w->gobs[k], AMP_H5MD_NAME_LEN, "%s", spec->grid_observable_names[k]);
    w->gobs_width[k] = width_of(spec->grid_observable_widths, k);
    w->gobs_columns += w->gobs_width[k];
    w->gobs_value[k] = -1;
  }
  if (MPI_Comm_dup(comm, &w->comm) != MPI_SUCCESS || MPI_Comm_rank(w->comm, &w->rank) != MPI_SUCCESS) {
    amp_h5md_writer_free(w);
    return amp_io_fail(err, AMP_IO_FAILED, "%s: MPI_Comm_dup failed", path);
  }
  if ((w->dxpl = amp_h5_dxpl()) < 0) {
    amp_h5md_writer_free(w);
    return amp_io_fail(err, AMP_IO_FAILED, "%s: cannot make a collective transfer property list", path);
  }
  *out = w;
  return 0;
}

/* Close an id and mark it closed; clears *ok on failure. */
static void close_id(hid_t *id, int *ok) {
  if (amp_h5_close(*id) < 0) *ok = 0;
  *id = -1;
}

int amp_h5md_writer_close_file(amp_h5md *w) {
  int ok = 1;
  close_id(&w->time, &ok);
  close_id(&w->step, &ok);
  close_id(&w->position, &ok);
  close_id(&w->q, &ok);
  close_id(&w->edges, &ok);
  for (int k = 0; w->pobs_value && k < w->npobs; ++k) close_id(&w->pobs_value[k], &ok);
  for (int k = 0; w->sobs_value && k < w->nsobs; ++k) close_id(&w->sobs_value[k], &ok);
  for (int k = 0; w->gobs_value && k < w->ngobs; ++k) close_id(&w->gobs_value[k], &ok);
  close_id(&w->file, &ok);
  return ok ? 0 : -1;
}

int amp_h5md_writer_free(amp_h5md *w) {
  int status = amp_h5md_writer_close_file(w);
  if (amp_h5_close(w->dxpl) < 0) status = -1;
  if (w->comm != MPI_COMM_NULL && MPI_Comm_free(&w->comm) != MPI_SUCCESS) status = -1;
  free(w->path);
  free(w->partial);
  free(w->pobs);
  free(w->pobs_width);
  free(w->pobs_value);
  free(w->sobs_value);
  free(w->sobs_width);
  free(w->gobs);
  free(w->gobs_width);
  free(w->gobs_value);
  free(w);
  return status;
}

/* --- creation ------------------------------------------------------------ */

/* A new group at `name` (relative to loc), closed again. */
static int make_group(hid_t loc, const char *name) {
  hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  return g < 0 || H5Gclose(g) < 0 ? -1 : 0;
}

/* An H5MD time-dependent element at `group`: links to position's step and
 * time, and a value series of shape {T, shape[1], ...}. */
static int element(hid_t file, const char *group, hid_t type, int rank, const hsize_t *shape) {
  char name[512];
  hid_t g = H5Gcreate2(file, group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (g < 0) return -1;
  int status = 0;
  if (strcmp(group, AMP_H5MD_GROUP "/position")) {
    snprintf(name, sizeof name, "%s/position/step", AMP_H5MD_GROUP);
    status |= H5Lcreate_hard(file, name, g, "step", H5P_DEFAULT, H5P_DEFAULT) < 0;
    snprintf(name, sizeof name, "%s/position/time", AMP_H5MD_GROUP);
    status |= H5Lcreate_hard(file, name, g, "time", H5P_DEFAULT, H5P_DEFAULT) < 0;
  } else {
    hsize_t none[1] = {0};
    status |= amp_h5_close(amp_h5_series(g, "step", H5T_STD_I64LE, 1, none)) < 0;
    status |= amp_h5_close(amp_h5_series(g, "time", H5T_IEEE_F64LE, 1, none)) < 0;
  }
  hid_t value = amp_h5_series(g, "value", type, rank, shape);
  status |= value < 0;
  status |= amp_h5_close(value) < 0;
  status |= H5Gclose(g) < 0;
  return status ? -1 : 0;
}

/* /h5md: version, author, creator. */
static int h5md_group(hid_t file, const amp_h5md_spec *s) {
  const int version[2] = {1, 1};
  hid_t g = H5Gcreate2(file, "/h5md", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (g < 0) return -1;
  hid_t author = H5Gcreate2(g, "author", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hid_t creator = H5Gcreate2(g, "creator", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int status = amp_h5_attr_write(g, "version", H5T_NATIVE_INT, 2, version) < 0 || author < 0 || creator < 0 ||
               amp_h5_attr_string(author, "name", s->author ? s->author : "unknown") < 0 ||
               amp_h5_attr_string(creator, "name", PACKAGE_NAME) < 0 ||
               amp_h5_attr_string(creator, "version", PACKAGE_VERSION) < 0;
  if (amp_h5_close(author) < 0 || amp_h5_close(creator) < 0 || H5Gclose(g) < 0) status = 1;
  return status ? -1 : 0;
}

/* The box group and its attributes (its edges are an element, see lay_out). */
static int box_group(hid_t file, const amp_h5md_spec *s) {
  const char *periodic[3] = {"periodic", "periodic", "periodic"};
  hid_t g = H5Gcreate2(file, AMP_H5MD_GROUP "/box", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (g < 0) return -1;
  int status = amp_h5_attr_write(g, "dimension", H5T_NATIVE_INT, 0, &s->dim) < 0 ||
               amp_h5_attr_strings(g, "boundary", s->dim, periodic) < 0;
  return H5Gclose(g) < 0 || status ? -1 : 0;
}

/* Root attributes: how the file was made. */
static int provenance(hid_t file, const amp_h5md_spec *s) {
  return amp_h5_attr_string(file, "model", s->model ? s->model : "") < 0 ||
                 amp_h5_attr_string(file, "internal_coordinate", s->internal) < 0 ||
                 amp_h5_attr_string(file, "configuration", s->configuration ? s->configuration : "") < 0 ||
                 amp_h5_attr_string(file, "provenance", s->provenance ? s->provenance : "") < 0
             ? -1
             : 0;
}

/* XDMF has no 1-D geometry: a 1-D trajectory is shown as points (x, 0), the
 * zeros read from /xdmf/zeros [N], filled by HDF5 at allocation (xdmf.c). */
static int xdmf_zeros(hid_t file, hsize_t N) {
  const double zero = 0;
  hid_t g = H5Gcreate2(file, "/xdmf", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hid_t space = H5Screate_simple(1, &N, NULL);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  hid_t dset = -1;
  if (g >= 0 && space >= 0 && dcpl >= 0 && H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &zero) >= 0 &&
      H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC) >= 0 && H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY) >= 0)
    dset = H5Dcreate2(g, "zeros", H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  int status = dset < 0 ? -1 : 0;
  if (amp_h5_close(dset) < 0 || amp_h5_close(dcpl) < 0 || amp_h5_close(space) < 0 || amp_h5_close(g) < 0) status = -1;
  return status;
}

int amp_h5md_grid_shape(int dim, int cells, int width, hsize_t *shape) {
  int rank = 0;
  shape[rank++] = 0;
  for (int a = 0; a < dim; ++a) shape[rank++] = (hsize_t)cells;
  if (width > 1) shape[rank++] = (hsize_t)width;
  return rank;
}

int amp_h5md_grid_attributes(hid_t loc, int dim, double box, int cells) {
  int n[3];
  double spacing[3], origin[3];
  for (int a = 0; a < dim; ++a) n[a] = cells, spacing[a] = box / cells, origin[a] = -box / 2;
  return amp_h5_attr_write(loc, "cells", H5T_NATIVE_INT, dim, n) < 0 ||
                 amp_h5_attr_write(loc, "spacing", H5T_NATIVE_DOUBLE, dim, spacing) < 0 ||
                 amp_h5_attr_write(loc, "origin", H5T_NATIVE_DOUBLE, dim, origin) < 0
             ? -1
             : 0;
}

/* The grid observables' elements, with the grid's attributes on each group. */
static int grid_elements(hid_t file, const amp_h5md_spec *s) {
  char name[512];
  for (int k = 0; k < s->grid_observables; ++k) {
    hsize_t shape[5];
    int rank = amp_h5md_grid_shape(s->dim, s->grid_cells, width_of(s->grid_observable_widths, k), shape);
    snprintf(name, sizeof name, "/observables/%s", s->grid_observable_names[k]);
    if (element(file, name, H5T_IEEE_F64LE, rank, shape)) return -1;
    hid_t g = H5Gopen2(file, name, H5P_DEFAULT);
    int status = g < 0 || amp_h5md_grid_attributes(g, s->dim, s->box, s->grid_cells);
    if (amp_h5_close(g) < 0 || status) return -1;
  }
  return 0;
}

/* The whole tree with zero frames. */
static int lay_out(hid_t file, const amp_h5md_spec *s) {
  hsize_t N = (hsize_t)s->particles, d = (hsize_t)s->dim, nq = (hsize_t)s->internal_components;
  hsize_t position[3] = {0, N, d}, q[3] = {0, N, nq}, edges[3] = {0, d, d}, per_particle[2] = {0, N}, scalar[1] = {0};
  char name[512];
  if (provenance(file, s) || h5md_group(file, s) || make_group(file, "/particles") ||
      make_group(file, AMP_H5MD_GROUP) || element(file, AMP_H5MD_GROUP "/position", H5T_IEEE_F64LE, 3, position) ||
      box_group(file, s) || element(file, AMP_H5MD_GROUP "/box/edges", H5T_IEEE_F64LE, 3, edges))
    return -1;
  snprintf(name, sizeof name, "%s/%s", AMP_H5MD_GROUP, s->internal);
  if (element(file, name, H5T_IEEE_F64LE, 3, q) || (s->dim == 1 && xdmf_zeros(file, N)) ||
      make_group(file, "/observables"))
    return -1;
  for (int k = 0; k < s->particle_observables; ++k) {
    hsize_t vector[3] = {0, N, (hsize_t)width_of(s->particle_observable_widths, k)};
    snprintf(name, sizeof name, "/observables/%s", s->particle_observable_names[k]);
    if (element(file, name, H5T_IEEE_F64LE, vector[2] > 1 ? 3 : 2, vector[2] > 1 ? vector : per_particle))
      return -1;
  }
  for (int k = 0; k < s->scalar_observables; ++k) {
    hsize_t numbers[2] = {0, (hsize_t)width_of(s->scalar_observable_widths, k)};
    snprintf(name, sizeof name, "/observables/%s", s->scalar_observable_names[k]);
    if (element(file, name, H5T_IEEE_F64LE, numbers[1] > 1 ? 2 : 1, numbers[1] > 1 ? numbers : scalar)) return -1;
  }
  return grid_elements(file, s);
}

/* The writer around `body` (creating or reopening w->file with the MPI-IO
 * property list fapl): HDF5 quiet, one status agreed by every rank, the
 * writer freed on failure. */
typedef int (*file_body)(amp_h5md *w, hid_t fapl, const amp_h5md_spec *spec, int64_t frames, char *err);

static int open_writer(amp_h5md **out, const char *path, MPI_Comm comm, const amp_h5md_spec *spec, int64_t frames,
                       file_body body, char *err) {
  amp_h5_quiet quiet;
  amp_h5_quiet_begin(&quiet);
  err[0] = '\0';
  amp_h5md *w;
  int status = amp_h5md_writer_new(&w, path, comm, spec, err);
  hid_t fapl = status ? -1 : amp_h5_fapl(w->comm);
  if (!status && fapl < 0) status = amp_io_fail(err, AMP_IO_FAILED, "%s: cannot set up MPI-IO", path);
  if (!status) status = body(w, fapl, spec, frames, err);
  if (amp_h5_close(fapl) < 0 && !status) status = amp_io_fail(err, AMP_IO_FAILED, "%s: H5Pclose failed", path);
  status = amp_io_agree(comm, status, path, err);
  if (status && w) amp_h5md_writer_free(w);
  *out = status ? NULL : w;
  amp_h5_quiet_end(&quiet);
  return status;
}

static int create_body(amp_h5md *w, hid_t fapl, const amp_h5md_spec *spec, int64_t frames, char *err) {
  (void)frames;
  if ((w->file = H5Fcreate(w->partial, H5F_ACC_TRUNC, H5P_DEFAULT, fapl)) < 0)
    return amp_io_fail(err, AMP_IO_FAILED, "cannot create %s", w->partial);
  if (lay_out(w->file, spec)) return amp_io_fail(err, AMP_IO_FAILED, "%s: cannot lay out the H5MD tree", w->partial);
  return amp_h5md_open_datasets(w, spec, err);
}

int amp_h5md_create(amp_h5md **out, const char *path, MPI_Comm comm, const amp_h5md_spec *spec, char *err) {
  return open_writer(out, path, comm, spec, 0, create_body, err);
}

/* --- reopening ----------------------------------------------------------- */

/* Open dataset `name` and check that its shape after the frame axis is
 * shape[1 .. rank-1]. Returns the dataset or -1. */
static hid_t open_series(hid_t file, const char *name, int rank, const hsize_t *shape) {
  hid_t dset = H5Dopen2(file, name, H5P_DEFAULT);
  hid_t space = dset < 0 ? -1 : H5Dget_space(dset);
  hsize_t dims[H5S_MAX_RANK];
  int ok = space >= 0 && H5Sget_simple_extent_dims(space, dims, NULL) == rank;
  for (int i = 1; ok && i < rank; ++i) ok = dims[i] == shape[i];
  if (amp_h5_close(space) < 0 || !ok) {
    amp_h5_close(dset);
    return -1;
  }
  return dset;
}

int amp_h5md_open_datasets(amp_h5md *w, const amp_h5md_spec *spec, char *err) {
  hsize_t N = (hsize_t)w->N, d = (hsize_t)w->dim, nq = (hsize_t)w->nq;
  hsize_t position[3] = {0, N, d}, q[3] = {0, N, nq}, edges[3] = {0, d, d}, per_particle[2] = {0, N}, one[1] = {0};
  char name[512];
  const char *missing = NULL;
#define OPEN(id, path, rank, shape) \
  if (!missing && ((id) = open_series(w->file, (path), (rank), (shape))) < 0) missing = (path)
  OPEN(w->step, AMP_H5MD_GROUP "/position/step", 1, one);
  OPEN(w->time, AMP_H5MD_GROUP "/position/time", 1, one);
  OPEN(w->position, AMP_H5MD_GROUP "/position/value", 3, position);
  OPEN(w->edges, AMP_H5MD_GROUP "/box/edges/value", 3, edges);
  snprintf(name, sizeof name, "%s/%s/value", AMP_H5MD_GROUP, w->internal);
  OPEN(w->q, name, 3, q);
  for (int k = 0; k < w->npobs && !missing; ++k) {
    hsize_t vector[3] = {0, N, (hsize_t)w->pobs_width[k]};
    snprintf(name, sizeof name, "/observables/%s/value", w->pobs[k]);
    OPEN(w->pobs_value[k], name, vector[2] > 1 ? 3 : 2, vector[2] > 1 ? vector : per_particle);
  }
  for (int k = 0; k < w->nsobs && !missing; ++k) {
    hsize_t numbers[2] = {0, (hsize_t)w->sobs_width[k]};
    snprintf(name, sizeof name, "/observables/%s/value", spec->scalar_observable_names[k]);
    OPEN(w->sobs_value[k], name, numbers[1] > 1 ? 2 : 1, numbers);
  }
  for (int k = 0; k < w->ngobs && !missing; ++k) {
    hsize_t shape[5];
    int rank = amp_h5md_grid_shape(w->dim, w->grid_cells, w->gobs_width[k], shape);
    snprintf(name, sizeof name, "/observables/%s/value", w->gobs[k]);
    OPEN(w->gobs_value[k], name, rank, shape);
  }
#undef OPEN
  if (missing)
    return amp_io_fail(err, AMP_IO_INVALID, "%s: no dataset %s of the expected shape (N = %lld, d = %d, nq = %d)",
                       w->partial, missing, (long long)w->N, w->dim, w->nq);
  w->frames = amp_h5_length(w->step);
  return w->frames < 0 ? amp_io_fail(err, AMP_IO_FAILED, "%s: cannot read the number of frames", w->partial) : 0;
}

int amp_h5md_series_ids(const amp_h5md *w, hid_t *ids) {
  int n = 0;
  ids[n++] = w->step;
  ids[n++] = w->time;
  ids[n++] = w->position;
  ids[n++] = w->edges;
  ids[n++] = w->q;
  for (int k = 0; k < w->npobs; ++k) ids[n++] = w->pobs_value[k];
  for (int k = 0; k < w->nsobs; ++k) ids[n++] = w->sobs_value[k];
  for (int k = 0; k < w->ngobs; ++k) ids[n++] = w->gobs_value[k];
  return n;
}

int amp_h5md_set_frames(amp_h5md *w, int64_t frames, char *err) {
  hid_t ids[AMP_H5MD_FIXED_SERIES + w->npobs + w->nsobs + w->ngobs];
  int n = amp_h5md_series_ids(w, ids);
  for (int i = 0; i < n; ++i) {
    hsize_t dims[H5S_MAX_RANK];
    hid_t space = H5Dget_space(ids[i]);
    int rank = space < 0 ? -1 : H5Sget_simple_extent_dims(space, dims, NULL);
    dims[0] = (hsize_t)frames;
    if (amp_h5_close(space) < 0 || rank < 1 || H5Dset_extent(ids[i], dims) < 0)
      return amp_io_fail(err, AMP_IO_FAILED, "%s: cannot set the number of frames to %lld", w->partial,
                         (long long)frames);
  }
  w->frames = frames;
  return 0;
}

static int resume_body(amp_h5md *w, hid_t fapl, const amp_h5md_spec *spec, int64_t frames, char *err) {
  int status = 0;
  if ((w->file = H5Fopen(w->partial, H5F_ACC_RDWR, fapl)) < 0)
    status = amp_io_fail(err, AMP_IO_INVALID, "cannot reopen the partial trajectory %s", w->partial);
  if (!status) status = amp_h5md_open_datasets(w, spec, err);
  if (!status && (frames < 0 || frames > w->frames))
    status = amp_io_fail(err, AMP_IO_INVALID, "%s has %lld frames, cannot continue after frame %lld", w->partial,
                         (long long)w->frames, (long long)frames);
  status = amp_io_agree(w->comm, status, w->path, err);
  if (!status) status = amp_io_agree(w->comm, amp_h5md_set_frames(w, frames, err), w->path, err);
  /* Shrinking rewrites the last partial chunk of each series through HDF5's
   * chunk cache; collective writes bypass that cache, so the pruned chunks
   * must reach the file before new frames do, or they would later overwrite
   * them (seen with HDF5 1.10.8). */
  if (!status && H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0)
    status = amp_io_fail(err, AMP_IO_FAILED, "cannot flush %s", w->partial);
  return status;
}

int amp_h5md_resume(amp_h5md **out, const char *path, MPI_Comm comm, const amp_h5md_spec *spec, int64_t frames,
                    char *err) {
  return open_writer(out, path, comm, spec, frames, resume_body, err);
}

/*
 * h5md_read: reading frames of an activempi H5MD trajectory (see h5md.h).
 *
 * Design. Every rank reads whole frames (all N rows) with collective reads of
 * the same selection; MPI-IO reads the bytes once per node at worst. This is
 * what an initial condition or a restart needs (each rank then keeps the
 * particles of its subdomain), at the cost of N rows of memory per rank for a
 * moment. N and d come from position/value, L from the first frame of
 * box/edges, the element holding q from the root attribute
 * "internal_coordinate".
 */
#include <stdlib.h>
#include <string.h>

#include "h5.h"
#include "h5md_file.h"

struct amp_h5md_reader {
  MPI_Comm comm;
  char *path;
  amp_h5md_info info;
  hid_t file, dxpl, step, time, position, q;
};

/* Dimensions of dataset `name`: rank, or -1. */
static int dims_of(hid_t file, const char *name, hsize_t *dims) {
  hid_t dset = H5Dopen2(file, name, H5P_DEFAULT);
  hid_t space = dset < 0 ? -1 : H5Dget_space(dset);
  int rank = space < 0 ? -1 : H5Sget_simple_extent_dims(space, dims, NULL);
  if (amp_h5_close(space) < 0 || amp_h5_close(dset) < 0) return -1;
  return rank;
}

/* L from the first frame of box/edges (the box is the same at every frame). */
static int read_box(amp_h5md_reader *r, char *err) {
  double edges[9];
  hid_t dset = H5Dopen2(r->file, AMP_H5MD_GROUP "/box/edges/value", H5P_DEFAULT);
  int status = dset < 0 || amp_h5_read_frame(dset, r->dxpl, 0, H5T_NATIVE_DOUBLE, edges) < 0 ? -1 : 0;
  if (amp_h5_close(dset) < 0 || status) return amp_io_fail(err, AMP_IO_FAILED, "%s: cannot read box/edges", r->path);
  r->info.box = edges[0];
  return 0;
}

/* Fill r->info and open the datasets frames are read from. */
static int describe(amp_h5md_reader *r, char *err) {
  amp_h5md_info *in = &r->info;
  hsize_t pos[H5S_MAX_RANK], q[H5S_MAX_RANK], edges[H5S_MAX_RANK];
  int version[2];
  char name[256];
  hid_t h5md = H5Gopen2(r->file, "/h5md", H5P_DEFAULT);
  int ok = h5md >= 0 && amp_h5_attr_read(h5md, "version", H5T_NATIVE_INT, 2, version) == 0 && version[0] == 1;
  if (amp_h5_close(h5md) < 0 || !ok) return amp_io_fail(err, AMP_IO_INVALID, "%s is not an H5MD 1.x file", r->path);
  if (amp_h5_attr_read_string(r->file, "internal_coordinate", in->internal, sizeof in->internal) ||
      dims_of(r->file, AMP_H5MD_GROUP "/position/value", pos) != 3)
    return amp_io_fail(err, AMP_IO_INVALID, "%s is not an activempi trajectory (no %s/position or internal_coordinate)",
                       r->path, AMP_H5MD_GROUP);
  snprintf(name, sizeof name, "%s/%s/value", AMP_H5MD_GROUP, in->internal);
  if (dims_of(r->file, name, q) != 3 || dims_of(r->file, AMP_H5MD_GROUP "/box/edges/value", edges) != 3 ||
      q[1] != pos[1] || edges[1] != pos[2] || edges[2] != pos[2] || q[0] != pos[0] || pos[2] < 1 || pos[2] > 3)
    return amp_io_fail(err, AMP_IO_INVALID, "%s: %s and box/edges do not match position", r->path, name);
  in->frames = (int64_t)pos[0];
  in->particles = (int64_t)pos[1];
  in->dim = (int)pos[2];
  in->internal_components = (int)q[2];
  r->step = H5Dopen2(r->file, AMP_H5MD_GROUP "/position/step", H5P_DEFAULT);
  r->time = H5Dopen2(r->file, AMP_H5MD_GROUP "/position/time", H5P_DEFAULT);
  r->position = H5Dopen2(r->file, AMP_H5MD_GROUP "/position/value", H5P_DEFAULT);
  r->q = H5Dopen2(r->file, name, H5P_DEFAULT);
  if (r->step < 0 || r->time < 0 || r->position < 0 || r->q < 0)
    return amp_io_fail(err, AMP_IO_INVALID, "%s: cannot open the position and %s datasets", r->path, in->internal);
  return in->frames > 0 ? read_box(r, err) : 0;
}

/* Close the file and everything opened in it (collective). */
static int close_ids(amp_h5md_reader *r) {
  int status = 0;
  hid_t *ids[] = {&r->step, &r->time, &r->position, &r->q, &r->file, &r->dxpl};
  for (size_t i = 0; i < sizeof ids / sizeof *ids; ++i) {
    if (amp_h5_close(*ids[i]) < 0) status = -1;
    *ids[i] = -1;
  }
  return status;
}

static int reader_free(amp_h5md_reader *r) {
  int status = close_ids(r);
  if (r->comm != MPI_COMM_NULL && MPI_Comm_free(&r->comm) != MPI_SUCCESS) status = -1;
  free(r->path);
  free(r);
  return status;
}

int amp_h5md_open(amp_h5md_reader **out, const char *path, MPI_Comm comm, amp_h5md_info *info, char *err) {
  amp_h5_quiet quiet;
  amp_h5_quiet_begin(&quiet);
  err[0] = '\0';
  *out = NULL;
  amp_h5md_reader *r = calloc(1, sizeof *r);
  if (!r) return amp_io_agree(comm, amp_io_fail(err, AMP_IO_FAILED, "%s: out of memory", path), path, err);
  *r = (amp_h5md_reader){.comm = MPI_COMM_NULL, .file = -1, .dxpl = -1, .step = -1, .time = -1, .position = -1, .q = -1};
  int status = 0;
  hid_t fapl = -1;
  if (!(r->path = strdup(path)) || MPI_Comm_dup(comm, &r->comm) != MPI_SUCCESS || (r->dxpl = amp_h5_dxpl()) < 0 ||
      (fapl = amp_h5_fapl(r->comm)) < 0)
    status = amp_io_fail(err, AMP_IO_FAILED, "%s: cannot set up MPI-IO", path);
  if (!status && (r->file = H5Fopen(path, H5F_ACC_RDONLY, fapl)) < 0)
    status = amp_io_fail(err, AMP_IO_INVALID, "cannot open the trajectory %s", path);
  if (!status) status = describe(r, err);
  if (amp_h5_close(fapl) < 0 && !status) status = amp_io_fail(err, AMP_IO_FAILED, "%s: H5Pclose failed", path);
  status = amp_io_agree(comm, status, path, err);
  if (status) {
    reader_free(r);
  } else {
    *info = r->info;
    *out = r;
  }
  amp_h5_quiet_end(&quiet);
  return status;
}

int amp_h5md_read_frame(amp_h5md_reader *r, int64_t frame, amp_particles *p, int64_t *step, double *time,
                        char *err) {
  amp_h5_quiet quiet;
  amp_h5_quiet_begin(&quiet);
  err[0] = '\0';
  const amp_h5md_info *in = &r->info;
  int64_t t = frame < 0 ? in->frames + frame : frame, s;
  double tm;
  int status = 0;
  if (t < 0 || t >= in->frames)
    status = amp_io_fail(err, AMP_IO_INVALID, "%s has %lld frames, no frame %lld", r->path, (long long)in->frames,
                         (long long)frame);
  else if (p->dim != in->dim || p->nq != in->internal_components)
    status = amp_io_fail(err, AMP_IO_INVALID, "%s holds d = %d, nq = %d; the particles have d = %d, nq = %d", r->path,
                         in->dim, in->internal_components, p->dim, p->nq);
  else if (amp_particles_reserve(p, (size_t)in->particles))
    status = amp_io_fail(err, AMP_IO_FAILED, "%s: out of memory for %lld particles", r->path, (long long)in->particles);
  status = amp_io_agree(r->comm, status, r->path, err);
  if (!status && (amp_h5_read_rows(r->position, r->dxpl, t, 0, in->particles, p->x, p->dim, 0, p->dim) < 0 ||
                  amp_h5_read_rows(r->q, r->dxpl, t, 0, in->particles, p->q, p->nq, 0, p->nq) < 0 ||
                  amp_h5_read_frame(r->step, r->dxpl, t, H5T_NATIVE_INT64, &s) < 0 ||
                  amp_h5_read_frame(r->time, r->dxpl, t, H5T_NATIVE_DOUBLE, &tm) < 0))
    status = amp_io_fail(err, AMP_IO_FAILED, "%s: cannot read frame %lld", r->path, (long long)t);
  status = amp_io_agree(r->comm, status, r->path, err);
  if (!status) {
    for (int64_t i = 0; i < in->particles; ++i) p->id[i] = i;
    p->nowned = (size_t)in->particles;
    p->nghost = 0;
    if (step) *step = s;
    if (time) *time = tm;
  }
  amp_h5_quiet_end(&quiet);
  return status;
}

int amp_h5md_read_observable(amp_h5md_reader *r, const char *name, int64_t frame, double *values, size_t size,
                             size_t *count, char *err) {
  amp_h5_quiet quiet;
  amp_h5_quiet_begin(&quiet);
  err[0] = '\0';
  char path[512];
  hsize_t dims[H5S_MAX_RANK];
  snprintf(path, sizeof path, "/observables/%s/value", name);
  int rank = dims_of(r->file, path, dims);
  int status = 0;
  *count = 1;
  for (int a = 1; a < rank; ++a) *count *= dims[a];
  if (rank < 1)
    status = amp_io_fail(err, AMP_IO_INVALID, "%s has no observable %s", r->path, name);
  else if (frame < 0 || (hsize_t)frame >= dims[0] || *count > size)
    status = amp_io_fail(err, AMP_IO_INVALID, "%s: observable %s has no frame %lld or more than %zu values", r->path,
                         name, (long long)frame, size);
  hid_t dset = status ? -1 : H5Dopen2(r->file, path, H5P_DEFAULT);
  if (!status && (dset < 0 || amp_h5_read_frame(dset, r->dxpl, frame, H5T_NATIVE_DOUBLE, values) < 0))
    status = amp_io_fail(err, AMP_IO_FAILED, "%s: cannot read %s", r->path, path);
  if (amp_h5_close(dset) < 0 && !status) status = amp_io_fail(err, AMP_IO_FAILED, "%s: cannot close %s", r->path, path);
  status = amp_io_agree(r->comm, status, r->path, err);
  amp_h5_quiet_end(&quiet);
  return status;
}

int amp_h5md_reader_close(amp_h5md_reader *r, char *err) {
  amp_h5_quiet quiet;
  amp_h5_quiet_begin(&quiet);
  err[0] = '\0';
  int status = close_ids(r) < 0 ? amp_io_fail(err, AMP_IO_FAILED, "cannot close %s", r->path) : 0;
  status = amp_io_agree(r->comm, status, r->path, err);
  if (reader_free(r) < 0 && !status) status = amp_io_fail(err, AMP_IO_FAILED, "cannot free a trajectory reader");
  amp_h5_quiet_end(&quiet);
  return status;
}

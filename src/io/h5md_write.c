/*
 * h5md_write: appending frames to a trajectory and finishing it (see h5md.h).
 *
 * Design. A frame is one collective step: the owned rows are packed into
 * records [x (d), q (nq), one value per per-particle observable], regrouped
 * into id blocks (id_blocks.h), every time series grows by one frame, and
 * each rank writes its block of each per-particle dataset as one hyperslab;
 * rank 0 writes the per-frame numbers (step, time, box, scalar observables)
 * while the others join with empty selections. A round of several frames
 * (amp_h5md_append_round) is the same step with the ranks in groups, each
 * group doing for its own frame what the whole communicator does for one:
 * the rows are regrouped within the group, and every rank's hyperslab and
 * the group leader's numbers go to the group's frame, in one collective
 * write per dataset; a group without a frame joins with empty selections. Closing renames the partial
 * file only after every rank has closed it, then writes the XDMF sidecar.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activempi/files.h"
#include "h5.h"
#include "h5md_file.h"
#include "id_blocks.h"
#include "xdmf.h"

/* Records [nowned][W] of the owned rows: x, q, then the observables'
 * components. */
static double *pack(const amp_h5md *w, const amp_particles *p, const double *const *pobs, int W) {
  double *rows = malloc((p->nowned ? p->nowned : 1) * (size_t)W * sizeof *rows);
  if (!rows) return NULL;
  for (size_t i = 0; i < p->nowned; ++i) {
    double *r = rows + i * (size_t)W;
    memcpy(r, p->x + i * (size_t)w->dim, (size_t)w->dim * sizeof *r);
    memcpy(r + w->dim, p->q + i * (size_t)w->nq, (size_t)w->nq * sizeof *r);
    r += w->dim + w->nq;
    for (int k = 0; k < w->npobs; r += w->pobs_width[k++])
      memcpy(r, pobs[k] + i * (size_t)w->pobs_width[k], (size_t)w->pobs_width[k] * sizeof *r);
  }
  return rows;
}

/* The numbers of frame t, written by the ranks with mine != 0 (one per frame). */
static int write_frame_numbers(amp_h5md *w, int64_t t, int64_t step, double time, const double *sobs, int mine) {
  double edges[9] = {0};
  for (int a = 0; a < w->dim; ++a) edges[a * w->dim + a] = w->box;
  int status = amp_h5_write_frame(w->step, w->dxpl, t, H5T_NATIVE_INT64, &step, mine) < 0 ||
               amp_h5_write_frame(w->time, w->dxpl, t, H5T_NATIVE_DOUBLE, &time, mine) < 0 ||
               amp_h5_write_frame(w->edges, w->dxpl, t, H5T_NATIVE_DOUBLE, edges, mine) < 0;
  for (int k = 0, off = 0; k < w->nsobs && !status; off += w->sobs_width[k++]) {
    const double *values = mine ? sobs + off : edges; /* none are read without `mine` */
    status = amp_h5_write_frame(w->sobs_value[k], w->dxpl, t, H5T_NATIVE_DOUBLE, values, mine) < 0;
  }
  return status ? -1 : 0;
}

/* This rank's block of every per-particle dataset at frame t (none: no rows). */
static int write_frame_rows(amp_h5md *w, int64_t t, const amp_id_block *b) {
  const int W = b->width;
  const double none = 0, *rows = b->rows ? b->rows : &none;
  int status = amp_h5_write_rows(w->position, w->dxpl, t, b->lo, b->n, rows, W, 0, w->dim) < 0 ||
               amp_h5_write_rows(w->q, w->dxpl, t, b->lo, b->n, rows, W, w->dim, w->nq) < 0;
  for (int k = 0, off = w->dim + w->nq; k < w->npobs && !status; off += w->pobs_width[k++])
    status = amp_h5_write_rows(w->pobs_value[k], w->dxpl, t, b->lo, b->n, rows, W, off, w->pobs_width[k]) < 0;
  return status ? -1 : 0;
}

/* The rows of this rank's group regrouped by id over the group into *block
 * (a group without a frame, slot < 0: an empty block), and this rank's rank
 * in the group (*leader = 0: it writes the frame's numbers; -1 without a
 * frame). Collective over w's communicator; the status agreed over it. */
static int group_block(amp_h5md *w, int frames, int slot, MPI_Comm group, const amp_particles *p,
                       const double *const *pobs, amp_id_block *block, int *leader, char *err) {
  const int W = w->dim + w->nq + w->pobs_columns, mine = slot >= 0;
  *block = (amp_id_block){.width = W};
  *leader = -1;
  int status = 0;
  if (mine && MPI_Comm_rank(group, leader) != MPI_SUCCESS)
    status = amp_io_fail(err, AMP_IO_FAILED, "%s: MPI_Comm_rank failed", w->path);
  else if (frames < 1 || slot >= frames)
    status = amp_io_fail(err, AMP_IO_INVALID, "%s: a round of %d frames has no slot %d", w->path, frames, slot);
  else if (mine && (p->dim != w->dim || p->nq != w->nq))
    status = amp_io_fail(err, AMP_IO_INVALID, "%s: particles have d = %d, nq = %d; the trajectory d = %d, nq = %d",
                         w->path, p->dim, p->nq, w->dim, w->nq);
  double *rows = status || !mine ? NULL : pack(w, p, pobs, W);
  if (!status && mine && !rows) status = amp_io_fail(err, AMP_IO_FAILED, "%s: out of memory", w->path);
  status = amp_io_agree(w->comm, status, w->path, err);
  if (!status && mine) status = amp_id_blocks(group, w->N, p->nowned, p->id, rows, W, block, w->path, err);
  free(rows);
  return amp_io_agree(w->comm, status, w->path, err);
}

int amp_h5md_append_round(amp_h5md *w, int frames, int slot, MPI_Comm group, int64_t step, double time,
                          const amp_particles *p, const double *const *particle_obs, const double *scalar_obs,
                          char *err) {
  amp_h5_quiet quiet;
  amp_h5_quiet_begin(&quiet);
  err[0] = '\0';
  amp_id_block block;
  int leader, status = group_block(w, frames, slot, group, p, particle_obs, &block, &leader, err);
  const int64_t t0 = w->frames, t = t0 + (slot >= 0 ? slot : 0);
  if (!status) status = amp_io_agree(w->comm, amp_h5md_set_frames(w, t0 + frames, err), w->path, err);
  if (!status && (write_frame_numbers(w, t, step, time, scalar_obs, leader == 0) ||
                  write_frame_rows(w, t, &block)))
    status = amp_io_fail(err, AMP_IO_FAILED, "%s: cannot write frame %lld", w->partial, (long long)t);
  free(block.rows);
  status = amp_io_agree(w->comm, status, w->path, err);
  amp_h5_quiet_end(&quiet);
  return status;
}

int amp_h5md_append(amp_h5md *w, int64_t step, double time, const amp_particles *p,
                    const double *const *particle_obs, const double *scalar_obs, char *err) {
  return amp_h5md_append_round(w, 1, 0, w->comm, step, time, p, particle_obs, scalar_obs, err);
}

/* This rank's block of each grid observable into frame t of its series
 * (t >= 0), or into the new dataset /observables/<name><suffix> (t < 0). */
static int write_grid_blocks(amp_h5md *w, int64_t t, const char *suffix, const int64_t *start, const int64_t *count,
                             const double *block) {
  char name[512];
  int status = 0;
  for (int k = 0, off = 0; k < w->ngobs && !status; off += w->gobs_width[k++]) {
    hid_t dset = w->gobs_value[k];
    if (t < 0) {
      hsize_t shape[5];
      int rank = amp_h5md_grid_shape(w->dim, w->grid_cells, w->gobs_width[k], shape);
      snprintf(name, sizeof name, "/observables/%s%s", w->gobs[k], suffix);
      dset = amp_h5_array(w->file, name, H5T_IEEE_F64LE, rank - 1, shape + 1);
      status = dset < 0 || amp_h5md_grid_attributes(dset, w->dim, w->box, w->grid_cells) ? -1 : 0;
    }
    if (!status)
      status = amp_h5_write_grid(dset, w->dxpl, t, w->dim, start, count, block, w->gobs_columns, off, w->gobs_width[k]);
    if (t < 0 && amp_h5_close(dset) < 0) status = -1;
  }
  return status;
}

static int write_grid(amp_h5md *w, int64_t t, const char *suffix, const int64_t *start, const int64_t *count,
                      const double *block, char *err) {
  amp_h5_quiet quiet;
  amp_h5_quiet_begin(&quiet);
  err[0] = '\0';
  int status = 0;
  if (write_grid_blocks(w, t, suffix, start, count, block))
    status = amp_io_fail(err, AMP_IO_FAILED, "%s: cannot write the grid observables", w->partial);
  status = amp_io_agree(w->comm, status, w->path, err);
  amp_h5_quiet_end(&quiet);
  return status;
}

int amp_h5md_write_grid(amp_h5md *w, int64_t frame, const int64_t *start, const int64_t *count, const double *block,
                        char *err) {
  if (frame >= 0 && frame < w->frames) return write_grid(w, frame, "", start, count, block, err);
  err[0] = '\0';
  return amp_io_agree(w->comm,
                      amp_io_fail(err, AMP_IO_INVALID, "%s: no frame %lld to write a grid into (%lld frames)",
                                  w->path, (long long)frame, (long long)w->frames),
                      w->path, err);
}

int amp_h5md_write_grid_fixed(amp_h5md *w, const char *suffix, const int64_t *start, const int64_t *count,
                              const double *block, char *err) {
  int status = write_grid(w, -1, suffix, start, count, block, err);
  if (!status) snprintf(w->fixed_suffix, sizeof w->fixed_suffix, "%s", suffix);
  return status;
}

/* One root attribute, written collectively: numbers (text NULL) or text. */
static int root_attribute(amp_h5md *w, const char *name, int n, const double *values, const char *text, char *err) {
  amp_h5_quiet quiet;
  amp_h5_quiet_begin(&quiet);
  err[0] = '\0';
  int bad = text ? amp_h5_attr_string(w->file, name, text) < 0
                 : amp_h5_attr_write(w->file, name, H5T_NATIVE_DOUBLE, n, values) < 0;
  int status = bad ? amp_io_fail(err, AMP_IO_FAILED, "%s: cannot write the attribute %s", w->partial, name) : 0;
  status = amp_io_agree(w->comm, status, w->path, err);
  amp_h5_quiet_end(&quiet);
  return status;
}

int amp_h5md_attr_numbers(amp_h5md *w, const char *name, int n, const double *values, char *err) {
  return root_attribute(w, name, n, values, NULL, err);
}

int amp_h5md_attr_text(amp_h5md *w, const char *name, const char *text, char *err) {
  return root_attribute(w, name, 0, NULL, text, err);
}

int64_t amp_h5md_frames(const amp_h5md *w) { return w->frames; }

int amp_h5md_flush(amp_h5md *w, char *err) {
  amp_h5_quiet quiet;
  amp_h5_quiet_begin(&quiet);
  err[0] = '\0';
  int status = H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0 ? amp_io_fail(err, AMP_IO_FAILED, "cannot flush %s", w->partial) : 0;
  status = amp_io_agree(w->comm, status, w->path, err);
  amp_h5_quiet_end(&quiet);
  return status;
}

/* Every frame's time, on every rank (malloc'ed; NULL on failure). */
static double *all_times(const amp_h5md *w) {
  double *time = malloc((size_t)(w->frames ? w->frames : 1) * sizeof *time);
  if (time && w->frames > 0 && H5Dread(w->time, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, w->dxpl, time) < 0) {
    free(time);
    return NULL;
  }
  return time;
}

/* Rank 0, once every rank has closed the file: publish it, then the sidecar. */
static int publish(const amp_h5md *w, const double *time, char *err) {
  int status = amp_publish(w->partial, w->path);
  if (status) return amp_io_fail(err, AMP_IO_FAILED, "cannot rename %s to %s: %s", w->partial, w->path, strerror(status));
  return amp_xdmf_write(w, time, err);
}

int amp_h5md_close(amp_h5md *w, char *err) {
  amp_h5_quiet quiet;
  amp_h5_quiet_begin(&quiet);
  err[0] = '\0';
  double *time = all_times(w);
  int status = time ? 0 : amp_io_fail(err, AMP_IO_FAILED, "%s: cannot read the frame times", w->partial);
  if (amp_h5md_writer_close_file(w) < 0) status = amp_io_fail(err, AMP_IO_FAILED, "cannot close %s", w->partial);
  status = amp_io_agree(w->comm, status, w->path, err);
  if (!status && w->rank == 0) status = publish(w, time, err);
  status = amp_io_agree(w->comm, status, w->path, err);
  free(time);
  if (amp_h5md_writer_free(w) < 0 && !status) status = amp_io_fail(err, AMP_IO_FAILED, "cannot free the writer");
  amp_h5_quiet_end(&quiet);
  return status;
}

int amp_h5md_release(amp_h5md *w, char *err) {
  amp_h5_quiet quiet;
  amp_h5_quiet_begin(&quiet);
  err[0] = '\0';
  int status = amp_h5md_writer_close_file(w) < 0 ? amp_io_fail(err, AMP_IO_FAILED, "cannot close %s", w->partial) : 0;
  status = amp_io_agree(w->comm, status, w->path, err);
  if (amp_h5md_writer_free(w) < 0 && !status) status = amp_io_fail(err, AMP_IO_FAILED, "cannot free the writer");
  amp_h5_quiet_end(&quiet);
  return status;
}

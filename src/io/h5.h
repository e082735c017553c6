/*
 * h5: the few HDF5 and MPI patterns the io module repeats (private).
 *
 * Design. Every parallel file of activempi is opened the same way (MPI-IO
 * driver, HDF5 1.8 object format or later so that long text attributes fit,
 * collective metadata writes) and moved the same way (collective transfers).
 * Per-particle data travel as blocks of rows: after amp_id_blocks (id_blocks.h)
 * rank r holds the rows of the ids [lo, lo + n) as a row-major [n][W] buffer
 * of doubles whose columns are the fields (x, q, observables), and each field
 * goes to or from the file as one hyperslab per rank. Functions here return 0
 * or a status of io.h with the reason in err; the public functions then agree
 * on one status over the communicator (amp_io_agree).
 */
#ifndef ACTIVEMPI_IO_H5_H
#define ACTIVEMPI_IO_H5_H

#include <hdf5.h>
#include <mpi.h>
#include <stdint.h>

#include "activempi/io.h"

/* Record a failure in err (unless one is recorded already: the first reason
 * wins) and return status. The HDF5 error stack's innermost message, if any,
 * is appended. */
int amp_io_fail(char *err, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Collective: the worst status over comm. A rank that succeeded while another
 * failed gets "path: failed on rank r" in err. */
int amp_io_agree(MPI_Comm comm, int status, const char *path, char *err);

/* HDF5 prints nothing while a public io function runs: failures become
 * messages (amp_io_fail). Pair begin and end in every public function. */
typedef struct {
  H5E_auto2_t func;
  void *data;
} amp_h5_quiet;
void amp_h5_quiet_begin(amp_h5_quiet *q);
void amp_h5_quiet_end(const amp_h5_quiet *q);

/* One process writes a small file whole: create path's temporary name
 * (serial HDF5, 1.8 objects or later), fill(file, ctx, err) it, close,
 * rename to path; on any failure nothing is left behind. Returns 0 or a
 * status of io.h with the reason in err. */
int amp_h5_publish_serial(const char *path, int (*fill)(hid_t file, void *ctx, const char *tmp, char *err), void *ctx,
                          char *err);

/* File access for the MPI-IO driver over comm, and collective transfers.
 * Both return a property list or a negative id. */
hid_t amp_h5_fapl(MPI_Comm comm);
hid_t amp_h5_dxpl(void);

/* Numeric attribute of n elements of `type` (n = 0: a scalar). */
int amp_h5_attr_write(hid_t loc, const char *name, hid_t type, int n, const void *data);
/* Read it back; fails unless it has exactly max(n, 1) elements. */
int amp_h5_attr_read(hid_t loc, const char *name, hid_t type, int n, void *data);
/* A string attribute (fixed length, NUL-terminated, ASCII). */
int amp_h5_attr_string(hid_t loc, const char *name, const char *text);
/* The size, NUL included, of a string attribute written by amp_h5_attr_string
 * (the buffer amp_h5_attr_read_string needs), or 0. */
size_t amp_h5_attr_string_size(hid_t loc, const char *name);
/* Read a string attribute written by amp_h5_attr_string into buf[size]. */
int amp_h5_attr_read_string(hid_t loc, const char *name, char *buf, size_t size);
/* An attribute that is an array of n strings. */
int amp_h5_attr_strings(hid_t loc, const char *name, int n, const char *const *text);

/* A time series dataset: shape {0, shape[1], ...} growing along its first
 * axis without bound, chunked by frames. Returns the dataset or a negative id. */
hid_t amp_h5_series(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *shape);

/* A fixed-size contiguous dataset of `rank` dims; missing groups on the way
 * to it ("a/b/name") are created. */
hid_t amp_h5_array(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims);

/* The extent of dataset axis 0 (frames of a series), or -1. */
int64_t amp_h5_length(hid_t dset);

/* Collective transfer of a block of per-particle rows: columns [off, off + w)
 * of the row-major buf[n][W] <-> the file rows [lo, lo + n). The dataset is
 * [T][N] or [T][N][w] (frame >= 0 picks the frame) or [N][w] (frame < 0). */
int amp_h5_write_rows(hid_t dset, hid_t dxpl, int64_t frame, int64_t lo, int64_t n, const double *buf, int W,
                      int off, int w);
int amp_h5_read_rows(hid_t dset, hid_t dxpl, int64_t frame, int64_t lo, int64_t n, double *buf, int W, int off,
                     int w);

/* Collective transfer of a block of grid cells (h5md.h, grid observables):
 * columns [off, off + w) of the row-major buf[count[d-1]]..[count[0]][W]
 * (x fastest) -> the cells start[a] .. start[a] + count[a] of the dataset
 * [T][n_z]..[n_x][w] (frame >= 0 picks the frame) or [n_z]..[n_x][w]
 * (frame < 0); no w axis when w = 1. A zero count writes nothing. */
int amp_h5_write_grid(hid_t dset, hid_t dxpl, int64_t frame, int d, const int64_t *start, const int64_t *count,
                      const double *buf, int W, int off, int w);

/* Collective: frame `frame` of a series (all of its trailing extent), of
 * `type`. Written by the ranks with mine != 0 (one rank: the others select
 * nothing); read by every rank. */
int amp_h5_write_frame(hid_t dset, hid_t dxpl, int64_t frame, hid_t type, const void *data, int mine);
int amp_h5_read_frame(hid_t dset, hid_t dxpl, int64_t frame, hid_t type, void *data);

/* ---- files written whole or not at all (files.h) ---- */

#define AMP_H5_NAME_LEN 4096

/* Collective: rank 0's temporary name of `path` (it holds rank 0's pid), on
 * every rank, so that all ranks create the same file. */
int amp_h5_temp_name(MPI_Comm comm, const char *path, char tmp[AMP_H5_NAME_LEN], char *err);

/* Collective, after every rank has closed tmp (tmp[0] == 0: nothing was
 * created): rank 0 renames tmp to path when status is 0, else removes it.
 * Returns the status agreed over comm. */
int amp_h5_publish(MPI_Comm comm, int status, const char *tmp, const char *path, char *err);

/* A fixed-size dataset of doubles of `rank` (1 or 2) dims, written
 * collectively: this rank's block of `count` elements at `start` (row-major,
 * contiguous in data); a zero count writes nothing. Returns 0 or -1. */
int amp_h5_write_block(hid_t loc, const char *name, hid_t dxpl, int rank, const hsize_t *dims, const hsize_t *start,
                       const hsize_t *count, const double *data);

/* Close an HDF5 object of any kind if the id is valid; returns <0 on failure. */
herr_t amp_h5_close(hid_t id);

#endif

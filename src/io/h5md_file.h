/*
 * h5md_file: the state of an H5MD trajectory writer, shared by the files that
 * lay the file out (h5md_layout.c) and that fill it (h5md_write.c) (private).
 */
#ifndef ACTIVEMPI_IO_H5MD_FILE_H
#define ACTIVEMPI_IO_H5MD_FILE_H

#include <hdf5.h>
#include <mpi.h>
#include <stdint.h>

#include "activempi/h5md.h"

#define AMP_H5MD_GROUP "/particles/all"
#define AMP_H5MD_NAME_LEN 64 /* longest element name + 1 */

struct amp_h5md {
  MPI_Comm comm;      /* a duplicate of the caller's */
  int rank;
  char *path;         /* the final name */
  char *partial;      /* the name while written */
  int64_t N;
  int dim, nq;
  double box;
  char internal[AMP_H5MD_NAME_LEN];
  int npobs, nsobs;
  char (*pobs)[AMP_H5MD_NAME_LEN]; /* [npobs] per-particle observable names */
  int *pobs_width;    /* [npobs] their components */
  int pobs_columns;   /* the sum of the widths */
  int *sobs_width;    /* [nsobs] numbers of each per-frame observable */
  int ngobs;          /* grid observables */
  int grid_cells;     /* n: their grid's cells per side */
  char (*gobs)[AMP_H5MD_NAME_LEN]; /* [ngobs] their names */
  int *gobs_width;    /* [ngobs] their components */
  int gobs_columns;   /* the sum of those */
  char fixed_suffix[AMP_H5MD_NAME_LEN]; /* the suffix of their time-independent datasets (the last written; "" before) */
  int64_t frames;
  hid_t file, dxpl;
  hid_t time, step;            /* position's, shared by every element */
  hid_t position, q, edges;    /* the value datasets */
  hid_t *pobs_value, *sobs_value, *gobs_value; /* [npobs], [nsobs], [ngobs] */
};

/* Check spec and make a writer for path with no file open (file = -1).
 * Returns 0 or a status with err set; *w is NULL on failure. */
int amp_h5md_writer_new(amp_h5md **w, const char *path, MPI_Comm comm, const amp_h5md_spec *spec, char *err);

/* Close the file and its datasets (collective); w stays usable for its
 * names and communicator. Returns <0 if an HDF5 close failed. */
int amp_h5md_writer_close_file(amp_h5md *w);

/* Close whatever of w is open and free it. Returns <0 if an HDF5 close failed. */
int amp_h5md_writer_free(amp_h5md *w);

/* Open the value, step and time datasets of a laid-out file into w, checking
 * their shapes against w. Returns 0 or AMP_IO_INVALID with err set. */
int amp_h5md_open_datasets(amp_h5md *w, const amp_h5md_spec *spec, char *err);

/* The time series of w (step, time, then the value datasets) into ids, which
 * has room for AMP_H5MD_FIXED_SERIES + npobs + nsobs + ngobs. Returns their
 * count. */
enum { AMP_H5MD_FIXED_SERIES = 5 };
int amp_h5md_series_ids(const amp_h5md *w, hid_t *ids);

/* The shape {0, n..n (d of them), w} of a grid observable of w components
 * (no w axis when w = 1); returns its rank. */
int amp_h5md_grid_shape(int dim, int cells, int width, hsize_t *shape);

/* The grid's attributes on loc: cells [d] (int), spacing [d], origin [d].
 * Returns 0 or -1. */
int amp_h5md_grid_attributes(hid_t loc, int dim, double box, int cells);

/* Set every time series of w to `frames` frames (collective). */
int amp_h5md_set_frames(amp_h5md *w, int64_t frames, char *err);

#endif

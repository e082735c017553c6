/*
 * io: what the file-format modules (h5md.h, checkpoint.h) have in common.
 *
 * Design. Every io function is collective over the communicator it is given
 * and returns the same status on every rank: 0, AMP_IO_FAILED (the file could
 * not be written or read: disk full, a permission, an MPI or HDF5 error) or
 * AMP_IO_INVALID (the file exists but is not what the caller asked for: not an
 * activempi/H5MD file, another N or d, too few frames). On failure the rank
 * that failed has one line in its err buffer naming the file and the reason;
 * the others say which rank failed. HDF5's own error stack is not printed: its
 * innermost message is folded into that line.
 */
#ifndef ACTIVEMPI_IO_H
#define ACTIVEMPI_IO_H

#define AMP_IO_ERR_LEN 1024 /* size of an io error buffer */

enum { AMP_IO_OK = 0, AMP_IO_FAILED = 1, AMP_IO_INVALID = 2 };

#endif

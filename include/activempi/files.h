/*
 * files: output files that appear whole or not at all.
 *
 * Design. Every output is written under a temporary name in its final
 * directory ("run.toml.tmp.<pid>") and renamed over the final name once
 * complete and flushed to disk; rename within a directory is atomic on POSIX
 * file systems, so a run killed at any moment leaves either the previous file
 * or the new one, never a torn one. HDF5 writers use the same two names.
 *
 * An output that derives from an input file records the input's checksum
 * (64-bit FNV-1a of its bytes: cheap, no library, enough to tell files apart;
 * not a cryptographic hash).
 */
#ifndef ACTIVEMPI_FILES_H
#define ACTIVEMPI_FILES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Create a directory and its parents (like mkdir -p). Returns 0 or errno. */
int amp_mkdir_p(const char *dir);

/* The temporary name of `path` for this process. Returns 0, or -1 if too long. */
int amp_temp_name(const char *path, char *tmp, size_t size);

/* Flush `tmp` to disk and rename it to `path`. Returns 0 or errno. */
int amp_publish(const char *tmp, const char *path);

/* Open the temporary file of `path` for writing (its name into tmp), or NULL with errno set. */
FILE *amp_atomic_open(const char *path, char *tmp, size_t size);

/* Close f and publish it as `path`; on any error remove the temporary file.
 * Returns 0 or errno. */
int amp_atomic_commit(FILE *f, const char *tmp, const char *path);

/* The 64-bit FNV-1a checksum of the bytes of path into *sum. Returns 0 or errno. */
int amp_file_checksum(const char *path, uint64_t *sum);

#endif

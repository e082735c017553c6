/*
 * model_file: the trained score network as one small HDF5 file (model.h5),
 * readable without activempi (doc/model-format.md; tests/nn_reference.py
 * evaluates one in numpy).
 *
 * Design. A model file holds what it takes to evaluate the network and where
 * it came from:
 *   - the architecture (every field of amp_nn_arch) as root attributes, next
 *     to the format name "activempi-model" and its version, and the kind of
 *     neighbourhood its tokens come from ("space" or "bonds", neighborhood.h:
 *     the same architecture fed the other kind's tokens would be wrong);
 *   - one float32 dataset per tensor of the layout (nn.h), at the tensor's
 *     path ("encoder/block_0/attention/query/weight", weights [in, out],
 *     vectors [n]): the parameters to evaluate (the EMA, in training);
 *   - optionally the same tensors again under /raw: the un-averaged
 *     parameters the optimiser continues from;
 *   - provenance: the training step, the resolved configuration text, the
 *     activempi version and the creation time.
 * The file is a few megabytes, so one rank does the file work: rank 0 writes
 * it alone (a serial HDF5 file under a temporary name, renamed when complete,
 * files.h) and reads it alone, and the parameters reach the other ranks by
 * MPI_Bcast. Thousands of ranks opening one small file at once would load the
 * file system's metadata servers for nothing; one broadcast of a few
 * megabytes costs milliseconds. Parameters are replicated across ranks in
 * training (architecture.md), so writing rank 0's copy loses nothing.
 *
 * Reading is in two steps: amp_model_read_arch gives the architecture, the
 * caller lays it out (amp_nn_layout_init) and allocates, then amp_model_read
 * fills the parameters. A file is refused unless its format and version are
 * known, every tensor of the architecture is present with its shape, no
 * other dataset is there, and every value is finite.
 *
 * All functions are collective over comm and return a status of io.h, the
 * same on every rank, with one line in err (AMP_IO_ERR_LEN bytes) naming the
 * file and what is wrong.
 */
#ifndef ACTIVEMPI_MODEL_FILE_H
#define ACTIVEMPI_MODEL_FILE_H

#include <mpi.h>
#include <stdint.h>

#include "activempi/config.h"
#include "activempi/io.h"
#include "activempi/nn.h"

#define AMP_MODEL_FORMAT "activempi-model"
enum { AMP_MODEL_FORMAT_VERSION = 1 };

/* Where the parameters came from. */
typedef struct {
  int64_t step;      /* training step of the parameters */
  char *config;      /* the resolved configuration text (run.toml); read: allocated */
  char version[64];  /* activempi version that wrote the file (read only) */
  char created[32];  /* creation time, UTC, "YYYY-MM-DDThh:mm:ssZ" (read only) */
  int has_raw;       /* the file has a /raw parameter set (read only) */
  int has_optimizer; /* the file has the optimizer's moments: a training checkpoint (read only) */
} amp_model_provenance;

/* The parameter sets a file can hold, each of the layout's shape: the
 * parameters to evaluate (the root), the un-averaged parameters (/raw), and
 * a training checkpoint's optimizer moments (/optimizer/m, /optimizer/v). */
enum { AMP_MODEL_MAIN, AMP_MODEL_RAW, AMP_MODEL_MOMENT1, AMP_MODEL_MOMENT2, AMP_MODEL_NSETS };

/* Free what amp_model_read allocated in p (p->config). */
void amp_model_provenance_free(amp_model_provenance *p);

/* Write the model of layout l to path: params [l->nparams] (the parameters to
 * evaluate), raw [l->nparams] or NULL (the un-averaged ones, under /raw), the
 * training step, the configuration text (NULL: empty) and the kind of
 * neighbourhood the network reads. Rank 0's buffers are written. A
 * non-finite parameter is AMP_IO_INVALID and writes nothing; on any failure
 * path is left as it was and no temporary file remains. */
int amp_model_write(const char *path, MPI_Comm comm, const amp_nn_layout *l, const float *params, const float *raw,
                    int64_t step, const char *config, amp_neighborhood_kind neighborhood, char *err);

/* amp_model_write with any of the sets (NULL: absent; the main set is required). */
int amp_model_write_sets(const char *path, MPI_Comm comm, const amp_nn_layout *l,
                         const float *const sets[AMP_MODEL_NSETS], int64_t step, const char *config,
                         amp_neighborhood_kind neighborhood, char *err);

/* The architecture of the model file path, checked (amp_nn_arch_check), and
 * the kind of neighbourhood it reads (NULL: skip; a file written before the
 * attribute existed reads "space"), on every rank. */
int amp_model_read_arch(const char *path, MPI_Comm comm, amp_nn_arch *arch, amp_neighborhood_kind *neighborhood,
                        char *err);

/* Read the parameters of path into params [l->nparams] on every rank; l must
 * be the layout of the file's architecture (AMP_IO_INVALID otherwise). raw
 * [l->nparams] (NULL on every rank: skip, and /raw is not checked) gets the
 * /raw set, or a copy of params when the file has none (prov->has_raw says
 * which). prov (NULL: skip) gets the provenance, on success only; free it
 * with amp_model_provenance_free. */
int amp_model_read(const char *path, MPI_Comm comm, const amp_nn_layout *l, float *params, float *raw,
                   amp_model_provenance *prov, char *err);

/* amp_model_read with any of the sets (NULL: skip). A requested /raw the file
 * lacks is a copy of the main set; requested moments the file lacks are
 * AMP_IO_INVALID ("... has no optimizer state"). */
int amp_model_read_sets(const char *path, MPI_Comm comm, const amp_nn_layout *l, float *const sets[AMP_MODEL_NSETS],
                        amp_model_provenance *prov, char *err);

#endif

/*
 * nn_reference_data ARCH MODEL BATCH: the C side of the numpy reference test
 * (tests/cli/nn_reference.sh, tests/nn_reference.py).
 *
 * Writes a random network of the named architecture to the model file MODEL
 * (amp_model_write) and, to the HDF5 file BATCH, random inputs and what the
 * library's float forward pass makes of them:
 *   /q_in [B, T, nf], /x_in [B, T, nx] float32, /mask [B, T] uint8,
 *   /s_q [B, q_outputs] float32 (and /s_x [B, x_outputs] with a position head).
 * The parameters start as amp_nn_init_params gives them; then every bias,
 * LayerNorm scale and offset (zeros and ones at initialisation) is moved by a
 * uniform number, so that no term of the forward pass hides behind a zero.
 * The /raw set is different again: a reader that evaluates it fails.
 * Padded tokens get inputs too (larger ones): they must not matter.
 *
 * Architectures:
 *   self      d = 2, self-token readout, no position head, no shift
 *   mean      d = 2, mean pooling, position head, equilibrium shift, 2 FF hidden layers
 *   absolute  d = 3, absolute positions (nx = 2d), position head and shift,
 *             no hidden embedding/decoder/FF layers, one block
 */
#include <hdf5.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activempi/model_file.h"
#include "activempi/nn.h"

enum { B = 6, T = 9 };

static const struct {
  const char *name;
  amp_nn_arch arch;
} presets[] = {
    {"self", {.q_features = 2, .x_features = 2, .q_outputs = 2, .embed_dim = 16, .heads = 4, .layers = 2,
              .ff_dim = 24, .ff_layers = 1, .embed_layers = 2, .embed_width = 12, .decoder_layers = 2,
              .decoder_width = 10, .pooling = AMP_NN_POOL_SELF}},
    {"mean", {.q_features = 2, .x_features = 2, .q_outputs = 2, .x_outputs = 2, .embed_dim = 12, .heads = 3,
              .layers = 3, .ff_dim = 16, .ff_layers = 2, .embed_layers = 1, .embed_width = 8, .decoder_layers = 1,
              .decoder_width = 9, .pooling = AMP_NN_POOL_MEAN, .equilibrium_shift = 1}},
    {"absolute", {.q_features = 3, .x_features = 6, .q_outputs = 3, .x_outputs = 3, .embed_dim = 8, .heads = 2,
                  .layers = 1, .ff_dim = 8, .ff_layers = 0, .embed_layers = 0, .embed_width = 1,
                  .decoder_layers = 0, .decoder_width = 1, .pooling = AMP_NN_POOL_SELF, .equilibrium_shift = 1}},
};

static uint64_t state = 0x243f6a8885a308d3ull;

/* Uniform in [lo, hi) (splitmix64). */
static float uniform(double lo, double hi) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return (float)(lo + (hi - lo) * (double)(z >> 11) * 0x1.0p-53);
}

/* Initial parameters, then biases and LayerNorm parameters moved off 0 and 1. */
static void make_params(const amp_nn_layout *l, float *params, float *raw) {
  amp_nn_init_params(l, 2024, params);
  for (int i = 0; i < l->ntensors; i++) {
    const amp_nn_tensor *t = &l->tensor[i];
    if (t->init != AMP_NN_INIT_ZEROS && t->init != AMP_NN_INIT_ONES) continue;
    for (int k = 0; k < t->shape[0]; k++) params[t->offset + k] += uniform(-0.5, 0.5);
  }
  for (size_t i = 0; i < l->nparams; i++) raw[i] = params[i] + uniform(-0.1, 0.1);
}

/* Token 0 always real; the others real with probability 2/3; particle 1 alone. */
static void make_inputs(const amp_nn_arch *a, float *q, float *x, unsigned char *mask) {
  for (int b = 0; b < B; b++)
    for (int t = 0; t < T; t++) {
      int real = t == 0 || (b != 1 && uniform(0, 3) < 2);
      double scale = real ? 1 : 10;
      mask[b * T + t] = (unsigned char)real;
      for (int k = 0; k < a->q_features; k++) q[(b * T + t) * a->q_features + k] = uniform(-2 * scale, 2 * scale);
      for (int k = 0; k < a->x_features; k++) x[(b * T + t) * a->x_features + k] = uniform(-5 * scale, 5 * scale);
    }
}

/* A [d0, d1] or [d0, d1, d2] dataset of `mem` from data. */
static int put(hid_t file, const char *name, hid_t ftype, hid_t mtype, int rank, hsize_t d0, hsize_t d1, hsize_t d2,
               const void *data) {
  hsize_t dims[3] = {d0, d1, d2};
  hid_t space = H5Screate_simple(rank, dims, NULL);
  hid_t d = space < 0 ? -1 : H5Dcreate2(file, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int status = d < 0 || H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0 ? -1 : 0;
  if ((d >= 0 && H5Dclose(d) < 0) || (space >= 0 && H5Sclose(space) < 0)) status = -1;
  return status;
}

static int write_batch(const char *path, const amp_nn_arch *a, const float *q, const float *x,
                       const unsigned char *mask, const amp_nn_workspace *ws) {
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hid_t F32 = H5T_IEEE_F32LE, NF = H5T_NATIVE_FLOAT;
  int status = f < 0 || put(f, "q_in", F32, NF, 3, B, T, (hsize_t)a->q_features, q) ||
                       put(f, "x_in", F32, NF, 3, B, T, (hsize_t)a->x_features, x) ||
                       put(f, "mask", H5T_STD_U8LE, H5T_NATIVE_UCHAR, 2, B, T, 0, mask) ||
                       put(f, "s_q", F32, NF, 2, B, (hsize_t)a->q_outputs, 0, ws->s_q) ||
                       (a->x_outputs && put(f, "s_x", F32, NF, 2, B, (hsize_t)a->x_outputs, 0, ws->s_x))
                   ? -1
                   : 0;
  if (f >= 0 && H5Fclose(f) < 0) status = -1;
  return status;
}

/* Model, inputs and forward pass of architecture a into the two files. */
static int run(const amp_nn_arch *a, const char *model, const char *batch) {
  amp_nn_layout l;
  amp_nn_workspace ws = {0};
  if (amp_nn_layout_init(&l, a)) {
    fprintf(stderr, "cannot lay out the network\n");
    return 1;
  }
  float *params = malloc(l.nparams * sizeof *params), *raw = malloc(l.nparams * sizeof *raw);
  float *q = malloc(sizeof(float) * B * T * a->q_features), *x = malloc(sizeof(float) * B * T * a->x_features);
  unsigned char mask[B * T];
  int status = params && raw && q && x && !amp_nn_workspace_init(&ws, &l, B, T, 0) ? 0 : 1;
  char err[AMP_IO_ERR_LEN];
  if (status) fprintf(stderr, "out of memory\n");
  else {
    make_params(&l, params, raw);
    make_inputs(a, q, x, mask);
    amp_nn_forward(&l, params, &ws, B, q, x, mask);
    status = amp_model_write(model, MPI_COMM_WORLD, &l, params, raw, 1000, "# nn_reference_data\n", AMP_NEIGHBORHOOD_SPACE,
                             err);
    if (status) fprintf(stderr, "%s\n", err);
    else if ((status = write_batch(batch, a, q, x, mask, &ws))) fprintf(stderr, "%s: cannot write\n", batch);
  }
  amp_nn_workspace_free(&ws);
  free(params), free(raw), free(q), free(x);
  amp_nn_layout_free(&l);
  return status;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int status = 2;
  for (size_t i = 0; argc == 4 && i < sizeof presets / sizeof presets[0]; i++)
    if (!strcmp(argv[1], presets[i].name)) status = run(&presets[i].arch, argv[2], argv[3]);
  if (status == 2) fprintf(stderr, "usage: nn_reference_data self|mean|absolute MODEL BATCH\n");
  MPI_Finalize();
  return status;
}

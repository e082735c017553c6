/*
 * Model files: a round trip is bitwise (architecture, every parameter of
 * both sets, provenance) whether read on every rank or on one; the
 * neighbourhood kind is recorded ("space" for files written without it); a failed
 * write leaves the previous file and no temporary one; damaged files
 * (missing, misshapen, unknown or non-finite tensors, another format
 * version, a layout of another architecture, not a model at all) are refused
 * with one line naming the file and the problem.
 *
 * Parameters are random bit patterns (every finite float: subnormals, -0,
 * huge and tiny exponents), so "bitwise" means it.
 */
#include <dirent.h>
#include <hdf5.h>
#include <math.h>
#include <mpi.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "activempi/model_file.h"
#include "config.h"
#include "mpi_test.h"
#include "sample.h"

static int rank;
static char dir[256];
static const char *config_text = "[network]\nembed_dim = 8\nheads = 2\n# a resolved configuration\n";

static const amp_nn_arch arch = {.q_features = 2, .x_features = 4, .q_outputs = 2, .x_outputs = 2, .embed_dim = 8,
                                 .heads = 2, .layers = 2, .ff_dim = 6, .ff_layers = 1, .embed_layers = 1,
                                 .embed_width = 5, .decoder_layers = 2, .decoder_width = 7,
                                 .pooling = AMP_NN_POOL_MEAN, .equilibrium_shift = 1};

/* A finite float of random bits for (set, i). */
static float random_float(int set, size_t i) {
  uint32_t bits = (uint32_t)sample_mix(sample_key(SAMPLE_OBS, set, (int64_t)i, 0));
  if ((bits & 0x7f800000u) == 0x7f800000u) bits ^= 0x00800000u; /* no Inf or NaN */
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

static float *random_params(const amp_nn_layout *l, int set) {
  float *p = malloc(l->nparams * sizeof *p);
  assert_non_null(p);
  for (size_t i = 0; i < l->nparams; i++) p[i] = random_float(set, i);
  return p;
}

static void path_of(char *path, size_t size, const char *name) { snprintf(path, size, "%s/%s", dir, name); }

/* Read path on comm and compare with random sets (main, raw); raw_set < 0: the file has no /raw. */
static void check_model(const char *path, MPI_Comm comm, const amp_nn_layout *l, int main_set, int raw_set,
                        int64_t step) {
  char err[AMP_IO_ERR_LEN];
  amp_nn_arch a;
  amp_neighborhood_kind kind;
  int status = amp_model_read_arch(path, comm, &a, &kind, err);
  if (status) print_message("%s\n", err);
  assert_int_equal(status, AMP_IO_OK);
  assert_memory_equal(&a, &l->arch, sizeof a);
  assert_int_equal(kind, AMP_NEIGHBORHOOD_SPACE);
  float *want = random_params(l, main_set), *want_raw = random_params(l, raw_set < 0 ? main_set : raw_set);
  float *got = malloc(l->nparams * sizeof *got), *got_raw = malloc(l->nparams * sizeof *got_raw);
  amp_model_provenance prov;
  status = amp_model_read(path, comm, l, got, got_raw, &prov, err);
  if (status) print_message("%s\n", err);
  assert_int_equal(status, AMP_IO_OK);
  assert_memory_equal(got, want, l->nparams * sizeof *got);
  assert_memory_equal(got_raw, want_raw, l->nparams * sizeof *got);
  assert_int_equal(prov.has_raw, raw_set >= 0);
  assert_int_equal(prov.step, step);
  assert_string_equal(prov.config, config_text);
  assert_string_equal(prov.version, PACKAGE_VERSION);
  assert_int_equal(strlen(prov.created), 20);
  assert_int_equal(prov.created[19], 'Z');
  amp_model_provenance_free(&prov);
  free(want), free(want_raw), free(got), free(got_raw);
}

/* Write random sets (raw_set < 0: none) on comm. */
static int write_model(const char *path, MPI_Comm comm, const amp_nn_layout *l, int main_set, int raw_set,
                       int64_t step, char *err) {
  float *p = random_params(l, main_set), *raw = raw_set < 0 ? NULL : random_params(l, raw_set);
  int status = amp_model_write(path, comm, l, p, raw, step, config_text, AMP_NEIGHBORHOOD_SPACE, err);
  free(p), free(raw);
  return status;
}

static void round_trip_is_bitwise(void **state) {
  (void)state;
  amp_nn_layout l;
  assert_int_equal(amp_nn_layout_init(&l, &arch), 0);
  char path[512], err[AMP_IO_ERR_LEN];
  path_of(path, sizeof path, "model.h5");
  assert_int_equal(write_model(path, MPI_COMM_WORLD, &l, 1, 2, 123456789012LL, err), AMP_IO_OK);
  check_model(path, MPI_COMM_WORLD, &l, 1, 2, 123456789012LL);
  check_model(path, MPI_COMM_SELF, &l, 1, 2, 123456789012LL);
  path_of(path, sizeof path, "ema_only.h5");
  assert_int_equal(write_model(path, MPI_COMM_WORLD, &l, 3, -1, 7, err), AMP_IO_OK);
  check_model(path, MPI_COMM_WORLD, &l, 3, -1, 7);
  amp_nn_layout_free(&l);
}

/* Entries of dir whose names contain ".tmp." (collective) */
static int strays(void) {
  DIR *d = opendir(dir);
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));) n += strstr(e->d_name, ".tmp.") != NULL;
  if (d) closedir(d);
  MPI_Barrier(MPI_COMM_WORLD); /* every rank has looked before the next write */
  return n;
}

static void failed_write_keeps_the_previous_file(void **state) {
  (void)state;
  amp_nn_layout l;
  assert_int_equal(amp_nn_layout_init(&l, &arch), 0);
  char path[512], err[AMP_IO_ERR_LEN];
  path_of(path, sizeof path, "kept.h5");
  assert_int_equal(write_model(path, MPI_COMM_WORLD, &l, 4, 5, 10, err), AMP_IO_OK);
  float *p = random_params(&l, 6);
  const amp_nn_tensor *t = amp_nn_layout_find(&l, "encoder/block_1/attention/key/bias");
  p[t->offset + 3] = NAN;
  assert_int_equal(amp_model_write(path, MPI_COMM_WORLD, &l, p, NULL, 11, config_text, AMP_NEIGHBORHOOD_SPACE, err), AMP_IO_INVALID);
  if (rank == 0) {
    assert_non_null(strstr(err, "kept.h5: tensor encoder/block_1/attention/key/bias holds a non-finite value"));
    assert_null(strchr(err, '\n'));
  }
  char bad[600];
  snprintf(bad, sizeof bad, "%s/no/such/dir/model.h5", dir);
  p[t->offset + 3] = 0;
  assert_int_equal(amp_model_write(bad, MPI_COMM_WORLD, &l, p, NULL, 11, config_text, AMP_NEIGHBORHOOD_SPACE, err), AMP_IO_FAILED);
  if (rank == 0) assert_non_null(strstr(err, "no/such/dir/model.h5"));
  MPI_Barrier(MPI_COMM_WORLD);
  check_model(path, MPI_COMM_WORLD, &l, 4, 5, 10);
  assert_int_equal(strays(), 0);
  free(p);
  amp_nn_layout_free(&l);
}

/* --- damaged files: rank 0 edits a copy of a good file -------------------- */

typedef int (*edit_fn)(hid_t file);

static int drop_tensor(hid_t f) { return H5Ldelete(f, "encoder/block_1/norm_1/scale", H5P_DEFAULT); }

static int reshape_tensor(hid_t f) {
  hsize_t dims[2] = {8, 3};
  hid_t space = H5Screate_simple(2, dims, NULL);
  if (H5Ldelete(f, "decoder/linear_1/weight", H5P_DEFAULT) < 0) return -1;
  hid_t d = H5Dcreate2(f, "decoder/linear_1/weight", H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  return H5Sclose(space) < 0 || d < 0 || H5Dclose(d) < 0 ? -1 : 0;
}

static int add_unknown(hid_t f) {
  hsize_t n = 8;
  hid_t space = H5Screate_simple(1, &n, NULL);
  hid_t d = H5Dcreate2(f, "encoder/block_1/norm_3", H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  return H5Sclose(space) < 0 || d < 0 || H5Dclose(d) < 0 ? -1 : 0;
}

static int poison_raw(hid_t f) {
  float v[8];
  hid_t d = H5Dopen2(f, "raw/x_embed/linear_0/bias", H5P_DEFAULT);
  if (d < 0 || H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) return -1;
  v[2] = INFINITY;
  return H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0 || H5Dclose(d) < 0 ? -1 : 0;
}

static int set_int_attr(hid_t f, const char *name, int value) {
  hid_t a = H5Aopen(f, name, H5P_DEFAULT);
  return a < 0 || H5Awrite(a, H5T_NATIVE_INT, &value) < 0 || H5Aclose(a) < 0 ? -1 : 0;
}

/* A file written before the attribute, or with a kind this version does not know. */
static int no_neighborhood(hid_t f) { return H5Adelete(f, "neighborhood"); }
static int odd_neighborhood(hid_t f) {
  hid_t type = H5Tcopy(H5T_C_S1), space = H5Screate(H5S_SCALAR);
  int ok = type >= 0 && space >= 0 && H5Tset_size(type, 6) >= 0 && H5Adelete(f, "neighborhood") >= 0;
  hid_t a = ok ? H5Acreate2(f, "neighborhood", type, space, H5P_DEFAULT, H5P_DEFAULT) : -1;
  ok = a >= 0 && H5Awrite(a, type, "graph") >= 0 && H5Aclose(a) >= 0;
  return H5Tclose(type) < 0 || H5Sclose(space) < 0 || !ok ? -1 : 0;
}

static int next_version(hid_t f) { return set_int_attr(f, "format_version", AMP_MODEL_FORMAT_VERSION + 1); }
static int odd_embed_dim(hid_t f) { return set_int_attr(f, "embed_dim", 7); }
static int no_pooling(hid_t f) { return H5Adelete(f, "pooling"); }
static int no_format(hid_t f) { return H5Adelete(f, "format"); }

/* Rank 0 copies src to dst and applies edit. */
static void damaged_copy(const char *src, const char *dst, edit_fn edit) {
  int ok = 1;
  if (rank == 0) {
    char cmd[1300];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", src, dst);
    hid_t f = system(cmd) == 0 ? H5Fopen(dst, H5F_ACC_RDWR, H5P_DEFAULT) : -1;
    ok = f >= 0 && edit(f) >= 0 && H5Fclose(f) >= 0;
  }
  MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
  assert_true(ok);
}

/* path is refused (status) with want in rank 0's one-line message, the file named. */
static void assert_refused(const char *path, const amp_nn_layout *l, int status, const char *want) {
  char err[AMP_IO_ERR_LEN];
  float *p = malloc(l->nparams * sizeof *p), *raw = malloc(l->nparams * sizeof *raw);
  amp_model_provenance prov = {0};
  int got = amp_model_read(path, MPI_COMM_WORLD, l, p, raw, &prov, err);
  if (rank == 0 && (got != status || !strstr(err, want))) print_message("%s\n", err);
  assert_int_equal(got, status);
  assert_null(prov.config);
  assert_null(strchr(err, '\n'));
  assert_non_null(strstr(err, strrchr(path, '/') + 1));
  if (rank == 0) assert_non_null(strstr(err, want));
  free(p), free(raw);
}

static void damaged_files_are_refused(void **state) {
  (void)state;
  amp_nn_layout l;
  assert_int_equal(amp_nn_layout_init(&l, &arch), 0);
  char good[512], path[512], err[AMP_IO_ERR_LEN];
  path_of(good, sizeof good, "good.h5");
  assert_int_equal(write_model(good, MPI_COMM_WORLD, &l, 7, 8, 1, err), AMP_IO_OK);
  const struct {
    const char *name;
    edit_fn edit;
    const char *want;
  } cases[] = {
      {"missing.h5", drop_tensor,
       "missing.h5: tensor encoder/block_1/norm_1/scale missing: the file's architecture (2 layers, embed_dim 8"},
      {"shape.h5", reshape_tensor,
       "shape.h5: tensor decoder/linear_1/weight has shape [8, 3], the architecture needs [7, 7]"},
      {"unknown.h5", add_unknown, "unknown.h5: unknown object encoder/block_1/norm_3: the file's architecture"},
      {"nonfinite.h5", poison_raw,
       "nonfinite.h5: tensor raw/x_embed/linear_0/bias holds a non-finite value (inf at element 2)"},
      {"version.h5", next_version, "version.h5: model format version 2; this activempi reads version 1"},
      {"arch.h5", odd_embed_dim, "arch.h5: invalid architecture: embed_dim must be even"},
      {"pooling.h5", no_pooling, "pooling.h5: architecture attribute pooling missing"},
      {"format.h5", no_format, "format.h5 is not an activempi model file"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    path_of(path, sizeof path, cases[i].name);
    damaged_copy(good, path, cases[i].edit);
    assert_refused(path, &l, AMP_IO_INVALID, cases[i].want);
  }
  path_of(path, sizeof path, "absent.h5");
  assert_refused(path, &l, AMP_IO_INVALID, "absent.h5: No such file or directory");
  path_of(path, sizeof path, "text.h5");
  if (rank == 0) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("[network]\nlayers = 4\n", f);
    assert_int_equal(fclose(f), 0);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  assert_refused(path, &l, AMP_IO_INVALID, "cannot open the model file");
  assert_int_equal(amp_model_read_arch(path, MPI_COMM_WORLD, &(amp_nn_arch){0}, NULL, err), AMP_IO_INVALID);
  amp_nn_layout_free(&l);
}

/* The kind read back from path (status AMP_IO_OK), or -1 with rank 0's message holding `refused`. */
static int kind_of(const char *path, const char *refused) {
  char err[AMP_IO_ERR_LEN];
  amp_nn_arch a;
  amp_neighborhood_kind kind;
  int status = amp_model_read_arch(path, MPI_COMM_WORLD, &a, &kind, err);
  if (!refused) return status == AMP_IO_OK ? (int)kind : -2;
  assert_int_equal(status, AMP_IO_INVALID);
  if (rank == 0) assert_non_null(strstr(err, refused));
  return -1;
}

static void the_neighborhood_kind_is_recorded(void **state) {
  (void)state;
  amp_nn_layout l;
  assert_int_equal(amp_nn_layout_init(&l, &arch), 0);
  char bonds[512], path[512], err[AMP_IO_ERR_LEN];
  float *p = random_params(&l, 3);
  path_of(bonds, sizeof bonds, "bonds.h5");
  assert_int_equal(amp_model_write(bonds, MPI_COMM_WORLD, &l, p, NULL, 5, config_text, AMP_NEIGHBORHOOD_BONDS, err),
                   AMP_IO_OK);
  assert_int_equal(kind_of(bonds, NULL), AMP_NEIGHBORHOOD_BONDS);
  path_of(path, sizeof path, "older.h5");
  damaged_copy(bonds, path, no_neighborhood);
  assert_int_equal(kind_of(path, NULL), AMP_NEIGHBORHOOD_SPACE);
  path_of(path, sizeof path, "graph.h5");
  damaged_copy(bonds, path, odd_neighborhood);
  kind_of(path, "graph.h5: neighborhood is \"graph\", not \"space\" or \"bonds\"");
  assert_refused(path, &l, AMP_IO_INVALID, "neighborhood is \"graph\"");
  free(p);
  amp_nn_layout_free(&l);
}

/* A file written before the envelope's attributes; one written before the distance input's. */
static int no_envelope(hid_t f) { return H5Adelete(f, "envelope_radius") < 0 || H5Adelete(f, "position_dim") < 0 ? -1 : 0; }
static int no_distance(hid_t f) { return H5Adelete(f, "distance") < 0 ? -1 : 0; }
static int no_forces(hid_t f) { return H5Adelete(f, "force_features") < 0 ? -1 : 0; }
static int no_drift(hid_t f) { return H5Adelete(f, "drift_features") < 0 ? -1 : 0; }

/* A network of architecture a reading `file` is refused with `want`. */
static void refused_by(const amp_nn_arch *a, const char *file, const char *want) {
  amp_nn_layout l;
  assert_int_equal(amp_nn_layout_init(&l, a), 0);
  char path[512];
  path_of(path, sizeof path, file);
  assert_refused(path, &l, AMP_IO_INVALID, want);
  amp_nn_layout_free(&l);
}

/* An architecture attribute added after the format's first files: `with`
 * round-trips; a network of the `plain` architecture is refused with
 * `refusal`; a copy without it (stripped by `strip`) reads as not there. */
static void optional_attribute_is_recorded(const amp_nn_arch *with, const amp_nn_arch *plain, const char *name,
                                           const char *refusal, int (*strip)(hid_t)) {
  amp_nn_layout l;
  assert_int_equal(amp_nn_layout_init(&l, with), 0);
  char path[512], old[512], err[AMP_IO_ERR_LEN];
  path_of(path, sizeof path, name);
  assert_int_equal(write_model(path, MPI_COMM_WORLD, &l, 4, 5, 9, err), AMP_IO_OK);
  check_model(path, MPI_COMM_WORLD, &l, 4, 5, 9);
  amp_nn_layout_free(&l);
  refused_by(plain, name, refusal);
  path_of(old, sizeof old, "before.h5");
  damaged_copy(path, old, strip);
  amp_nn_arch a;
  assert_int_equal(amp_model_read_arch(old, MPI_COMM_WORLD, &a, NULL, err), AMP_IO_OK);
  if (strip == no_envelope) assert_true(a.envelope_radius == 0 && a.position_dim == 0);
  if (strip == no_distance) assert_true(a.distance == 0 && a.position_dim == with->position_dim);
  if (strip == no_forces) assert_true(a.force_features == 0 && a.drift_features == with->drift_features);
  if (strip == no_drift) assert_true(a.drift_features == 0 && a.force_features == with->force_features);
}

static void the_envelope_is_recorded(void **state) {
  (void)state;
  amp_nn_arch with = arch;
  with.envelope_radius = 7.5;
  with.position_dim = 2;
  optional_attribute_is_recorded(
      &with, &arch, "envelope.h5",
      "the file's architecture has envelope radius 7.5 over 2 dimensions, the network 0 over 0", no_envelope);
}

static void the_distance_input_is_recorded(void **state) {
  (void)state;
  amp_nn_arch with = arch, other = arch;
  with.distance = 1;
  with.position_dim = 2;
  optional_attribute_is_recorded(&with, &arch, "distance.h5", "the file's architecture has envelope radius 0 over 2",
                                 no_distance);
  other.position_dim = 2; /* the same dimension, and only the distance input differs */
  refused_by(&other, "distance.h5", "the file's architecture has distance input on, the network off");
}

/* Force columns are x columns to the network: a file with them and a network
 * with as many x columns but no forces (absolute positions) disagree. */
static void the_force_features_are_recorded(void **state) {
  (void)state;
  amp_nn_arch with = arch, absolute = arch;
  with.x_features = absolute.x_features = 2 * arch.x_features;
  with.force_features = arch.x_features;
  optional_attribute_is_recorded(&with, &absolute, "forces.h5",
                                 "the file's architecture has 4 force and 0 drift features per token, the network 0 "
                                 "and 0",
                                 no_forces);
}

/* Drift columns too are x columns: a file with forces and drifts, a
 * network with as many x columns as forces alone. */
static void the_drift_features_are_recorded(void **state) {
  (void)state;
  amp_nn_arch with = arch, forces = arch;
  with.x_features = forces.x_features = 3 * arch.x_features;
  with.force_features = with.drift_features = arch.q_features;
  forces.force_features = 2 * arch.q_features;
  optional_attribute_is_recorded(&with, &forces, "drift.h5",
                                 "the file's architecture has 2 force and 2 drift features per token, the network 4 "
                                 "and 0",
                                 no_drift);
}

static void another_architecture_is_refused(void **state) {
  (void)state;
  amp_nn_arch other = arch;
  other.layers = 3;
  refused_by(&other, "good.h5", "good.h5: the file's architecture has layers = 2, the network 3");
}

static int make_dir(void **state) {
  (void)state;
  return mpi_test_make_dir(dir, sizeof dir, "amp_test_model_");
}

static int remove_dir(void **state) {
  (void)state;
  return mpi_test_remove_dir(dir);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(round_trip_is_bitwise),
      cmocka_unit_test(failed_write_keeps_the_previous_file),
      cmocka_unit_test(damaged_files_are_refused),
      cmocka_unit_test(another_architecture_is_refused),
      cmocka_unit_test(the_neighborhood_kind_is_recorded),
      cmocka_unit_test(the_envelope_is_recorded),
      cmocka_unit_test(the_distance_input_is_recorded),
      cmocka_unit_test(the_force_features_are_recorded),
      cmocka_unit_test(the_drift_features_are_recorded),
  };
  int status = mpi_test_finish(cmocka_run_group_tests(tests, make_dir, remove_dir));
  MPI_Finalize();
  return status;
}

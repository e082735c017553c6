/*
 * model_file: writing and reading model files (see model_file.h and
 * doc/model-format.md).
 *
 * Design. Every public function has the same shape: rank 0 does the file
 * work with serial HDF5 (the default driver; a model is megabytes, not the
 * gigabytes that need MPI-IO), the ranks agree on its status (amp_io_agree),
 * and a read then broadcasts what rank 0 found. The architecture's integer
 * fields are one table (arch_fields), so writing, reading and comparing them
 * cannot drift apart. Validation happens on rank 0 before anything is
 * broadcast: format and version, the architecture (amp_nn_arch_check), every
 * tensor of the layout (present, floating point, the layout's shape), no
 * dataset the layout does not name (an H5Lvisit over the file), and finite
 * values. The neighbourhood kind is a string attribute beside the
 * architecture; a file without it predates bond-graph tokens, so it reads
 * "space". The writer refuses non-finite parameters too, so every file it
 * leaves can be read back.
 */
#include "activempi/model_file.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "activempi/files.h"
#include "config.h"
#include "h5.h"

/* Where each parameter set lives: the main set at the root, the others in groups. */
static const char *const set_prefix[AMP_MODEL_NSETS] = {
    [AMP_MODEL_MAIN] = "", [AMP_MODEL_RAW] = "raw/", [AMP_MODEL_MOMENT1] = "optimizer/m/",
    [AMP_MODEL_MOMENT2] = "optimizer/v/"};
enum { TENSOR_PATH_LEN = AMP_NN_NAME_LEN + 16 };

/* The integer fields of amp_nn_arch, as root attributes of the same names
 * (pooling is the string attribute "pooling"). */
static const struct {
  const char *name;
  size_t offset;
} arch_fields[] = {
    {"q_features", offsetof(amp_nn_arch, q_features)},
    {"x_features", offsetof(amp_nn_arch, x_features)},
    {"q_outputs", offsetof(amp_nn_arch, q_outputs)},
    {"x_outputs", offsetof(amp_nn_arch, x_outputs)},
    {"embed_dim", offsetof(amp_nn_arch, embed_dim)},
    {"heads", offsetof(amp_nn_arch, heads)},
    {"layers", offsetof(amp_nn_arch, layers)},
    {"ff_dim", offsetof(amp_nn_arch, ff_dim)},
    {"ff_layers", offsetof(amp_nn_arch, ff_layers)},
    {"embed_layers", offsetof(amp_nn_arch, embed_layers)},
    {"embed_width", offsetof(amp_nn_arch, embed_width)},
    {"decoder_layers", offsetof(amp_nn_arch, decoder_layers)},
    {"decoder_width", offsetof(amp_nn_arch, decoder_width)},
    {"equilibrium_shift", offsetof(amp_nn_arch, equilibrium_shift)},
};
enum { NFIELDS = sizeof arch_fields / sizeof arch_fields[0] };

static const char *const pooling_names[] = {[AMP_NN_POOL_SELF] = "self", [AMP_NN_POOL_MEAN] = "mean"};

static int *arch_field(amp_nn_arch *a, int i) { return (int *)((char *)a + arch_fields[i].offset); }

/* A short description of a for error messages. */
static void describe(const amp_nn_arch *a, char *buf, size_t size) {
  snprintf(buf, size,
           "%d layers, embed_dim %d, %d heads, ff_layers %d, embed_layers %d, decoder_layers %d, x_outputs %d",
           a->layers, a->embed_dim, a->heads, a->ff_layers, a->embed_layers, a->decoder_layers, a->x_outputs);
}

/* Before reporting an expected miss (an absent attribute or tensor), whose
 * HDF5 message would add nothing: clearing the stack cannot meaningfully fail. */
static void forget_hdf5_error(void) { (void)H5Eclear2(H5E_DEFAULT); }

static int comm_rank(MPI_Comm comm, int *rank, const char *path, char *err) {
  return MPI_Comm_rank(comm, rank) != MPI_SUCCESS ? amp_io_fail(err, AMP_IO_FAILED, "%s: MPI_Comm_rank failed", path)
                                                  : 0;
}

/* The first non-finite value of buf in l's tensors: its tensor, or NULL. */
static const amp_nn_tensor *non_finite(const amp_nn_layout *l, const float *buf, size_t *at) {
  for (int i = 0; i < l->ntensors; i++) {
    const amp_nn_tensor *t = &l->tensor[i];
    size_t n = (size_t)t->shape[0] * (t->rank == 2 ? (size_t)t->shape[1] : 1);
    for (size_t k = 0; k < n; k++)
      if (!isfinite(buf[t->offset + k])) {
        *at = k;
        return t;
      }
  }
  return NULL;
}

/* AMP_IO_INVALID naming the set's first non-finite value, or 0. */
static int check_finite(const amp_nn_layout *l, const float *buf, const char *prefix, const char *path, char *err) {
  size_t at = 0;
  const amp_nn_tensor *t = buf ? non_finite(l, buf, &at) : NULL;
  if (!t) return 0;
  return amp_io_fail(err, AMP_IO_INVALID, "%s: tensor %s%s holds a non-finite value (%g at element %zu)", path,
                     prefix, t->name, (double)buf[t->offset + at], at);
}

/* --- writing ------------------------------------------------------------- */

/* Now, UTC, as YYYY-MM-DDThh:mm:ssZ. */
static void utc_now(char *buf, size_t size) {
  time_t now = time(NULL);
  struct tm tm;
  if (now == (time_t)-1 || !gmtime_r(&now, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
    snprintf(buf, size, "unknown");
}

static int write_header(hid_t file, const amp_nn_arch *arch, amp_neighborhood_kind neighborhood, int64_t step,
                        const char *config) {
  amp_nn_arch a = *arch;
  const int version = AMP_MODEL_FORMAT_VERSION;
  char created[32];
  utc_now(created, sizeof created);
  int status = amp_h5_attr_string(file, "format", AMP_MODEL_FORMAT) < 0 ||
                       amp_h5_attr_write(file, "format_version", H5T_NATIVE_INT, 0, &version) < 0 ||
                       amp_h5_attr_string(file, "pooling", pooling_names[a.pooling]) < 0 ||
                       amp_h5_attr_string(file, "neighborhood", amp_neighborhood_name(neighborhood)) < 0 ||
                       amp_h5_attr_write(file, "step", H5T_NATIVE_INT64, 0, &step) < 0 ||
                       amp_h5_attr_string(file, "activempi_version", PACKAGE_VERSION) < 0 ||
                       amp_h5_attr_string(file, "created", created) < 0 ||
                       amp_h5_attr_string(file, "config", config ? config : "") < 0
                   ? -1
                   : 0;
  for (int i = 0; i < NFIELDS && !status; i++)
    status = amp_h5_attr_write(file, arch_fields[i].name, H5T_NATIVE_INT, 0, arch_field(&a, i));
  if (!status)
    status = amp_h5_attr_write(file, "envelope_radius", H5T_NATIVE_DOUBLE, 0, &a.envelope_radius) < 0 ||
             amp_h5_attr_write(file, "position_dim", H5T_NATIVE_INT, 0, &a.position_dim) < 0 ||
             amp_h5_attr_write(file, "distance", H5T_NATIVE_INT, 0, &a.distance) < 0 ||
             amp_h5_attr_write(file, "force_features", H5T_NATIVE_INT, 0, &a.force_features) < 0 ||
             amp_h5_attr_write(file, "drift_features", H5T_NATIVE_INT, 0, &a.drift_features) < 0;
  return status;
}

/* Every tensor of l from buf, as float32 datasets at prefix + its name. */
static int write_set(hid_t file, const amp_nn_layout *l, const float *buf, const char *prefix, const char *tmp,
                     char *err) {
  for (int i = 0; i < l->ntensors; i++) {
    const amp_nn_tensor *t = &l->tensor[i];
    char name[TENSOR_PATH_LEN];
    snprintf(name, sizeof name, "%s%s", prefix, t->name);
    hsize_t dims[2] = {(hsize_t)t->shape[0], (hsize_t)t->shape[1]};
    hid_t d = amp_h5_array(file, name, H5T_IEEE_F32LE, t->rank, dims);
    int failed = d < 0 || H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf + t->offset) < 0;
    if (amp_h5_close(d) < 0 || failed) return amp_io_fail(err, AMP_IO_FAILED, "%s: cannot write tensor %s", tmp, name);
  }
  return 0;
}

typedef struct {
  const amp_nn_layout *l;
  const float *const *sets;
  int64_t step;
  const char *config;
  amp_neighborhood_kind neighborhood;
} write_ctx;

/* Fill a new model file. */
static int fill_model(hid_t file, void *data, const char *tmp, char *err) {
  const write_ctx *c = data;
  if (write_header(file, &c->l->arch, c->neighborhood, c->step, c->config))
    return amp_io_fail(err, AMP_IO_FAILED, "%s: cannot write the architecture and provenance", tmp);
  int status = 0;
  for (int k = 0; k < AMP_MODEL_NSETS && !status; k++)
    if (c->sets[k]) status = write_set(file, c->l, c->sets[k], set_prefix[k], tmp, err);
  return status;
}

/* Rank 0's part: check, then write under the temporary name and publish. */
static int write_root(const char *path, const write_ctx *c, char *err) {
  int status = c->sets[AMP_MODEL_MAIN] ? 0 : amp_io_fail(err, AMP_IO_INVALID, "%s: no parameters to write", path);
  for (int k = 0; k < AMP_MODEL_NSETS && !status; k++)
    status = check_finite(c->l, c->sets[k], set_prefix[k], path, err);
  return status ? status : amp_h5_publish_serial(path, fill_model, (void *)c, err);
}

int amp_model_write_sets(const char *path, MPI_Comm comm, const amp_nn_layout *l,
                         const float *const sets[AMP_MODEL_NSETS], int64_t step, const char *config,
                         amp_neighborhood_kind neighborhood, char *err) {
  amp_h5_quiet quiet;
  amp_h5_quiet_begin(&quiet);
  err[0] = '\0';
  int rank = -1;
  const write_ctx c = {l, sets, step, config, neighborhood};
  int status = comm_rank(comm, &rank, path, err);
  if (!status && rank == 0) status = write_root(path, &c, err);
  status = amp_io_agree(comm, status, path, err);
  amp_h5_quiet_end(&quiet);
  return status;
}

int amp_model_write(const char *path, MPI_Comm comm, const amp_nn_layout *l, const float *params, const float *raw,
                    int64_t step, const char *config, amp_neighborhood_kind neighborhood, char *err) {
  const float *const sets[AMP_MODEL_NSETS] = {[AMP_MODEL_MAIN] = params, [AMP_MODEL_RAW] = raw};
  return amp_model_write_sets(path, comm, l, sets, step, config, neighborhood, err);
}

/* --- reading: rank 0 ------------------------------------------------------ */

/* An attribute added after the format's first files: absent, it keeps *value. */
static int read_optional(hid_t file, const char *name, hid_t type, void *value, const char *path, char *err) {
  htri_t there = H5Aexists(file, name);
  if (there < 0) return amp_io_fail(err, AMP_IO_FAILED, "%s: cannot look for the attribute %s", path, name);
  if (there && amp_h5_attr_read(file, name, type, 0, value)) {
    forget_hdf5_error();
    return amp_io_fail(err, AMP_IO_INVALID, "%s: architecture attribute %s malformed", path, name);
  }
  return 0;
}

/* The envelope's, the distance input's, the force and drift features'
 * attributes; absent (files written before them): none of them. */
static int read_optional_arch(hid_t file, amp_nn_arch *a, const char *path, char *err) {
  int status = read_optional(file, "envelope_radius", H5T_NATIVE_DOUBLE, &a->envelope_radius, path, err);
  if (!status) status = read_optional(file, "position_dim", H5T_NATIVE_INT, &a->position_dim, path, err);
  if (!status) status = read_optional(file, "distance", H5T_NATIVE_INT, &a->distance, path, err);
  if (!status) status = read_optional(file, "force_features", H5T_NATIVE_INT, &a->force_features, path, err);
  if (!status) status = read_optional(file, "drift_features", H5T_NATIVE_INT, &a->drift_features, path, err);
  return status;
}

static int read_arch(hid_t file, amp_nn_arch *a, const char *path, char *err) {
  char pooling[16], why[256];
  memset(a, 0, sizeof *a);
  for (int i = 0; i < NFIELDS; i++)
    if (amp_h5_attr_read(file, arch_fields[i].name, H5T_NATIVE_INT, 0, arch_field(a, i))) {
      forget_hdf5_error();
      return amp_io_fail(err, AMP_IO_INVALID, "%s: architecture attribute %s missing or not an integer", path,
                         arch_fields[i].name);
    }
  if (amp_h5_attr_read_string(file, "pooling", pooling, sizeof pooling)) {
    forget_hdf5_error();
    return amp_io_fail(err, AMP_IO_INVALID, "%s: architecture attribute pooling missing or not a string", path);
  }
  if (strcmp(pooling, "self") && strcmp(pooling, "mean"))
    return amp_io_fail(err, AMP_IO_INVALID, "%s: pooling is \"%s\", not \"self\" or \"mean\"", path, pooling);
  a->pooling = strcmp(pooling, "self") ? AMP_NN_POOL_MEAN : AMP_NN_POOL_SELF;
  int status = read_optional_arch(file, a, path, err);
  if (status) return status;
  if (amp_nn_arch_check(a, why, sizeof why))
    return amp_io_fail(err, AMP_IO_INVALID, "%s: invalid architecture: %s", path, why);
  return 0;
}

/* The neighbourhood kind attribute; absent (files written before it): space. */
static int read_neighborhood(hid_t file, amp_neighborhood_kind *kind, const char *path, char *err) {
  char name[16];
  *kind = AMP_NEIGHBORHOOD_SPACE;
  htri_t there = H5Aexists(file, "neighborhood");
  if (there < 0) return amp_io_fail(err, AMP_IO_FAILED, "%s: cannot look for the attribute neighborhood", path);
  if (!there) return 0;
  if (amp_h5_attr_read_string(file, "neighborhood", name, sizeof name)) {
    forget_hdf5_error();
    return amp_io_fail(err, AMP_IO_INVALID, "%s: attribute neighborhood is not a short string", path);
  }
  for (int k = AMP_NEIGHBORHOOD_SPACE; k <= AMP_NEIGHBORHOOD_BONDS; k++)
    if (!strcmp(name, amp_neighborhood_name((amp_neighborhood_kind)k))) {
      *kind = (amp_neighborhood_kind)k;
      return 0;
    }
  return amp_io_fail(err, AMP_IO_INVALID, "%s: neighborhood is \"%s\", not \"space\" or \"bonds\"", path, name);
}

/* Open path and read its format, architecture and neighbourhood kind; *file
 * is open on success. */
static int open_model(const char *path, hid_t *file, amp_nn_arch *a, amp_neighborhood_kind *kind, char *err) {
  char format[64];
  int version;
  *file = -1;
  if (access(path, R_OK))
    return amp_io_fail(err, AMP_IO_INVALID, "cannot open the model file %s: %s", path, strerror(errno));
  *file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (*file < 0) return amp_io_fail(err, AMP_IO_INVALID, "cannot open the model file %s", path);
  if (amp_h5_attr_read_string(*file, "format", format, sizeof format) || strcmp(format, AMP_MODEL_FORMAT)) {
    forget_hdf5_error();
    return amp_io_fail(err, AMP_IO_INVALID, "%s is not an activempi model file (no format = \"%s\")", path,
                       AMP_MODEL_FORMAT);
  }
  if (amp_h5_attr_read(*file, "format_version", H5T_NATIVE_INT, 0, &version))
    return amp_io_fail(err, AMP_IO_INVALID, "%s: format_version missing", path);
  if (version != AMP_MODEL_FORMAT_VERSION)
    return amp_io_fail(err, AMP_IO_INVALID, "%s: model format version %d; this activempi reads version %d", path,
                       version, AMP_MODEL_FORMAT_VERSION);
  int status = read_arch(*file, a, path, err);
  return status ? status : read_neighborhood(*file, kind, path, err);
}

/* The layout must be the file's architecture. */
static int same_arch(const amp_nn_arch *file, const amp_nn_arch *layout, const char *path, char *err) {
  amp_nn_arch f = *file, l = *layout;
  for (int i = 0; i < NFIELDS; i++)
    if (*arch_field(&f, i) != *arch_field(&l, i))
      return amp_io_fail(err, AMP_IO_INVALID, "%s: the file's architecture has %s = %d, the network %d", path,
                         arch_fields[i].name, *arch_field(&f, i), *arch_field(&l, i));
  if (f.pooling != l.pooling)
    return amp_io_fail(err, AMP_IO_INVALID, "%s: the file's architecture has pooling \"%s\", the network \"%s\"", path,
                       pooling_names[f.pooling], pooling_names[l.pooling]);
  if (f.envelope_radius != l.envelope_radius || f.position_dim != l.position_dim)
    return amp_io_fail(err, AMP_IO_INVALID, "%s: the file's architecture has envelope radius %g over %d dimensions, "
                       "the network %g over %d", path, f.envelope_radius, f.position_dim, l.envelope_radius,
                       l.position_dim);
  if (f.distance != l.distance)
    return amp_io_fail(err, AMP_IO_INVALID, "%s: the file's architecture has distance input %s, the network %s", path,
                       f.distance ? "on" : "off", l.distance ? "on" : "off");
  if (f.force_features != l.force_features || f.drift_features != l.drift_features)
    return amp_io_fail(err, AMP_IO_INVALID, "%s: the file's architecture has %d force and %d drift features per "
                       "token, the network %d and %d", path, f.force_features, f.drift_features, l.force_features,
                       l.drift_features);
  return 0;
}

static int read_provenance(hid_t file, amp_model_provenance *p, const char *path, char *err) {
  size_t n = amp_h5_attr_string_size(file, "config");
  p->config = n ? malloc(n) : NULL;
  if (n && !p->config) return amp_io_fail(err, AMP_IO_FAILED, "%s: out of memory", path);
  if (amp_h5_attr_read(file, "step", H5T_NATIVE_INT64, 0, &p->step) ||
      amp_h5_attr_read_string(file, "activempi_version", p->version, sizeof p->version) ||
      amp_h5_attr_read_string(file, "created", p->created, sizeof p->created) || !p->config ||
      amp_h5_attr_read_string(file, "config", p->config, n))
    return amp_io_fail(err, AMP_IO_INVALID,
                       "%s: provenance (step, activempi_version, created, config) missing or malformed", path);
  htri_t raw = H5Lexists(file, "raw", H5P_DEFAULT), optimizer = H5Lexists(file, "optimizer", H5P_DEFAULT);
  if (raw < 0 || optimizer < 0) return amp_io_fail(err, AMP_IO_FAILED, "%s: cannot look for /raw and /optimizer", path);
  p->has_raw = raw > 0;
  p->has_optimizer = optimizer > 0;
  return 0;
}

/* "[3, 4]" */
static void format_shape(char *buf, size_t size, int rank, const hsize_t *dims) {
  int n = snprintf(buf, size, "[");
  for (int i = 0; i < rank && n > 0 && (size_t)n < size; i++)
    n += snprintf(buf + n, size - (size_t)n, "%s%llu", i ? ", " : "", (unsigned long long)dims[i]);
  if (n > 0 && (size_t)n < size) snprintf(buf + n, size - (size_t)n, "]");
}

/* Dataset d holds floating-point numbers of tensor t's shape. */
static int check_dataset(hid_t d, const amp_nn_tensor *t, const char *name, const char *path, char *err) {
  hsize_t dims[H5S_MAX_RANK], want[2] = {(hsize_t)t->shape[0], (hsize_t)t->shape[1]};
  hid_t space = H5Dget_space(d), type = H5Dget_type(d);
  int rank = space < 0 ? -1 : H5Sget_simple_extent_dims(space, dims, NULL);
  H5T_class_t kind = type < 0 ? H5T_NO_CLASS : H5Tget_class(type);
  if (amp_h5_close(space) < 0 || amp_h5_close(type) < 0 || rank < 0)
    return amp_io_fail(err, AMP_IO_FAILED, "%s: cannot inspect tensor %s", path, name);
  if (kind != H5T_FLOAT) return amp_io_fail(err, AMP_IO_INVALID, "%s: tensor %s is not floating point", path, name);
  int same = rank == t->rank;
  for (int i = 0; same && i < rank; i++) same = dims[i] == want[i];
  if (same) return 0;
  char have[96], need[96];
  format_shape(have, sizeof have, rank, dims);
  format_shape(need, sizeof need, t->rank, want);
  return amp_io_fail(err, AMP_IO_INVALID, "%s: tensor %s has shape %s, the architecture needs %s", path, name, have,
                     need);
}

static int read_tensor(hid_t file, const amp_nn_layout *l, const amp_nn_tensor *t, const char *prefix, float *buf,
                       const char *path, char *err) {
  char name[TENSOR_PATH_LEN], arch[256];
  snprintf(name, sizeof name, "%s%s", prefix, t->name);
  /* H5Oexists_by_name fails (< 0) when a group on the way is missing: also "missing". */
  if (H5Oexists_by_name(file, name, H5P_DEFAULT) <= 0) {
    forget_hdf5_error();
    describe(&l->arch, arch, sizeof arch);
    return amp_io_fail(err, AMP_IO_INVALID, "%s: tensor %s missing: the file's architecture (%s) needs it", path,
                       name, arch);
  }
  hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
  if (d < 0) return amp_io_fail(err, AMP_IO_INVALID, "%s: %s is not a dataset", path, name);
  int status = check_dataset(d, t, name, path, err);
  if (!status && H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf + t->offset) < 0)
    status = amp_io_fail(err, AMP_IO_FAILED, "%s: cannot read tensor %s", path, name);
  if (H5Dclose(d) < 0 && !status) status = amp_io_fail(err, AMP_IO_FAILED, "%s: cannot close tensor %s", path, name);
  return status;
}

static int read_set(hid_t file, const amp_nn_layout *l, float *buf, const char *prefix, const char *path,
                    char *err) {
  int status = 0;
  for (int i = 0; i < l->ntensors && !status; i++) status = read_tensor(file, l, &l->tensor[i], prefix, buf, path, err);
  return status ? status : check_finite(l, buf, prefix, path, err);
}

/* H5Lvisit: stop (1) at the first object that is neither a group nor a
 * tensor of the layout (in any parameter set), its name into unknown. */
typedef struct {
  const amp_nn_layout *l;
  char unknown[TENSOR_PATH_LEN + 64];
} visit_ctx;

static herr_t visit_link(hid_t group, const char *name, const H5L_info_t *info, void *data) {
  visit_ctx *c = data;
  hid_t obj = info->type == H5L_TYPE_HARD ? H5Oopen(group, name, H5P_DEFAULT) : -1;
  H5I_type_t kind = obj < 0 ? H5I_BADID : H5Iget_type(obj);
  if (obj >= 0 && H5Oclose(obj) < 0) return -1;
  const char *tensor = name;
  for (int k = 1; k < AMP_MODEL_NSETS; k++)
    if (!strncmp(name, set_prefix[k], strlen(set_prefix[k]))) tensor = name + strlen(set_prefix[k]);
  if (kind == H5I_GROUP || (kind == H5I_DATASET && amp_nn_layout_find(c->l, tensor))) return 0;
  snprintf(c->unknown, sizeof c->unknown, "%s", name);
  return 1;
}

static int no_unknown(hid_t file, const amp_nn_layout *l, const char *path, char *err) {
  visit_ctx c = {.l = l};
  herr_t found = H5Lvisit(file, H5_INDEX_NAME, H5_ITER_INC, visit_link, &c);
  if (found < 0) return amp_io_fail(err, AMP_IO_FAILED, "%s: cannot list its datasets", path);
  if (!found) return 0;
  char arch[256];
  describe(&l->arch, arch, sizeof arch);
  return amp_io_fail(err, AMP_IO_INVALID, "%s: unknown object %s: the file's architecture (%s) has no such tensor",
                     path, c.unknown, arch);
}

/* Is set k of the file there (the main set always is)? */
static int has_set(const amp_model_provenance *p, int k) {
  return k == AMP_MODEL_MAIN || (k == AMP_MODEL_RAW ? p->has_raw : p->has_optimizer);
}

/* Rank 0's part of amp_model_read_sets: everything, checked. */
static int read_root(const char *path, const amp_nn_layout *l, float *const *sets, amp_model_provenance *p,
                     char *err) {
  amp_nn_arch a;
  amp_neighborhood_kind kind;
  hid_t file;
  int status = open_model(path, &file, &a, &kind, err);
  if (!status) status = same_arch(&a, &l->arch, path, err);
  if (!status) status = read_provenance(file, p, path, err);
  if (!status && (sets[AMP_MODEL_MOMENT1] || sets[AMP_MODEL_MOMENT2]) && !p->has_optimizer)
    status = amp_io_fail(err, AMP_IO_INVALID, "%s has no optimizer state: it is a model, not a training checkpoint",
                         path);
  for (int k = 0; k < AMP_MODEL_NSETS && !status; k++)
    if (sets[k] && has_set(p, k)) status = read_set(file, l, sets[k], set_prefix[k], path, err);
  if (!status) status = no_unknown(file, l, path, err);
  if (amp_h5_close(file) < 0 && !status) status = amp_io_fail(err, AMP_IO_FAILED, "cannot close %s", path);
  return status;
}

/* --- reading: every rank -------------------------------------------------- */

static int bcast_floats(MPI_Comm comm, float *buf, size_t n) {
  const size_t chunk = INT_MAX;
  for (size_t at = 0; at < n; at += chunk) {
    int k = (int)(n - at < chunk ? n - at : chunk);
    if (MPI_Bcast(buf + at, k, MPI_FLOAT, 0, comm) != MPI_SUCCESS) return -1;
  }
  return 0;
}

/* Rank 0's provenance to every rank (p->config allocated on the others). */
static int bcast_provenance(MPI_Comm comm, int rank, amp_model_provenance *p, const char *path, char *err) {
  char *config = p->config;
  int len = rank == 0 ? (int)strlen(config) + 1 : 0;
  if (MPI_Bcast(&len, 1, MPI_INT, 0, comm) != MPI_SUCCESS ||
      MPI_Bcast(p, (int)sizeof *p, MPI_BYTE, 0, comm) != MPI_SUCCESS)
    return amp_io_fail(err, AMP_IO_FAILED, "%s: MPI_Bcast failed", path);
  p->config = rank == 0 ? config : malloc((size_t)len);
  int status = p->config ? 0 : amp_io_fail(err, AMP_IO_FAILED, "%s: out of memory", path);
  status = amp_io_agree(comm, status, path, err);
  if (!status && MPI_Bcast(p->config, len, MPI_CHAR, 0, comm) != MPI_SUCCESS)
    status = amp_io_fail(err, AMP_IO_FAILED, "%s: MPI_Bcast failed", path);
  return status;
}

/* Rank 0's parameters and provenance to every rank; a /raw the file lacks is
 * a copy of the main set. */
static int share(MPI_Comm comm, int rank, const amp_nn_layout *l, float *const *sets, amp_model_provenance *p,
                 const char *path, char *err) {
  int status = bcast_provenance(comm, rank, p, path, err);
  for (int k = 0; k < AMP_MODEL_NSETS && !status; k++)
    if (sets[k] && has_set(p, k) && bcast_floats(comm, sets[k], l->nparams))
      status = amp_io_fail(err, AMP_IO_FAILED, "%s: MPI_Bcast failed", path);
  if (!status && sets[AMP_MODEL_RAW] && !p->has_raw)
    memcpy(sets[AMP_MODEL_RAW], sets[AMP_MODEL_MAIN], l->nparams * sizeof(float));
  return status;
}

void amp_model_provenance_free(amp_model_provenance *p) {
  free(p->config);
  p->config = NULL;
}

int amp_model_read_sets(const char *path, MPI_Comm comm, const amp_nn_layout *l, float *const sets[AMP_MODEL_NSETS],
                        amp_model_provenance *prov, char *err) {
  amp_h5_quiet quiet;
  amp_h5_quiet_begin(&quiet);
  err[0] = '\0';
  int rank = -1;
  amp_model_provenance p = {0};
  int status = comm_rank(comm, &rank, path, err);
  if (!status && rank == 0) status = read_root(path, l, sets, &p, err);
  status = amp_io_agree(comm, status, path, err);
  if (!status) status = amp_io_agree(comm, share(comm, rank, l, sets, &p, path, err), path, err);
  if (!status && prov) *prov = p;
  else amp_model_provenance_free(&p);
  amp_h5_quiet_end(&quiet);
  return status;
}

int amp_model_read(const char *path, MPI_Comm comm, const amp_nn_layout *l, float *params, float *raw,
                   amp_model_provenance *prov, char *err) {
  float *const sets[AMP_MODEL_NSETS] = {[AMP_MODEL_MAIN] = params, [AMP_MODEL_RAW] = raw};
  return amp_model_read_sets(path, comm, l, sets, prov, err);
}

int amp_model_read_arch(const char *path, MPI_Comm comm, amp_nn_arch *arch, amp_neighborhood_kind *neighborhood,
                        char *err) {
  amp_h5_quiet quiet;
  amp_h5_quiet_begin(&quiet);
  err[0] = '\0';
  int rank = -1;
  amp_neighborhood_kind kind = AMP_NEIGHBORHOOD_SPACE;
  hid_t file = -1;
  int status = comm_rank(comm, &rank, path, err);
  if (!status && rank == 0) status = open_model(path, &file, arch, &kind, err);
  if (amp_h5_close(file) < 0 && !status) status = amp_io_fail(err, AMP_IO_FAILED, "cannot close %s", path);
  status = amp_io_agree(comm, status, path, err);
  int k = (int)kind;
  if (!status && (MPI_Bcast(arch, (int)sizeof *arch, MPI_BYTE, 0, comm) != MPI_SUCCESS ||
                  MPI_Bcast(&k, 1, MPI_INT, 0, comm) != MPI_SUCCESS))
    status = amp_io_fail(err, AMP_IO_FAILED, "%s: MPI_Bcast failed", path);
  if (neighborhood) *neighborhood = (amp_neighborhood_kind)k;
  status = amp_io_agree(comm, status, path, err);
  amp_h5_quiet_end(&quiet);
  return status;
}

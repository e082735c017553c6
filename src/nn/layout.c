/*
 * The parameter layout: every tensor of the network, named by its path, at
 * an offset of one flat buffer.
 *
 * Order in the buffer (and in a model file):
 *   q_embed/linear_i/{weight,bias}            i = 0 .. embed_layers
 *   x_embed/linear_i/{weight,bias}
 *   encoder/block_l/attention/{query,key,value,output}/{weight,bias}
 *   encoder/block_l/norm_1/{scale,offset}
 *   encoder/block_l/feedforward/linear_i/{weight,bias}   i = 0 .. ff_layers
 *   encoder/block_l/norm_2/{scale,offset}
 *   decoder/linear_i/{weight,bias}            i = 0 .. decoder_layers
 *   decoder_x/linear_i/{weight,bias}          (with a position head)
 * Weights are [in, out]. Each tensor records its initialiser (nn.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activempi/nn.h"

void amp_nn_arch_describe(const amp_nn_arch *a, char *buf, size_t size) {
  snprintf(buf, size,
           "features q %d x %d, outputs q %d x %d, C %d, heads %d, layers %d, feed-forward %dx%d, embedding %dx%d, "
           "decoder %dx%d, pooling %s, shift %s, envelope %g over %d, distance %s, force features %d, drift features %d",
           a->q_features, a->x_features, a->q_outputs, a->x_outputs, a->embed_dim, a->heads, a->layers, a->ff_layers,
           a->ff_dim, a->embed_layers, a->embed_width, a->decoder_layers, a->decoder_width,
           a->pooling == AMP_NN_POOL_MEAN ? "mean" : "self", a->equilibrium_shift ? "equilibrium" : "none",
           a->envelope_radius, a->position_dim, a->distance ? "input" : "none", a->force_features,
           a->drift_features);
}

int amp_nn_arch_check(const amp_nn_arch *a, char *err, size_t errlen) {
  const char *why = NULL;
  if (a->q_features < 1 || a->x_features < 1 || a->q_outputs < 1 || a->x_outputs < 0)
    why = "input and output sizes must be at least 1";
  else if (a->embed_dim < 2 || a->embed_dim % 2)
    why = "embed_dim must be even";
  else if (a->heads < 1 || a->embed_dim % a->heads)
    why = "embed_dim must be a multiple of heads";
  else if (a->layers < 1 || a->ff_dim < 1 || a->ff_layers < 0 || a->embed_layers < 0 || a->embed_width < 1 ||
           a->decoder_layers < 0 || a->decoder_width < 1)
    why = "layer counts must be >= 0 (blocks >= 1) and widths >= 1";
  else if (a->equilibrium_shift && a->q_outputs != a->q_features)
    why = "the equilibrium shift needs as many outputs as internal-coordinate features";
  else if (!(a->envelope_radius >= 0) ||
           (a->envelope_radius > 0 && (a->position_dim < 1 || a->position_dim > a->x_features)))
    why = "an envelope needs a radius > 0 and 1 <= position_dim <= x_features";
  else if ((a->distance != 0 && a->distance != 1) ||
           (a->distance && (a->position_dim < 1 || a->position_dim > a->x_features)))
    why = "the distance input is 0 or 1 and needs 1 <= position_dim <= x_features";
  else if (a->force_features < 0 || a->drift_features < 0 || a->force_features + a->drift_features >= a->x_features)
    why = "force_features and drift_features must leave at least one position feature";
  else if (a->drift_features && a->drift_features != a->q_features)
    why = "drift_features must match q_features (a drift per internal coordinate)";
  if (why) snprintf(err, errlen, "%s", why);
  return why ? -1 : 0;
}

/* Appends tensors while laying out the buffer. */
typedef struct {
  amp_nn_layout *l;
  int cap;
  int failed;
} builder;

static size_t add_tensor(builder *b, const char *name, int rank, int d0, int d1, int fan_in,
                         amp_nn_init_kind init) {
  amp_nn_layout *l = b->l;
  if (l->ntensors == b->cap) {
    int cap = b->cap ? 2 * b->cap : 64;
    amp_nn_tensor *t = realloc(l->tensor, (size_t)cap * sizeof *t);
    if (!t) {
      b->failed = 1;
      return 0;
    }
    l->tensor = t;
    b->cap = cap;
  }
  amp_nn_tensor *t = &l->tensor[l->ntensors++];
  memset(t, 0, sizeof *t);
  snprintf(t->name, sizeof t->name, "%s", name);
  t->offset = l->nparams;
  t->rank = rank;
  t->shape[0] = d0;
  t->shape[1] = rank == 2 ? d1 : 0;
  t->fan_in = fan_in;
  t->init = init;
  l->nparams += (size_t)d0 * (rank == 2 ? (size_t)d1 : 1);
  return t->offset;
}

static amp_nn_linear add_linear(builder *b, const char *path, int in, int out, amp_nn_init_kind init) {
  char name[AMP_NN_NAME_LEN];
  amp_nn_linear L = {.in = in, .out = out};
  snprintf(name, sizeof name, "%s/weight", path);
  L.w = add_tensor(b, name, 2, in, out, in, init);
  snprintf(name, sizeof name, "%s/bias", path);
  L.b = add_tensor(b, name, 1, out, 0, in, AMP_NN_INIT_ZEROS);
  return L;
}

static amp_nn_norm add_norm(builder *b, const char *path, int dim) {
  char name[AMP_NN_NAME_LEN];
  amp_nn_norm N = {.dim = dim};
  snprintf(name, sizeof name, "%s/scale", path);
  N.scale = add_tensor(b, name, 1, dim, 0, dim, AMP_NN_INIT_ONES);
  snprintf(name, sizeof name, "%s/offset", path);
  N.offset = add_tensor(b, name, 1, dim, 0, dim, AMP_NN_INIT_ZEROS);
  return N;
}

/* hidden layers of `width`, then a last layer to `out` */
static amp_nn_mlp add_mlp(builder *b, const char *path, int in, int hidden, int width, int out) {
  amp_nn_mlp m = {.n = hidden + 1, .layer = calloc((size_t)hidden + 1, sizeof(amp_nn_linear))};
  if (!m.layer) {
    b->failed = 1;
    m.n = 0;
    return m;
  }
  for (int i = 0; i <= hidden; i++) {
    char name[AMP_NN_NAME_LEN];
    snprintf(name, sizeof name, "%s/linear_%d", path, i);
    m.layer[i] = add_linear(b, name, i ? width : in, i < hidden ? width : out, AMP_NN_INIT_LINEAR);
  }
  return m;
}

static void add_block(builder *b, amp_nn_block *blk, int index) {
  const amp_nn_arch *a = &b->l->arch;
  char path[32], name[AMP_NN_NAME_LEN];
  int C = a->embed_dim;
  snprintf(path, sizeof path, "encoder/block_%d", index);
  amp_nn_linear *proj[4] = {&blk->query, &blk->key, &blk->value, &blk->output};
  const char *pname[4] = {"query", "key", "value", "output"};
  for (int p = 0; p < 4; p++) {
    snprintf(name, sizeof name, "%s/attention/%s", path, pname[p]);
    *proj[p] = add_linear(b, name, C, C, AMP_NN_INIT_SCALED);
  }
  snprintf(name, sizeof name, "%s/norm_1", path);
  blk->norm1 = add_norm(b, name, C);
  snprintf(name, sizeof name, "%s/feedforward", path);
  blk->ff = add_mlp(b, name, C, a->ff_layers, a->ff_dim, C);
  snprintf(name, sizeof name, "%s/norm_2", path);
  blk->norm2 = add_norm(b, name, C);
}

int amp_nn_layout_init(amp_nn_layout *l, const amp_nn_arch *a) {
  char err[256];
  memset(l, 0, sizeof *l);
  if (amp_nn_arch_check(a, err, sizeof err)) return -1;
  l->arch = *a;
  builder b = {.l = l};
  int half = a->embed_dim / 2;
  l->q_embed = add_mlp(&b, "q_embed", a->q_features, a->embed_layers, a->embed_width, half);
  l->x_embed = add_mlp(&b, "x_embed", a->x_features + a->distance, a->embed_layers, a->embed_width, half);
  l->block = calloc((size_t)a->layers, sizeof *l->block);
  if (!l->block) b.failed = 1;
  for (int i = 0; l->block && i < a->layers; i++) add_block(&b, &l->block[i], i);
  l->decoder = add_mlp(&b, "decoder", a->embed_dim, a->decoder_layers, a->decoder_width, a->q_outputs);
  if (a->x_outputs)
    l->decoder_x = add_mlp(&b, "decoder_x", a->embed_dim, a->decoder_layers, a->decoder_width, a->x_outputs);
  if (b.failed) {
    amp_nn_layout_free(l);
    return -1;
  }
  return 0;
}

void amp_nn_layout_free(amp_nn_layout *l) {
  free(l->q_embed.layer);
  free(l->x_embed.layer);
  for (int i = 0; l->block && i < l->arch.layers; i++) free(l->block[i].ff.layer);
  free(l->block);
  free(l->decoder.layer);
  free(l->decoder_x.layer);
  free(l->tensor);
  memset(l, 0, sizeof *l);
}

const amp_nn_tensor *amp_nn_layout_find(const amp_nn_layout *l, const char *name) {
  for (int i = 0; i < l->ntensors; i++)
    if (!strcmp(l->tensor[i].name, name)) return &l->tensor[i];
  return NULL;
}

static double mlp_macs(const amp_nn_mlp *m) {
  double macs = 0;
  for (int i = 0; i < m->n; i++) macs += (double)m->layer[i].in * m->layer[i].out;
  return macs;
}

double amp_nn_forward_macs(const amp_nn_layout *l, int tokens) {
  const amp_nn_arch *a = &l->arch;
  double T = tokens, C = a->embed_dim;
  double per_token = mlp_macs(&l->q_embed) + mlp_macs(&l->x_embed);
  double block = 4 * C * C + (a->layers ? mlp_macs(&l->block[0].ff) : 0);
  double attention = 2 * T * C; /* q k^T and P v, per token */
  return T * (per_token + a->layers * (block + attention)) + mlp_macs(&l->decoder) + mlp_macs(&l->decoder_x);
}

/*
 * nn: the spatially local score transformer (science.md §4), forward,
 * backward and input Jacobian, over BLAS.
 *
 * Design. The network reads, for each of B particles, T = K + 1 tokens (the
 * particle itself, then its K nearest neighbours, padded and masked), and
 * returns the score with respect to that particle's internal coordinate
 * (and, with a second head, its position). It is the reference's
 * "transformer_separate_encode" (nmboffi/active_pflows, py/common/networks.py):
 *
 *   token t:  h0[t] = [ g_embed(q[t]) , x_embed(x[t]) ]         (C/2 + C/2)
 *   block:    h = LN1(h + MHA(h));  h = LN2(h + FF(h))           (post-LN, L blocks)
 *   readout:  s_q = decoder(h[0])  (or the masked mean of h)   (+ s_x = decoder_x(...))
 *
 * optionally with a smooth cutoff envelope: neighbour token t weighed by
 * w(r_t) = (1 - r_t^2/R^2)^2 in every attention row and in mean pooling, so
 * the outputs stay continuous as a neighbour crosses the cutoff R, and
 * optionally with the distance input: x_embed reads [x[t], |x[t][0:d]|]
 *
 * with every MLP a stack of Linear + GELU (tanh form, as jax.nn.gelu) and a
 * last Linear; LayerNorm with scale and offset, eps 1e-5 (haiku's default);
 * multi-head attention with biases on the query, key, value and output
 * projections, masked keys at logit -1e30 (as the reference).
 *
 * The module knows nothing of particles or MPI: learn/ builds the token
 * tensors (include/activempi/neighborhood.h) and sums gradients.
 *
 * Parameters. The layout (amp_nn_layout) names every tensor and gives its
 * offset in one flat buffer; parameters, gradients and optimiser moments are
 * flat buffers of that one layout, so one memcpy checkpoints them and one
 * MPI_Allreduce sums them. Weights are [in, out] row-major (y = x W + b), the
 * reference's (haiku's) convention, so a model file reads the same in numpy.
 *
 * Precision. The same sources compile twice: float (cblas_sgemm, the
 * library's network) and, with -DAMP_NN_DOUBLE, double (cblas_dgemm, the
 * gradient-check tests). AMP_NN(name) names the typed functions and structs:
 * amp_nn_* for float, amp_nnd_* for double; amp_nn_real is the element type.
 * Long sums (LayerNorm moments, softmax normalisers, bias gradients) are
 * accumulated in double in both builds.
 */
#ifndef ACTIVEMPI_NN_H
#define ACTIVEMPI_NN_H

#include <stddef.h>
#include <stdint.h>

/* ---- type-independent: architecture and parameter layout ------------------ */
typedef enum { AMP_NN_POOL_SELF, AMP_NN_POOL_MEAN } amp_nn_pooling;

/* Everything that fixes the network's shape (the [network] table plus what
 * the model implies). */
typedef struct {
  int q_features;     /* nf: features of the internal coordinate per token */
  int x_features;     /* nx: position features per token (d, or 2d with absolute positions; + 1 with the hop) */
  int q_outputs;      /* outputs of the internal-coordinate score head */
  int x_outputs;      /* outputs of the position score head; 0: no such head */
  int embed_dim;      /* C (even, a multiple of heads) */
  int heads;          /* H */
  int layers;         /* L encoder blocks */
  int ff_dim;         /* F */
  int ff_layers;      /* hidden layers of each feed-forward MLP (reference: 1) */
  int embed_layers;   /* hidden layers of the embedding MLPs */
  int embed_width;    /* their width */
  int decoder_layers; /* hidden layers of the decoder MLPs */
  int decoder_width;  /* their width */
  amp_nn_pooling pooling;
  int equilibrium_shift; /* 1: s_q = net - q (needs q_outputs == q_features) */
  double envelope_radius; /* R > 0: neighbour tokens weighed by (1 - r^2/R^2)^2 in attention and
                             mean pooling (envelope.c); 0: no envelope */
  int distance;           /* 1: the position embedding also reads r = |x[0:position_dim]| (distance.c) */
  int force_features;     /* columns of x that are the token particle's force, not a position (the learn
                             module's; inputs like any other here), or 0: the last ones, or those before
                             the drift's */
  int drift_features;     /* the last columns of x: the token particle's drift relative to the target's
                             (learn module's), which move with the target's q by -drift_scale per unit
                             (input_jacobian), or 0 */
  int position_dim;       /* d: x's first d columns are x_i - x_j (r = their norm); with an envelope or the
                             distance input, else 0 */
} amp_nn_arch;

/* How a tensor starts (reference initialisers, haiku's definitions):
 * LINEAR: truncated normal (+-2 sd) with sd 1/sqrt(fan_in), uncorrected
 * (hk.Linear); SCALED: truncated normal with the truncation corrected so the
 * variance is 1/fan_in (hk.initializers.VarianceScaling(), attention);
 * ZEROS, ONES. */
typedef enum { AMP_NN_INIT_LINEAR, AMP_NN_INIT_SCALED, AMP_NN_INIT_ZEROS, AMP_NN_INIT_ONES } amp_nn_init_kind;

#define AMP_NN_NAME_LEN 96

typedef struct {
  char name[AMP_NN_NAME_LEN]; /* path, e.g. "encoder/block_0/attention/query/weight" */
  size_t offset;              /* first element in the flat buffer */
  int rank;                   /* 1 or 2 */
  int shape[2];               /* [in, out] for weights, [n] for vectors */
  int fan_in;                 /* for the initialiser */
  amp_nn_init_kind init;
} amp_nn_tensor;

typedef struct {
  size_t w, b; /* offsets of weight [in, out] and bias [out] */
  int in, out;
} amp_nn_linear;

typedef struct {
  size_t scale, offset; /* [dim] each */
  int dim;
} amp_nn_norm;

typedef struct {
  int n;                /* linear layers: hidden + 1 */
  amp_nn_linear *layer; /* [n]; GELU after every layer but the last */
} amp_nn_mlp;

typedef struct {
  amp_nn_linear query, key, value, output;
  amp_nn_norm norm1, norm2;
  amp_nn_mlp ff;
} amp_nn_block;

typedef struct {
  amp_nn_arch arch;
  size_t nparams;         /* elements of a flat buffer */
  amp_nn_mlp q_embed;     /* nf -> C/2 */
  amp_nn_mlp x_embed;     /* nx -> C/2 */
  amp_nn_block *block;    /* [layers] */
  amp_nn_mlp decoder;     /* C -> q_outputs */
  amp_nn_mlp decoder_x;   /* C -> x_outputs (n = 0 without that head) */
  int ntensors;
  amp_nn_tensor *tensor;  /* [ntensors], in buffer order */
} amp_nn_layout;

/* Check an architecture: one line in err (no newline) and -1 when it cannot
 * be built (sizes < 1, odd C, C not a multiple of H, shift without matching
 * sizes), else 0. */
int amp_nn_arch_check(const amp_nn_arch *a, char *err, size_t errlen);

/* Every field of a on one line ("features q 2 x 4, outputs q 2 x 0, C 16,
 * ..."), so two architectures are equal exactly when their descriptions are. */
void amp_nn_arch_describe(const amp_nn_arch *a, char *buf, size_t size);

/* Lay out the parameters of architecture a (checked). Returns 0, or -1 when
 * out of memory or the architecture is invalid. */
int amp_nn_layout_init(amp_nn_layout *l, const amp_nn_arch *a);
void amp_nn_layout_free(amp_nn_layout *l);

/* The tensor named `name`, or NULL. */
const amp_nn_tensor *amp_nn_layout_find(const amp_nn_layout *l, const char *name);

/* Multiply-adds of one particle's forward pass with T tokens (the dense
 * linear algebra; times 2 for flops). */
double amp_nn_forward_macs(const amp_nn_layout *l, int tokens);

/* ---- typed: parameters, activations, passes -------------------------------- */
#ifdef AMP_NN_DOUBLE
#define AMP_NN(name) amp_nnd_##name
#define amp_nn_real double
#else
#define AMP_NN(name) amp_nn_##name
#define amp_nn_real float
#endif

/* Fill the flat buffer params [l->nparams] with the reference's initial
 * values, a deterministic function of (seed, element index): the same model
 * on any machine and any number of ranks. */
void AMP_NN(init_params)(const amp_nn_layout *l, uint64_t seed, amp_nn_real *params);

/* Activations of one micro-batch: what the backward pass needs, kept from
 * the forward pass. Zero-initialise, then AMP_NN(workspace_init). */
typedef struct {
  int capacity;     /* particles per micro-batch */
  int tokens;       /* T */
  int batch;        /* particles of the last forward */
  int backward;     /* 1: room for the backward pass */
  int layers;       /* encoder blocks (entries of blk) */
  size_t elements;  /* amp_nn_real elements allocated */
  amp_nn_real *mem; /* one allocation; the views below point into it */
  size_t delements; /* doubles allocated */
  double *dmem;     /* the double views (LayerNorm moments, column sums) */
  /* per embedding MLP, per hidden layer: pre-activation and GELU output [M, width] */
  amp_nn_real **q_pre, **q_act, **x_pre, **x_act;
  amp_nn_real *x_emb_in; /* [M, nx + 1] position embedding input with the distance (distance.c) */
  amp_nn_real *h0;  /* [M, C] tokens after embedding */
  amp_nn_real *kbias; /* [M] log envelope weight of each token (0 without an envelope) */
  struct AMP_NN(block_acts) {
    amp_nn_real *q, *k, *v;  /* [M, C] projections */
    amp_nn_real *prob;       /* [B, H, T, T] attention weights */
    amp_nn_real *att;        /* [M, C] heads' weighted values, concatenated */
    amp_nn_real *r1, *h1;    /* [M, C] LN1 input (h + MHA(h)) and output */
    double *mean1, *rstd1;   /* [M] LN1 moments */
    amp_nn_real **ff_pre, **ff_act; /* per hidden layer [M, F] */
    amp_nn_real *r2, *h2;    /* [M, C] LN2 input and output (the block's output) */
    double *mean2, *rstd2;   /* [M] */
  } *blk;                    /* [layers] */
  amp_nn_real *pooled;       /* [B, C] decoder input */
  amp_nn_real **d_pre, **d_act;   /* decoder hidden layers [B, width] */
  amp_nn_real **dx_pre, **dx_act; /* x-decoder hidden layers [B, width] */
  amp_nn_real *s_q, *s_x;    /* [B, q_outputs], [B, x_outputs] outputs */
  /* backward scratch */
  amp_nn_real *g_h, *g_r, *g_a, *g_b, *g_c, *g_d; /* [M, max(C, F, widths)] */
  amp_nn_real *g_prob;       /* [T, T] */
  amp_nn_real *g_pool, *g_s1, *g_s2; /* [B, max(C, widths)] */
  amp_nn_real *g_unit;       /* [B, max(outputs)] unit seeds of the Jacobian's reverse passes */
  amp_nn_real *g_q_in, *g_x_in;    /* [M, nf], [M, nx] input gradients */
  amp_nn_real *g_x_emb_in;   /* [M, nx + 1] dL/d x_emb_in (with the distance input) */
  amp_nn_real *g_kbias;      /* [M] dL/d kbias (with an envelope) */
  double *colsum;            /* [max width] bias-gradient accumulator */
  const unsigned char *mask; /* [B, T] of the last forward */
  const amp_nn_real *q_in, *x_in; /* inputs of the last forward */
} AMP_NN(workspace);

/* Bytes of activation storage per particle with T tokens (forward only or
 * with backward): what a micro-batch costs per particle. */
size_t AMP_NN(activation_bytes)(const amp_nn_layout *l, int tokens, int backward);

/* The largest micro-batch whose activations fit `bytes` (at least 1). */
int AMP_NN(batch_capacity)(const amp_nn_layout *l, int tokens, int backward, size_t bytes);

/* Allocate activations for `capacity` particles of T tokens. Returns 0 or -1. */
int AMP_NN(workspace_init)(AMP_NN(workspace) *ws, const amp_nn_layout *l, int capacity, int tokens,
                           int backward);
void AMP_NN(workspace_free)(AMP_NN(workspace) *ws);

/* Forward pass for B <= capacity particles:
 *   q_in [B, T, nf], x_in [B, T, nx], mask [B, T] (1 real, 0 padding; token 0 real)
 * -> ws->s_q [B, q_outputs] (and ws->s_x [B, x_outputs]). The inputs must stay
 * alive until the backward pass. */
void AMP_NN(forward)(const amp_nn_layout *l, const amp_nn_real *params, AMP_NN(workspace) *ws, int B,
                     const amp_nn_real *q_in, const amp_nn_real *x_in, const unsigned char *mask);

/* Backward pass of the last forward: given dL/ds_q [B, q_outputs] and dL/ds_x
 * [B, x_outputs] (either NULL: zero), accumulate dL/dparams into grads (NULL: skip
 * the parameter gradients) and leave dL/dq_in, dL/dx_in in ws->g_q_in
 * [B, T, nf] and ws->g_x_in [B, T, nx]. */
void AMP_NN(backward)(const amp_nn_layout *l, const amp_nn_real *params, AMP_NN(workspace) *ws,
                      const amp_nn_real *ds_q, const amp_nn_real *ds_x, amp_nn_real *grads);

/* Jacobians of the last forward's outputs with respect to the particle's own
 * inputs, by one reverse pass per output component:
 *   jq [B, q_outputs, nf]  d s_q / d q_self          (NULL: skip)
 *   jx [B, x_outputs, d]   d s_x / d x_self          (NULL: skip; needs x_outputs > 0)
 * x_self enters every neighbour token as x_i - x_j, columns 0 .. d-1 (and,
 * with absolute = 1, token 0's absolute position, columns d .. 2d-1), so jx
 * sums those paths; other columns (the hop of bond-graph tokens) do not
 * depend on it. With drift_features, the last of them are b_j - b_i in
 * every token t >= 1, which move with q_self by -drift_scale (b = v0 q + F:
 * drift_scale = v0), so jq adds -drift_scale times their gradients' sum.
 * dim is d. Overwrites the backward scratch. */
void AMP_NN(input_jacobian)(const amp_nn_layout *l, const amp_nn_real *params, AMP_NN(workspace) *ws,
                            int dim, int absolute, double drift_scale, amp_nn_real *jq, amp_nn_real *jx);

#endif

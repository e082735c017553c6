/*
 * bench_nn: how fast one core runs the score network, against the same
 * core's large-SGEMM rate.
 *
 * For the reference size (science.md §4: K = 64, C = 256, 4 blocks of 4
 * heads, F = 256, embedding and decoder MLPs of 4 x 256) and the quick-start
 * size, it times the forward pass and forward + backward (parameter
 * gradients included) over micro-batches sized to a 256 MiB activation
 * budget, for at least two seconds each, and prints as YAML: particles per
 * second, GFLOP/s (forward: 2 x the dense multiply-adds; forward + backward
 * counted as 3 x the forward, the usual estimate: the backward pass does the
 * forward's GEMMs twice, once for the weights and once for the inputs) and
 * the fraction of the SGEMM rate, and the activation bytes per particle.
 * One BLAS thread: the figure is per core. `bench_nn NAME` runs one size.
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activempi/nn.h"
#include "bench_util.h"

#define BUDGET (256u << 20)
#define MIN_SECONDS 2.0

static float *random_floats(size_t n, float scale) {
  float *a = malloc(n * sizeof *a);
  for (size_t i = 0; a && i < n; i++) a[i] = scale * (float)(2 * bench_uniform() - 1);
  return a;
}

/* GFLOP/s of an n x n x n SGEMM, repeated for MIN_SECONDS */
static double sgemm_rate(int n) {
  float *a = random_floats((size_t)n * n, 1), *b = random_floats((size_t)n * n, 1), *c = calloc((size_t)n * n, 4);
  if (!a || !b || !c) return 0;
  long reps = 0;
  double t0 = bench_now(), t;
  do {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
    reps++;
  } while ((t = bench_now() - t0) < MIN_SECONDS);
  free(a), free(b), free(c);
  return 2.0 * n * n * (double)n * reps / t * 1e-9;
}

typedef struct {
  const char *name;
  amp_nn_arch arch;
  int neighbors;
} size_spec;

/* particles per second of forward (backward = 0) or forward + backward */
static double throughput(const amp_nn_layout *l, const float *params, float *grads, amp_nn_workspace *ws, int B,
                         const float *q, const float *x, const unsigned char *mask, const float *ds, int backward) {
  long particles = 0;
  double t0 = bench_now(), t;
  do {
    amp_nn_forward(l, params, ws, B, q, x, mask);
    if (backward) amp_nn_backward(l, params, ws, ds, NULL, grads);
    particles += B;
  } while ((t = bench_now() - t0) < MIN_SECONDS);
  return particles / t;
}

static int bench(const size_spec *s, double peak) {
  amp_nn_layout l;
  amp_nn_workspace ws;
  const int T = s->neighbors + 1;
  if (amp_nn_layout_init(&l, &s->arch)) return -1;
  int B = amp_nn_batch_capacity(&l, T, 1, BUDGET);
  size_t M = (size_t)B * T;
  float *params = malloc(l.nparams * sizeof *params), *grads = calloc(l.nparams, sizeof *grads);
  float *q = random_floats(M * s->arch.q_features, 1), *x = random_floats(M * s->arch.x_features, 5);
  float *ds = random_floats((size_t)B * s->arch.q_outputs, 1);
  unsigned char *mask = malloc(M);
  if (!params || !grads || !q || !x || !ds || !mask || amp_nn_workspace_init(&ws, &l, B, T, 1)) return -1;
  memset(mask, 1, M);
  amp_nn_init_params(&l, 1, params);
  double flops = 2 * amp_nn_forward_macs(&l, T);
  double fwd = throughput(&l, params, grads, &ws, B, q, x, mask, ds, 0);
  double both = throughput(&l, params, grads, &ws, B, q, x, mask, ds, 1);
  printf("%s:\n  parameters: %zu\n  tokens: %d\n  micro_batch: %d\n", s->name, l.nparams, T, B);
  printf("  activation_bytes_per_particle: %zu\n", amp_nn_activation_bytes(&l, T, 1));
  printf("  forward_mflop_per_particle: %.1f\n", flops * 1e-6);
  printf("  forward: {particles_per_s: %.1f, gflop_per_s: %.1f, of_sgemm: %.2f}\n", fwd, fwd * flops * 1e-9,
         fwd * flops * 1e-9 / peak);
  printf("  forward_backward: {particles_per_s: %.1f, gflop_per_s: %.1f, of_sgemm: %.2f}\n", both,
         both * 3 * flops * 1e-9, both * 3 * flops * 1e-9 / peak);
  amp_nn_workspace_free(&ws);
  amp_nn_layout_free(&l);
  free(params), free(grads), free(q), free(x), free(ds), free(mask);
  return 0;
}

int main(int argc, char **argv) {
  openblas_set_num_threads(1);
  const size_spec sizes[] = {
    {"reference", {.q_features = 2, .x_features = 2, .q_outputs = 2, .embed_dim = 256, .heads = 4, .layers = 4,
                   .ff_dim = 256, .ff_layers = 1, .embed_layers = 4, .embed_width = 256, .decoder_layers = 4,
                   .decoder_width = 256, .pooling = AMP_NN_POOL_SELF}, 64},
    {"quickstart", {.q_features = 2, .x_features = 2, .q_outputs = 2, .embed_dim = 32, .heads = 2, .layers = 2,
                    .ff_dim = 64, .ff_layers = 1, .embed_layers = 2, .embed_width = 32, .decoder_layers = 2,
                    .decoder_width = 32, .pooling = AMP_NN_POOL_SELF}, 16},
  };
  double peak = sgemm_rate(2048);
  printf("bench_nn:\n  blas_threads: 1\n  sgemm_2048_gflop_per_s: %.1f\n", peak);
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
    if ((argc < 2 || !strcmp(argv[1], sizes[i].name)) && bench(&sizes[i], peak)) {
      fprintf(stderr, "bench_nn: out of memory for %s\n", sizes[i].name);
      return 1;
    }
  return 0;
}

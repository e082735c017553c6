/*
 * rng: counter-based random numbers, the same on any number of ranks.
 *
 * Design. Philox4x32-10 (Random123, Salmon et al., SC'11) is a keyed bijection
 * of a 128-bit counter: the key is (seed, stream) with stream the replica, and
 * the counter is (global id, step, purpose), so the numbers a particle draws
 * at a step depend on nothing else: not on the rank that owns it, not on the
 * order particles are visited, not on how many steps ran before a restart.
 * One call gives four 32-bit words, turned into four uniforms in (0, 1) or
 * four standard normals (Box-Muller, two pairs).
 */
#ifndef ACTIVEMPI_RNG_H
#define ACTIVEMPI_RNG_H

#include <stdint.h>

/* What the numbers are for: distinct purposes never share a counter. */
typedef enum {
  AMP_RNG_POSITION_NOISE = 1, /* translational noise of a step */
  AMP_RNG_INTERNAL_NOISE = 2, /* noise of the internal coordinate (g, theta or n) */
  AMP_RNG_INITIAL = 3,        /* initial conditions (step = attempt number) */
  AMP_RNG_INITIAL_INTERNAL = 4,
  AMP_RNG_NETWORK_INIT = 5,   /* the network's initial parameters (id = element index) */
  AMP_RNG_TRAIN_SNAPSHOT = 6, /* the snapshot a replica trains on at a step (id 0) */
  AMP_RNG_TRAIN_SELECT = 7,   /* whether a particle enters a step's batch */
  AMP_RNG_TRAIN_NOISE_Q = 8,  /* denoising noise of the internal coordinate */
  AMP_RNG_TRAIN_NOISE_X = 9   /* denoising noise of the position */
} amp_rng_purpose;

typedef struct {
  uint32_t key[2]; /* seed, stream */
} amp_rng;

/* seed < 2^32 ([run] seed); stream: the replica. */
void amp_rng_init(amp_rng *rng, uint64_t seed, uint32_t stream);

/* Four uniforms in the open interval (0, 1), with 2^-32 resolution. */
void amp_rng_uniform4(const amp_rng *rng, uint64_t id, uint64_t step, amp_rng_purpose purpose, double u[4]);

/* Four independent standard normal variates. */
void amp_rng_normal4(const amp_rng *rng, uint64_t id, uint64_t step, amp_rng_purpose purpose, double z[4]);

/* The first `count` (1 to 4) of those four normals, computing only the
 * Box-Muller pairs they need: the same numbers, less work. */
void amp_rng_normals(const amp_rng *rng, uint64_t id, uint64_t step, amp_rng_purpose purpose, int count,
                     double z[4]);

#endif

/*
 * rng: Philox4x32-10 counters to uniforms and normals (see rng.h).
 * Counter words: (id low, id high, step low, step high 16 bits | purpose << 16),
 * so steps up to 2^48 and ids up to 2^64 never collide.
 */
#include "activempi/rng.h"

#include <math.h>
#include <Random123/philox.h>

void amp_rng_init(amp_rng *rng, uint64_t seed, uint32_t stream) {
  rng->key[0] = (uint32_t)seed;
  rng->key[1] = stream;
}

void amp_rng_uniform4(const amp_rng *rng, uint64_t id, uint64_t step, amp_rng_purpose purpose, double u[4]) {
  philox4x32_ctr_t ctr = {{(uint32_t)id, (uint32_t)(id >> 32), (uint32_t)step,
                           (uint32_t)((step >> 32) & 0xffffu) | ((uint32_t)purpose << 16)}};
  philox4x32_key_t key = {{rng->key[0], rng->key[1]}};
  philox4x32_ctr_t r = philox4x32(ctr, key);
  for (int i = 0; i < 4; ++i) u[i] = ((double)r.v[i] + 0.5) * 0x1p-32;
}

void amp_rng_normals(const amp_rng *rng, uint64_t id, uint64_t step, amp_rng_purpose purpose, int count,
                     double z[4]) {
  double u[4];
  amp_rng_uniform4(rng, id, step, purpose, u);
  for (int i = 0; i < count; i += 2) {
    double radius = sqrt(-2 * log(u[i])), angle = 2 * M_PI * u[i + 1];
    z[i] = radius * cos(angle);
    z[i + 1] = radius * sin(angle);
  }
}

void amp_rng_normal4(const amp_rng *rng, uint64_t id, uint64_t step, amp_rng_purpose purpose, double z[4]) {
  amp_rng_normals(rng, id, step, purpose, 4, z);
}

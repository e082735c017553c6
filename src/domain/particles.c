/*
 * particles: storage of owned and ghost rows (see particles.h).
 */
#include "activempi/particles.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "activempi/config.h"

int amp_particles_init(amp_particles *p, int dim, int nq, size_t capacity) {
  *p = (amp_particles){.dim = dim, .nq = nq};
  return amp_particles_reserve(p, capacity > 0 ? capacity : 1);
}

/* realloc that frees the old block on failure. */
static int grow(void **ptr, size_t bytes) {
  void *bigger = realloc(*ptr, bytes);
  if (!bigger) return -1;
  *ptr = bigger;
  return 0;
}

int amp_particles_reserve(amp_particles *p, size_t rows) {
  if (rows <= p->capacity) return 0;
  size_t cap = p->capacity ? p->capacity : 1;
  while (cap < rows) cap *= 2;
  if (grow((void **)&p->id, cap * sizeof *p->id) || grow((void **)&p->x, cap * (size_t)p->dim * sizeof *p->x) ||
      grow((void **)&p->q, cap * (size_t)p->nq * sizeof *p->q))
    return -1;
  p->capacity = cap;
  return 0;
}

void amp_particles_copy_row(amp_particles *p, size_t to, size_t from) {
  p->id[to] = p->id[from];
  memcpy(p->x + to * (size_t)p->dim, p->x + from * (size_t)p->dim, (size_t)p->dim * sizeof *p->x);
  memcpy(p->q + to * (size_t)p->nq, p->q + from * (size_t)p->nq, (size_t)p->nq * sizeof *p->q);
}

void amp_particles_free(amp_particles *p) {
  free(p->id);
  free(p->x);
  free(p->q);
  *p = (amp_particles){0};
}

int amp_internal_components(int model, int dim) {
  if (model == AMP_MODEL_AOUP) return dim;
  return dim == 2 ? 1 : 3;
}

double amp_wrap(double x, double L) {
  double w = x - L * floor(x / L + 0.5);
  return w >= L / 2 ? w - L : w < -L / 2 ? w + L : w;
}

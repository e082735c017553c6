/*
 * Neighbourhood tokens across ranks: after migration and a halo of width R,
 * each rank builds the tokens of its owned particles; gathered by global id
 * (a bitwise OR of zeroed buffers, so every bit arrives as sent), the batch
 * equals, byte for byte, the batch of all particles built on one rank from
 * the whole configuration, and that batch equals the O(N^2) reference. In
 * 1, 2 and 3 dimensions, AOUP and ABP, absolute positions, a cluster across
 * the box edge (full and padded neighbourhoods), slabs narrower than R
 * (the halo spans several subdomains), and lattices, where distances tie
 * exactly and ids decide which of a shell are kept.
 *
 * Bond-graph tokens the same way, with a halo of hops x (longest bond)
 * (amp_graph_hops): a ring polymer that overlaps itself and crosses the box
 * edge, a chain on slabs narrower than a bond, a lattice network whose halo
 * is capped just below L/2; and a halo too thin for the graph refused, on
 * more than one rank, with the reason.
 */
#include <math.h>
#include <mpi.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../reference/brute_neighborhood.h"
#include "activempi/domain.h"
#include "activempi/neighborhood.h"
#include "fixture.h"
#include "mpi_test.h"

/* Where the particles are: the fixture's positions, a lattice with its
 * sites shuffled over the ids, a lattice filled in id order (the sites
 * amp_initial_lattice gives, which lattice bonds join), or a ring polymer:
 * a random walk along the ids, steps up to STEP per component, closed (a
 * bridge: the walk's drift removed, so the last id comes back near the
 * first). */
enum { FIXTURE, LATTICE, LATTICE_IN_ORDER, POLYMER };
#define STEP 1.0

/* Position of id. Lattices (m^d sites, spacing L/m, exact in binary for the
 * sizes used) tie distances exactly, across subdomain boundaries too. */
static void position(const fx_config *c, int where, int64_t id, double *x) {
  if (where == FIXTURE) {
    fx_position(c, id, x);
    return;
  }
  if (where == LATTICE_IN_ORDER) {
    amp_initial_lattice(id, c->n, c->dim, c->L, x);
    return;
  }
  if (where == POLYMER) {
    for (int a = 0; a < c->dim; ++a) {
      double at = 0, end = 0;
      for (int64_t k = 0; k < c->n; ++k) {
        end += STEP * (2 * fx_uniform(c->seed, (uint64_t)k, 0, (uint64_t)a) - 1);
        if (k == id) at = end;
      }
      x[a] = amp_wrap(at - end * (double)(id + 1) / (double)c->n, c->L);
    }
    return;
  }
  int64_t m = (int64_t)llround(pow((double)c->n, 1.0 / c->dim)), site = (id * 7919) % c->n;
  for (int a = 0; a < c->dim; ++a, site /= m) x[a] = -c->L / 2 + (double)(site % m) * (c->L / (double)m);
}

/* The whole configuration as owned rows in id order. */
static void whole(const fx_config *c, int where, amp_particles *all) {
  amp_particles_init(all, c->dim, c->nq, (size_t)c->n);
  all->nowned = (size_t)c->n;
  for (int64_t id = 0; id < c->n; ++id) {
    all->id[id] = id;
    position(c, where, id, all->x + id * c->dim);
    fx_internal(c, id, 0, all->q + id * c->nq);
  }
}

/* Slabs along dimension 0 of width `narrow` but the last (unchanged with one rank). */
static void narrow_slabs(amp_domain *dom, double narrow) {
  int n = dom->dims[0];
  double *b = malloc((size_t)(n + 1) * sizeof *b);
  for (int k = 0; k < n; ++k) b[k] = -dom->L / 2 + narrow * k;
  b[n] = dom->L / 2;
  assert_int_equal(amp_domain_set_bounds(dom, 0, b), 0);
  free(b);
}

/* Target b of `from` into target t of `to` (same spec). */
static void copy_target(amp_neighborhoods *to, size_t t, const amp_neighborhoods *from, size_t b) {
  size_t T = (size_t)from->T, nf = (size_t)from->nf, nx = (size_t)from->nx;
  memcpy(to->id + t * T, from->id + b * T, T * sizeof *to->id);
  memcpy(to->q + t * T * nf, from->q + b * T * nf, T * nf * sizeof *to->q);
  memcpy(to->x + t * T * nx, from->x + b * T * nx, T * nx * sizeof *to->x);
  memcpy(to->mask + t * T, from->mask + b * T, T);
  to->count[t] = from->count[b];
}

/* A zeroed block shaped like ref, views of its tensors in *view. */
static void *shaped_like(const amp_neighborhoods *ref, amp_neighborhoods *view) {
  char *buf = calloc(ref->bytes, 1), *base = ref->block;
  *view = *ref;
  view->id = (int64_t *)(buf + ((char *)ref->id - base));
  view->q = (float *)(buf + ((char *)ref->q - base));
  view->x = (float *)(buf + ((char *)ref->x - base));
  view->count = (int *)(buf + ((char *)ref->count - base));
  view->mask = (unsigned char *)(buf + ((char *)ref->mask - base));
  return buf;
}

/* This rank's owned tokens, gathered by id on every rank: byte for byte ref's. */
static void check_gathered(const amp_neighborhoods *nb, const amp_particles *p, const amp_neighborhoods *ref,
                           MPI_Comm comm) {
  amp_neighborhoods view;
  void *buf = shaped_like(ref, &view);
  for (size_t b = 0; b < nb->B; ++b) copy_target(&view, (size_t)p->id[b], nb, b); /* target b is row b */
  assert_int_equal(MPI_Allreduce(MPI_IN_PLACE, buf, (int)ref->bytes, MPI_BYTE, MPI_BOR, comm), MPI_SUCCESS);
  assert_memory_equal(buf, ref->block, ref->bytes);
  free(buf);
}

/* The batch of every particle on one rank, checked against the reference;
 * counts its full and padded neighbourhoods into seen[2]. */
static void build_whole(const fx_config *c, int where, const amp_neighborhood_spec *s, amp_neighborhoods *ref,
                        int seen[2]) {
  amp_particles all;
  amp_cells cells = {0};
  whole(c, where, &all);
  size_t *target = malloc((size_t)c->n * sizeof *target);
  for (int64_t id = 0; id < c->n; ++id) target[id] = (size_t)id;
  assert_int_equal(amp_cells_build(&cells, &all, s->L, s->R), 0);
  assert_int_equal(amp_neighborhood_build(ref, s, &cells, &all, target, (size_t)c->n), 0);
  seen[0] = seen[1] = 0;
  for (int64_t id = 0; id < c->n; ++id) {
    int m = brute_check_target(ref, (size_t)id, s, &all, (size_t)id);
    ++seen[m == s->K ? 0 : 1];
  }
  free(target);
  amp_cells_free(&cells);
  amp_particles_free(&all);
}

/* This rank's rows of the configuration: migrated, with a halo of `width`. */
static void decomposed(const fx_config *c, int where, double width, double narrow, amp_domain *dom, amp_particles *p,
                       amp_halo *h) {
  assert_int_equal(amp_domain_create(dom, MPI_COMM_WORLD, c->dim, c->L), 0);
  if (narrow > 0) narrow_slabs(dom, narrow);
  fx_fill(c, MPI_COMM_WORLD, p);
  for (size_t i = 0; i < p->nowned; ++i) position(c, where, p->id[i], p->x + i * (size_t)c->dim);
  assert_int_equal(amp_domain_migrate(dom, p), 0);
  assert_true(fx_ids_once(dom, p, c->n));
  assert_int_equal(amp_halo_build(h, dom, p, width), 0);
}

/* The halo bond-graph tokens need: hops x the configuration's longest bond
 * (minimum image), capped just below L/2. */
static double graph_width(const fx_config *c, int where, const amp_neighborhood_spec *s) {
  amp_particles all;
  whole(c, where, &all);
  double longest = 0;
  for (int64_t i = 0; i < c->n; ++i)
    for (int64_t e = s->bonds->start[i]; e < s->bonds->start[i + 1]; ++e) {
      double d2 = 0;
      for (int a = 0; a < c->dim; ++a)
        d2 += pow(amp_min_image(all.x[i * c->dim + a] - all.x[s->bonds->partner[e] * c->dim + a], c->L), 2);
      longest = fmax(longest, sqrt(d2));
    }
  amp_particles_free(&all);
  return fmin(amp_graph_hops(s->bonds, s->K) * longest * (1 + 1e-12), nextafter(c->L / 2, 0));
}

static void check_decomposed(const fx_config *c, int where, const amp_neighborhood_spec *s, double narrow,
                             int expect_padding) {
  amp_domain dom;
  amp_particles p;
  amp_halo h;
  amp_cells cells = {0};
  amp_neighborhoods nb = {0}, ref = {0};
  int seen[2];
  build_whole(c, where, s, &ref, seen);
  assert_true(seen[0] > 0);                     /* selection among more than K happened */
  assert_true(!expect_padding || seen[1] > 0);  /* and padding */
  decomposed(c, where, s->bonds ? graph_width(c, where, s) : s->R, narrow, &dom, &p, &h);
  assert_int_equal(amp_cells_build(&cells, &p, s->L, 0.5 * s->R), 0); /* any cell size */
  size_t *target = malloc((p.nowned + 1) * sizeof *target);
  for (size_t i = 0; i < p.nowned; ++i) target[i] = i;
  assert_int_equal(amp_neighborhood_build(&nb, s, &cells, &p, target, p.nowned), 0);
  check_gathered(&nb, &p, &ref, dom.comm);
  free(target);
  amp_neighborhood_free(&nb);
  amp_neighborhood_free(&ref);
  amp_cells_free(&cells);
  amp_halo_free(&h);
  amp_particles_free(&p);
  amp_domain_free(&dom);
}

static void aoup_tokens_are_those_of_one_rank_in_every_dimension(void **state) {
  (void)state;
  fx_config c1 = {.seed = 41, .dim = 1, .nq = 1, .L = 60, .n = 200};
  fx_config c2 = {.seed = 42, .dim = 2, .nq = 2, .L = 30, .n = 600};
  fx_config c3 = {.seed = 43, .dim = 3, .nq = 3, .L = 12, .n = 500};
  check_decomposed(&c1, FIXTURE, &(amp_neighborhood_spec){AMP_MODEL_AOUP, 1, 60, 24, 4.0, 0, NULL}, 0, 1);
  check_decomposed(&c2, FIXTURE, &(amp_neighborhood_spec){AMP_MODEL_AOUP, 2, 30, 16, 3.0, 0, NULL}, 0, 1);
  check_decomposed(&c3, FIXTURE, &(amp_neighborhood_spec){AMP_MODEL_AOUP, 3, 12, 24, 2.8, 0, NULL}, 0, 1);
}

static void abp_tokens_and_absolute_positions(void **state) {
  (void)state;
  fx_config c2 = {.seed = 44, .dim = 2, .nq = 1, .L = 30, .n = 600};
  fx_config c3 = {.seed = 45, .dim = 3, .nq = 3, .L = 12, .n = 500};
  check_decomposed(&c2, FIXTURE, &(amp_neighborhood_spec){AMP_MODEL_ABP, 2, 30, 16, 3.0, 1, NULL}, 0, 1);
  check_decomposed(&c3, FIXTURE, &(amp_neighborhood_spec){AMP_MODEL_ABP, 3, 12, 24, 2.8, 0, NULL}, 0, 1);
}

static void a_cluster_across_the_edge(void **state) {
  (void)state; /* dense cluster: hundreds of candidates; gas around it: padding */
  fx_config c = {.seed = 46, .dim = 2, .nq = 2, .L = 40, .n = 500, .cluster_fraction = 0.5, .cluster_radius = 6,
                 .cluster_centre = {19, -19}};
  check_decomposed(&c, FIXTURE, &(amp_neighborhood_spec){AMP_MODEL_AOUP, 2, 40, 24, 6.0, 0, NULL}, 0, 1);
}

static void a_halo_wider_than_the_subdomains(void **state) {
  (void)state; /* slabs of 1.5 along dimension 0, R = 6: several hops */
  fx_config c1 = {.seed = 47, .dim = 1, .nq = 1, .L = 60, .n = 200};
  fx_config c2 = {.seed = 48, .dim = 2, .nq = 2, .L = 40, .n = 500, .cluster_fraction = 0.5, .cluster_radius = 6,
                  .cluster_centre = {-19, 3}};
  check_decomposed(&c1, FIXTURE, &(amp_neighborhood_spec){AMP_MODEL_AOUP, 1, 60, 40, 6.0, 1, NULL}, 1.5, 1);
  check_decomposed(&c2, FIXTURE, &(amp_neighborhood_spec){AMP_MODEL_AOUP, 2, 40, 24, 6.0, 0, NULL}, 1.5, 1);
}

static void ties_on_a_lattice_are_ordered_by_id_on_every_decomposition(void **state) {
  (void)state; /* K = 10 cuts the shell at 2 spacings (4 sites) after 8 closer ones */
  fx_config c2 = {.seed = 49, .dim = 2, .nq = 2, .L = 20, .n = 256};
  fx_config c3 = {.seed = 50, .dim = 3, .nq = 3, .L = 10, .n = 512};
  check_decomposed(&c2, LATTICE, &(amp_neighborhood_spec){AMP_MODEL_AOUP, 2, 20, 10, 3.0, 0, NULL}, 0, 0);
  check_decomposed(&c2, LATTICE, &(amp_neighborhood_spec){AMP_MODEL_AOUP, 2, 20, 10, 3.0, 1, NULL}, 1.25, 0);
  check_decomposed(&c3, LATTICE, &(amp_neighborhood_spec){AMP_MODEL_AOUP, 3, 10, 20, 3.0, 0, NULL}, 1.25, 0);
}

/* The graph amp_bonds_build makes of `kind` for the configuration's ids. */
static void graph_of(amp_bonds *b, const fx_config *c, amp_bonds_kind kind) {
  amp_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.system.particles = c->n;
  cfg.system.dimension = c->dim;
  cfg.interaction.bonds = kind;
  assert_int_equal(amp_bonds_build(b, &cfg, NULL), 0);
}

static void bond_graph_tokens_are_those_of_one_rank(void **state) {
  (void)state;
  fx_config ring = {.seed = 51, .dim = 2, .nq = 2, .L = 40, .n = 256};
  fx_config abp_ring = {.seed = 51, .dim = 2, .nq = 1, .L = 40, .n = 256};
  fx_config chain = {.seed = 52, .dim = 1, .nq = 1, .L = 60, .n = 200};
  fx_config net = {.seed = 53, .dim = 3, .nq = 3, .L = 10, .n = 512};
  amp_bonds b;
  graph_of(&b, &ring, AMP_BONDS_RING); /* K = 16: 8 hops of about 1.4, the polymer folded on itself */
  check_decomposed(&ring, POLYMER, &(amp_neighborhood_spec){AMP_MODEL_AOUP, 2, 40, 16, 3.0, 0, &b}, 0, 0);
  check_decomposed(&abp_ring, POLYMER, &(amp_neighborhood_spec){AMP_MODEL_ABP, 2, 40, 16, 3.0, 1, &b}, 1.5, 0);
  amp_bonds_free(&b);
  graph_of(&b, &chain, AMP_BONDS_CHAIN); /* slabs thinner than a bond */
  check_decomposed(&chain, POLYMER, &(amp_neighborhood_spec){AMP_MODEL_AOUP, 1, 60, 24, 3.0, 1, &b}, 0.75, 0);
  amp_bonds_free(&b);
  graph_of(&b, &net, AMP_BONDS_LATTICE); /* ties by id; a corner needs 4 hops of 1.25: the halo is capped */
  check_decomposed(&net, LATTICE_IN_ORDER, &(amp_neighborhood_spec){AMP_MODEL_AOUP, 3, 10, 20, 3.0, 0, &b}, 0, 0);
  amp_bonds_free(&b);
}

static void a_halo_too_thin_for_the_graph_is_refused(void **state) {
  (void)state;
  fx_config ring = {.seed = 51, .dim = 2, .nq = 2, .L = 40, .n = 256};
  amp_neighborhood_spec s = {AMP_MODEL_AOUP, 2, 40, 16, 3.0, 0, NULL};
  amp_bonds b;
  amp_domain dom;
  amp_particles p;
  amp_halo h;
  amp_neighborhoods nb = {0};
  graph_of(&b, &ring, AMP_BONDS_RING);
  s.bonds = &b;
  decomposed(&ring, POLYMER, 0.5, 0, &dom, &p, &h);
  size_t *target = malloc((p.nowned + 1) * sizeof *target);
  for (size_t i = 0; i < p.nowned; ++i) target[i] = i;
  int failed = amp_neighborhood_build(&nb, &s, NULL, &p, target, p.nowned) != 0, any = 0;
  if (failed) assert_non_null(strstr(nb.error, "the halo does not reach the K-th graph neighbour"));
  assert_int_equal(MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD), MPI_SUCCESS);
  assert_int_equal(any, dom.nranks > 1); /* one rank owns everything */
  free(target);
  amp_neighborhood_free(&nb);
  amp_halo_free(&h);
  amp_particles_free(&p);
  amp_domain_free(&dom);
  amp_bonds_free(&b);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(aoup_tokens_are_those_of_one_rank_in_every_dimension),
      cmocka_unit_test(abp_tokens_and_absolute_positions),
      cmocka_unit_test(a_cluster_across_the_edge),
      cmocka_unit_test(a_halo_wider_than_the_subdomains),
      cmocka_unit_test(ties_on_a_lattice_are_ordered_by_id_on_every_decomposition),
      cmocka_unit_test(bond_graph_tokens_are_those_of_one_rank),
      cmocka_unit_test(a_halo_too_thin_for_the_graph_is_refused),
  };
  int status = mpi_test_finish(cmocka_run_group_tests(tests, NULL, NULL));
  MPI_Finalize();
  return status;
}

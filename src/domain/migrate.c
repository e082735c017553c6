/*
 * migrate: every owned particle to the rank that owns its position.
 *
 * Design. The simple, robust scheme: each rank finds the owner of each of
 * its particles (grid.c, local), packs the leavers grouped by destination,
 * and one MPI_Alltoall of counts plus one MPI_Alltoallv of rows delivers them
 * however far they go: after the boundaries moved, or a displacement larger
 * than a subdomain, a particle reaches its owner in one step, with no
 * forwarding and no second round. The price is O(P) counts per rank per
 * migration, which is small next to the force work at the replica sizes we
 * run (P up to a few hundred) and paid only at Verlet rebuilds.
 *
 * Rows that stay are compacted in place, in their order; arrivals follow,
 * ordered by source rank and by their order there, so the result is
 * deterministic. Ids travel with the rows and never change; ghost rows are
 * dropped (they are rebuilt by the halo exchange that follows).
 *
 *   leave: [nleave] packed rows, grouped by destination (sendcount[P], sdispl[P])
 *   come:  [ncome] packed rows, grouped by source (recvcount[P], rdispl[P])
 */
#include <limits.h>
#include <stdlib.h>

#include "domain_internal.h"

typedef struct {
  int *sendcount, *sdispl, *recvcount, *rdispl; /* [P] each, rows */
  int *dest;                                    /* [nowned] owner of each owned row */
  unsigned char *leave, *come;                  /* packed rows */
} migration;

static void migration_free(migration *m) {
  free(m->sendcount);
  free(m->dest);
  free(m->leave);
  free(m->come);
}

/* Owners, counts and the packed leavers; the rows that stay are compacted. */
static int pack_leavers(amp_domain *dom, amp_particles *p, migration *m) {
  int P = dom->nranks;
  size_t rb = amp_row_bytes(p), nleave = 0, kept = 0;
  if (!(m->sendcount = calloc(4 * (size_t)P, sizeof *m->sendcount)) ||
      !(m->dest = malloc((p->nowned ? p->nowned : 1) * sizeof *m->dest)))
    return amp_domain_fail(dom, "rank %d: out of memory migrating %zu particles", dom->rank, p->nowned);
  m->sdispl = m->sendcount + P;
  m->recvcount = m->sendcount + 2 * P;
  m->rdispl = m->sendcount + 3 * P;
  for (size_t i = 0; i < p->nowned; ++i) {
    m->dest[i] = amp_domain_owner(dom, p->x + i * (size_t)p->dim);
    if (m->dest[i] != dom->rank) ++m->sendcount[m->dest[i]], ++nleave;
  }
  if (nleave > INT_MAX) return amp_domain_fail(dom, "rank %d: %zu particles leave at once", dom->rank, nleave);
  if (!(m->leave = malloc(nleave ? nleave * rb : 1)))
    return amp_domain_fail(dom, "rank %d: out of memory packing %zu leaving particles", dom->rank, nleave);
  for (int r = 1; r < P; ++r) m->sdispl[r] = m->sdispl[r - 1] + m->sendcount[r - 1];
  int *cursor = m->rdispl; /* scratch until the counts come back */
  for (int r = 0; r < P; ++r) cursor[r] = m->sdispl[r];
  for (size_t i = 0; i < p->nowned; ++i) {
    if (m->dest[i] != dom->rank)
      amp_pack_row(p, i, m->leave + (size_t)cursor[m->dest[i]]++ * rb);
    else if (kept++ != i)
      amp_particles_copy_row(p, kept - 1, i);
  }
  p->nowned = kept;
  return 0;
}

/* Counts in, room for the arrivals, rows across. */
static int exchange(amp_domain *dom, amp_particles *p, migration *m) {
  int P = dom->nranks;
  if (MPI_Alltoall(m->sendcount, 1, MPI_INT, m->recvcount, 1, MPI_INT, dom->comm) != MPI_SUCCESS)
    return amp_domain_fail(dom, "MPI_Alltoall of migration counts failed");
  long long ncome = 0;
  for (int r = 0; r < P; ++r) m->rdispl[r] = (int)ncome, ncome += m->recvcount[r];
  size_t rb = amp_row_bytes(p);
  int failed = ncome > INT_MAX || amp_particles_reserve(p, p->nowned + (size_t)ncome) ||
               !(m->come = malloc(ncome ? (size_t)ncome * rb : 1));
  if (failed) amp_domain_fail(dom, "rank %d: no room for %lld arriving particles", dom->rank, ncome);
  if (amp_domain_agree(dom, failed)) return -1;
  MPI_Datatype row;
  if (amp_row_type(dom, p, &row)) return -1;
  int rc = MPI_Alltoallv(m->leave, m->sendcount, m->sdispl, row, m->come, m->recvcount, m->rdispl, row, dom->comm);
  MPI_Type_free(&row);
  if (rc != MPI_SUCCESS) return amp_domain_fail(dom, "MPI_Alltoallv of migrating particles failed");
  for (long long k = 0; k < ncome; ++k) amp_unpack_row(p, p->nowned + (size_t)k, m->come + (size_t)k * rb);
  p->nowned += (size_t)ncome;
  return 0;
}

int amp_domain_migrate(amp_domain *dom, amp_particles *p) {
  migration m = {0};
  p->nghost = 0;
  int failed = pack_leavers(dom, p, &m);
  int status = amp_domain_agree(dom, failed) ? -1 : exchange(dom, p, &m);
  migration_free(&m);
  return status;
}

/*
 * evaluate_rounds: the offline evaluate stage's snapshots shared among the
 * replicas of [run] replicas (evaluate_internal.h).
 *
 * Design. MPI_COMM_WORLD splits into R replicas of P ranks (parallel.h, as
 * the simulate and train stages split it). Snapshot k (frame first + k
 * stride) belongs to replica k mod R, and the replicas work in rounds:
 * in round j replica r evaluates snapshot j R + r, split in space over its
 * P ranks exactly as a run of P ranks would (the same domain, halo, micro-
 * batches, reductions and cluster search, over the replica's
 * communicator), so each frame's numbers do not depend on R. In the last
 * round the replicas past the last snapshot have no frame; they still join
 * every collective call, with nothing to write. A round ends with
 *
 *   one MPI_Allreduce over all ranks: did any replica fail? (then all stop)
 *   -> the round's frames appended to epr.h5 together (h5md.h,
 *      amp_h5md_append_round: each replica's rows regrouped by id among its
 *      ranks, each rank's hyperslab and the replica leader's per-frame
 *      numbers at the replica's frame; idle replicas select nothing) and
 *      each rank's block of the fields at its replica's frame
 *   -> one MPI_Allgather over the rank's peers (the ranks at the same place
 *      of every replica: with equal process grids they own the same cells
 *      of the fields): each replica's frame numbers (10 scalars, the
 *      cluster's size and centre, 2 numbers per radial bin) and this
 *      place's block of its fields
 *   -> the frames' numbers and blocks added to the run's sums (blocking
 *      averages, phases, radial profile, the fields' sum) in frame order,
 *      by every rank
 *
 * So every rank holds the run's sums that one replica evaluating every
 * frame in order would hold, bit for bit, and the finished file is the same
 * for any R with the same P: the root attributes (written by all ranks with
 * the same values) and the fields' mean (written by replica 0). A run's
 * sums are never split per replica and added at the end, whose rounding
 * would depend on R. The gather costs R (11 + d + 2 bins + the rank's
 * cells x (2 + d)) doubles per rank and round: for the paper's 40^2 grid
 * on 4 ranks per replica and 64 replicas, under 1 MB.
 *
 * One replica (R = 1, and in situ evaluation, which has one) is the same
 * code with rounds of one frame.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activempi/timers.h"
#include "evaluate_internal.h"

static int fail(amp_evaluate *e, const char *what) {
  snprintf(e->error, sizeof e->error, "%s", what);
  return -1;
}

/* Doubles a replica contributes to a round's gather: its frame's numbers,
 * then this place's block of its fields. */
static size_t record_size(const amp_evaluate *e) {
  return (size_t)e->spatial.nnumbers + amp_evaluate_spatial_block(e);
}

int amp_evaluate_rounds_init(amp_evaluate *e) {
  if (amp_replica_peers(MPI_COMM_WORLD, &e->replica, e->dom.rank, &e->peers))
    return fail(e, "cannot group the replicas' ranks by place");
  int bad = !(e->gathered = calloc((size_t)e->replica.count * record_size(e), sizeof *e->gathered));
  if (MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD) != MPI_SUCCESS || bad)
    return fail(e, "out of memory for the replicas' frames");
  return 0;
}

void amp_evaluate_rounds_free(amp_evaluate *e) {
  free(e->gathered);
  e->gathered = NULL;
  if (e->peers) MPI_Comm_free(&e->peers);
}

int amp_evaluate_agree(amp_evaluate *e, int failed) {
  int any;
  if (MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD) != MPI_SUCCESS)
    return fail(e, "MPI_Allreduce failed");
  if (!any) return 0;
  return failed ? -1 : fail(e, "");
}

/* Every replica's frame of the round, gathered among the peers, into the
 * run's sums in frame order (the first `frames` replicas have one). */
static int accumulate(amp_evaluate *e, int frames) {
  const size_t size = record_size(e), numbers = (size_t)e->spatial.nnumbers;
  double *mine = e->gathered + (size_t)e->replica.index * size;
  int status = 0;
  if (e->replica.index < frames) {
    memcpy(mine, e->spatial.numbers, numbers * sizeof *mine);
    status = amp_evaluate_spatial_copy(e, mine + numbers);
  }
  if (MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, e->gathered, (int)size, MPI_DOUBLE, e->peers) !=
      MPI_SUCCESS)
    return fail(e, "MPI_Allgather of the replicas' frames failed");
  for (int r = 0; !status && r < frames; ++r) {
    const double *frame = e->gathered + (size_t)r * size;
    amp_evaluate_accumulate(e, frame);
    status = amp_evaluate_spatial_add(e, frame + numbers);
  }
  return status;
}

int amp_evaluate_round(amp_evaluate *e, int frames, int failed, int64_t step, double time) {
  if (amp_evaluate_agree(e, failed)) return -1;
  amp_timer_begin(e->ev.output);
  int status = amp_evaluate_write_round(e, frames, step, time);
  amp_timer_end(e->ev.output);
  return status ? -1 : amp_evaluate_agree(e, accumulate(e, frames) != 0);
}

#!/bin/sh
# bench/evaluate.sh ACTIVEMPI: evaluation speed and memory. Run by `make bench`.
#   - particles per second per core evaluated (neighbourhoods, scores and the
#     input Jacobian of the signed density, drift, phases) at the quick-start
#     and reference network sizes, on 1 and 2 ranks (parallel efficiency),
#     over snapshots of 1024 AOUPs at packing fraction 0.5 with the quick
#     start's physics; the HDF5 output's write bandwidth (epr.h5 bytes over the
#     AmpEvaluateOutput time);
#   - 32 snapshots of 4096 particles with the quick-start network on 2 ranks,
#     as one replica of 2 ranks and as two replicas of 1 ([run] replicas:
#     each replica evaluates its share of the snapshots), in snapshots per
#     second (the stage's own closing rate, setup excluded);
#   - one snapshot of 32768 particles with the reference-size network on 2
#     ranks (BIG=0 skips it: about 10 minutes on 2 cores), and one of 100000
#     particles with the quick-start size (each 500 steps after a lattice
#     start), each with its wall time and the
#     largest resident memory of a rank (GNU time, Debian's package "time").
# The networks are untrained (one optimiser step): speed does not depend on
# the weights. Figures are YAML on standard output.
bin=${1:-src/activempi}
flags="--oversubscribe"
[ "$(id -u)" = 0 ] && flags="$flags --allow-run-as-root"
dir=$(mktemp -d "${TMPDIR:-/tmp}/amp_bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
physics='[system]
packing_fraction = 0.5
[dynamics]
v0 = 0.025
gamma = 2e-4
dt = 0.1'

# network NAME: the [network] table of the quick-start or reference size
network() {
  case $1 in
  quickstart) set -- 16 32 2 2 64 2 32 ;;
  reference) set -- 64 256 4 4 256 4 256 ;;
  esac
  printf '[network]\nneighbors = %s\nneighborhood_cutoff = 12.0\nembed_dim = %s\nheads = %s\nlayers = %s\n' "$1" "$2" "$3" "$4"
  printf 'feedforward_dim = %s\nembed_hidden_layers = %s\nembed_hidden_width = %s\n' "$5" "$6" "$7"
  printf 'decoder_hidden_layers = %s\ndecoder_hidden_width = %s\n' "$6" "$7"
}

# snapshots NAME N STEPS INITIAL: a trajectory of N particles from INITIAL, a snapshot every 500 steps
snapshots() {
  printf '[run]\noutput_dir = "%s/%s"\n%s\n[simulate]\ninitial = "%s"\nsteps = %s\nsnapshot_interval = 500\n' \
    "$dir" "$1" "$physics" "$4" "$3" | sed "s/^\[system\]/[system]\nparticles = $2/" > "$dir/$1.toml"
  mpirun $flags -n 2 "$bin" --quiet "$dir/$1.toml" > /dev/null || exit 1
}

# model NAME: an untrained model of that size (one optimiser step on the 1024-particle data)
model() {
  { printf '[run]\noutput_dir = "%s/model_%s"\n%s\n' "$dir" "$1" "$physics" | sed 's/^\[system\]/[system]\nparticles = 1024/'
    network "$1"
    printf '[train]\ndata = "%s/data/trajectory.h5"\nsteps = 1\nbatch_particles = 16\ncheckpoint_interval = 0\nvalidation_fraction = 0.0\n' "$dir"
  } > "$dir/model_$1.toml"
  mpirun $flags -n 1 "$bin" --quiet "$dir/model_$1.toml" > /dev/null || exit 1
}

# evaluate NAME SIZE N RANKS DATA STRIDE [FIRST] [REPLICAS]: evaluate every STRIDE-th
# snapshot of DATA's trajectory from FIRST (0) on, as REPLICAS (1) replicas; the output
# (closing rate and timing table included) in $dir/NAME.txt
evaluate() {
  { printf '[run]\noutput_dir = "%s/%s"\nreplicas = %s\n%s\n' "$dir" "$1" "${8:-1}" "$physics" |
      sed "s/^\[system\]/[system]\nparticles = $3/"
    network "$2"
    printf '[evaluate]\nmodel = "%s/model_%s/model.h5"\ntrajectory = "%s/%s/trajectory.h5"\nstride = %s\n' \
      "$dir" "$2" "$dir" "$5" "$6"
    printf 'first_snapshot = %s\n' "${7:-0}"
  } > "$dir/$1.toml"
  /usr/bin/time -f "maxrss_kb %M" -o "$dir/$1.rss" mpirun $flags -n "$4" "$bin" "$dir/$1.toml" > "$dir/$1.txt" || exit 1
}

# rate FILE: the evaluate stage's snapshots per second (its closing progress line)
rate() { sed -n 's|^evaluate: [0-9]* snapshots done in .* (\([0-9.e+]*\) snapshots/s)$|\1|p' "$1"; }
# event NAME FILE: the slowest rank's seconds in event NAME of the timing table
event() { awk -v e="$1" '$2 == e { print $4; exit }' "$2"; }
wall() { awk '/^timing over/ { print $(NF - 1); exit }' "$1"; }
# rss FILE: largest resident set of the mpirun process tree's biggest member, MiB
# (GNU time reports the largest child: one rank)
rss() { awk '/^maxrss_kb/ { printf "%.0f", $2 / 1024 }' "$1"; }

snapshots data 1024 10000 random_nonoverlapping
model quickstart
model reference
echo "bench_evaluate:"
for size in "quickstart 1" "reference 10"; do
  set -- $size
  echo "  $1:"
  for ranks in 1 2; do
    name="eval_$1_$ranks"
    evaluate "$name" "$1" 1024 "$ranks" data "$2"
    out="$dir/$name.txt"
    bytes=$(stat -c %s "$dir/$name/epr.h5")
    snaps=$(awk '/^evaluate: [0-9]+ snapshots of / { print $2; exit }' "$out")
    awk -v n="$ranks" -v net="$(event AmpEvaluateNetwork "$out")" -v io="$(event AmpEvaluateOutput "$out")" \
        -v bytes="$bytes" -v snaps="$snaps" 'BEGIN {
      printf "    ranks_%d: {particles_per_s_per_core: %.1f, network_s_per_snapshot: %.4g, output_MB_per_s: %.1f}\n",
        n, snaps * 1024 / (net * n), net / snaps, bytes / io / 1e6 }'
  done
done
snapshots replicas 4096 16000 random_nonoverlapping # 32 frames
echo "  snapshots_32_of_4096_quickstart_2_ranks:"
for replicas in 1 2; do
  evaluate "eval_replicas_$replicas" quickstart 4096 2 replicas 1 0 "$replicas"
  out="$dir/eval_replicas_$replicas.txt"
  echo "    replicas_$replicas: {snapshots_per_s: $(rate "$out"), wall_s: $(wall "$out"), network_s: $(event AmpEvaluateNetwork "$out"), output_s: $(event AmpEvaluateOutput "$out")}"
done
for big in "32768 reference" "100000 quickstart"; do
  set -- $big
  [ "${BIG:-1}" = 0 ] && [ "$2" = reference ] && continue
  snapshots "big_$1" "$1" 500 lattice # one frame, at step 500
  evaluate "eval_big_$1" "$2" "$1" 2 "big_$1" 1
  out="$dir/eval_big_$1.txt"
  echo "  snapshot_$1_$2_2_ranks: {wall_s: $(wall "$out"), network_s: $(event AmpEvaluateNetwork "$out"), output_s: $(event AmpEvaluateOutput "$out"), max_rss_MiB_one_rank: $(rss "$dir/eval_big_$1.rss")}"
done

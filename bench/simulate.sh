#!/bin/sh
# bench/simulate.sh ACTIVEMPI: simulation throughput with the paper's MIPS
# parameters (science.md §5: AOUP, v0 = 0.025, gamma = 1e-4, eps = 0,
# softplus k = 1, beta = 7.5, dt = 0.1, phi = 0.5) for N = 4096 and 32768 on
# 1 and 2 ranks, from a lattice start (no overlaps, so no start-up burst of
# list rebuilds). Prints particle-steps per second per core and activempi's
# timing table (force, neighbour lists, halo, migration, integration, output)
# and its memory per particle. Run by `make bench`.
bin=${1:-src/activempi}
flags="--oversubscribe"
[ "$(id -u)" = 0 ] && flags="$flags --allow-run-as-root"
dir=$(mktemp -d "${TMPDIR:-/tmp}/amp_bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
for case in "4096 3000" "32768 400"; do
  set -- $case
  n=$1 steps=$2
  cat > "$dir/in.toml" <<TOML
[run]
output_dir = "$dir/out"
[system]
particles = $n
packing_fraction = 0.5
[dynamics]
v0 = 0.025
gamma = 1e-4
dt = 0.1
[simulate]
initial = "lattice"
steps = $steps
snapshot_interval = $steps
TOML
  for ranks in 1 2; do
    rm -rf "$dir/out"
    mpirun $flags -n $ranks "$bin" --quiet "$dir/in.toml" > "$dir/log" 2>&1 || { cat "$dir/log"; exit 1; }
    wall=$(grep '^timing over' "$dir/log" | sed 's/.*wall time \([0-9.]*\) s/\1/')
    echo "N = $n, $ranks rank(s), $steps steps: $(awk -v n=$n -v s=$steps -v w=$wall -v r=$ranks \
      'BEGIN { printf "%.3g particle-steps/s per core (wall %.2f s in the run)", n * s / (w * r), w }') "
    sed -n '/^memory/p; /^module/,/^$/p' "$dir/log" | grep -v '^$' | sed 's/^/    /'
  done
done

#!/bin/sh
# bench/train.sh ACTIVEMPI: training throughput. Snapshots of 1024 AOUPs at
# packing fraction 0.5 with the quick start's physics (clusters forming),
# then denoising steps at the quick-start network size (K = 16, C = 32, 2
# blocks, MLPs 2 x 32; 512 particles per step) and at the reference size
# (science.md §4: K = 64, C = 256, 4 blocks of 4 heads, MLPs 4 x 256; 64
# particles per step) on 1 and 2 ranks. Prints particles per second per core
# (2 evaluations per particle and step: the antithetic pair) and the share of
# the step spent building tokens, redistributing them, in the network and in
# the gradient's Allreduce, from activempi's timing table. Run by `make bench`.
bin=${1:-src/activempi}
flags="--oversubscribe"
[ "$(id -u)" = 0 ] && flags="$flags --allow-run-as-root"
dir=$(mktemp -d "${TMPDIR:-/tmp}/amp_bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
system='[system]
particles = 1024
packing_fraction = 0.5
[dynamics]
v0 = 0.025
gamma = 2e-4
dt = 0.1'
cat > "$dir/data.toml" <<TOML
[run]
output_dir = "$dir/data"
$system
[simulate]
initial = "random_nonoverlapping"
steps = 20000
snapshot_interval = 1000
TOML
mpirun $flags -n 2 "$bin" --quiet "$dir/data.toml" > /dev/null || exit 1

# event NAME FILE: the slowest rank's seconds in event NAME of the timing table
event() { awk -v e="$1" '$2 == e { print $4; exit }' "$2"; }

echo "bench_train:"
for size in "quickstart 16 32 2 2 64 2 32 512 60" "reference 64 256 4 4 256 4 256 64 6"; do
  set -- $size
  name=$1 k=$2 c=$3 heads=$4 layers=$5 ff=$6 hidden=$7 width=$8 batch=$9 steps=${10}
  echo "  $name:"
  for ranks in 1 2; do
    cat > "$dir/train.toml" <<TOML
[run]
output_dir = "$dir/train_$name$ranks"
$system
[network]
neighbors = $k
neighborhood_cutoff = 12.0
embed_dim = $c
heads = $heads
layers = $layers
feedforward_dim = $ff
embed_hidden_layers = $hidden
embed_hidden_width = $width
decoder_hidden_layers = $hidden
decoder_hidden_width = $width
[train]
data = "$dir/data/trajectory.h5"
steps = $steps
batch_particles = $batch
log_interval = $steps
checkpoint_interval = 0
validation_fraction = 0.0
TOML
    out="$dir/out_$name$ranks.txt"
    mpirun $flags -n $ranks "$bin" --quiet "$dir/train.toml" > "$out" || exit 1
    step=$(event AmpTrainStep "$out")
    awk -v n="$ranks" -v steps="$steps" -v batch="$batch" -v step="$step" \
        -v tok="$(event AmpTrainTokens "$out")" -v red="$(event AmpRedistribute "$out")" \
        -v net="$(event AmpTrainNetwork "$out")" -v all="$(event AmpAllreduce "$out")" 'BEGIN {
      printf "    ranks_%d: {particles_per_s_per_core: %.1f, step_s: %.4g, tokens: %.3f, redistribute: %.3f, network: %.3f, allreduce: %.3f}\n",
        n, 2 * steps * batch / (step * n), step / steps, tok / step, red / step, net / step, all / step }'
  done
done

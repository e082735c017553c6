# Bond-graph neighbourhoods ([network] neighborhood = "bonds") end to end: a
# trapped active ring polymer of 32 (eps > 0) trained from its trajectory on
# 1 and 2 ranks gives the same loss curve (the ring straddles the ranks, so
# tokens come through the halo of hops x bond_reach), and online training
# does too; the model records the kind, and a model or checkpoint of one
# kind is refused, in one line, by an input of the other; a halo too thin
# for the graph (a bond_reach below the real bonds) stops the run with the
# reason. The input refused without bonds is in tests/inputs/invalid.
. "$AMP_SRCDIR/tests/cli/tap.sh"
py=/usr/bin/python3
checker="$AMP_SRCDIR/tests/cli/check_train.py"

# system [BONDS_LINES]: the ring in a trap (no bonds without arguments)
system() {
  cat <<TOML
[system]
dimension = 2
particles = 32
box_length = 40.0
[interaction]
potential = "none"
trap = 0.5
$(printf '%s\n' "$@")
[dynamics]
v0 = 0.5
gamma = 0.5
translational_diffusion = 0.2
dt = 0.01
TOML
}
ring() { system 'bonds = "ring"' "bond_reach = ${1:-4.0}"; }

# network KIND: a small network on neighbourhoods of that kind
network() {
  printf '[network]\nneighborhood = "%s"\nneighbors = 8\nneighborhood_cutoff = 0.2\n' "$1"
  cat "$AMP_SRCDIR/tests/inputs/tiny_network_keys.toml"
}

new_dir data
cat > data.toml <<TOML
[run]
seed = 5
output_dir = "."
$(ring)
[simulate]
initial = "origin"
burn_in_steps = 1000
steps = 2000
snapshot_interval = 100
TOML
run_amp -n 2 --quiet data.toml
data=$scratch/data/trajectory.h5
check "a trapped ring polymer to learn from" sh -c "[ $rc -eq 0 ] && [ -f '$data' ]"
[ $rc -eq 0 ] || show "$err"

# train NAME KIND [BOND_REACH]: an input that trains on the data
train() {
  cat > "$1.toml" <<TOML
[run]
seed = 11
output_dir = "$1"
$(ring "${3:-4.0}")
$(network "$2")
[train]
data = "$data"
steps = 20
batch_particles = 16
learning_rate = 1e-3
warmup_steps = 5
decay_steps = 20
log_interval = 1
checkpoint_interval = 0
TOML
}

new_dir ranks
for n in 1 2; do
  train r$n bonds
  run_amp -n $n --quiet r$n.toml
  [ $rc -eq 0 ] || show "$err"
done
check "bond-graph tokens: 20 training steps give the same loss curve on 1 and 2 ranks (1e-5 of its scale)" \
  $py "$checker" curves 1e-5 r1/train_log.h5 r2/train_log.h5
check "the model records neighborhood = \"bonds\" and reads 5 position features (2d + hop)" sh -c \
  "h5dump -a neighborhood r1/model.h5 | grep -q '\"bonds\"' && h5dump -a x_features r1/model.h5 | grep -q '(0): 5'"

# online: the simulation feeds the training, on 1 and 2 ranks
for n in 1 2; do
  cat > online$n.toml <<TOML
[run]
seed = 5
output_dir = "online$n"
$(ring)
[simulate]
initial = "origin"
burn_in_steps = 1000
steps = 1000
snapshot_interval = 50
$(network bonds)
[train]
source = "online"
replay_frames = 8
steps_per_snapshot = 2
validation_fraction = 0.25
steps = 20
batch_particles = 16
learning_rate = 1e-3
warmup_steps = 5
log_interval = 1
TOML
  run_amp -n $n --quiet online$n.toml
  [ $rc -eq 0 ] || show "$err"
done
check "online with bond-graph tokens: the same loss curve on 1 and 2 ranks (1e-5)" \
  $py "$checker" curves 1e-5 online1/train_log.h5 online2/train_log.h5

new_dir kinds
cat > evaluate.toml <<TOML
[run]
output_dir = "evaluated"
$(system)
$(network space)
[evaluate]
model = "$scratch/ranks/r1/model.h5"
trajectory = "$data"
TOML
run_amp --quiet evaluate.toml
check "a model of bond-graph tokens is refused by an input of spatial ones, in one line, before any output" sh -c \
  "[ $rc -eq 1 ] && [ \$(wc -l < '$err') -eq 1 ] &&
   grep -q 'r1/model.h5 was trained on \[network\] neighborhood = \"bonds\" tokens, the input has \"space\"' '$err' &&
   [ ! -e evaluated/epr.h5 ]"
[ $rc -eq 1 ] || show "$err"
cp -r ../ranks/r1 resumed
sed 's|output_dir = "r1"|output_dir = "resumed"|; s|neighborhood = "bonds"|neighborhood = "space"|' ../ranks/r1.toml \
  > resumed.toml
run_amp --quiet resumed.toml
check "a checkpoint of bond-graph tokens is refused by an input of spatial ones" sh -c \
  "[ $rc -eq 1 ] && grep -q 'train_checkpoint.h5 was trained on \[network\] neighborhood = \"bonds\" tokens' '$err' &&
   grep -q 'set neighborhood = \"bonds\" to use this file' '$err'"
[ $rc -eq 1 ] || show "$err"

new_dir thin
train thin bonds 0.05
run_amp -n 2 --quiet thin.toml
check "a halo too thin for the graph (bond_reach 0.05) stops training on 2 ranks with the reason" sh -c \
  "[ $rc -eq 1 ] && [ \$(grep -c '^activempi: error' '$err') -eq 1 ] &&
   grep -q 'the halo does not reach the K-th graph neighbour' '$err' &&
   grep -q 'raise bond_reach' '$err'"
[ $rc -eq 1 ] || show "$err"

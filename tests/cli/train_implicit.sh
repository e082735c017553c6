# The train stage with loss = "implicit" (implicit score matching by
# differences, learn/implicit.c): the same loss curve on 1 and 2 ranks, and
# learning: trapped non-interacting hypoelliptic AOUPs (science.md I7:
# A = 0.05 per dimension, so 0.1 per particle in 2-D), whose closing EPR of
# the moving average on the held-out frames must be within 5 % of 0.1.
. "$AMP_SRCDIR/tests/cli/tap.sh"
py=/usr/bin/python3
checker="$AMP_SRCDIR/tests/cli/check_train.py"
exact=0.1

# input STEPS: simulate and train (the [train] table last, to edit)
input() {
  cat <<TOML
[run]
seed = 3
output_dir = "."
$(cat "$AMP_SRCDIR/tests/inputs/trap_aoups.toml")
[dynamics]
v0 = 0.5
gamma = 0.1
translational_diffusion = 0
dt = 0.05
$(cat "$AMP_SRCDIR/tests/inputs/trap_network.toml")
[train]
loss = "implicit"
batch_particles = 512
learning_rate = 5e-3
steps = $1
TOML
}

new_dir learn
input 5000 > learn.toml
run_amp learn.toml
[ $rc -eq 0 ] || show "$err"
line=$(grep '^train: EPR per particle' "$out")
echo "# $line"
network=$(echo "$line" | sed -n 's/.*network \([^ ]*\) +-.*/\1/p')
check "implicit score matching learns trapped AOUPs: closing EPR $network within 5 % of $exact" \
  awk -v x="$network" -v e="$exact" 'BEGIN { exit !(x != "" && (x - e) / e <= 0.05 && (e - x) / e <= 0.05) }'

new_dir ranks
for n in 1 2; do
  input 20 | sed 's/^output_dir = "."/output_dir = "r'$n'"\nstages = ["train"]/' > r$n.toml
  printf 'data = "%s"\nlog_interval = 1\n' "$scratch/learn/trajectory.h5" >> r$n.toml
  run_amp -n $n --quiet r$n.toml
  [ $rc -eq 0 ] || show "$err"
done
# 3e-5, not train.sh's 1e-5: the differenced divergence divides the float
# rounding of the outputs (which depends on the micro-batch) by h = 1e-2
check "20 implicit training steps give the same loss curve on 1 and 2 ranks (3e-5 of its scale)" \
  $py "$checker" curves 3e-5 r1/train_log.h5 r2/train_log.h5

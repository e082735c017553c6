# Online training ([train] source = "online"): the simulation of the input
# feeds the training through a replay buffer. The same loss curve on 1 and 2
# ranks (and the same trajectory as the simulation alone); training steps
# taken while the trajectory is still being written (no file read); SIGUSR1
# mid-run, then a rerun that ends with the uninterrupted run's model bit for
# bit. The inputs it refuses are in tests/inputs/invalid/online_*.toml.
. "$AMP_SRCDIR/tests/cli/tap.sh"
py=/usr/bin/python3
checker="$AMP_SRCDIR/tests/cli/check_train.py"

# input NAME SIM_STEPS TRAIN_STEPS STEPS_PER_SNAPSHOT LOG_INTERVAL: the
# small interacting AOUP gas and network of train.sh, trained online
input() {
  local name=$1 sim=$2 steps=$3 per=$4 every=$5
  cat > "$name.toml" <<TOML
[run]
seed = 5
output_dir = "$name"
$(cat "$AMP_SRCDIR/tests/inputs/small_gas.toml")
[simulate]
steps = $sim
snapshot_interval = 50
checkpoint_interval = 500
$(cat "$AMP_SRCDIR/tests/inputs/small_network.toml")
[train]
source = "online"
replay_frames = 8
steps_per_snapshot = $per
validation_fraction = 0.25
steps = $steps
batch_particles = 64
learning_rate = 1e-3
warmup_steps = 5
log_interval = $every
TOML
}

new_dir ranks
input one 1000 30 2 1
run_amp one.toml
check "trained online on 1 rank: exit 0, model and loss curve written" sh -c \
  "[ $rc -eq 0 ] && [ -f one/model.h5 ] && [ -f one/train_log.h5 ] && [ -f one/trajectory.h5 ]"
[ $rc -eq 0 ] || show "$err"
grep -n -m1 '^train: step 1/30' "$out" | cut -d: -f1 > first_step
grep -n '^simulate: trajectory' "$out" | cut -d: -f1 > published
check "training steps come while the trajectory is still being written (training reads no file)" \
  sh -c "[ -s first_step ] && [ -s published ] && [ \$(cat first_step) -lt \$(cat published) ]"
sed 's|output_dir = "one"|output_dir = "two"|' one.toml > two.toml
run_amp -n 2 --quiet two.toml
[ $rc -eq 0 ] || show "$err"
check "the same loss curve on 1 and 2 ranks (1e-5 of its scale)" \
  $py "$checker" curves 1e-5 one/train_log.h5 two/train_log.h5
sed '/^\[network\]/,$d; s|output_dir = "one"|output_dir = "alone"|' one.toml > alone.toml
run_amp -n 2 --quiet alone.toml
check "the trajectory is the simulation's alone, bit for bit" sh -c \
  "[ $rc -eq 0 ] && h5diff -q one/trajectory.h5 alone/trajectory.h5 /particles &&
   h5diff -q one/trajectory.h5 alone/trajectory.h5 /observables"

new_dir restart
input full 20000 2400 8 20
run_amp -n 2 --quiet full.toml
[ $rc -eq 0 ] || show "$err"
sed 's|output_dir = "full"|output_dir = "cut"|' full.toml > cut.toml
(timeout 120 $(mpirun_cmd) -n 2 "$AMP_BIN" --quiet "$PWD/cut.toml" > cut1.txt 2>&1; echo $? > first_rc) &
for i in $(seq 1 600); do [ -f cut/train_checkpoint.h5 ] && break; sleep 0.05; done
signal_ranks USR1 "$PWD/cut.toml"
wait
first=$(cat first_rc)
run_amp -n 2 --quiet cut.toml
resumed=$(sed -n 's|^train: continuing from cut/train_checkpoint.h5 at step \([0-9]*\)$|\1|p' "$out")
echo "# interrupted at training step ${resumed:-?} of 2400"
check "SIGUSR1 mid-training checkpoints both and exits 3; the rerun continues to the uninterrupted model, bit for bit" sh -c \
  "[ $first -eq 3 ] && [ $rc -eq 0 ] && [ ${resumed:-2400} -lt 2400 ] &&
   $py '$checker' same full/model.h5 cut/model.h5 && $py '$checker' curves 0 full/train_log.h5 cut/train_log.h5 &&
   h5diff -q full/trajectory.h5 cut/trajectory.h5 /particles"
[ "$first" -eq 3 ] || { echo "# first run exit $first"; show cut1.txt; }
[ $rc -eq 0 ] || show "$err"
run_amp -n 2 --quiet cut.toml
check "running the finished input again changes nothing" sh -c \
  "[ $rc -eq 0 ] && grep -q 'already complete' '$out' && $py '$checker' same full/model.h5 cut/model.h5"

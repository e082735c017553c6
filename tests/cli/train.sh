# The train stage end to end: the same loss curve on 1, 2 and 4 ranks (and
# with the distance input on 1 and 2, with the tokens' forces on 1, 2 and 4,
# with their drifts on 1 and 2, by denoising and implicitly), and
# with the work items' redistribution on and off, an even batch on 4 ranks,
# steps over several frames (the mean of one-frame steps; rank-independent), a
# resumed run equal to an uninterrupted one, a non-finite loss stopped with
# its message and the last good checkpoint kept, the frame cache (bit for
# bit), and learning: trapped hypoelliptic AOUPs' EPR within 5 % of
# science.md (I7).
. "$AMP_SRCDIR/tests/cli/tap.sh"
py=/usr/bin/python3
checker="$AMP_SRCDIR/tests/cli/check_train.py"

# the system: a small interacting AOUP gas
system=$(cat "$AMP_SRCDIR/tests/inputs/small_gas.toml")

# data: simulated once
new_dir data
cat > data.toml <<TOML
[run]
seed = 5
output_dir = "."
$system
[simulate]
steps = 3000
snapshot_interval = 100
$(cat "$AMP_SRCDIR/tests/inputs/small_network.toml")
TOML
run_amp -n 2 --quiet data.toml
data=$scratch/data/trajectory.h5
check "a trajectory to learn from" sh -c "[ $rc -eq 0 ] && [ -f '$data' ]"

# train NAME STEPS [extra [train] lines]: an input that trains on the data
train() {
  local name=$1 steps=$2
  shift 2
  sed -n '/^\[network\]/,$p' "$scratch/data/data.toml" > net.toml
  cat > "$name.toml" <<TOML
[run]
seed = 11
output_dir = "$name"
$system
$(cat net.toml)
[train]
data = "$data"
steps = $steps
batch_particles = 64
learning_rate = 1e-3
warmup_steps = 5
decay_steps = 20
log_interval = 1
checkpoint_interval = 0
$(printf '%s\n' "$@")
TOML
}

new_dir ranks
for n in 1 2 4; do
  train r$n 20
  run_amp -n $n --quiet r$n.toml
  [ $rc -eq 0 ] || show "$err"
done
check "20 training steps give the same loss curve on 1, 2 and 4 ranks (1e-5 of its scale)" \
  $py "$checker" curves 1e-5 r1/train_log.h5 r2/train_log.h5 r4/train_log.h5
train off4 20 'redistribute = "off"'
run_amp -n 4 --quiet off4.toml
[ $rc -eq 0 ] || show "$err"
check "redistribution of the work items on and off gives the same loss curve on 4 ranks (1e-5)" \
  $py "$checker" curves 1e-5 r4/train_log.h5 off4/train_log.h5
check "with redistribution each of 4 ranks evaluates floor or ceil of the mean (max/mean <= 1.1)" \
  $py "$checker" balanced r4/train_log.h5 1.1

# the frame cache: all 30 frames, 5 of them (4e-5 GiB of 8000-byte frames) or
# none give the same bits
new_dir cache
train part 20 'data_memory = 4e-5'
run_amp -n 2 part.toml
check "[train] data_memory = 4e-5 keeps the first 5 of the 30 frames in memory" \
  sh -c "[ $rc -eq 0 ] && grep -q 'train: 5 of the 30 frames stay in memory' '$out'"
train none 20 'data_memory = 0'
run_amp -n 2 --quiet none.toml
[ $rc -eq 0 ] || show "$err"
check "training from 5 cached frames, or none, gives the loss curve of all 30 cached, bit for bit" \
  $py "$checker" curves 0 "$scratch/ranks/r2/train_log.h5" part/train_log.h5 none/train_log.h5

new_dir distance
for n in 1 2; do
  train d$n 20
  run_amp -n $n --quiet d$n.toml --set 'network.distance="input"'
  [ $rc -eq 0 ] || show "$err"
done
check "with the distance input, 20 steps give the same loss curve on 1 and 2 ranks (1e-5)" \
  $py "$checker" curves 1e-5 d1/train_log.h5 d2/train_log.h5
check "the distance input changes the loss curve (by more than 1e-3)" \
  sh -c "! $py '$checker' curves 1e-3 '$scratch/ranks/r1/train_log.h5' d1/train_log.h5"
for n in 1 2 4; do
  train f$n 20
  run_amp -n $n --quiet f$n.toml --set 'network.forces="input"'
  [ $rc -eq 0 ] || show "$err"
done
check "with the forces on the tokens, 20 steps give the same loss curve on 1, 2 and 4 ranks (1e-5)" \
  $py "$checker" curves 1e-5 f1/train_log.h5 f2/train_log.h5 f4/train_log.h5
check "the forces on the tokens change the loss curve (by more than 1e-3)" \
  sh -c "! $py '$checker' curves 1e-3 '$scratch/ranks/r1/train_log.h5' f1/train_log.h5"
for n in 1 2; do
  train b$n 20
  run_amp -n $n --quiet b$n.toml --set 'network.forces="drift"'
  [ $rc -eq 0 ] || show "$err"
  train i$n 10 'loss = "implicit"'
  run_amp -n $n --quiet i$n.toml --set 'network.forces="drift"'
  [ $rc -eq 0 ] || show "$err"
done
check "with the drifts on the tokens, 20 steps give the same loss curve on 1 and 2 ranks (1e-5)" \
  $py "$checker" curves 1e-5 b1/train_log.h5 b2/train_log.h5
check "the drifts on the tokens change the loss curve (by more than 1e-3)" \
  sh -c "! $py '$checker' curves 1e-3 f1/train_log.h5 b1/train_log.h5"
check "with the drifts, the implicit loss (its probes move every token's drift) gives the same curve on 1 and 2 ranks" \
  $py "$checker" curves 1e-5 i1/train_log.h5 i2/train_log.h5

new_dir frames
train one 12 'batch_particles = 200' 'learning_rate = 1e-20'
train two 6 'batch_particles = 400' 'learning_rate = 1e-20' 'frames_per_step = 2'
sed -i '/^batch_particles = 64$/d; /^learning_rate = 1e-3$/d' one.toml two.toml
run_amp -n 2 --quiet one.toml
run_amp -n 2 --quiet two.toml
check "a step over 2 frames has the mean loss of the two one-frame steps that drew them (1e-6)" \
  $py "$checker" pooled 2 1e-6 two/train_log.h5 one/train_log.h5
train f1 10 'frames_per_step = 3'
run_amp -n 1 --quiet f1.toml
train f2 10 'frames_per_step = 3'
run_amp -n 2 --quiet f2.toml
check "3 frames per step give the same loss curve on 1 and 2 ranks (1e-5)" \
  $py "$checker" curves 1e-5 f1/train_log.h5 f2/train_log.h5

new_dir resume
train full 20
run_amp -n 2 --quiet full.toml
train cut 10
run_amp -n 2 --quiet cut.toml
first=$rc
cp cut/train_checkpoint.h5 ten.h5
train cut 20
run_amp -n 2 --quiet cut.toml
check "a run continued from its checkpoint ends with the uninterrupted run's model, bit for bit" sh -c \
  "[ $first -eq 0 ] && [ $rc -eq 0 ] && grep -q 'continuing from cut/train_checkpoint.h5 at step 10' '$out' &&
   $py '$checker' same full/model.h5 cut/model.h5 && $py '$checker' curves 0 full/train_log.h5 cut/train_log.h5"
# [train] initial: a new output_dir continues another run's checkpoint (then,
# run again, its own); a missing file or another network is refused
train init 20 "initial = \"$PWD/ten.h5\""
run_amp -n 2 --quiet init.toml
from_initial=$(grep -c 'continuing from .*/ten.h5 at step 10 (\[train\] initial)' "$out")
check "[train] initial continues a 10-step checkpoint in a new output_dir to the uninterrupted run's model, bit for bit" \
  sh -c "[ $rc -eq 0 ] && [ $from_initial -eq 1 ] && $py '$checker' same full/model.h5 init/model.h5"
run_amp -n 2 --quiet init.toml
check "run again, a run with [train] initial continues its own checkpoint" sh -c \
  "[ $rc -eq 0 ] && grep -q 'continuing from init/train_checkpoint.h5 at step 20\$' '$out'"
train nofile 20 'initial = "none.h5"'
run_amp -n 2 --quiet nofile.toml
check "[train] initial naming no file: one line naming it, no model written" sh -c \
  "[ $rc -eq 1 ] && [ \$(grep -c 'error:' '$err') -eq 1 ] &&
   grep -q 'initial = \"none.h5\": no such file' '$err' && [ ! -e nofile/model.h5 ]"
train short 5 "initial = \"$PWD/ten.h5\""
run_amp -n 2 --quiet short.toml
check "[train] initial at step 10 with steps = 5: refused with one line (raise steps), no model written" sh -c \
  "[ $rc -eq 1 ] && [ \$(grep -c 'error:' '$err') -eq 1 ] &&
   grep -q 'ten.h5 is at step 10, beyond \[train\] steps = 5: raise steps' '$err' && [ ! -e short/model.h5 ]"
train wide 20 "initial = \"$PWD/ten.h5\""
sed -i 's/^embed_dim = 16/embed_dim = 8/' wide.toml
run_amp -n 2 --quiet wide.toml
check "[train] initial of another network: refused with one line naming the file" sh -c \
  "[ $rc -eq 1 ] && [ \$(grep -c 'error:' '$err') -eq 1 ] && grep -q 'ten.h5' '$err' &&
   grep -q 'in \[train\] initial' '$err' && [ ! -e wide/model.h5 ]"

new_dir blowup
train blow 20
sed -i 's/^learning_rate = 1e-3/learning_rate = 1e30/; s/^warmup_steps = 5/warmup_steps = 0/; s/^checkpoint_interval = 0/checkpoint_interval = 1/' blow.toml
run_amp -n 2 --quiet blow.toml
check "a non-finite loss stops the run with its step and advice, keeping the last checkpoint" sh -c \
  "[ $rc -eq 1 ] && grep -q 'is not finite at training step' '$err' && grep -q 'lower \[train\] learning_rate' '$err' &&
   [ -f blow/train_checkpoint.h5 ] && [ ! -f blow/model.h5 ]"

# The simulate stage end to end: trajectories bitwise independent of the
# number of ranks (1 to 8, in 1, 2 and 3 dimensions, AOUP and ABP), restart
# after SIGUSR1 or SIGTERM on another number of ranks bitwise equal to an
# uninterrupted run, a blown-up run stopped with the particle and the step,
# and the network-free EPR of trapped AOUPs against science.md (I7).
. "$AMP_SRCDIR/tests/cli/tap.sh"

# input NAME DIM MODEL STEPS [extra TOML lines]: a small dense system.
input() {
  local name=$1 dim=$2 model=$3 steps=$4 rates
  shift 4
  if [ "$model" = aoup ]; then rates="gamma = 0.05"; else rates="rotational_diffusion = 0.05"; fi
  cat > "$name.toml" <<TOML
[run]
seed = 7
output_dir = "$name"
[system]
model = "$model"
dimension = $dim
particles = 300
packing_fraction = $( [ "$dim" = 3 ] && echo 0.3 || echo 0.5 )
[dynamics]
v0 = 0.5
$rates
translational_diffusion = 0.01
dt = 0.02
[simulate]
steps = $steps
snapshot_interval = 50
checkpoint_interval = 100
$(printf '%s\n' "$@")
TOML
}



for case in "2 aoup" "1 aoup" "3 aoup" "2 abp" "3 abp"; do
  set -- $case
  new_dir "ranks_${1}d_$2"
  input one "$1" "$2" 400
  run_amp --quiet one.toml
  check "$1-D $2 runs on 1 rank" sh -c "[ $rc -eq 0 ] && [ -f one/trajectory.h5 ] && [ -f one/trajectory.xdmf ]"
  for n in 2 3 4 8; do
    sed "s|output_dir = \"one\"|output_dir = \"r$n\"|" one.toml > r$n.toml
    run_amp -n $n --quiet r$n.toml
    check "$1-D $2 trajectory on $n ranks equals 1 rank, bit for bit" \
      sh -c "[ $rc -eq 0 ] && h5diff -q one/trajectory.h5 r$n/trajectory.h5 /particles &&
             h5diff -q one/trajectory.h5 r$n/trajectory.h5 /observables"
  done
done

# restart: stop a long run with a signal once it has checkpointed, continue
# on another number of ranks, compare with the uninterrupted run
for signal in USR1 TERM; do
  new_dir "restart_$signal"
  input full 2 aoup 20000
  run_amp --quiet full.toml
  sed 's|output_dir = "full"|output_dir = "cut"|' full.toml > cut.toml
  (timeout 120 $(mpirun_cmd) -n 2 "$AMP_BIN" --quiet "$PWD/cut.toml" > cut1.txt 2>&1; echo $? > first_rc) &
  for i in $(seq 1 600); do [ -f cut/checkpoint.h5 ] && break; sleep 0.05; done
  signal_ranks $signal "$PWD/cut.toml"
  wait
  first=$(cat first_rc)
  run_amp -n 3 --quiet cut.toml
  check "SIGTERM/SIGUSR1 ($signal) checkpoints and exits 3; the run continues on 3 ranks to the same trajectory" \
    sh -c "[ $first -eq 3 ] && [ $rc -eq 0 ] && grep -q 'continuing from cut/checkpoint.h5' '$out' &&
           h5diff -q full/trajectory.h5 cut/trajectory.h5 /particles &&
           h5diff -q full/trajectory.h5 cut/trajectory.h5 /observables"
  [ "$first" -eq 3 ] || { echo "# first run exit $first"; show cut1.txt; }
done

new_dir complete
input done 2 aoup 200
run_amp --quiet done.toml
run_amp --quiet done.toml
check "running a finished input again changes nothing" sh -c "[ $rc -eq 0 ] && grep -q 'already complete' '$out'"

new_dir fault
input boom 2 aoup 200 'skin = 0.3'
sed -i 's/^dt = 0.02/dt = 5.0/' boom.toml
run_amp -n 2 --quiet boom.toml
check "a step that moves a particle too far stops the run with its id, the step and advice" sh -c "[ $rc -eq 1 ] &&
  grep -q 'error: simulate: step 1: particle [0-9]* moved .* in one step (more than the skin, 0.3): use a smaller \[dynamics\] dt' '$err' &&
  [ \"\$(grep -c 'error:' '$err')\" -eq 1 ] && [ -f boom/checkpoint.h5 ] && [ ! -f boom/trajectory.h5 ]"

# science.md (I7): non-interacting AOUPs in a trap, eps > 0: the network-free
# EPR per particle is d v0^2 gamma / (eps (A + gamma)) = 2 x 1.6667
new_dir trap
cat > trap.toml <<'TOML'
[run]
seed = 3
output_dir = "trap"
[system]
particles = 2000
box_length = 400.0
[interaction]
potential = "none"
trap = 0.05
[dynamics]
v0 = 0.5
gamma = 0.1
translational_diffusion = 0.1
dt = 0.01
[simulate]
burn_in_steps = 10000
steps = 10000
snapshot_interval = 100
TOML
run_amp -n 2 --quiet trap.toml
check "trapped AOUPs: network-free EPR per particle within 3 errors and 3 % of 3.3333" sh -c "[ $rc -eq 0 ] &&
  /usr/bin/python3 - '$out' <<'PY'
import re, sys
line = [l for l in open(sys.argv[1]) if 'per particle' in l][0]
mean, err = map(float, re.search(r'([0-9.e+-]+) \+- ([0-9.e+-]+) per particle', line).groups())
exact = 2 * 0.25 * 0.1 / (0.1 * 0.15)
print('# per particle %g +- %g, exact %g' % (mean, err, exact))
sys.exit(0 if abs(mean - exact) <= 3 * err and abs(mean - exact) <= 0.03 * exact else 1)
PY"

# replicas: each its own stream and file; a replica's trajectory does not
# depend on the ranks it has, and two replicas differ
new_dir replicas
input rep 2 aoup 200 
sed -i 's/^seed = 7/seed = 7\nreplicas = 2/' rep.toml
run_amp -n 2 --quiet rep.toml
sed 's|output_dir = "rep"|output_dir = "rep4"|' rep.toml > rep4.toml
run_amp -n 4 --quiet rep4.toml
check "2 replicas on 2 and on 4 ranks write the same two trajectories, which differ" sh -c "[ $rc -eq 0 ] &&
  h5diff -q rep/trajectory_r0.h5 rep4/trajectory_r0.h5 /particles && h5diff -q rep/trajectory_r1.h5 rep4/trajectory_r1.h5 /particles &&
  ! h5diff -q rep/trajectory_r0.h5 rep/trajectory_r1.h5 /particles/all/position >/dev/null 2>&1 &&
  [ -f rep/checkpoint_r0.h5 ] && [ -f rep/checkpoint_r1.h5 ]"

# initial = "file": the last frame of a trajectory starts a new run (which
# here does not move the particles: no propulsion, no noise, no forces)
new_dir from_file
input first 2 aoup 200
run_amp --quiet first.toml
input second 2 aoup 100 'initial = "file"' 'initial_file = "first/trajectory.h5"' '[interaction]' 'potential = "none"'
sed -i 's/^snapshot_interval = 50/snapshot_interval = 100/; s/^v0 = 0.5/v0 = 0.0/; s/^translational_diffusion = 0.01/translational_diffusion = 0.0/' second.toml
run_amp -n 2 --quiet second.toml
check "initial = \"file\" starts from the last frame of a trajectory" sh -c "[ $rc -eq 0 ] && /usr/bin/python3 - <<'PY'
import h5py, numpy as np, sys
a = h5py.File('first/trajectory.h5', 'r')['particles/all/position/value']
b = h5py.File('second/trajectory.h5', 'r')['particles/all/position/value']
sys.exit(0 if b.shape == (1, 300, 2) and np.array_equal(a[-1], b[0]) else 1)
PY"
input wrong 2 aoup 100 'initial = "file"' 'initial_file = "first/trajectory.h5"'
sed -i 's/^particles = 300/particles = 299/' wrong.toml
run_amp --quiet wrong.toml
check "an initial_file for another system is refused, naming what differs" sh -c "[ $rc -eq 1 ] &&
  grep -q 'first/trajectory.h5 holds 300 particles in 2 dimensions, the input 299 in 2' '$err'"

# killed in the middle of a trajectory write: the checkpoint is whole, the
# damaged partial trajectory is set aside and the run continues from the checkpoint
new_dir damaged
input dmg 2 aoup 20000
timeout 120 "$AMP_BIN" --quiet "$PWD/dmg.toml" > first.txt 2>&1 &
for i in $(seq 1 600); do [ -f dmg/checkpoint.h5 ] && break; sleep 0.05; done
signal_ranks USR1 "$PWD/dmg.toml"
wait
head -c 4000 dmg/trajectory.h5.partial > cut && mv cut dmg/trajectory.h5.partial
run_amp -n 2 --quiet dmg.toml
check "a damaged partial trajectory is kept aside and the run continues from its checkpoint" sh -c "[ $rc -eq 0 ] &&
  grep -q 'warning: dmg/trajectory.h5.partial could not be continued' '$out' &&
  [ -f dmg/trajectory.h5.partial.damaged ] && [ -f dmg/trajectory.h5 ] && grep -q 'network-free EPR' '$out'"

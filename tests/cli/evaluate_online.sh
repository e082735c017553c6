# In situ evaluation ([evaluate] source = "online") end to end: a small
# model of trapped AOUPs evaluates a simulation as it runs, on 1 and 2
# ranks. Its epr.h5 is the one the offline evaluate stage writes from the
# same run's trajectory with the same frames and model: every dataset (per
# particle, per snapshot, fields) and every run total, bit for bit. A run
# stopped twice by SIGUSR1 and sent back to its first checkpoint (so that
# epr.h5.partial holds frames after it) continues to the uninterrupted
# run's epr.h5, bit for bit; a complete run, run again, leaves it alone; a
# missing model stops the run with one line before anything is simulated.
# In 1-D, in situ is offline bit for bit too, tools/plot_epr.py draws the
# system and ParaView reads the fields from epr.xdmf.
# (Invalid in situ inputs: tests/inputs/invalid/insitu_*.toml.)
. "$AMP_SRCDIR/tests/cli/tap.sh"
py=/usr/bin/python3
checker="$AMP_SRCDIR/tests/cli/check_evaluate.py"

. "$AMP_SRCDIR/tests/cli/trap64.sh"

new_dir evaluate_online
trained_model

# in_situ NAME STEPS [MORE]: simulate STEPS steps into NAME/, evaluated in situ
in_situ() {
  {
    printf '[run]\nseed = 9\noutput_dir = "%s"\n' "$1"
    system
    printf '[simulate]\nburn_in_steps = 500\nsteps = %s\nsnapshot_interval = 100\ncheckpoint_interval = 1000\n' "$2"
    printf '[evaluate]\nsource = "online"\nmodel = "data/model.h5"\nfirst_snapshot = 2\nstride = 3\n%s\n' "${3:-}"
  } > "$1.toml"
}

for n in 1 2; do
  in_situ "ins$n" 3000
  run_amp -n $n "ins$n.toml"
  [ $rc -eq 0 ] || show "$err"
  cp "$out" "ins$n.out"
  check "simulate with in situ evaluation on $n rank(s) writes the trajectory, epr.h5 and epr.xdmf" \
    sh -c "[ $rc -eq 0 ] && [ -f ins$n/trajectory.h5 ] && [ -f ins$n/epr.h5 ] && [ -f ins$n/epr.xdmf ] &&
           ! [ -e ins$n/epr.h5.partial ] && grep -q 'evaluate: 10 snapshots of the simulation, in situ' ins$n.out"
  {
    printf '[run]\noutput_dir = "off%s"\n' $n
    system
    printf '[evaluate]\nmodel = "data/model.h5"\ntrajectory = "ins%s/trajectory.h5"\nfirst_snapshot = 2\nstride = 3\n' $n
  } > "off$n.toml"
  run_amp -n $n --quiet "off$n.toml"
  check "in situ on $n rank(s): epr.h5 is the offline evaluation's of the same frames, bit for bit (datasets, totals)" \
    sh -c "[ $rc -eq 0 ] && $py '$checker' identical off$n/epr.h5 ins$n/epr.h5"
  check "in situ on $n rank(s): epr.h5 is consistent with itself (rows, totals, phases, fields, radial profile)" \
    $py "$checker" consistent "ins$n/epr.h5"
  check "in situ on $n rank(s): the closing lines print the file's totals" $py "$checker" printed "ins$n/epr.h5" "ins$n.out"
done
check "in situ on 1 and 2 ranks: the same epr.h5 (network values to float rounding, the rest exactly)" \
  $py "$checker" same ins1/epr.h5 ins2/epr.h5

# run again when complete: nothing is simulated or evaluated, epr.h5 stays
cp ins2/epr.h5 before.h5
run_amp -n 2 ins2.toml
check "a complete in situ run, run again, leaves epr.h5 as it was" \
  sh -c "[ $rc -eq 0 ] && grep -q 'already complete' '$out' && grep -q 'evaluate: nothing to do' '$out' &&
         cmp -s before.h5 ins2/epr.h5"

# restart: stop with SIGUSR1 after the first checkpoint (c1), continue and stop
# again after a later checkpoint, then go back to c1: epr.h5.partial now holds
# frames after c1's step, which the continued run must drop and evaluate again
in_situ full 60000
run_amp -n 2 --quiet full.toml
sed 's|output_dir = "full"|output_dir = "cut"|' full.toml > cut.toml
# stop_after_checkpoint CHANGED_FROM: run cut.toml on 2 ranks in the background
# and stop it with SIGUSR1 once its checkpoint differs from CHANGED_FROM
stop_after_checkpoint() {
  (timeout 120 $(mpirun_cmd) -n 2 "$AMP_BIN" --quiet "$PWD/cut.toml" > cut_run.txt 2>&1; echo $? > cut_rc) &
  for i in $(seq 1 1200); do [ -f cut/checkpoint.h5 ] && ! cmp -s cut/checkpoint.h5 "$1" && break; sleep 0.05; done
  signal_ranks USR1 "$PWD/cut.toml"
  wait
  cat cut_rc
}
first=$(stop_after_checkpoint /dev/null)
cp cut/checkpoint.h5 c1.h5
second=$(stop_after_checkpoint c1.h5)
# frames of the partial file, and frames evaluated up to c1's step (snapshot j
# is taken at step 500 + 100 (j + 1); first_snapshot 2, stride 3)
written=$($py -c "import h5py; print(len(h5py.File('cut/epr.h5.partial', 'r')['observables/sigma/step']))")
kept=$($py -c "import h5py; t = (int(h5py.File('c1.h5', 'r').attrs['step']) - 500) // 100; print(max(0, (t - 2 + 2) // 3))")
cp c1.h5 cut/checkpoint.h5
run_amp -n 2 --quiet cut.toml
[ $rc -eq 0 ] || show "$err"
check "in situ restart: stopped twice (exit 3), continued from an earlier checkpoint; epr.h5 is the uninterrupted run's, bit for bit" \
  sh -c "[ $first -eq 3 ] && [ $second -eq 3 ] && [ $written -gt $kept ] && [ $rc -eq 0 ] &&
         ! [ -e cut/epr.h5.partial ] && $py '$checker' identical full/epr.h5 cut/epr.h5"
echo "# epr.h5.partial had $written frames; the first checkpoint keeps $kept"

# a missing model: one line naming it, nothing simulated
in_situ nomodel 3000 'model = "data/none.h5"'
sed -i '/^model = "data\/model.h5"$/d' nomodel.toml
run_amp -n 2 nomodel.toml
check "in situ with a missing model: one line naming the file, nothing simulated or written" \
  sh -c "[ $rc -eq 1 ] && [ \$(grep -c 'error:' '$err') -eq 1 ] && grep -q 'data/none.h5' '$err' &&
         ! [ -e nomodel/trajectory.h5.partial ] && ! [ -e nomodel/epr.h5.partial ] && ! [ -e nomodel/epr.h5 ]"

# 1-D: 32 trapped AOUPs on a line, evaluated in situ on 2 ranks and
# offline; tools/plot_epr.py draws it (particles along the line, fields as
# curves) and ParaView reads its fields (one row of cells)
system_1d() {
  printf '[system]\nmodel = "aoup"\ndimension = 1\nparticles = 32\nbox_length = 64.0\n'
  printf '[interaction]\npotential = "none"\ntrap = 0.05\n'
  printf '[dynamics]\nv0 = 0.5\ngamma = 0.1\ntranslational_diffusion = 0.1\ndt = 0.02\n'
  printf '[network]\nneighbors = 4\nneighborhood_cutoff = 8.0\nembed_dim = 16\nheads = 2\nlayers = 1\n'
  printf 'feedforward_dim = 16\nembed_hidden_layers = 1\nembed_hidden_width = 16\ndecoder_hidden_layers = 1\n'
  printf 'decoder_hidden_width = 16\nactivation_memory = 0.05\n'
}
{
  printf '[run]\nseed = 3\noutput_dir = "data1"\n'
  system_1d
  printf '[simulate]\nburn_in_steps = 500\nsteps = 3000\nsnapshot_interval = 100\ncheckpoint_interval = 0\n'
  printf '[train]\nsteps = 200\nbatch_particles = 32\nlearning_rate = 5e-3\nnoise_scale = 0.05\ncheckpoint_interval = 0\n'
} > learn1.toml
{
  printf '[run]\nseed = 4\noutput_dir = "line"\n'
  system_1d
  printf '[simulate]\nburn_in_steps = 500\nsteps = 3000\nsnapshot_interval = 100\n'
  printf '[evaluate]\nsource = "online"\nmodel = "data1/model.h5"\nfield_cells = 16\n'
} > line.toml
{
  printf '[run]\noutput_dir = "line_off"\n'
  system_1d
  printf '[evaluate]\nmodel = "data1/model.h5"\ntrajectory = "line/trajectory.h5"\nfield_cells = 16\n'
} > line_off.toml
run_amp -n 2 --quiet learn1.toml && run_amp -n 2 --quiet line.toml && run_amp -n 2 --quiet line_off.toml
[ $rc -eq 0 ] || show "$err"
check "1-D: in situ on 2 ranks is the offline evaluation, bit for bit, and consistent with itself" \
  sh -c "[ $rc -eq 0 ] && $py '$checker' identical line_off/epr.h5 line/epr.h5 && $py '$checker' consistent line/epr.h5"
$py "$AMP_SRCDIR/tools/plot_epr.py" line/epr.h5 line.png > plot.out 2>&1 || show plot.out
check "1-D: tools/plot_epr.py draws the last frame as a PNG (particles on the line, fields as curves)" \
  sh -c "head -c 8 line.png | od -An -c | grep -q 'P   N   G' && [ \$(wc -c < line.png) -gt 20000 ] &&
         grep -q '^plot_epr: line.png (frame 29, step 3500, 32 particles)' plot.out"
paraview "$AMP_SRCDIR/tests/cli/read_fields_paraview.py" line/epr.xdmf \
  line/epr.h5 > pvf.out 2>&1 || show pvf.out
check "1-D: ParaView reads epr.xdmf's fields as 16 cells on the line, epr.h5's last frame bit for bit" \
  grep -q '^read_fields_paraview: 16^1 cells at time' pvf.out

[ "$nfail" -eq 0 ]

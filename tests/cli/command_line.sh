# The program as a user meets it: --help, --version, --check, a real run on 1
# and 2 ranks, PETSc options, and the errors that are not about the file.
. "$AMP_SRCDIR/tests/cli/tap.sh"
quickstart=$AMP_SRCDIR/input/quickstart.toml

new_dir help
run_amp --help
check "--help prints the usage and exits 0" sh -c "[ $rc -eq 0 ] && grep -q '^usage: activempi \[options\] input.toml' '$out'"

run_amp --version
check "--version names activempi and its libraries" sh -c "[ $rc -eq 0 ] &&
  grep -q '^activempi [0-9]' '$out' && grep -q '^Open MPI v4' '$out' && grep -q '^PETSc 3\.18' '$out' &&
  grep -q '^HDF5 1\.' '$out' && grep -q '^toml++ 3' '$out'"

for file in "$AMP_SRCDIR"/input/*.toml; do
  new_dir check
  run_amp --check "$file"
  check "--check accepts the shipped $(basename "$file") and writes nothing" \
    sh -c "[ $rc -eq 0 ] && grep -q '^\[system\]' '$out' && [ -z \"\$(ls -A)\" ]"
  # The resolved configuration is itself an input that resolves to the same text.
  grep -v '^# resolved configuration of' "$out" | grep -v '^# note:' > resolved.toml
  run_amp --check resolved.toml
  check "the resolved $(basename "$file") resolves to itself" \
    sh -c "grep -v '^# resolved configuration of' '$out' | grep -v '^# note:' | diff -q - resolved.toml >/dev/null"
done

new_dir check_derived
run_amp --check "$AMP_SRCDIR/input/mips_paper.toml"
check "--check shows derived quantities (the paper's box 160.42)" \
  sh -c "grep -q '^# \[system\] box_length = 160.424' '$out' && grep -q '^# force_cutoff = 4.456' '$out'"
check "--check of an input with every stage notes nothing" sh -c "! grep -q '^# note:' '$out'"

# The quick start, shortened to 200 simulation steps and 4 training steps.
short_quickstart() {
  sed 's/^steps = 80_000/steps = 200/; s/^snapshot_interval = 2_000/snapshot_interval = 100/;
       s/^steps = 2_000/steps = 4/; s/^log_interval = 250/log_interval = 2/' "$quickstart" > short.toml
}

for ranks in 1 2; do
  new_dir "run$ranks"
  short_quickstart
  if [ "$ranks" = 1 ]; then run_amp short.toml; else run_amp -n 2 short.toml; fi
  check "quickstart on $ranks rank(s) exits 0 and writes run.toml, the trajectory, the model, logs, checkpoints and epr.h5, nothing else" \
    sh -c "[ $rc -eq 0 ] && [ \"\$(ls -A output/quickstart | tr '\\n' ' ')\" = 'checkpoint.h5 epr.h5 epr.xdmf model.h5 run.toml train_checkpoint.h5 train_log.h5 trajectory.h5 trajectory.xdmf ' ]"
  check "quickstart on $ranks rank(s) prints the network-free EPR and ends with the timing table" sh -c "
    grep -q '^network-free EPR (I4, replica 0): .* per particle (2 snapshots, blocking error)' '$out' &&
    grep -q '^train: EPR per particle on 1 held-out frame: network' '$out' &&
    grep -q '^timing over $ranks rank' '$out' && grep -q 'AmpInputLoad' '$out' && grep -q 'AmpForce' '$out'"
  run_amp --check short.toml
  check "run.toml is the resolved configuration" diff -q "$out" output/quickstart/run.toml
done

new_dir log_view
short_quickstart
run_amp short.toml -log_view
check "-log_view reaches PETSc and lists activempi's events" sh -c "[ $rc -eq 0 ] &&
  grep -q 'PETSc Performance Summary' '$out' && grep -q '^AmpInputLoad' '$out'"

new_dir replicas
printf '[run]\nreplicas = 3\n' > input.toml
sed '/^\[network\]/,$d' "$quickstart" | grep -v '^\[run\]' |
  grep -v '^seed\|^output_dir\|^progress_interval\|^\[simulate\]\|^burn_in\|^steps\|^snapshot\|^checkpoint\|^trajectory' >> input.toml
run_amp -n 2 input.toml
check "replicas that do not divide the ranks: exit 2, one line" sh -c "[ $rc -eq 2 ] &&
  grep -q '^input.toml: error: \[run\] replicas = 3 must divide the number of MPI ranks (2)$' '$err' &&
  [ \"\$(grep -c ': error: ' '$err')\" -eq 1 ]"
run_amp --check input.toml
check "--check of replicas = 3 on one rank accepts it and notes the ranks it needs" sh -c "[ $rc -eq 0 ] &&
  grep -q '^# note: \[run\] replicas = 3: run it on a multiple of 3 MPI ranks$' '$out'"

new_dir unwritable
printf '[run]\noutput_dir = "/proc/activempi"\n' > input.toml
sed '/^\[network\]/,$d' "$quickstart" | grep -v '^\[run\]' |
  grep -v '^seed\|^output_dir\|^progress_interval\|^\[simulate\]\|^burn_in\|^steps\|^snapshot\|^checkpoint\|^trajectory' >> input.toml
run_amp input.toml
check "an output directory that cannot be made: exit 1, says which" sh -c "[ $rc -eq 1 ] &&
  grep -q 'cannot write /proc/activempi/run.toml' '$err'"

new_dir usage
run_amp --chek "$quickstart"
check "an unknown option: exit 2, one line" sh -c "[ $rc -eq 2 ] && [ \"\$(cat '$err')\" = 'activempi: error: unknown option --chek (activempi --help shows the usage)' ]"
run_amp
check "no input file: exit 2" sh -c "[ $rc -eq 2 ] && grep -q 'no input file' '$err'"
run_amp missing.toml
check "a missing input file: exit 2, one line naming it" sh -c "[ $rc -eq 2 ] &&
  [ \"\$(cat '$err')\" = 'missing.toml: error: cannot open the input file: No such file or directory' ]"

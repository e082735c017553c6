# Tokens that carry their particles' forces ([network] forces = "input"), and
# also their drifts relative to the target's (forces = "drift"), end to end
# on an interacting hypoelliptic gas: simulate, train with them and the
# distance input, then evaluate on 1, 2 and 4 ranks. The three epr.h5 agree
# (a token's force needs the halo to reach the force cutoff beyond the
# neighbourhood's; too narrow a halo would change it on more ranks); the
# model file records the force and drift columns, and a network without them
# is refused with one line.
. "$AMP_SRCDIR/tests/cli/tap.sh"
py=/usr/bin/python3
checker="$AMP_SRCDIR/tests/cli/check_evaluate.py"

# system KIND [NETWORK_LINES]: the gas and a small network with forces of KIND and distances
system() {
  cat "$AMP_SRCDIR/tests/inputs/small_gas.toml" "$AMP_SRCDIR/tests/inputs/small_network.toml"
  printf '%s\n' "${2:-forces = \"$1\"
distance = \"input\"}"
}

# evaluate_input KIND NAME [NETWORK_LINES]: evaluate the trajectory with the model into NAME/
evaluate_input() {
  {
    printf '[run]\noutput_dir = "%s"\n' "$2"
    system "$1" "${3:-}"
    printf '[evaluate]\nmodel = "data/model.h5"\ntrajectory = "data/trajectory.h5"\nfirst_snapshot = 15\n'
  } > "$2.toml"
}

# kind KIND COLUMNS: learn with forces = KIND, check the model's (force, drift, distance, x) columns, evaluate on 1, 2, 4 ranks
kind() {
  new_dir "$1"
  {
    printf '[run]\nseed = 3\noutput_dir = "data"\n'
    system "$1"
    printf '[simulate]\nsteps = 2000\nsnapshot_interval = 100\ncheckpoint_interval = 0\n'
    printf '[train]\nsteps = 40\nbatch_particles = 64\nlearning_rate = 1e-3\nloss = "denoising_internal"\ncheckpoint_interval = 0\n'
  } > learn.toml
  run_amp -n 2 --quiet learn.toml
  [ $rc -eq 0 ] || show "$err"
  check "forces = \"$1\": simulate and train a network whose tokens carry them" [ $rc -eq 0 ]
  check "forces = \"$1\": the model file records (force, drift, distance, x) columns $2" \
    $py -c "import h5py, sys; a = h5py.File('data/model.h5')['/'].attrs
sys.exit(0 if (a['force_features'], a['drift_features'], a['distance'], a['x_features']) == $2 else f'{dict(a)}')"
  for n in 1 2 4; do
    evaluate_input "$1" "n$n"
    run_amp -n $n --quiet "n$n.toml"
    [ $rc -eq 0 ] || show "$err"
  done
  check "forces = \"$1\": 1, 2 and 4 ranks give the same epr.h5 (network values to float rounding, the rest exactly)" \
    $py "$checker" same n1/epr.h5 n2/epr.h5 n4/epr.h5
}

kind input "(2, 0, 1, 4)"
evaluate_input input plain 'distance = "input"'
run_amp -n 2 plain.toml
grep '^activempi' "$err" | show /dev/stdin
check "a network without the force columns is refused: exit 1, one line naming both, no epr.h5" sh -c \
  "[ $rc -eq 1 ] && [ \$(grep -c '^activempi: error' '$err') -eq 1 ] &&
   grep -q 'force features 2, drift features 0), the input.s \[network\] implies (.*force features 0, drift features 0)' '$err' && ! ls plain/epr.h5* >/dev/null 2>&1"
kind drift "(2, 2, 1, 6)"

# Sourced by the evaluate tests after tap.sh: the small system they share
# (64 trapped elliptic AOUPs, tests/inputs/trap64.toml) with a tiny network,
# and a model trained on its simulation.

# system [NETWORK_LINES]: the input's [system], [interaction], [dynamics] and
# [network] tables (NETWORK_LINES: more [network] keys)
system() {
  cat "$AMP_SRCDIR/tests/inputs/trap64.toml"
  printf '[network]\nneighbors = 4\nneighborhood_cutoff = 6.0\nactivation_memory = 0.05\n'
  cat "$AMP_SRCDIR/tests/inputs/tiny_network_keys.toml"
  printf '%s\n' "${1:-}"
}

# trained_model: simulate the system and train the network on it, into
# data/ (data/trajectory.h5, data/model.h5); one check
trained_model() {
  {
    printf '[run]\nseed = 5\noutput_dir = "data"\n'
    system
    printf '[simulate]\nburn_in_steps = 500\nsteps = 3000\nsnapshot_interval = 100\ncheckpoint_interval = 0\n'
    printf '[train]\nsteps = 300\nbatch_particles = 64\nlearning_rate = 5e-3\nnoise_scale = 0.05\ncheckpoint_interval = 0\n'
  } > learn.toml
  run_amp -n 2 --quiet learn.toml
  [ $rc -eq 0 ] || show "$err"
  check "simulate and train a small model of trapped AOUPs" [ $rc -eq 0 ]
}

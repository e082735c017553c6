# The train stage learns: trapped non-interacting AOUPs (absolute positions
# as input), whose exact EPR is known (science.md I7: per particle and
# dimension A when eps = 0, v0^2 gamma / (eps (A + gamma)) when eps > 0).
# The learned EPR of the held-out frames must be within 5 % of it. At
# equilibrium (v0 = 0, science.md I6) the evaluate stage's scores on the
# held-out frames must match s_g = -g and s_x = b_x/eps = -A x/eps: measured
# 3.3 % and 3.7 % relative L2, asserted at 5 %. What it takes: 1600
# snapshots (with 200, the network fits their sampling noise: 6.8 %/7.0 %)
# and noise_scale 0.1 (the smoothed density's score is shrunk by 1/(1 +
# sigma^2/var): 1 % for g, 0.5 % for x).
. "$AMP_SRCDIR/tests/cli/tap.sh"
AMP_TIMEOUT=600 # each case trains for ~20 s alone, longer beside other tests

# trap NAME EPS [V0 [extra lines]]: simulate 256 trapped AOUPs and train a small network on them
trap_input() {
  cat > "$1.toml" <<TOML
[run]
seed = 3
output_dir = "$1"
$(cat "$AMP_SRCDIR/tests/inputs/trap_aoups.toml")
[dynamics]
v0 = ${3:-0.5}
gamma = 0.1
translational_diffusion = $2
dt = 0.05
$(cat "$AMP_SRCDIR/tests/inputs/trap_network.toml")
[train]
steps = 12000
batch_particles = 512
learning_rate = 5e-3
noise_scale = 0.05
log_interval = 2000
checkpoint_interval = 0
$(shift 3 2>/dev/null && printf '%s\n' "$@")
TOML
}

# within WANT TOL: the learned EPR of the closing line is within TOL of WANT
within() {
  awk -v want="$1" -v tol="$2" '/^train: EPR per particle/ {
      for (i = 1; i <= NF; i++) if ($i == "network") got = $(i + 1)
      printf "# learned EPR per particle %s, exact %s\n", got, want
      ok = (got - want) <= tol * want && (want - got) <= tol * want }
    END { exit ok ? 0 : 1 }' "$out"
}

for case in "hypoelliptic 0.0 0.1" "elliptic 0.1 3.333333"; do
  set -- $case
  new_dir "$1"
  trap_input "$1" "$2"
  run_amp -n 2 --quiet "$1.toml"
  [ $rc -eq 0 ] || show "$err"
  within "$3" 0.05
  learned=$?
  check "$1 trapped AOUPs: the learned EPR of held-out frames is within 5 % of the exact $3" \
    sh -c "[ $rc -eq 0 ] && [ $learned -eq 0 ]"
done

new_dir equilibrium
trap_input equilibrium 0.1 0.0 "[evaluate]" "first_snapshot = 1440"
sed -i 's/^embed_dim = 16/embed_dim = 32/; s/^embed_hidden_width = 32/embed_hidden_width = 64/;
        s/^decoder_hidden_width = 32/decoder_hidden_width = 64/; s/^steps = 12000/steps = 8000/;
        s/^steps = 40000/steps = 320000/; s/^noise_scale = 0.05/noise_scale = 0.1/' equilibrium.toml
run_amp -n 2 --quiet equilibrium.toml
[ $rc -eq 0 ] || show "$err"
check "equilibrium trapped AOUPs: on the 160 held-out frames s_g = -g and s_x = b_x/eps within 5 % (relative L2)" \
  sh -c "[ $rc -eq 0 ] && /usr/bin/python3 '$AMP_SRCDIR/tests/cli/check_train.py' equilibrium equilibrium/epr.h5 0.05 0.1 0.05"

# The Gaussian exact reference end to end: a trapped active chain simulated
# and solved in one run. The chain's trajectory is the same bit for bit on 1,
# 2 and 4 ranks (bonded partners across ranks), exact.h5 agrees to 1e-9
# (the eigensolve on a 1 x 1, 2 x 1 and 2 x 2 BLACS grid), the network-free
# EPR (I5) and the mean of sum_i sigma_i over the snapshots agree with the
# exact total within 4 blocking errors plus 3 % (the time step's bias; I5 is
# a small difference of large terms for stiff modes), and an eigensolve above
# [exact] gaussian_memory_per_rank is refused before anything is written.
. "$AMP_SRCDIR/tests/cli/tap.sh"

cat > chain.toml <<TOML
[run]
seed = 5
output_dir = "r1"
[system]
dimension = 2
particles = 32
box_length = 100.0
[interaction]
potential = "none"
trap = 0.5
bonds = "chain"
bond_stiffness = 1.0
bond_reach = 10.0
[dynamics]
v0 = 0.5
gamma = 0.5
translational_diffusion = 0.2
dt = 0.002
[simulate]
initial = "origin"
burn_in_steps = 5000
steps = 60000
snapshot_interval = 10
[exact]
reference = "gaussian"
TOML

# within MEAN ERROR EXACT: |MEAN - EXACT| <= 4 ERROR + 0.03 |EXACT|
within() { awk -v m="$1" -v e="$2" -v x="$3" 'BEGIN { d = m - x; if (d < 0) d = -d; exit !(d <= 4 * e + 0.03 * (x < 0 ? -x : x)) }'; }

new_dir chain
cp ../chain.toml .
run_amp --quiet chain.toml
check "a trapped chain simulates and solves on 1 rank" sh -c "[ $rc -eq 0 ] && [ -f r1/exact.h5 ] && [ -f r1/trajectory.h5 ]"
[ $rc -eq 0 ] || show "$err"
exact=$(sed -n 's/^exact: solved .*exact EPR \([^ ]*\) in total.*/\1/p' "$out")
set -- $(sed -n 's/^network-free EPR (I5, replica 0): \([^ ]*\) +- \([^ ]*\) in total.*/\1 \2/p' "$out")
check "network-free EPR ${1:-?} +- ${2:-?} agrees with the exact ${exact:-?}" within "${1:-0}" "${2:-0}" "${exact:-1}"
set -- $(sed -n 's/^exact: sum_i sigma_i over [0-9]* snapshots: \([^ ]*\) +- \([^ ]*\) .*/\1 \2/p' "$out")
check "mean exact sum_i sigma_i ${1:-?} +- ${2:-?} over the snapshots agrees with the exact ${exact:-?}" \
  within "${1:-0}" "${2:-0}" "${exact:-1}"
for n in 2 4; do
  sed "s|output_dir = \"r1\"|output_dir = \"r$n\"|" chain.toml > r$n.toml
  run_amp -n $n --quiet r$n.toml
  check "the chain's trajectory on $n ranks equals 1 rank, bit for bit" \
    sh -c "[ $rc -eq 0 ] && h5diff -q r1/trajectory.h5 r$n/trajectory.h5 /particles &&
           h5diff -q r1/trajectory.h5 r$n/trajectory.h5 /observables"
  check "exact.h5 on $n ranks equals 1 rank to 1e-9 (absolute; values of order 1)" \
    sh -c "[ $rc -eq 0 ] && h5diff -q -d 1e-9 r1/exact.h5 r$n/exact.h5 /gaussian"
done

new_dir memory
sed 's|^reference = "gaussian"|&\ngaussian_memory_per_rank = 1e-9|; s|^\[simulate\]|[simulate]\nsteps = 10|' ../chain.toml |
  grep -v '^steps = 60000' > input.toml
run_amp input.toml
check "an eigensolve above gaussian_memory_per_rank is refused: exit 2, one line, nothing written" \
  sh -c "[ $rc -eq 2 ] && grep -q 'input.toml: error: \[exact\] the eigensolve of 32 particles needs .* GiB per rank on 1 rank, more than \[exact\] gaussian_memory_per_rank = 1e-09' '$err' &&
         [ \$(wc -l < '$err') -eq 1 ] && [ ! -s '$out' ] && [ \"\$(ls -A)\" = input.toml ]"
[ $rc -eq 2 ] || show "$err"

# Learned against exact (doc/validation.md), small versions of the input
# files: input/validate_gaussian.toml with 32 particles instead of 256
# (--set overrides) simulates, trains on bond-graph neighbourhoods,
# evaluates the held-out snapshots and solves the system exactly;
# tools/compare_exact.py then compares the learned per-particle EPR with the
# exact one on the same snapshots. Measured: EPR -6.2 % of the exact, per-
# particle correlation 0.944 (the 256-particle input: -2.5 %, 0.9955);
# asserted: within 10 % and >= 0.9.
. "$AMP_SRCDIR/tests/cli/tap.sh"
AMP_TIMEOUT=600 # about 30 s alone

new_dir validate
run_amp -n 2 --quiet "$AMP_SRCDIR/input/validate_gaussian.toml" --set run.output_dir='"gaussian"' \
  --set system.particles=32 --set simulate.steps=150000 --set evaluate.first_snapshot=540 \
  --set train.steps=30000 --set train.batch_particles=32 --set train.learning_rate=2e-3 --set train.ema=0.999 \
  --set train.log_interval=5000
[ $rc -eq 0 ] || show "$err"
check "a ring polymer of 32 AOUPs: simulate, train, evaluate and solve exactly" [ $rc -eq 0 ]

/usr/bin/python3 "$AMP_SRCDIR/tools/compare_exact.py" gaussian/epr.h5 gaussian/exact.h5 --max-epr-error 0.10 \
  --min-correlation 0.9 > compare.txt 2>&1
status=$?
show compare.txt
check "learned EPR within 10 % of the exact, per-particle correlation >= 0.9" [ $status -eq 0 ]

check "compare_exact.py names a file it cannot open, in one line" sh -c \
  "! /usr/bin/python3 '$AMP_SRCDIR/tools/compare_exact.py' gaussian/epr.h5 /nonexistent.h5 2> err.txt &&
   [ \$(wc -l < err.txt) -eq 1 ] && grep -q 'nonexistent.h5: cannot open' err.txt"

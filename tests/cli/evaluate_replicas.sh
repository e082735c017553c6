# The offline evaluate stage shares the snapshots among [run] replicas,
# round robin, each replica's frame split in space over its ranks: the same
# trajectory and model (tests/cli/trap64.sh) evaluated as one replica on 1
# and 2 ranks, two replicas on 2 and 4 ranks and three on 3 ranks, over 11
# snapshots (the last round leaves a replica idle with 2 and with 3
# replicas), give the same epr.h5. A replica of P ranks computes a frame as
# a run of P ranks does, and the run's sums are added in frame order, so
# files of equal ranks per replica are bit for bit the same (every dataset
# and root attribute but the input's text); 1 and 2 ranks per replica
# agree as tests/cli/evaluate.sh asserts for 1 and 2 ranks (network values
# to 1e-5 of the dataset's scale, the rest exactly). The closing lines are
# the same, and the progress lines count every replica's frames (a line per
# round: progress_interval = 1e-9); a run of replicas that fails leaves no
# epr.h5, finished or partial.
. "$AMP_SRCDIR/tests/cli/tap.sh"
py=/usr/bin/python3
checker="$AMP_SRCDIR/tests/cli/check_evaluate.py"

. "$AMP_SRCDIR/tests/cli/trap64.sh"

new_dir evaluate_replicas
trained_model

# evaluate_input NAME REPLICAS [EXTRA]: evaluate frames 8, 10, ..., 28 of
# data/ (11 snapshots) with REPLICAS replicas into NAME/, a progress line
# after every round (EXTRA: more [network] lines)
evaluate_input() {
  {
    printf '[run]\noutput_dir = "%s"\nreplicas = %s\nprogress_interval = 1e-9\n' "$1" "$2"
    system "${3:-}"
    printf '[evaluate]\nmodel = "data/model.h5"\ntrajectory = "data/trajectory.h5"\nfirst_snapshot = 8\nstride = 2\n'
  } > "$1.toml"
}

# closing NAME: the closing lines of NAME.out but the rate and the output's name
closing() { grep '^evaluate: ' "$1.out" | grep -v '^evaluate: [0-9]*/[0-9]* snapshots \| done in \|^evaluate: output '; }

# same_closing A B: A.out and B.out have the same closing lines (at least 7)
same_closing() {
  [ "$(closing "$1")" = "$(closing "$2")" ] && [ "$(closing "$1" | wc -l)" -ge 7 ] && return
  closing "$2" > "$2.closing"
  closing "$1" | diff - "$2.closing" | show /dev/stdin
  return 1
}

# progress NAME: the frames done in NAME.out's progress lines, one line
progress() { sed -n 's|^evaluate: \([0-9]*\)/11 snapshots (.*|\1|p' "$1.out" | tr '\n' ' '; }

for run in "r1n1 1 1" "r1n2 1 2" "r2n2 2 2" "r2n4 2 4" "r3n3 3 3"; do
  set -- $run
  evaluate_input "$1" "$2"
  run_amp -n "$3" "$1.toml"
  [ $rc -eq 0 ] || show "$err"
  cp "$out" "$1.out"
  check "$2 replica(s) on $3 rank(s) evaluate 11 snapshots into epr.h5 and its XDMF sidecar" sh -c \
    "[ $rc -eq 0 ] && [ -f $1/epr.h5 ] && [ -f $1/epr.xdmf ] && ! [ -e $1/epr.h5.partial ] &&
     grep -q '^evaluate: 11 snapshots done in ' $1.out &&
     grep -q '^evaluate: 11 snapshots of data/trajectory.h5 (frames 8 to 28 every 2), model data/model.h5$' $1.out"
done
for pair in "r1n1 r2n2" "r1n1 r3n3" "r1n2 r2n4"; do
  set -- $pair
  check "$2 writes $1's epr.h5 bit for bit: every dataset and root attribute but the input's text" \
    $py "$checker" identical "$1/epr.h5" "$2/epr.h5"
  check "$2 prints $1's closing lines" same_closing "$1" "$2"
done
check "progress lines count every replica's frames, a line per round: 1 replica 1..11, 2: 2 4 .. 10 11, 3: 3 6 9 11" \
  sh -c "[ '$(progress r1n1)' = '1 2 3 4 5 6 7 8 9 10 11 ' ] && [ '$(progress r2n4)' = '2 4 6 8 10 11 ' ] &&
         [ '$(progress r3n3)' = '3 6 9 11 ' ]"
check "1 and 2 ranks per replica agree as 1 and 2 ranks do (network values to float rounding, the rest exactly)" \
  $py "$checker" same r1n1/epr.h5 r2n4/epr.h5
check "three replicas' epr.h5 is consistent: rows in id order, totals, phases, fields, radial profile" \
  $py "$checker" consistent r3n3/epr.h5
check "the XDMF sidecar of three replicas is one replica's" cmp -s r1n1/epr.xdmf r3n3/epr.xdmf

evaluate_input other 2 "pooling = \"mean\""
run_amp -n 4 other.toml
grep '^activempi' "$err" | show /dev/stdin
check "two replicas with a model of another architecture: exit 1, one line, no epr.h5, finished or partial" \
  sh -c "[ $rc -eq 1 ] && [ \$(grep -c '^activempi: error' '$err') -eq 1 ] && ! ls other/epr.h5* >/dev/null 2>&1"

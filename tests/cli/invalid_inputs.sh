# Every invalid input in tests/inputs/invalid is refused by a real run, alone
# and on 2 ranks: exit code 2, its expected located line on stderr (rank 0
# only), nothing on stdout, and nothing written beside the input.
. "$AMP_SRCDIR/tests/cli/tap.sh"

# refused EXPECTED: the last run_amp gave rc 2 and the one expected error line,
# and the directory holds only the input. Under mpirun, mpirun's own banner may
# follow, but no other activempi line.
refused() {
  [ "$rc" -eq 2 ] && [ "$(head -1 "$err")" = "$1" ] && [ "$(grep -c ': error: ' "$err")" -eq 1 ] &&
    [ ! -s "$out" ] && [ "$(ls -A)" = input.toml ] && return 0
  echo "# rc=$rc, expected: $1"
  show "$err"
  ls -A | sed 's/^/# in the directory: /'
  return 1
}

for file in "$AMP_SRCDIR"/tests/inputs/invalid/*.toml; do
  name=$(basename "$file" .toml)
  expected=$(head -1 "$file" | sed 's|^# expect: {}|input.toml|')
  for ranks in 1 2; do
    new_dir "$name"
    cp "$file" input.toml
    if [ "$ranks" = 1 ]; then run_amp input.toml; else run_amp -n 2 input.toml; fi
    check "$name on $ranks rank(s): exit 2, one located line, nothing written" refused "$expected"
  done
done

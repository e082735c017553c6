#!/bin/sh
# summary.sh FILE.trs...: the closing line of make check, counting every test
# case (each cmocka test, each MPI run, each command-line check) over all the
# test programs, from the automake .trs files of the TAP driver.
pass=0; fail=0; skip=0
for trs in "$@"; do
  [ -f "$trs" ] || continue
  p=$(grep -c '^:test-result: PASS' "$trs"); pass=$((pass + p))
  f=$(grep -c -E '^:test-result: (FAIL|XPASS|ERROR)' "$trs"); fail=$((fail + f))
  s=$(grep -c '^:test-result: SKIP' "$trs"); skip=$((skip + s))
done
echo "activempi: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]

# tap.sh: sourced by the command-line tests. TAP output with a plan at the
# end, a scratch directory, and helpers to run activempi alone or under
# mpirun, and to signal its ranks.
# Environment (from make check): AMP_BIN, AMP_SRCDIR, AMP_MPIRUN.
set -u
ntest=0
nfail=0
scratch=$(mktemp -d "${TMPDIR:-/tmp}/amp_cli.XXXXXX")
trap 'rm -rf "$scratch"; echo "1..$ntest"' EXIT
cd "$scratch" || exit 1

mpirun_cmd() {
  local flags="--oversubscribe"
  [ "$(id -u)" = 0 ] && flags="$flags --allow-run-as-root"
  echo "mpirun $flags"
}

# check DESCRIPTION COMMAND...: one test case, ok when COMMAND succeeds.
check() {
  local what=$1
  shift
  ntest=$((ntest + 1))
  if "$@"; then
    echo "ok $ntest - $what"
  else
    echo "not ok $ntest - $what"
    nfail=$((nfail + 1))
  fi
}

out=$scratch/out.txt
err=$scratch/err.txt

# run_amp [-n N] ARGS...: run activempi (under mpirun with N ranks when -n is
# given), leaving its output in $out and $err and its exit code in rc; it is
# stopped after AMP_TIMEOUT seconds (default 120).
run_amp() {
  if [ "${1:-}" = "-n" ]; then
    local n=$2
    shift 2
    # shellcheck disable=SC2046
    timeout "${AMP_TIMEOUT:-120}" $(mpirun_cmd) -n "$n" "$AMP_BIN" "$@" >"$out" 2>"$err"
  else
    timeout "${AMP_TIMEOUT:-120}" "$AMP_BIN" "$@" >"$out" 2>"$err"
  fi
  rc=$?
}

# signal_ranks SIGNAL INPUT: send SIGNAL to the activempi ranks running INPUT
# (not to mpirun, and not to anything else on the machine: INPUT is an
# absolute path, so another copy of this test running elsewhere is spared).
signal_ranks() {
  for pid in $(pgrep -x activempi); do
    tr '\0' ' ' < /proc/$pid/cmdline 2>/dev/null | grep -q "$2" && kill -$1 $pid
  done
}

# show FILE: the file as TAP comments (for diagnosing a failure).
show() { sed 's/^/# /' "$1"; }

# new_dir NAME: an empty directory under the scratch directory, entered.
new_dir() {
  cd "$scratch" && rm -rf "$1" && mkdir "$1" && cd "$1"
}

# paraview SCRIPT ARGS...: pvpython on SCRIPT under a virtual X server
# (Debian's ParaView renders through X11 only). A second xvfb-run soon after
# the first can find its server gone before pvpython connects ("bad X server
# connection"): a failure to connect is retried, up to three times.
paraview() {
  local attempt
  for attempt in 1 2 3; do
    xvfb-run -a pvpython --force-offscreen-rendering "$@" > pv_out.txt 2>&1
    local status=$?
    grep -q "bad X server connection" pv_out.txt || break
    sleep 2
  done
  cat pv_out.txt
  return $status
}

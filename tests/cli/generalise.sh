# Generalisation (jobscripts/generalise.sh): a small network trained on one
# system of soft AOUPs is evaluated on systems of other packing fractions and
# sizes, each simulated afresh from the training input with --set overrides.
# Every system's epr.h5 has that system's N and phi, the trained model's
# checksum, and finite per-particle and total EPR; the run.toml of each
# records the overrides.
. "$AMP_SRCDIR/tests/cli/tap.sh"
AMP_TIMEOUT=300

new_dir generalise
{
  printf '[run]\nseed = 2\noutput_dir = "data"\n'
  cat "$AMP_SRCDIR/tests/inputs/small_gas.toml" "$AMP_SRCDIR/tests/inputs/small_network.toml"
  printf '[simulate]\nsteps = 2000\nsnapshot_interval = 200\ncheckpoint_interval = 0\n'
  printf '[train]\nsteps = 40\nbatch_particles = 64\ncheckpoint_interval = 0\n'
} > learn.toml
run_amp -n 2 --quiet learn.toml
[ $rc -eq 0 ] || show "$err"
check "simulate and train a small model of soft AOUPs (N = 200, phi = 0.4)" [ $rc -eq 0 ]

RUN="timeout $AMP_TIMEOUT $(mpirun_cmd) -n 2 $AMP_BIN --quiet" INPUT=learn.toml MODEL=data/model.h5 OUT=gen \
  PHIS="0.25 0.5" SIZES="150 300" PHI_N=300 STEPS=600 STRIDE=2 \
  EXTRA="--set simulate.burn_in_steps=200 --set simulate.snapshot_interval=100" \
  bash "$AMP_SRCDIR/jobscripts/generalise.sh" >"$out" 2>"$err"
rc=$?
[ $rc -eq 0 ] || show "$err"
check "jobscripts/generalise.sh runs the phi series (0.25, 0.5 at N = 300) and the N series (150 at phi = 0.5)" \
  [ $rc -eq 0 ]

check "each system's epr.h5 has its N and phi, the model's checksum, 3 snapshots and finite EPR" \
  /usr/bin/python3 - gen data/model.h5 <<'PY'
import sys, tomllib, h5py, numpy as np
out, model = sys.argv[1], sys.argv[2]
want = {"phi_0.25_N_300": (300, 0.25), "phi_0.5_N_300": (300, 0.5), "phi_0.5_N_150": (150, 0.5)}
sums = set()
for name, (n, phi) in want.items():
    with open(f"{out}/{name}/run.toml", "rb") as f:
        run = tomllib.load(f)
    with h5py.File(f"{out}/{name}/epr.h5") as f:
        text = f.attrs["configuration"]
        cfg = tomllib.loads(text.decode() if isinstance(text, bytes) else text)
        x = f["particles/all/position/value"]
        sigma = f["observables/sigma/value"][()]
        total = f.attrs["epr_network_per_particle"]
        sums.add(f.attrs["model_checksum"])
        ok = (cfg["system"]["particles"] == n and cfg["system"]["packing_fraction"] == phi and
              run["system"]["particles"] == n and run["evaluate"]["model"] == model and
              x.shape == (3, n, 2) and np.all(np.isfinite(sigma)) and np.all(np.isfinite(total)))
        print(f"# {name}: N {x.shape[1]}, phi {cfg['system']['packing_fraction']}, EPR per particle {total[0]:.4g}")
        if not ok:
            sys.exit(f"{name}: wrong system or non-finite EPR")
if len(sums) != 1:
    sys.exit(f"the systems were evaluated with different models: {sums}")
PY

# tools/compare_exact.py on synthetic files whose answers are known: a ring
# reference (exact.h5 layout of doc/output-format.md) with score fields
# s_r = 2u + 1 and s_u = -3u, which bilinear interpolation reproduces
# exactly, and an evaluation (epr.h5 layout) of 50 two-particle snapshots
# (1-D, positions across the box edge) whose learned scores are
#   - the exact ones through the chain rule (s_x1 = s_r, s_x2 = -s_r,
#     s_g1,2 = (+-s_u - g+)/sqrt(2)): score errors 0, correlation 1, the
#     learned EPR equal to the exact one on these snapshots;
#   - the exact ones times 1.1: score errors exactly 0.1.
# Then a gaussian reference whose snapshots are matched by step, and one
# that lacks a step, refused.
. "$AMP_SRCDIR/tests/cli/tap.sh"
py=/usr/bin/python3
tool="$AMP_SRCDIR/tools/compare_exact.py"

new_dir compare_exact
$py - <<'PY'
import h5py, numpy as np
rng = np.random.default_rng(1)
L, T, gamma, eps = 16.0, 50, 0.1, 0.1
cfg = f"""[system]\nmodel = "aoup"\ndimension = 1\nparticles = 2\nbox_length = {L}\n[dynamics]\ngamma = {gamma}
translational_diffusion = {eps}\n"""
x = rng.uniform(-L / 2, L / 2, (T, 2, 1)); x[0] = [[7.9], [-7.9]]  # across the edge: r = -0.2
g = rng.normal(size=(T, 2, 1))
r = x[:, 0, 0] - x[:, 1, 0]; r -= L * np.round(r / L)
u, gp = (g[:, 0, 0] - g[:, 1, 0]) / np.sqrt(2), (g[:, 0, 0] + g[:, 1, 0]) / np.sqrt(2)
s_r, s_u = 2 * u + 1, -3 * u
s_x = np.stack([s_r, -s_r], 1)[..., None]
s_g = np.stack([(s_u - gp) / np.sqrt(2), (-s_u - gp) / np.sqrt(2)], 1)[..., None]
b = rng.normal(size=(T, 2, 1))

def sigma(sg, sx):
    return gamma * np.sum((g + sg) ** 2, -1) + np.sum((b - eps * sx) ** 2, -1) / eps

def evaluation(path, scale):
    sg, sx = scale * s_g, scale * s_x
    sig = sigma(sg, sx)
    with h5py.File(path, "w") as f:
        f.attrs["configuration"] = cfg
        f.attrs["epr_network_per_particle"] = [sig.sum(1).mean() / 2, 0.01]
        f["particles/all/position/value"] = x[..., 0]
        f["particles/all/self_propulsion/value"] = g[..., 0]
        for name, v in (("score_internal", sg), ("score_position", sx), ("velocity_position", b - eps * sx),
                        ("sigma", sig)):
            f[f"observables/{name}/value"] = v[..., 0] if v.ndim == 3 else v
            f[f"observables/{name}/step"] = np.arange(T) * 100
    return sig

evaluation("exact_scores.h5", 1.0)
evaluation("scaled_scores.h5", 1.1)
with h5py.File("ring.h5", "w") as f:
    f.attrs["reference"] = "ring"
    ra = -L / 2 + (np.arange(64) + 0.5) * L / 64
    ua = -8 + (np.arange(40) + 0.5) * 16 / 40
    f["grid/r"], f["grid/u"] = ra, ua
    f["score/r"] = np.repeat((2 * ua + 1)[:, None], 64, 1)
    f["score/u"] = np.repeat((-3 * ua)[:, None], 64, 1)
    f.create_group("epr").attrs["per_particle"] = sigma(s_g, s_x).sum(1).mean() / 2
with h5py.File("gauss.h5", "w") as f:
    f.attrs["reference"] = "gaussian"
    n = f.create_group("gaussian")
    n["epr_total"] = [2 * sigma(s_g, s_x).sum(1).mean() / 2]
    n["epr_particle"] = [1.0, 2.0]
    n["snapshots/step"] = np.arange(T)[::-1] * 100  # reversed: matched by step
    n["snapshots/score_x"] = s_x[::-1]
    n["snapshots/score_g"] = s_g[::-1]
    n["snapshots/sigma"] = sigma(s_g, s_x)[::-1]
with h5py.File("gauss_short.h5", "w") as f:
    f.attrs["reference"] = "gaussian"
    n = f.create_group("gaussian")
    n["epr_total"], n["epr_particle"] = [1.0], [1.0, 2.0]
    n["snapshots/step"] = np.arange(T - 1) * 100
    n["snapshots/score_x"], n["snapshots/score_g"] = s_x[:-1], s_g[:-1]
    n["snapshots/sigma"] = sigma(s_g, s_x)[:-1]
PY
check "synthetic files written" [ $? -eq 0 ]

# near FILE NAME WANT TOL: the figure NAME of a --json FILE is within TOL of WANT
near() { $py -c "import json, sys; sys.exit(0 if abs(json.load(open('$1'))['$2'] - ($3)) <= $4 else 1)"; }
# exact_figures FILE: score errors 0, correlation 1, learned EPR = exact on the snapshots
exact_figures() {
  near "$1" score_error_g 0 1e-12 && near "$1" score_error_x 0 1e-12 && near "$1" correlation 1 1e-12 &&
    near "$1" epr_error_snapshots 0 1e-12
}

for ref in ring gauss; do
  $py "$tool" exact_scores.h5 $ref.h5 --json $ref.json > out_$ref.txt 2>&1
  status=$?
  show out_$ref.txt
  check "$ref: exact scores through the file give score errors 0, correlation 1, the learned EPR equal to the exact one" \
    eval "[ $status -eq 0 ] && exact_figures $ref.json"
done
$py "$tool" scaled_scores.h5 ring.h5 --json scaled.json > /dev/null 2>&1
check "ring: scores scaled by 1.1 give relative errors 0.1" \
  eval "near scaled.json score_error_g 0.1 1e-12 && near scaled.json score_error_x 0.1 1e-12"
$py "$tool" scaled_scores.h5 ring.h5 --max-score-error 0.05 > out.txt 2> err.txt
status=$?
check "--max-score-error 0.05 fails them, naming the figure" eval "[ $status -eq 1 ] && grep -q 'FAILED: score_error_g 0.1000 beyond 0.05' err.txt"
$py "$tool" exact_scores.h5 ring.h5 --max-epr-error-snapshots 1e-9 > /dev/null 2>&1
exact_status=$?
$py "$tool" scaled_scores.h5 ring.h5 --max-epr-error-snapshots 1e-9 > out.txt 2> err.txt
status=$?
check "--max-epr-error-snapshots passes exact scores and fails scaled ones, naming the figure" \
  eval "[ $exact_status -eq 0 ] && [ $status -eq 1 ] && grep -q 'FAILED: epr_error_snapshots' err.txt"
$py "$tool" exact_scores.h5 gauss_short.h5 > out.txt 2> err.txt
status=$?
check "gaussian: a snapshot missing from exact.h5 is refused with its step" \
  eval "[ $status -ne 0 ] && [ \$(wc -l < err.txt) -eq 1 ] && grep -q 'lacks the snapshot of step 4900' err.txt"

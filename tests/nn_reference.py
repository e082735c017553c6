#!/usr/bin/python3
"""An independent numpy evaluation of an activempi model file.

Usage:
    nn_reference.py MODEL BATCH [--tol TOL]

MODEL is a model file (doc/model-format.md). BATCH is an HDF5 file with the
inputs q_in [B, T, nf], x_in [B, T, nx], mask [B, T] (1: real token, 0:
padding; token 0 is the particle itself) and the outputs another program
computed, s_q [B, q_outputs] (and s_x [B, x_outputs] with a position head).
The script evaluates the network from the model file alone, in float64, and
compares: for each output, error = max |s - s_ref| / max |s_ref| (relative to
the output's largest magnitude). Exit status 1 when an error exceeds TOL
(default 1e-5).

The network is written from the method's description (science.md section 4)
and the semantics of the reference implementation (haiku and jax):
  tokens      h0 = [g_embed(q), x_embed(x)]
  blocks      post-LayerNorm: h = LN(h + MHA(h)); h = LN(h + FF(h))
  LayerNorm   over features, biased variance, eps 1e-5, scale and offset
  GELU        jax.nn.gelu's tanh approximation
  attention   heads of size C/H, logits / sqrt(C/H), masked keys at -1e30
  linear      y = x W + b with W [in, out]
  readout     the self token (pooling "self") or the mean of the real tokens
  shift       s_q = decoder(pooled) - q_self (equilibrium_shift = 1)

As a library: load_model(path) -> (arch dict, parameter dict), and
forward(arch, params, q_in, x_in, mask) -> (s_q, s_x or None).
"""
import argparse
import sys

import h5py
import numpy as np

LN_EPS = 1e-5
MASKED_LOGIT = -1e30


def load_model(path):
    """The architecture (root attributes) and the parameters to evaluate."""
    params = {}
    with h5py.File(path, "r") as f:
        if f.attrs.get("format") != b"activempi-model" and f.attrs.get("format") != "activempi-model":
            raise SystemExit(f"{path} is not an activempi model file")
        arch = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}

        def keep(name, obj):
            if isinstance(obj, h5py.Dataset) and not name.startswith("raw/"):
                params[name] = obj[()].astype(np.float64)

        f.visititems(keep)
    return arch, params


def gelu(x):
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)))


def linear(p, path, x):
    return x @ p[path + "/weight"] + p[path + "/bias"]


def mlp(p, path, hidden, x):
    """hidden layers of linear + GELU, then a last linear."""
    for i in range(hidden):
        x = gelu(linear(p, f"{path}/linear_{i}", x))
    return linear(p, f"{path}/linear_{hidden}", x)


def layer_norm(p, path, x):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + LN_EPS) * p[path + "/scale"] + p[path + "/offset"]


def attention(p, path, heads, h, mask):
    """Multi-head self-attention of h [B, T, C]; mask [B, T] selects the keys."""
    B, T, C = h.shape
    size = C // heads

    def split(name):
        return linear(p, f"{path}/{name}", h).reshape(B, T, heads, size)

    q, k, v = split("query"), split("key"), split("value")
    logits = np.einsum("bthd,bshd->bhts", q, k) / np.sqrt(size)
    logits = np.where(mask[:, None, None, :], logits, MASKED_LOGIT)
    logits -= logits.max(axis=-1, keepdims=True)
    weights = np.exp(logits)
    weights /= weights.sum(axis=-1, keepdims=True)
    out = np.einsum("bhts,bshd->bthd", weights, v).reshape(B, T, C)
    return linear(p, f"{path}/output", out)


def forward(arch, p, q_in, x_in, mask):
    mask = mask.astype(bool)
    h = np.concatenate([mlp(p, "q_embed", arch["embed_layers"], q_in),
                        mlp(p, "x_embed", arch["embed_layers"], x_in)], axis=-1)
    for l in range(arch["layers"]):
        block = f"encoder/block_{l}"
        h = layer_norm(p, block + "/norm_1", h + attention(p, block + "/attention", arch["heads"], h, mask))
        h = layer_norm(p, block + "/norm_2", h + mlp(p, block + "/feedforward", arch["ff_layers"], h))
    if arch["pooling"] == "self":
        pooled = h[:, 0]
    else:
        pooled = (h * mask[..., None]).sum(axis=1) / mask.sum(axis=1)[:, None]
    s_q = mlp(p, "decoder", arch["decoder_layers"], pooled)
    if arch["equilibrium_shift"]:
        s_q = s_q - q_in[:, 0]
    s_x = mlp(p, "decoder_x", arch["decoder_layers"], pooled) if arch["x_outputs"] else None
    return s_q, s_x


def relative_error(got, ref):
    return np.abs(got - ref).max() / np.abs(ref).max()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("batch")
    parser.add_argument("--tol", type=float, default=1e-5)
    args = parser.parse_args()
    arch, params = load_model(args.model)
    with h5py.File(args.batch, "r") as f:
        batch = {name: f[name][()] for name in f}
    s_q, s_x = forward(arch, params, batch["q_in"].astype(np.float64), batch["x_in"].astype(np.float64),
                       batch["mask"])
    worst = 0.0
    for name, ref in (("s_q", s_q), ("s_x", s_x)):
        if ref is None:
            continue
        err = relative_error(batch[name].astype(np.float64), ref)
        worst = max(worst, err)
        print(f"{name}: max |C - numpy| / max |numpy| = {err:.3e} (max |numpy| = {np.abs(ref).max():.3g})")
    return 0 if worst <= args.tol else 1


if __name__ == "__main__":
    sys.exit(main())

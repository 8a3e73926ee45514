#!/usr/bin/env python3
"""The stationarity residuals rho_l of a classifier checkpoint, in NumPy (float64).

rho_l = ||grad_{W_l} L_0 + 2 lambda W_l||_F / ||2 lambda W_l||_F (paper eq. 4, this library's
factor 2 written out), with L_0 the mean softmax cross-entropy over all the training images of an
MNIST-format folder. It reads a RankCollapse checkpoint (safetensors: network.layers.<l>.weight
and .bias, metadata 'activations') and the IDX files itself, so it needs nothing but NumPy.

The classifier experiments (Figures 3-5) record rho_l themselves since it was added to their
snapshots; this script computed it for the paper-scale Figure 3 run that predates that, and
serves as an independent check of the Swift computation.

Usage:
  python3 Scripts/stationarity-residuals.py STATE.safetensors --lambda 0.001 \
      [--data /usr/share/datasets/fashion-mnist]
"""

import argparse
import gzip
import json
import os
import struct

import numpy as np


def read_safetensors(path):
    with open(path, "rb") as handle:
        (size,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(size))
        payload = handle.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = {"F32": np.float32, "F64": np.float64}[info["dtype"]]
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(payload[start:end], dtype=dtype).reshape(info["shape"])
    return tensors, header.get("__metadata__", {})


def read_idx(folder, name):
    for candidate in (name + ".gz", name):
        path = os.path.join(folder, candidate)
        if os.path.exists(path):
            opener = gzip.open if candidate.endswith(".gz") else open
            with opener(path, "rb") as handle:
                data = handle.read()
            dims = data[3]
            shape = struct.unpack(">" + "I" * dims, data[4 : 4 + 4 * dims])
            return np.frombuffer(data[4 + 4 * dims :], dtype=np.uint8).reshape(shape)
    raise SystemExit(f"{folder}: no {name}[.gz]")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("state")
    parser.add_argument("--lambda", dest="lam", type=float, required=True)
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    args = parser.parse_args()
    tensors, metadata = read_safetensors(args.state)
    activations = metadata["activations"].split(",")
    depth = len(activations)
    weights = [tensors[f"network.layers.{l}.weight"].astype(np.float64) for l in range(depth)]
    biases = [tensors[f"network.layers.{l}.bias"].astype(np.float64) for l in range(depth)]
    images = read_idx(args.data, "train-images-idx3-ubyte")
    labels = read_idx(args.data, "train-labels-idx1-ubyte").astype(np.int64)
    x = images.reshape(images.shape[0], -1).astype(np.float64) / 255.0
    n = x.shape[0]
    gradients = [np.zeros_like(w) for w in weights]
    for start in range(0, n, 8192):
        z = [x[start : start + 8192]]
        for l in range(depth):
            a = z[-1] @ weights[l].T + biases[l]
            if activations[l] == "tanh":
                a = np.tanh(a)
            elif activations[l] != "identity":
                raise SystemExit(f"activation {activations[l]} is not supported here")
            z.append(a)
        logits = z[-1]
        logits = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(p.shape[0]), labels[start : start + 8192]] -= 1
        delta = p / n  # d(mean loss)/d(logits)
        for l in reversed(range(depth)):
            gradients[l] += delta.T @ z[l]
            if l > 0:
                delta = (delta @ weights[l]) * (1 - z[l] ** 2)  # tanh' of layer l-1's output
    print("layer  rows x columns   ||grad L_0||   ||2 lambda W||   rho_l")
    for l in range(depth):
        decay = 2 * args.lam * weights[l]
        rho = np.linalg.norm(gradients[l] + decay) / np.linalg.norm(decay)
        print(
            f"{l + 1:5d}  {weights[l].shape[0]:4d} x {weights[l].shape[1]:<7d}"
            f"  {np.linalg.norm(gradients[l]):12.4g}   {np.linalg.norm(decay):12.4g}   {rho:.4g}"
        )


if __name__ == "__main__":
    main()

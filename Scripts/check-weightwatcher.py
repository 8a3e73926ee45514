#!/usr/bin/env python3
"""Cross-check `rankcollapse analyze` against WeightWatcher where the two define a metric alike.

WeightWatcher (https://github.com/CalculatedContent/WeightWatcher) works with the eigenvalues
lambda_i = s_i^2 of W^T W. Where definitions coincide:

  WeightWatcher      rankcollapse analyze (JSON)
  norm               frobeniusNorm^2
  spectral_norm      spectralNorm^2
  stable_rank        stableRank
  num_spikes         the count of eigenvalues above WeightWatcher's edge, recomputed from our
                     singular values with WeightWatcher's own sigma_mp (its fit of the noise
                     scale, by kernel density, differs from ours, so "configured alike" means the
                     same sigma and the same edge rule: lambda * M / ||W||_F^2 above
                     (sigma (1 + 1/sqrt(Q)))^2 + sqrt(Tracy-Widom width), Q = N / M)

Our own Marchenko-Pastur spike count (sigma from the median singular value, Gavish & Donoho
2014, no Tracy-Widom margin) is printed beside WeightWatcher's for information.

The matrices are the 2-D floating-point tensors of a safetensors file (default: a synthetic file
with spiked random matrices written here; --model takes e.g. all-MiniLM-L6-v2's
model.safetensors). WeightWatcher gets them as bias-free torch.nn.Linear layers.

--timing also measures whole-model analysis side by side in one run: `rankcollapse analyze`
(end to end, process start and file reading included) against WeightWatcher's `analyze()` (the
model already in memory), once with defaults and once with the noise baseline on in both
(`--noise-baseline mp`, `mp_fit=True`).

Skipped (exit 0 with a note) when weightwatcher or torch is not installed.
Usage: Scripts/check-weightwatcher.py --binary .build/release/rankcollapse [--model FILE]
       [--timing]
Exit status 0 when everything agrees, 1 otherwise.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

try:
    import torch
    import weightwatcher as ww
except ImportError as error:  # pragma: no cover - depends on the environment
    print(f"skipped: WeightWatcher or torch is not installed ({error})")
    sys.exit(0)

from safetensors.numpy import load_file, save_file


def synthetic_model(path):
    """Spiked random matrices of several shapes (noise plus a few strong directions)."""
    rng = np.random.default_rng(18)
    tensors = {}
    for index, (rows, columns, spikes) in enumerate(
            [(256, 64, 3), (300, 300, 5), (128, 512, 2), (1000, 100, 0)]):
        w = rng.standard_normal((rows, columns))
        edge = np.sqrt(rows) + np.sqrt(columns)
        for j in range(spikes):
            u = rng.standard_normal(rows)
            v = rng.standard_normal(columns)
            w += (4 + j) * edge * np.outer(u / np.linalg.norm(u), v / np.linalg.norm(v))
        tensors[f"layer{index}.weight"] = w.astype(np.float32)
    save_file(tensors, path)


def matrices(path):
    tensors = load_file(path)
    return {name: t for name, t in tensors.items()
            if t.ndim == 2 and np.issubdtype(t.dtype, np.floating)}


def torch_model(tensors):
    layers = torch.nn.ModuleList()
    for tensor in tensors.values():
        rows, columns = tensor.shape
        layer = torch.nn.Linear(columns, rows, bias=False)
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(tensor.astype(np.float32)))
        layers.append(layer)
    model = torch.nn.Sequential()
    model.layers = layers
    return model


def run_ours(binary, path, *extra):
    command = [binary, "analyze", "--format", "json", "--quiet", *extra, path]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, json.loads(result.stdout)["matrices"]


def run_weightwatcher(model, **options):
    watcher = ww.WeightWatcher(model=model)
    start = time.perf_counter()
    details = watcher.analyze(**options)
    return time.perf_counter() - start, details


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--model", help="a .safetensors file (default: a synthetic one)")
    parser.add_argument("--timing", action="store_true")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="rankcollapse-ww-")
    path = args.model
    if path is None:
        path = os.path.join(folder, "synthetic.safetensors")
        synthetic_model(path)
    tensors = matrices(path)
    model = torch_model(tensors)

    _, ours = run_ours(args.binary, path, "--noise-baseline", "mp")
    ours_by_name = {entry["name"].split(":", 1)[1]: entry for entry in ours}
    _, details = run_weightwatcher(model, mp_fit=True)
    names = list(tensors.keys())
    failures = 0
    worst = {"norm": 0.0, "spectral_norm": 0.0, "stable_rank": 0.0}
    spike_rows = []
    for _, row in details.iterrows():
        # The layers are `layers.<i>` of the model, in the order of the tensor names.
        index = int(str(row["longname"]).rsplit(".", 1)[-1])
        if index < 0 or index >= len(names):
            continue
        name = names[index]
        entry = ours_by_name[name]
        rows, columns = tensors[name].shape
        big, small = max(rows, columns), min(rows, columns)
        frobenius2 = entry["frobeniusNorm"] ** 2
        spectral2 = entry["spectralNorm"] ** 2
        for key, value, reference in [
                ("norm", frobenius2, row["norm"]),
                ("spectral_norm", spectral2, row["spectral_norm"]),
                ("stable_rank", entry["stableRank"], row["stable_rank"])]:
            error = abs(value - reference) / abs(reference)
            worst[key] = max(worst[key], error)
        # WeightWatcher's num_spikes rule with its own sigma on our eigenvalues.
        evals = np.asarray(entry["singularValues"], dtype=np.float64) ** 2
        q = big / small
        scale2 = len(evals) / np.sum(evals)
        sigma = row["sigma_mp"]
        bulk_max = (sigma * (1 + 1 / np.sqrt(q))) ** 2
        tracy_widom = 1 / np.sqrt(q) * bulk_max ** (2 / 3) * small ** (-2 / 3)
        alike = int(np.sum(evals * scale2 > bulk_max + np.sqrt(tracy_widom)))
        ours_mp = entry["noiseBaseline"]["marchenkoPastur"]["spikes"]
        spike_rows.append((name, rows, columns, int(row["num_spikes"]), alike, ours_mp))
        if alike != int(row["num_spikes"]):
            failures += 1
    # Both compute in float64 (WeightWatcher falls back to SciPy's SVD without CUDA): the
    # differences are rounding, a few 1e-16; 1e-12 leaves room for other LAPACK builds.
    tolerance = 1e-12
    for key, error in worst.items():
        status = "ok" if error <= tolerance else "MISMATCH"
        if error > tolerance:
            failures += 1
        print(f"{key:<14} largest relative difference {error:.3e} ({status}, tolerance "
              f"{tolerance:g})")
    print(f"\n{'matrix':<48} {'shape':>11} {'WW spikes':>9} {'alike':>6} {'ours (MP)':>9}")
    for name, rows, columns, theirs, alike, ours_mp in spike_rows:
        print(f"{name[:48]:<48} {rows:>5}x{columns:<5} {theirs:>9} {alike:>6} {ours_mp:>9}")
    print(f"{len(spike_rows)} matrices compared; spike counts configured alike agree on "
          f"{sum(1 for r in spike_rows if r[3] == r[4])}")

    if args.timing:
        ours_default, _ = run_ours(args.binary, path)
        ww_default, _ = run_weightwatcher(model)
        ours_mp, _ = run_ours(args.binary, path, "--noise-baseline", "mp")
        ww_mp, _ = run_weightwatcher(model, mp_fit=True)
        print("\nwhole-model analysis, seconds (ours end to end; WeightWatcher analyze() only)")
        print(f"  defaults:        rankcollapse {ours_default:7.2f}   WeightWatcher "
              f"{ww_default:7.2f}   ratio {ww_default / ours_default:5.1f}x")
        print(f"  noise baseline:  rankcollapse {ours_mp:7.2f}   WeightWatcher {ww_mp:7.2f}   "
              f"ratio {ww_mp / ours_mp:5.1f}x")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

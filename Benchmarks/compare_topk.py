#!/usr/bin/env python3
"""Top-k mode of `rankcollapse analyze` against its full SVD, scikit-learn's randomized_svd and
SciPy's svds, side by side in one run (issue 18).

For each matrix: tau_K and the distance to rank K from `analyze --svd full` (the reference),
from `analyze --svd top-k` (with its reported error bound), from
`sklearn.utils.extmath.randomized_svd` (its defaults n_oversamples=10, n_iter='auto', and with
the fewest power iterations n_iter that reach the same accuracy, 1e-6 relative in both
quantities against the reference), and from `scipy.sparse.linalg.svds` (ARPACK, tol=0). The
command's times are end to end (process start, reading the .npy file, analysis); the Python
times include np.load of the same file and the conversion to float64, which the command's full
SVD does too (its top-k mode keeps a float32 file in float32 and runs its checks in float64
blocks). The methods run in interleaved rounds (full, top-k, sklearn, svds, then again) and
each time is the median over the rounds. Everything runs on one thread
(OPENBLAS_NUM_THREADS=1, --threads 1).

Usage:
  python3 Benchmarks/compare_topk.py --binary .build/release/rankcollapse \
      [--minilm model.safetensors] [--large] [--rounds 3] [--workdir /tmp/topk]

--minilm adds the real MiniLM word embedding (30522 x 384); --large adds the synthetic
50000 x 4096 float32 matrix (about 4 minutes for the full SVD).
"""

import argparse
import json
import os
import subprocess
import sys
import time

os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402


def synthetic(rows, columns, exponent, seed):
    """A Gaussian matrix with columns scaled by j^-exponent: singular values close to
    sqrt(rows) * j^-exponent, a power-law decay like trained layers'."""
    rng = np.random.default_rng(seed)
    scale = (np.arange(1, columns + 1, dtype=np.float64) ** -exponent).astype(np.float32)
    out = np.empty((rows, columns), dtype=np.float32)
    block = 5000
    for start in range(0, rows, block):
        stop = min(rows, start + block)
        out[start:stop] = rng.standard_normal((stop - start, columns), dtype=np.float32) * scale
    return out


def run_cli(binary, path, rank, method, top_k_accuracy=1e-6):
    command = [binary, "analyze", "--svd", method, "--rank", str(rank), "--format", "json",
               "--threads", "1", "--quiet", path]
    if method == "top-k":
        command[-1:-1] = ["--top-k-accuracy", str(top_k_accuracy)]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - start
    matrix = json.loads(result.stdout)["matrices"][0]
    return elapsed, matrix


def tail_from_values(total, values, rank):
    tail = max(total - float(np.sum(np.asarray(values[:rank], dtype=np.float64) ** 2)), 0.0)
    return tail / total, np.sqrt(tail)


def relative_errors(tau, distance, reference):
    return (abs(tau - reference["relativeTail"]) / reference["relativeTail"],
            abs(distance - reference["rankDistance"]) / reference["rankDistance"])


def run_sklearn(path, rank, reference, n_iter):
    from sklearn.utils.extmath import randomized_svd
    start = time.perf_counter()
    a = np.load(path).astype(np.float64)
    total = float(np.einsum("ij,ij->", a, a))
    _, s, _ = randomized_svd(a, n_components=rank, n_oversamples=10, n_iter=n_iter,
                             random_state=0)
    tau, distance = tail_from_values(total, s, rank)
    elapsed = time.perf_counter() - start
    return elapsed, relative_errors(tau, distance, reference)


def sklearn_iterations(path, rank, reference, accuracy):
    """The fewest n_iter reaching the accuracy (None if 64 do not)."""
    for n_iter in [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64]:
        _, errors = run_sklearn(path, rank, reference, n_iter)
        if max(errors) <= accuracy:
            return n_iter
    return None


def run_svds(path, rank, reference):
    from scipy.sparse.linalg import svds
    start = time.perf_counter()
    a = np.load(path).astype(np.float64)
    total = float(np.einsum("ij,ij->", a, a))
    s = svds(a, k=rank, return_singular_vectors=False, random_state=0, tol=0)
    s = np.sort(s)[::-1]
    tau, distance = tail_from_values(total, s, rank)
    elapsed = time.perf_counter() - start
    return elapsed, relative_errors(tau, distance, reference)


def compare(name, a32, binary, workdir, rank, accuracy, rounds, full_rounds):
    path = os.path.join(workdir, name + ".npy")
    np.save(path, a32)
    del a32
    _, reference = run_cli(binary, path, rank, "full")
    sk_iter = sklearn_iterations(path, rank, reference, accuracy)
    times = {"full": [], "top-k": [], "sklearn": [], "sklearn-default": [], "svds": []}
    for round_index in range(rounds):
        if round_index < full_rounds:
            elapsed, _ = run_cli(binary, path, rank, "full")
            times["full"].append(elapsed)
        elapsed, topk = run_cli(binary, path, rank, "top-k", accuracy)
        times["top-k"].append(elapsed)
        if sk_iter:
            elapsed, sk_errors = run_sklearn(path, rank, reference, sk_iter)
            times["sklearn"].append(elapsed)
        elapsed, skd_errors = run_sklearn(path, rank, reference, "auto")
        times["sklearn-default"].append(elapsed)
        elapsed, sp_errors = run_svds(path, rank, reference)
        times["svds"].append(elapsed)
    median = {key: float(np.median(value)) if value else float("nan")
              for key, value in times.items()}
    topk_errors = relative_errors(topk["relativeTail"], topk["rankDistance"], reference)
    bound = topk.get("topK") or {}
    print(f"\n## {name}: {a32_shape(path)}, K = {rank}, "
          f"tau_K = {reference['relativeTail']:.9g}, {rounds} rounds")
    print(f"{'method':<34} {'time s':>9} {'rel err tau':>12} {'rel err dist':>12}  note")
    print(f"{'rankcollapse --svd full':<34} {median['full']:9.3f} {'(reference)':>12} {'':>12}")
    note = (f"bound {bound.get('relativeErrorBound')}, meets {bound.get('meetsAccuracy')}, "
            f"l = {bound.get('subspaceDimension')}, q = {bound.get('powerIterations')}"
            if bound else "computed by the full SVD")
    print(f"{'rankcollapse --svd top-k':<34} {median['top-k']:9.3f} {topk_errors[0]:12.3e} "
          f"{topk_errors[1]:12.3e}  {note}")
    if sk_iter:
        print(f"{'sklearn randomized_svd':<34} {median['sklearn']:9.3f} {sk_errors[0]:12.3e} "
              f"{sk_errors[1]:12.3e}  n_iter = {sk_iter} (fewest reaching {accuracy})")
    else:
        print(f"{'sklearn randomized_svd':<34} {'-':>9}  did not reach {accuracy} by n_iter = 64")
    print(f"{'sklearn randomized_svd defaults':<34} {median['sklearn-default']:9.3f} "
          f"{skd_errors[0]:12.3e} {skd_errors[1]:12.3e}  n_iter = 'auto' (not at the accuracy "
          f"unless both errors <= {accuracy})")
    print(f"{'scipy svds (ARPACK, tol=0)':<34} {median['svds']:9.3f} {sp_errors[0]:12.3e} "
          f"{sp_errors[1]:12.3e}")
    print(f"ratios: full / top-k = {median['full'] / median['top-k']:.1f}x, sklearn (at the "
          f"accuracy) / top-k = {median['sklearn'] / median['top-k']:.2f}x, svds / top-k = "
          f"{median['svds'] / median['top-k']:.2f}x")
    os.remove(path)


def a32_shape(path):
    shape = np.load(path, mmap_mode="r").shape
    return f"{shape[0]} x {shape[1]}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--minilm", help="model.safetensors of all-MiniLM-L6-v2")
    parser.add_argument("--large", action="store_true", help="add the 50000 x 4096 matrix")
    parser.add_argument("--workdir", default="/tmp/rankcollapse-topk")
    parser.add_argument("--rank", type=int, default=10)
    parser.add_argument("--accuracy", type=float, default=1e-6)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--full-rounds-large", type=int, default=1,
                        help="rounds of the full SVD of the 50000 x 4096 matrix (minutes each)")
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    print(f"# top-k comparison, one thread, accuracy {args.accuracy}")
    if args.minilm:
        from safetensors.numpy import load_file
        embedding = load_file(args.minilm)["embeddings.word_embeddings.weight"]
        compare("minilm-embedding", embedding, args.binary, args.workdir, args.rank, args.accuracy,
                args.rounds, args.rounds)
    compare("synthetic-30522x384", synthetic(30522, 384, 1.0, 1), args.binary, args.workdir,
            args.rank, args.accuracy, args.rounds, args.rounds)
    if args.large:
        compare("synthetic-50000x4096", synthetic(50000, 4096, 1.0, 2), args.binary,
                args.workdir, args.rank, args.accuracy, args.rounds, args.full_rounds_large)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Top-k mode of `rankcollapse analyze` against its full SVD, scikit-learn's randomized_svd and
SciPy's svds, side by side in one run (issue 18).

For each matrix: tau_K and the distance to rank K from `analyze --svd full` (the reference),
from `analyze --svd top-k` (with its reported error bound), from
`sklearn.utils.extmath.randomized_svd` with the fewest power iterations (n_iter) that reach the
same accuracy (1e-6 relative in both quantities against the reference), and from
`scipy.sparse.linalg.svds` (ARPACK, tol=0). The Python libraries get the matrix in memory as
float64; the command's times are end to end (process start, reading the .npy file, analysis).
Everything runs on one thread (OPENBLAS_NUM_THREADS=1, --threads 1).

Usage:
  python3 Benchmarks/compare_topk.py --binary .build/release/rankcollapse \
      [--minilm model.safetensors] [--large] [--workdir /tmp/topk]

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


def sklearn_at_accuracy(a, rank, reference, accuracy):
    from sklearn.utils.extmath import randomized_svd
    for n_iter in [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64]:
        start = time.perf_counter()
        total = float(np.einsum("ij,ij->", a, a))
        _, s, _ = randomized_svd(a, n_components=rank, n_oversamples=10, n_iter=n_iter,
                                 random_state=0)
        tau, distance = tail_from_values(total, s, rank)
        elapsed = time.perf_counter() - start
        errors = relative_errors(tau, distance, reference)
        if max(errors) <= accuracy:
            return elapsed, n_iter, errors
    return elapsed, None, errors


def scipy_svds(a, rank, reference):
    from scipy.sparse.linalg import svds
    start = time.perf_counter()
    total = float(np.einsum("ij,ij->", a, a))
    s = svds(a, k=rank, return_singular_vectors=False, random_state=0, tol=0)
    s = np.sort(s)[::-1]
    tau, distance = tail_from_values(total, s, rank)
    elapsed = time.perf_counter() - start
    return elapsed, relative_errors(tau, distance, reference)


def compare(name, a32, binary, workdir, rank, accuracy):
    path = os.path.join(workdir, name + ".npy")
    np.save(path, a32)
    a = a32.astype(np.float64)
    full_time, reference = run_cli(binary, path, rank, "full")
    topk_time, topk = run_cli(binary, path, rank, "top-k", accuracy)
    topk_errors = relative_errors(topk["relativeTail"], topk["rankDistance"], reference)
    sk_time, sk_iter, sk_errors = sklearn_at_accuracy(a, rank, reference, accuracy)
    sp_time, sp_errors = scipy_svds(a, rank, reference)
    bound = topk.get("topK") or {}
    print(f"\n## {name}: {a32.shape[0]} x {a32.shape[1]}, K = {rank}, "
          f"tau_K = {reference['relativeTail']:.9g}")
    print(f"{'method':<34} {'time s':>9} {'rel err tau':>12} {'rel err dist':>12}  note")
    print(f"{'rankcollapse --svd full':<34} {full_time:9.3f} {'(reference)':>12} {'':>12}")
    note = (f"bound {bound.get('relativeErrorBound')}, meets {bound.get('meetsAccuracy')}, "
            f"l = {bound.get('subspaceDimension')}, q = {bound.get('powerIterations')}"
            if bound else "computed by the full SVD")
    print(f"{'rankcollapse --svd top-k':<34} {topk_time:9.3f} {topk_errors[0]:12.3e} "
          f"{topk_errors[1]:12.3e}  {note}")
    sk_note = f"n_iter = {sk_iter}" if sk_iter else "did not reach the accuracy by n_iter = 64"
    print(f"{'sklearn randomized_svd':<34} {sk_time:9.3f} {sk_errors[0]:12.3e} "
          f"{sk_errors[1]:12.3e}  {sk_note}")
    print(f"{'scipy svds (ARPACK, tol=0)':<34} {sp_time:9.3f} {sp_errors[0]:12.3e} "
          f"{sp_errors[1]:12.3e}")
    print(f"ratios: full / top-k = {full_time / topk_time:.1f}x, sklearn / top-k = "
          f"{sk_time / topk_time:.2f}x, svds / top-k = {sp_time / topk_time:.2f}x")
    os.remove(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--minilm", help="model.safetensors of all-MiniLM-L6-v2")
    parser.add_argument("--large", action="store_true", help="add the 50000 x 4096 matrix")
    parser.add_argument("--workdir", default="/tmp/rankcollapse-topk")
    parser.add_argument("--rank", type=int, default=10)
    parser.add_argument("--accuracy", type=float, default=1e-6)
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    print(f"# top-k comparison, one thread, accuracy {args.accuracy}")
    if args.minilm:
        from safetensors.numpy import load_file
        embedding = load_file(args.minilm)["embeddings.word_embeddings.weight"]
        compare("minilm-embedding", embedding, args.binary, args.workdir, args.rank, args.accuracy)
    compare("synthetic-30522x384", synthetic(30522, 384, 1.0, 1), args.binary, args.workdir,
            args.rank, args.accuracy)
    if args.large:
        compare("synthetic-50000x4096", synthetic(50000, 4096, 1.0, 2), args.binary,
                args.workdir, args.rank, args.accuracy)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Time evaluating Theorems 5.3 and 5.4 (deep linear case) in RankCollapse beside NumPy/SciPy.

RankCollapse runs through the `BoundsTimings` executable of this package (release build); the
reference is the same computation written here with NumPy and SciPy: Gram matrices, the class
centroids and WCSS, two Cholesky solves (Theta* and Theta*,C of eq. 21), the eigendecomposition of
X X^T + N lambda I, the SVD of Q_lambda (eq. 36), the eigenvalues of Y Y^T. Same shapes
(N = 10000, d = 784, K = 10 Gaussian blobs), same work, data drawn separately. Rounds alternate
the order of the two sides so drifts of the shared machine hit both alike.

    swift build --package-path Benchmarks -c release --product BoundsTimings
    cd Benchmarks && OPENBLAS_NUM_THREADS=1 python3 compare_bounds_numpy.py --rounds 3

ratio = RankCollapse time / NumPy time (below 1: RankCollapse is faster). With
`--baseline PATH` a second BoundsTimings executable (e.g. built from an older commit) runs as a
third side in the same interleaved rounds, and its ratios to NumPy and to RankCollapse are printed
too. The thread count of both sides is OPENBLAS_NUM_THREADS (default 1).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def numpy_worker(targets: str, n: int, d: int, k: int, lam: float, reps: int) -> list[float]:
    import numpy as np
    import scipy.linalg as sl

    rng = np.random.default_rng(5)
    means = rng.normal(0, 3 / np.sqrt(d), (k, d))
    labels = np.repeat(np.arange(k), n // k)
    x = means[labels] + 0.1 * rng.normal(size=(n, d))
    y = x if targets == "autoencoder" else np.eye(k)[labels]
    totals = []
    for _ in range(reps):
        t0 = time.perf_counter()
        g = x.T @ x
        b = g if y is x else y.T @ x
        # Theorem 5.3: centroids, WCSS, two solves, norms.
        counts = np.bincount(labels, minlength=k).astype(float)
        mx = np.zeros((k, d)); np.add.at(mx, labels, x); mx /= counts[:, None]
        my = np.zeros((k, y.shape[1])); np.add.at(my, labels, y); my /= counts[:, None]
        xbar, ybar = mx[labels], my[labels]
        wcss = (((x - xbar) ** 2).sum() + ((y - ybar) ** 2).sum()) / n
        a = g + n * lam * np.eye(d)
        theta = sl.cho_solve(sl.cho_factor(a), b.T).T
        sx, sy = mx * np.sqrt(counts)[:, None], my * np.sqrt(counts)[:, None]
        theta_c = sl.cho_solve(sl.cho_factor(sx.T @ sx + n * lam * np.eye(d)), (sy.T @ sx).T).T
        left53 = np.linalg.norm(theta - theta_c)
        # Theorem 5.4: A^{-1/2}, Q_lambda and its SVD, the tail, Y Y^T's eigenvalues.
        w, v = np.linalg.eigh(a)
        root = (v / np.sqrt(w)) @ v.T
        q = b @ root
        u, s, vt = np.linalg.svd(q, full_matrices=False)
        kk = min(k, *q.shape)
        tail = (u[:, kk:] * s[kk:]) @ vt[kk:] @ root
        left54 = (tail ** 2).sum()
        ev = np.linalg.eigvalsh(g if y is x else y.T @ y)
        totals.append(time.perf_counter() - t0)
        _ = (wcss, left53, left54, ev)
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--worker", choices=["autoencoder", "onehot"])
    parser.add_argument("--baseline", type=Path,
                        help="another BoundsTimings executable to time as a third side")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(numpy_worker(args.worker, 10000, 784, 10, 1e-2, args.reps)))
        return
    binary = HERE / ".build" / "release" / "BoundsTimings"
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "1")
    env = dict(os.environ, OPENBLAS_NUM_THREADS=threads)
    swift_sides = {"swift": binary}
    if args.baseline:
        swift_sides["baseline"] = args.baseline
    print(f"threads {threads}, load average before: {os.getloadavg()[0]:.2f}")
    for targets in ["onehot", "autoencoder"]:
        times: dict[str, list[float]] = {side: [] for side in [*swift_sides, "numpy"]}
        for r in range(args.rounds):
            sides = list(times)
            # Rotate the order every round so that drifts of the shared machine hit all sides.
            sides = sides[r % len(sides):] + sides[:r % len(sides)]
            for side in sides:
                if side in swift_sides:
                    out = subprocess.run(
                        [str(swift_sides[side]), "--targets", targets, "--reps", str(args.reps),
                         "--threads", threads],
                        check=True, capture_output=True, text=True, env=env).stdout
                    times[side] += json.loads(out)["totals"]
                else:
                    out = subprocess.run(
                        [sys.executable, __file__, "--worker", targets, "--reps", str(args.reps)],
                        check=True, capture_output=True, text=True, env=env).stdout
                    times[side] += json.loads(out)
        medians = {side: statistics.median(values) for side, values in times.items()}
        s, n = medians["swift"], medians["numpy"]
        line = f"{targets:12s} RankCollapse {s:.3f} s  NumPy/SciPy {n:.3f} s  ratio {s / n:.2f}"
        if "baseline" in medians:
            b = medians["baseline"]
            line += (f"  baseline {b:.3f} s (baseline/NumPy {b / n:.2f}, "
                     f"RankCollapse/baseline {s / b:.2f})")
        print(line, flush=True)


if __name__ == "__main__":
    main()

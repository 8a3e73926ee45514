#!/usr/bin/env python3
"""Time RankCollapseClustering's k-means beside scikit-learn's, in one run, and print the ratios.

Data: Fashion-MNIST's 60000 training images as a 60000x784 float32 matrix scaled to [0, 1]
(read from Debian's `dataset-fashion-mnist` files, or --idx FILE), K = 10. Both sides start from
the same initial centroids (scikit-learn's k-means++ with random_state=0, written to a .npy
file the Swift side reads).

Measurements, each at 1 and 2 threads, in interleaved rounds (swift, sklearn; sklearn, swift; ...)
so that the slow drifts of this shared machine hit both alike:

* lloyd-iteration: one full Lloyd iteration (assignment + centroid update). Swift:
  `KMeans.lloydIteration` (row norms precomputed, as both libraries do once per fit); sklearn:
  its Cython kernel `lloyd_iter_chunked_dense` (the iteration its KMeans.fit repeats).
* fit: a whole fit from the same centroids to tol=1e-4 (max_iter=300). Swift: `KMeans.fit(_:
  initialCentroids:)` (Hamerly bounds); sklearn: `KMeans(algorithm=...)` for "lloyd" and "elkan",
  compared with the faster of the two. Final inertias are compared too.
* plusplus: greedy k-means++ seeding (2 + ln K candidates) of 10 centres. Swift:
  `KMeans.plusPlusCentroids`; sklearn: `sklearn.cluster.kmeans_plusplus`.
* spectral: the Ding-He spectral TCV lower bound (Swift) beside NumPy computing the same
  quantity (centre, X^T X, eigvalsh) for reference.

Each Swift measurement is one run of the `KMeansTimings` executable (data loaded once per run,
not timed); each sklearn measurement runs in this process with threadpoolctl limiting BLAS and
OpenMP to the thread count. Reported: the median over rounds of each side's per-round median,
and ratio = sklearn time / Swift time (above 1: RankCollapse is faster).

    cd Benchmarks && python3 compare_sklearn.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_IDX = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"


def load_idx_images(path: str) -> np.ndarray:
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as handle:
        raw = handle.read()
    count = int.from_bytes(raw[4:8], "big")
    rows = int.from_bytes(raw[8:12], "big")
    columns = int.from_bytes(raw[12:16], "big")
    pixels = np.frombuffer(raw, dtype=np.uint8, offset=16)
    return pixels.reshape(count, rows * columns).astype(np.float32) / np.float32(255)


def swift_time(binary: Path, op: str, points: Path, centroids: Path, threads: int, reps: int):
    command = [
        str(binary), "--op", op, "--points", str(points), "--centroids", str(centroids),
        "--clusters", "10", "--threads", str(threads), "--reps", str(reps), "--warmup", "1",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def sklearn_time(op: str, x: np.ndarray, c0: np.ndarray, threads: int, reps: int):
    from sklearn.cluster import KMeans, kmeans_plusplus
    from sklearn.cluster._k_means_lloyd import lloyd_iter_chunked_dense
    from threadpoolctl import threadpool_limits

    times: list[float] = []
    extra: dict[str, object] = {}
    with threadpool_limits(limits=threads):
        def once(rep: int) -> None:
            if op == "lloyd-iteration":
                weights = np.ones(x.shape[0], dtype=x.dtype)
                old = c0.copy()
                new = np.empty_like(c0)
                in_clusters = np.zeros(c0.shape[0], dtype=x.dtype)
                labels = np.full(x.shape[0], -1, dtype=np.int32)
                shift = np.zeros(c0.shape[0], dtype=x.dtype)
                start = time.perf_counter()
                lloyd_iter_chunked_dense(x, weights, old, new, in_clusters, labels, shift, threads)
                times.append(time.perf_counter() - start)
            elif op in ("fit-lloyd", "fit-elkan"):
                model = KMeans(
                    n_clusters=c0.shape[0], init=c0, n_init=1, max_iter=300, tol=1e-4,
                    algorithm=op.split("-")[1])
                start = time.perf_counter()
                model.fit(x)
                times.append(time.perf_counter() - start)
                extra["inertia"] = float(model.inertia_)
                extra["iterations"] = int(model.n_iter_)
            elif op == "plusplus":
                start = time.perf_counter()
                kmeans_plusplus(x, c0.shape[0], random_state=rep)
                times.append(time.perf_counter() - start)
            elif op == "spectral":
                start = time.perf_counter()
                centred = x - x.mean(axis=0, dtype=np.float64).astype(np.float32)
                scatter = (centred.T @ centred).astype(np.float64)
                values = np.linalg.eigvalsh(scatter)
                _ = (float(np.square(centred, dtype=np.float64).sum()) - values[-9:].sum()) / len(x)
                times.append(time.perf_counter() - start)
            else:
                raise ValueError(op)

        once(1000)
        times.clear()
        for rep in range(reps):
            once(rep)
    return {"median": statistics.median(times), "min": min(times), **extra}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--idx", default=DEFAULT_IDX, help="IDX images file (gzipped or not)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--ops", default="lloyd-iteration,fit,plusplus,spectral")
    parser.add_argument("--skip-build", action="store_true")
    args = parser.parse_args()

    if not args.skip_build:
        subprocess.run(
            ["swift", "build", "-c", "release", "--product", "KMeansTimings"], cwd=HERE, check=True,
            stdout=subprocess.DEVNULL)
    binary = HERE / ".build" / "release" / "KMeansTimings"

    from sklearn.cluster import kmeans_plusplus

    x = load_idx_images(args.idx)
    c0, _ = kmeans_plusplus(x, 10, random_state=0)
    c0 = np.ascontiguousarray(c0, dtype=np.float32)
    folder = Path(tempfile.mkdtemp(prefix="kmeans-compare-"))
    points_path = folder / "points.npy"
    centroids_path = folder / "centroids.npy"
    np.save(points_path, x)
    np.save(centroids_path, c0)
    print(f"data {x.shape[0]}x{x.shape[1]} float32, K = 10, rounds = {args.rounds}", flush=True)

    reps = {"lloyd-iteration": 10, "fit": 1, "plusplus": 3, "spectral": 2}
    for threads in [int(t) for t in args.threads.split(",")]:
        for op in args.ops.split(","):
            swift_ops = ["fit-hamerly"] if op == "fit" else [op]
            sk_ops = ["fit-lloyd", "fit-elkan"] if op == "fit" else [op]
            swift_runs: dict[str, list[dict]] = {o: [] for o in swift_ops}
            sk_runs: dict[str, list[dict]] = {o: [] for o in sk_ops}
            for round_index in range(args.rounds):
                order = [0, 1] if round_index % 2 == 0 else [1, 0]
                for side in order:
                    if side == 0:
                        for o in swift_ops:
                            swift_runs[o].append(
                                swift_time(binary, o, points_path, centroids_path, threads, reps[op]))
                    else:
                        for o in sk_ops:
                            sk_runs[o].append(sklearn_time(o, x, c0, threads, reps[op]))
            swift_median = {o: statistics.median(r["median"] for r in runs) for o, runs in swift_runs.items()}
            sk_median = {o: statistics.median(r["median"] for r in runs) for o, runs in sk_runs.items()}
            best_sk = min(sk_median, key=sk_median.get)
            ours = next(iter(swift_median.values()))
            line = (
                f"threads={threads} {op:16s} swift {ours * 1e3:9.1f} ms   "
                + "   ".join(f"sklearn[{o}] {t * 1e3:9.1f} ms" for o, t in sk_median.items())
                + f"   ratio sklearn/swift = {sk_median[best_sk] / ours:5.2f}"
            )
            if op == "fit":
                ours_inertia = swift_runs["fit-hamerly"][-1]["inertia"]
                theirs = sk_runs[best_sk][-1]["inertia"]
                line += (
                    f"   inertia swift {ours_inertia:.6g} ({swift_runs['fit-hamerly'][-1]['iterations']} it)"
                    f" sklearn {theirs:.6g} ({sk_runs[best_sk][-1]['iterations']} it)"
                    f" rel.diff {abs(ours_inertia - theirs) / theirs:.2e}"
                )
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

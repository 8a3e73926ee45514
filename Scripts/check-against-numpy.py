#!/usr/bin/env python3
"""Cross-check `rankcollapse analyze` against NumPy, as a new user would.

Saves matrices with NumPy in every .npy flavour RankCollapse reads (float32/float64, little and
big endian, C and Fortran order, format versions 1.0, 2.0 and 3.0), in .npz archives (np.savez and
np.savez_compressed) and in a safetensors file (written here by the format's definition, so no
extra package is needed), runs
`rankcollapse analyze --format json` on them, and compares every reported quantity with the same
quantity computed by NumPy (numpy.linalg.svd and numpy.linalg.matrix_rank on the array converted to
float64: the rank's tolerance takes the epsilon of the precision the SVD runs in, as NumPy does).

Usage: Scripts/check-against-numpy.py [PATH-TO-rankcollapse]   (default: .build/debug/rankcollapse)
Exit status 0 when everything agrees, 1 otherwise.
"""
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

import numpy as np

RANK, EPSILON = 3, 0.15
# Matrices whose scalar quantities must agree to 1e-12 relative (issue 15: extreme scales).
SCALED = re.compile(r".*/(tiny|huge|mixed)\.npy$")


def scaled_norm(values):
    """sqrt(sum(values**2)) without overflow or underflow, as LAPACK's dnrm2: scale by the largest."""
    top = values.max(initial=0.0)
    return 0.0 if top == 0 else top * np.sqrt(((values / top) ** 2).sum())


def reference(a):
    """Every quantity of the report, computed by NumPy.

    Sums are taken over s / s_1 (and the distance to rank K over its own largest term), so that
    matrices times 1e-300 or 1e300, or with one 1e300 entry, get their true values where the
    plain formulas would underflow to 0 or overflow to inf.
    """
    s = np.linalg.svd(a.astype(np.float64), compute_uv=False)
    top = s[0] if len(s) and s[0] > 0 else 1.0
    t = s / top
    squares, total = t**2, t.sum()
    p = t[t > 0] / total if total > 0 else np.array([])
    tail = np.array([t[r - 1:].sum() / total for r in range(1, len(s) + 1)]) if total > 0 else None
    soft = next((k for k in range(len(s) + 1) if (t[k:].sum() <= EPSILON * total)), len(s))
    if total == 0:
        # RankCollapse's documented convention for the zero matrix: nothing to approximate, so
        # every ratio, rank and norm is 0 (the formulas above would give 0/0).
        zero = {k: 0.0 for k in ["frobeniusNorm", "spectralNorm", "nuclearNorm", "stableRank",
                                 "effectiveRank", "relativeTail", "rankDistance"]}
        return {"shape": list(a.shape), "singularValues": s, "numericalRank": 0, "softRank": 0,
                "tailError": 0 * s, **zero}
    return {
        "shape": list(a.shape),
        "singularValues": s,
        "frobeniusNorm": scaled_norm(s),
        "spectralNorm": s[0],
        "nuclearNorm": total * top,
        "stableRank": squares.sum(),
        "effectiveRank": np.exp(-(p * np.log(p)).sum()),
        "numericalRank": int(np.linalg.matrix_rank(a.astype(np.float64))),
        "relativeTail": squares[RANK:].sum() / squares.sum(),
        "rankDistance": scaled_norm(s[RANK:]),
        "softRank": soft,
        "tailError": tail,
    }


def flavours(rng):
    base = rng.standard_normal((23, 9)) @ np.diag(np.linspace(3, 0.01, 9)) @ rng.standard_normal((9, 14))
    base[:, -1] = 0.0  # rank-deficient, so the numerical rank is tested
    for dtype in ["<f4", ">f4", "<f8", ">f8"]:
        for order in ["C", "F"]:
            for version in [(1, 0), (2, 0), (3, 0)]:
                a = np.asarray(base, dtype=dtype, order=order)
                yield f"m{dtype[1:]}{'le' if dtype[0] == '<' else 'be'}_{order}_v{version[0]}", a, version
    yield "wide", rng.standard_normal((5, 40)).astype(np.float32), (1, 0)
    yield "column", rng.standard_normal((30, 1)), (1, 0)
    yield "zero", np.zeros((4, 6)), (1, 0)
    # Extreme scales: the plain formulas give 0, inf or nan here; the scaled ones do not.
    normal = rng.standard_normal((20, 12))
    yield "tiny", normal * 1e-300, (1, 0)
    yield "huge", normal * 1e300, (1, 0)
    mixed = normal.copy()
    mixed[3, 4] = 1e300
    yield "mixed", mixed, (1, 0)


def write_safetensors(path, tensors):
    """A safetensors file by the format's definition: u64 header length, JSON, little-endian data."""
    header, blobs, offset = {"__metadata__": {"format": "np"}}, [], 0
    codes = {np.dtype("<f4"): "F32", np.dtype("<f8"): "F64", np.dtype("<i8"): "I64"}
    for name, a in tensors.items():
        data = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": codes[a.dtype.newbyteorder("<")], "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def containers(folder, rng):
    """Archives and a safetensors file; yields (path, {report name: array that must be analysed})."""
    arrays = {"encoder.w": rng.standard_normal((17, 11)).astype(np.float32),
              "encoder.b": rng.standard_normal(11).astype(np.float32),
              "decoder.w": rng.standard_normal((8, 19)),
              "ids": np.arange(6, dtype=np.int64).reshape(2, 3)}
    expected = {k: v for k, v in arrays.items() if v.ndim == 2 and v.dtype.kind == "f"}
    for name, save in [("plain.npz", np.savez), ("compressed.npz", np.savez_compressed)]:
        path = os.path.join(folder, name)
        save(path, **arrays)
        yield path, {f"{path}:{k}": v for k, v in expected.items()}
    path = os.path.join(folder, "model.safetensors")
    write_safetensors(path, arrays)
    yield path, {f"{path}:{k}": v for k, v in expected.items()}


def main():
    tool = sys.argv[1] if len(sys.argv) > 1 else ".build/debug/rankcollapse"
    rng = np.random.default_rng(2024)
    failures, checked = [], 0
    with tempfile.TemporaryDirectory() as folder:
        paths, arrays = [], {}
        for name, a, version in flavours(rng):
            path = os.path.join(folder, name + ".npy")
            with open(path, "wb") as f:
                np.lib.format.write_array(f, a, version=version)
            paths.append(path)
            arrays[path] = a
        for path, contents in containers(folder, rng):
            paths.append(path)
            arrays.update(contents)
        run = subprocess.run(
            [tool, "analyze", "--format", "json", "--rank", str(RANK), "--epsilon", str(EPSILON)] + paths,
            capture_output=True, text=True)
        if run.returncode != 0:
            print(run.stderr)
            sys.exit(1)
        entries = json.loads(run.stdout)["matrices"]
        if sorted(e["name"] for e in entries) != sorted(arrays):
            failures.append(f"reported names {sorted(e['name'] for e in entries)} != {sorted(arrays)}")
        for entry in entries:
            if entry["name"] not in arrays:
                continue  # already reported above
            expected = reference(arrays[entry["name"]])
            for key, want in expected.items():
                got = entry[key]
                checked += 1
                if isinstance(want, (list, int)) and not isinstance(want, bool):
                    ok = got == want
                else:
                    want, got = np.asarray(want, dtype=float), np.asarray(got, dtype=float)
                    if want.ndim == 0:
                        # One number: relative agreement, whatever its scale.
                        ok = bool(np.isclose(got, want, rtol=1e-12 if SCALED.match(entry["name"]) else 1e-9,
                                             atol=0 if want != 0 else 1e-12))
                    else:
                        scale = max(1.0, float(np.abs(want).max(initial=0)))
                        ok = want.shape == got.shape and np.allclose(got, want, rtol=1e-9, atol=1e-12 * scale)
                if not ok:
                    failures.append(f"{os.path.basename(entry['name'])}: {key}: got {got}, numpy {want}")
    for failure in failures:
        print("MISMATCH", failure)
    print(f"check-against-numpy: {len(arrays)} matrices in .npy, .npz and .safetensors files, "
          f"{checked} values compared, {len(failures)} mismatches")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

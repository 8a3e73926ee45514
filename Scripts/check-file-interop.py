#!/usr/bin/env python3
"""Cross-check RankCollapse's safetensors and .npz files against Python's own libraries.

Writes a safetensors file with Hugging Face's `safetensors` package and .npz archives with NumPy
(stored and compressed), runs the Swift test `InteropFixtureTests` (which reads them, checks every
value, and writes its own files), then loads the Swift-written files with `safetensors` and NumPy
and checks every value, dtype, shape and the metadata. Needs numpy and safetensors
(`pip install safetensors`); unit tests themselves need neither.

Usage: Scripts/check-file-interop.py          (from the package root)
Exit status 0 when everything agrees, 1 otherwise.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
from safetensors import safe_open
from safetensors.numpy import save_file


def matrix(k, rows, columns, dtype):
    i, j = np.meshgrid(np.arange(rows), np.arange(columns), indexing="ij")
    return ((k * 1000 + i * 37 + j) / 8 - 3.5).astype(dtype)


def expected():
    tensors = {
        "f32": matrix(1, 5, 3, np.float32),
        "f64": matrix(2, 4, 6, np.float64),
        "f16": matrix(0, 2, 3, np.float16),
        "i64": np.array([-5, 0, 7, 1 << 40], dtype=np.int64),
        "u8": np.array([0, 200, 255], dtype=np.uint8),
        "conv": (np.arange(24, dtype=np.float32) * 0.5).reshape(2, 3, 2, 2),
    }
    return tensors


def bf16_bytes(values):
    """bfloat16 bit patterns of exactly representable float32 values (the top 16 bits)."""
    return (values.astype(np.float32).view(np.uint32) >> 16).astype("<u2").tobytes()


def main():
    failures = []
    tensors = expected()
    with tempfile.TemporaryDirectory() as folder:
        # Python → Swift. NumPy has no bfloat16: write it by hand-patching a U16 tensor's dtype.
        payload = dict(tensors)
        payload["bf16"] = np.frombuffer(bf16_bytes(matrix(0, 2, 3, np.float32)), "<u2").reshape(2, 3)
        path = os.path.join(folder, "python.safetensors")
        save_file(payload, path, metadata={"format": "np", "source": "python"})
        with open(path, "rb") as f:
            data = bytearray(f.read())
        n = int.from_bytes(data[:8], "little")
        header = data[8:8 + n].decode()
        marker = '"bf16":{"dtype":"U16"'
        assert marker in header, header
        patched = header.replace(marker, '"bf16":{"dtype":"BF16"').encode()
        with open(path, "wb") as f:
            f.write(len(patched).to_bytes(8, "little") + patched + bytes(data[8 + n:]))
        x = matrix(5, 6, 4, np.float32)
        labels = np.array([3, 1, 4, 1, 5])
        mask = np.array([True, False])
        np.savez(os.path.join(folder, "python.npz"), x=x, labels=labels, mask=mask)
        np.savez_compressed(os.path.join(folder, "python-compressed.npz"), x=x, labels=labels,
                            mask=mask)

        env = dict(os.environ, RANKCOLLAPSE_INTEROP_DIR=folder)
        result = subprocess.run(["swift", "test", "--filter", "InteropFixtureTests"], env=env,
                                capture_output=True, text=True)
        if result.returncode != 0 or "1 test" not in result.stdout + result.stderr:
            print(result.stdout[-4000:], result.stderr[-4000:])
            failures.append("the Swift side failed (see above)")
        else:
            # Swift → Python.
            # NumPy has no bfloat16 (safetensors needs ml_dtypes for it), so the BF16 tensor is
            # checked byte by byte below and every other tensor loaded by name.
            with safe_open(os.path.join(folder, "swift.safetensors"), framework="numpy") as f:
                loaded = {name: f.get_tensor(name) for name in tensors}
                if sorted(f.keys()) != sorted(list(tensors) + ["bf16"]):
                    failures.append(f"safetensors names {sorted(f.keys())}")
            for name, want in tensors.items():
                got = loaded[name]
                if got.dtype != want.dtype or got.shape != want.shape or not np.array_equal(got, want):
                    failures.append(f"safetensors {name}: got {got.dtype} {got.shape} {got}")
            with open(os.path.join(folder, "swift.safetensors"), "rb") as f:
                raw = f.read()
            n = int.from_bytes(raw[:8], "little")
            import json
            header = json.loads(raw[8:8 + n])
            if header.get("__metadata__") != {"format": "np", "source": "swift"}:
                failures.append(f"metadata: {header.get('__metadata__')}")
            if header["bf16"]["dtype"] != "BF16":
                failures.append(f"bf16 dtype {header['bf16']['dtype']}")
            b, e = header["bf16"]["data_offsets"]
            if raw[8 + n + b:8 + n + e] != bf16_bytes(matrix(0, 2, 3, np.float32)):
                failures.append("bf16 bytes differ")
            for name in ["swift.npz", "swift-compressed.npz"]:
                with np.load(os.path.join(folder, name)) as archive:
                    if list(archive.keys()) != ["x", "labels", "mask"]:
                        failures.append(f"{name}: keys {list(archive.keys())}")
                    if not (np.array_equal(archive["x"], x) and archive["x"].dtype == np.float32
                            and np.array_equal(archive["labels"], labels)
                            and archive["labels"].dtype == np.int64
                            and np.array_equal(archive["mask"], mask)
                            and archive["mask"].dtype == np.bool_):
                        failures.append(f"{name}: values or dtypes differ")
    if failures:
        print("interop check FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("interop check passed: safetensors (F32, F64, F16, BF16, I64, U8, 4-D, metadata) and "
          ".npz (stored, deflated; float32, int64, bool) in both directions")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Reference training steps (NumPy by hand, PyTorch, JAX) for compare_training.py.

Run as `python3 training_references.py IMPL OP STEPS WARMUP`; prints JSON with the per-step
times. IMPL is numpy, torch or jax; OP is one of ae-step-f32, ae-step-f64, mlp-sgd-f32 (the same
work as RankCollapseTrainingTimings). The thread count comes from the environment and the CPU set
the caller gives the process (taskset), so every library sees the same cores.
"""
import json
import sys
import time

IMPL, OP, STEPS, WARMUP = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
THREADS = int(sys.argv[5]) if len(sys.argv) > 5 else 1
LAMBDA = 1e-3
AE_WIDTHS = [784, 400, 300, 400, 784]
MLP_WIDTHS = [784, 500, 500, 500, 10]
N = 10_000


def glorot(rng, widths, dtype):
    import numpy as np
    ws, bs = [], []
    for i in range(1, len(widths)):
        limit = (6 / (widths[i] + widths[i - 1])) ** 0.5
        ws.append(rng.uniform(-limit, limit, (widths[i], widths[i - 1])).astype(dtype))
        bs.append(np.zeros(widths[i], dtype))
    return ws, bs


def numpy_steps():
    import numpy as np
    dtype = np.float64 if OP.endswith("f64") else np.float32
    rng = np.random.default_rng(1)
    if OP.startswith("ae"):
        widths, lr, batch = AE_WIDTHS, 1e-3, None
        x = rng.standard_normal((N, 784)).astype(dtype)
    else:
        widths, lr, batch = MLP_WIDTHS, 1e-2, 128
        x = rng.standard_normal((N, 784)).astype(dtype)
        labels = rng.integers(0, 10, N)
    ws, bs = glorot(rng, widths, dtype)
    depth = len(ws)
    times = []
    position = 0
    perm = rng.permutation(N)
    for step in range(WARMUP + STEPS):
        start = time.perf_counter()
        if batch is None:
            xb, yb = x, x
        else:
            if position + batch > N:
                perm = rng.permutation(N)
                position = 0
            idx = perm[position:position + batch]
            position += batch
            xb, lb = x[idx], labels[idx]
        zs = [xb]
        for l in range(depth):
            a = zs[-1] @ ws[l].T
            a += bs[l]
            if l < depth - 1:
                np.tanh(a, out=a)
            zs.append(a)
        f = zs[-1]
        n = f.shape[0]
        if batch is None:
            g = f - yb
            loss = float(np.einsum("ij,ij->", g, g)) / n
            g *= 2 / n
        else:
            m = f.max(axis=1, keepdims=True)
            e = np.exp(f - m)
            s = e.sum(axis=1, keepdims=True)
            loss = float(np.mean(np.log(s[:, 0]) + m[:, 0] - f[np.arange(n), lb]))
            g = e / s
            g[np.arange(n), lb] -= 1
            g /= n
        for l in reversed(range(depth)):
            if l < depth - 1:
                z = zs[l + 1]
                g *= 1 - z * z
            gw = g.T @ zs[l]
            gb = g.sum(axis=0)
            if l > 0:
                g = g @ ws[l]
            ws[l] -= lr * (gw + 2 * LAMBDA * ws[l])
            bs[l] -= lr * (gb + 2 * LAMBDA * bs[l])
        elapsed = time.perf_counter() - start
        if step >= WARMUP:
            times.append(elapsed)
    return times, loss


def torch_steps():
    import torch
    torch.set_num_threads(THREADS)
    dtype = torch.float64 if OP.endswith("f64") else torch.float32
    torch.manual_seed(1)
    widths = AE_WIDTHS if OP.startswith("ae") else MLP_WIDTHS
    layers = []
    for i in range(1, len(widths)):
        layers.append(torch.nn.Linear(widths[i - 1], widths[i], dtype=dtype))
        torch.nn.init.xavier_uniform_(layers[-1].weight)
        torch.nn.init.zeros_(layers[-1].bias)
        if i < len(widths) - 1:
            layers.append(torch.nn.Tanh())
    model = torch.nn.Sequential(*layers)
    x = torch.randn(N, 784, dtype=dtype)
    if OP.startswith("ae"):
        lr, batch = 1e-3, None
    else:
        lr, batch = 1e-2, 128
        labels = torch.randint(0, 10, (N,))
    # weight_decay = 2λ is this library's λ‖Θ‖² (DESIGN.md).
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, weight_decay=2 * LAMBDA)
    times = []
    position = 0
    perm = torch.randperm(N)
    for step in range(WARMUP + STEPS):
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        if batch is None:
            f = model(x)
            loss = ((f - x) ** 2).sum(dim=1).mean()
        else:
            if position + batch > N:
                perm = torch.randperm(N)
                position = 0
            idx = perm[position:position + batch]
            position += batch
            loss = torch.nn.functional.cross_entropy(model(x[idx]), labels[idx])
        loss.backward()
        optimizer.step()
        value = float(loss)
        elapsed = time.perf_counter() - start
        if step >= WARMUP:
            times.append(elapsed)
    return times, value


def jax_steps():
    import jax
    import jax.numpy as jnp
    import numpy as np
    if OP.endswith("f64"):
        jax.config.update("jax_enable_x64", True)
    dtype = jnp.float64 if OP.endswith("f64") else jnp.float32
    rng = np.random.default_rng(1)
    widths = AE_WIDTHS if OP.startswith("ae") else MLP_WIDTHS
    ws, bs = glorot(rng, widths, np.float64 if OP.endswith("f64") else np.float32)
    params = [(jnp.asarray(w), jnp.asarray(b)) for w, b in zip(ws, bs)]
    x = jnp.asarray(rng.standard_normal((N, 784)), dtype=dtype)
    autoencoder = OP.startswith("ae")
    lr = 1e-3 if autoencoder else 1e-2

    def forward(params, xb):
        z = xb
        for i, (w, b) in enumerate(params):
            z = z @ w.T + b
            if i < len(params) - 1:
                z = jnp.tanh(z)
        return z

    def objective(params, xb, yb):
        f = forward(params, xb)
        if autoencoder:
            data = jnp.mean(jnp.sum((f - yb) ** 2, axis=1))
        else:
            data = -jnp.mean(jax.nn.log_softmax(f)[jnp.arange(f.shape[0]), yb])
        return data + LAMBDA * sum(jnp.sum(w * w) + jnp.sum(b * b) for w, b in params)

    @jax.jit
    def step(params, xb, yb):
        value, grads = jax.value_and_grad(objective)(params, xb, yb)
        new = [(w - lr * gw, b - lr * gb) for (w, b), (gw, gb) in zip(params, grads)]
        return new, value

    labels = jnp.asarray(rng.integers(0, 10, N))
    times = []
    position = 0
    perm = rng.permutation(N)
    for s in range(WARMUP + STEPS):
        start = time.perf_counter()
        if autoencoder:
            params, value = step(params, x, x)
        else:
            if position + 128 > N:
                perm = rng.permutation(N)
                position = 0
            idx = perm[position:position + 128]
            position += 128
            params, value = step(params, x[idx], labels[idx])
        value = float(value)
        elapsed = time.perf_counter() - start
        if s >= WARMUP:
            times.append(elapsed)
    return times, value


times, loss = {"numpy": numpy_steps, "torch": torch_steps, "jax": jax_steps}[IMPL]()
print(json.dumps({"impl": IMPL, "op": OP, "times": times, "loss": loss}))

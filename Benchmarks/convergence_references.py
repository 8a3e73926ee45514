"""Reference L-BFGS runs (PyTorch, JAX/optax) to ‖∇L_λ‖ ≤ tol, for compare_convergence.py.

    python3 convergence_references.py IMPL START.npz LAMBDA TOL MAX_SECONDS CHUNK FINAL.npz

IMPL is torch or jax. START.npz holds the data `x` (N × d, float32) and the initial parameters
`w1, b1, …` (W_l as d_l × d_{l−1}), written by `ConvergenceTimings --export`. The objective is
L_λ = (1/N) Σ_i ‖f(x_i) − x_i‖² + λ Σ_l (‖W_l‖² + ‖b_l‖²), tanh hidden layers, linear output, all
in float32. Prints one line of JSON (the keys ConvergenceTimings prints) and writes the final
parameters to FINAL.npz. The thread count comes from the environment and the CPU set the caller
gives the process (taskset).

- torch: `torch.optim.LBFGS(history_size=10, line_search_fn="strong_wolfe", tolerance_grad=0)`,
  `step` called with `max_iter=CHUNK` until the wall-time cap. The closure stops the run (by an
  exception, leaving the parameters at the evaluated point) at the first evaluated point whose
  gradient has ‖∇L_λ‖₂ ≤ TOL and whose value is the lowest seen: PyTorch's own `tolerance_grad`
  tests the largest gradient entry, not the 2-norm. Every evaluation is counted, including the
  one each `step` call starts with.
- jax: `optax.lbfgs(memory_size=10)` (zoom line search, strong Wolfe), CHUNK iterations per
  `jit`-compiled `lax.while_loop` that stops as soon as ‖∇L_λ‖₂ ≤ TOL. The compilation happens
  before the clock starts. Evaluations: 1 + the line search's steps of every iteration.
"""
import json
import sys
import time

import numpy as np

IMPL, START, LAMBDA, TOL, MAX_SECONDS, CHUNK, FINAL = (
    sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]),
    int(sys.argv[6]), sys.argv[7])


def load():
    archive = np.load(START)
    depth = sum(1 for name in archive.files if name.startswith("w"))
    ws = [archive[f"w{l + 1}"].astype(np.float32) for l in range(depth)]
    bs = [archive[f"b{l + 1}"].astype(np.float32) for l in range(depth)]
    return archive["x"].astype(np.float32), ws, bs


def save(ws, bs):
    arrays = {}
    for l, (w, b) in enumerate(zip(ws, bs)):
        arrays[f"w{l + 1}"] = np.asarray(w, dtype=np.float32)
        arrays[f"b{l + 1}"] = np.asarray(b, dtype=np.float32)
    np.savez(FINAL, **arrays)


class Reached(Exception):
    pass


class OutOfTime(Exception):
    pass


def torch_run():
    import torch
    threads = len(__import__("os").sched_getaffinity(0))
    torch.set_num_threads(threads)
    x_np, ws, bs = load()
    x = torch.from_numpy(x_np)
    params = []
    for w, b in zip(ws, bs):
        params += [torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)]
    optimizer = torch.optim.LBFGS(
        params, lr=1, max_iter=CHUNK, history_size=10, line_search_fn="strong_wolfe",
        tolerance_grad=0.0)
    depth = len(ws)
    evaluations = 0
    best = [float("inf"), float("inf")]  # value, gradient norm of the lowest point evaluated
    trace_seconds, trace_objective = [], []
    start = time.perf_counter()

    def closure():
        nonlocal evaluations
        optimizer.zero_grad(set_to_none=False)
        z = x
        for l in range(depth):
            z = torch.addmm(params[2 * l + 1], z, params[2 * l].t())
            if l < depth - 1:
                z = torch.tanh(z)
        loss = ((z - x) ** 2).sum() / x.shape[0]
        loss = loss + LAMBDA * sum((p * p).sum() for p in params)
        loss.backward()
        evaluations += 1
        value = float(loss.detach())
        norm = float(torch.sqrt(sum((p.grad.double() ** 2).sum() for p in params)))
        if value <= best[0]:
            best[0], best[1] = value, norm
            trace_seconds.append(time.perf_counter() - start)
            trace_objective.append(value)
            if norm <= TOL:
                raise Reached()
        return loss

    reached, reason, stalls, last = False, "maximumTime", 0, float("inf")
    try:
        while time.perf_counter() - start < MAX_SECONDS:
            optimizer.step(closure)
            if best[0] >= last:
                stalls += 1
                if stalls >= 3:
                    reason = "stalled"
                    break
            else:
                stalls = 0
            last = best[0]
    except Reached:
        reached, reason = True, "gradientTolerance"
    seconds = time.perf_counter() - start
    state = optimizer.state[optimizer._params[0]]
    save([params[2 * l].detach().numpy() for l in range(depth)],
         [params[2 * l + 1].detach().numpy() for l in range(depth)])
    return dict(impl="torch-lbfgs", reached=reached, reason=reason, seconds=seconds,
                evaluations=evaluations, iterations=int(state.get("n_iter", 0)),
                objective=best[0], gradient_norm=best[1], trace_seconds=trace_seconds,
                trace_objective=trace_objective)


def jax_run():
    import jax
    import jax.numpy as jnp
    import optax
    import optax.tree_utils as otu
    x_np, ws, bs = load()
    x = jnp.asarray(x_np)
    params = [(jnp.asarray(w), jnp.asarray(b)) for w, b in zip(ws, bs)]

    def fun(params):
        z = x
        for i, (w, b) in enumerate(params):
            z = z @ w.T + b
            if i < len(params) - 1:
                z = jnp.tanh(z)
        data = jnp.sum((z - x) ** 2) / x.shape[0]
        return data + LAMBDA * sum(jnp.sum(w * w) + jnp.sum(b * b) for w, b in params)

    solver = optax.lbfgs(memory_size=10)
    value_and_grad = optax.value_and_grad_from_state(fun)

    def body(carry):
        params, state, k, evaluations = carry
        value, grad = value_and_grad(params, state=state)
        updates, state = solver.update(
            grad, state, params, value=value, grad=grad, value_fn=fun)
        params = optax.apply_updates(params, updates)
        steps = otu.tree_get(state, "num_linesearch_steps")
        return params, state, k + 1, evaluations + steps

    def cond(carry):
        _, state, k, _ = carry
        norm = otu.tree_norm(otu.tree_get(state, "grad"))
        return (k < CHUNK) & ((k == 0) | (norm > TOL))

    @jax.jit
    def chunk(params, state):
        return jax.lax.while_loop(cond, body, (params, state, 0, 0))

    state = solver.init(params)
    compiled = chunk.lower(params, state).compile()
    value0, grad0 = jax.value_and_grad(fun)(params)
    evaluations = 1  # the first iteration's evaluation at the start (value_and_grad_from_state)
    norm = float(otu.tree_norm(grad0))
    value = float(value0)
    trace_seconds, trace_objective = [], []
    iterations = 0
    reached, reason = norm <= TOL, "gradientTolerance"
    start = time.perf_counter()
    last, stalls = value, 0
    while not reached:
        params, state, k, steps = compiled(params, state)
        iterations += int(k)
        evaluations += int(steps)
        value = float(otu.tree_get(state, "value"))
        norm = float(otu.tree_norm(otu.tree_get(state, "grad")))
        elapsed = time.perf_counter() - start
        trace_seconds.append(elapsed)
        trace_objective.append(value)
        if norm <= TOL:
            reached = True
            break
        if not np.isfinite(value):
            reason = "diverged"
            break
        stalls = stalls + 1 if value >= last else 0
        last = value
        if stalls >= 3:
            reason = "stalled"
            break
        if elapsed >= MAX_SECONDS:
            reason = "maximumTime"
            break
    seconds = time.perf_counter() - start
    save([np.asarray(w) for w, _ in params], [np.asarray(b) for _, b in params])
    return dict(impl="jax-lbfgs", reached=reached, reason=reason, seconds=seconds,
                evaluations=evaluations, iterations=iterations, objective=value,
                gradient_norm=norm, trace_seconds=trace_seconds, trace_objective=trace_objective)


result = {"torch": torch_run, "jax": jax_run}[IMPL]()
print(json.dumps(result))

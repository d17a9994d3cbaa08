"""Pre-flight checks: what can be known about a config on the machine that starts the workflow,
before any job runs (docs/methods.md §10).

* **device**: ``device: cuda`` where torch sees no GPU;
* **stability**: a circle entry's absolute learning rate with ``lr × Λ_max ≥ 2``, the certain
  divergence of linearised GD.  Λ_max of the NTK Gram matrix on the study's first point sample is
  bounded from below by Rayleigh quotients of a power iteration (any quotient is ≤ Λ_max, so a
  refusal is never wrong; a config just under the bound passes and is still flagged by the
  prediction stage; above about 15,800 points the check is skipped, its cost growing as n²);
* **memory**: an estimate of the largest array of every job of every study (Gram matrices and
  their eigenvectors, per-snapshot tensors, activation patterns) against this machine's memory.

``preflight:`` in the config switches them: ``device: false`` and ``memory_gb: <GB of a cluster
node>`` (or ``off``) where the jobs run on other machines than the one that starts the workflow.
Every refusal names the config key, like the schema's.
"""

from __future__ import annotations

import math
import os

import numpy as np
import torch

from . import ntk, sampling
from .config import ConfigError

#: bytes of float64 / float32
F64, F32 = 8, 4


def check(config: dict) -> None:
    """Run every enabled check on a validated config (defaults filled in); raise ConfigError."""
    pre = config.get("preflight", {})
    if pre.get("device", True):
        check_device(config)
    if pre.get("stability", True):
        check_stability(config)
    limit = memory_limit_gb(pre.get("memory_gb", "auto"))
    if limit is not None:
        check_memory(config, limit)


def check_device(config: dict) -> None:
    if config.get("device") == "cuda" and not torch.cuda.is_available():
        raise ConfigError("config error at device: 'cuda' is asked for but torch sees no CUDA device on this machine; "
                          "use auto or cpu, or set preflight.device: false if the jobs run on GPU nodes elsewhere")


def largest_eigenvalue_lower_bound(theta: np.ndarray, bias: bool, rtol: float = 1e-3, budget: float = 5e8,
                                   rows: int = 1024) -> float:
    """A lower bound on the largest eigenvalue of the two-layer NTK Gram matrix on angles θ: the
    Rayleigh quotient of a power iteration from the constant vector (every quotient is ≤ Λ_max),
    iterated until it changes by less than ``rtol`` or ``budget`` kernel evaluations are spent
    (at least two iterations); blocked, so no n × n array is held.  None when two iterations
    would exceed the budget (n above about 15,800): the check is then left to the predict stage."""
    theta = np.asarray(theta, dtype=np.float64)
    n = len(theta)
    if 2 * n * n > budget:
        return None
    v = np.full(n, 1 / math.sqrt(n))
    quotient, previous = 0.0, -np.inf
    for _ in range(max(2, int(budget // (n * n)))):
        w = np.empty(n)
        for i in range(0, n, rows):
            w[i : i + rows] = ntk.two_layer_ntk(np.cos(theta[i : i + rows, None] - theta[None, :]), bias) @ v
        quotient = float(v @ w)
        if quotient - previous <= rtol * quotient:
            break
        previous = quotient
        v = w / np.linalg.norm(w)
    return quotient


def gd_entries(config: dict):
    """(config path, convergence entry) of every GD setting: the ``convergence:`` entries and each
    ``lazy:`` entry's base at its largest width."""
    for name, cfg in config.get("convergence", {}).items():
        yield f"convergence.{name}", cfg
    for name, cfg in config.get("lazy", {}).items():
        base = cfg["base"]
        yield f"lazy.{name}.base", {**base, "model": {**base["model"], "width": max(cfg["widths"])}}


def check_stability(config: dict) -> None:
    """Refuse a convergence entry on the circle (two-layer net, absolute ``train.lr``) whose learning
    rate makes linearised GD diverge on its first sample."""
    for where, cfg in gd_entries(config):
        data = cfg["data"]
        if data["domain"] != "circle" or cfg["model"]["kind"] != "two_layer" or "lr" not in cfg["train"]:
            continue  # lr_relative is stable by construction (checked < 2)
        theta = sampling.sample_circle(data["n"], data["seed"], data["density"], data["sampling"])
        lam = largest_eigenvalue_lower_bound(theta, cfg["model"]["bias"])
        lr = cfg["train"]["lr"]
        if lam is not None and lr * lam >= 2:
            raise ConfigError(
                f"config error at {where}.train.lr: lr x largest NTK Gram eigenvalue >= {lr * lam:.3f} >= 2 on the "
                f"first point sample (eigenvalue >= {lam:.4g}, n = {data['n']}): linearised GD diverges; use lr < {2 / lam:.4g}")


def memory_limit_gb(setting) -> float | None:
    """The memory jobs may use: ``auto`` (this machine's RAM), a number of GB, or ``off`` (None)."""
    if setting in ("off", None, False):
        return None
    if setting == "auto":
        try:
            return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
        except (ValueError, OSError, AttributeError):
            return None
    return float(setting)


def estimates(config: dict) -> list[tuple[str, float, str]]:
    """(config key, bytes, what) of the largest array of every job, per study entry."""
    out = []
    for where, cfg in gd_entries(config):
        n, R, S = cfg["data"]["n"], len(cfg["train"]["seeds"]), cfg["train"]["snapshots"]
        out.append((f"{where}.data.n", 3 * F64 * n * n, f"the NTK Gram matrix and its eigenvectors (3 x {n}^2 float64)"))
        if cfg["data"]["domain"] == "circle" and cfg["train"]["record_spectra"] is not False:
            per_snap = R * n * S * F64 * 2 + R * (n // 2 + 1) * S * F64
            out.append((f"{where}.train.snapshots", per_snap, f"residuals and their spectra at {S} snapshots ({R} runs, n = {n})"))
        else:
            out.append((f"{where}.train.snapshots", 2 * R * n * S * F64, f"residuals at {S} snapshots ({R} runs, n = {n})"))
        if cfg["model"]["kind"] == "deep":
            width = cfg["model"]["width"]
            out.append((f"{where}.model.width", 3 * R * n * width * F32 * cfg["model"]["depth"],
                        f"activations of {R} deep nets of width {width} on {n} points"))
    for name, cfg in config.get("spectral", {}).items():
        g, m = cfg["grid_size"], cfg["nystrom_n"]
        out.append((f"spectral.{name}.grid_size", 3 * F64 * g * g, f"the quadrature kernel matrix and its eigenvectors (3 x {g}^2 float64)"))
        out.append((f"spectral.{name}.nystrom_n", 3 * F64 * m * m, f"the Nystrom kernel matrix (3 x {m}^2 float64)"))
    for name, cfg in config.get("coordinate", {}).items():
        sig = cfg["signal"]
        n = sig["length"] if sig.get("kind", "sines") == "sines" else sig["size"] ** 2
        R = len(cfg["encodings"]) * len(cfg["train"]["seeds"])
        units = sum(cfg["model"]["hidden"])
        out.append((f"coordinate.{name}.model.hidden", R * n * units * (F32 + 1),
                    f"float32 pre-activations and boolean activation patterns of {R} nets with {units} hidden units on {n} inputs"))
        F = len(sig["frequencies"]) if sig.get("kind", "sines") == "sines" else sig["size"] // 2
        out.append((f"coordinate.{name}.train.epochs", R * F * (cfg["train"]["epochs"] + 1) * F64,
                    f"the residual spectrum at every epoch ({R} runs x {F} frequencies)"))
    return out


def check_memory(config: dict, limit_gb: float) -> None:
    for key, size, what in estimates(config):
        if size / 1e9 > limit_gb:
            raise ConfigError(
                f"config error at {key}: {what} needs about {size / 1e9:.3g} GB, more than the {limit_gb:.3g} GB "
                f"available (preflight.memory_gb); make it smaller, or set preflight.memory_gb to the memory of the "
                f"machines that run the jobs (off: no check)")

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

from .config import ConfigError
from .studies import bind


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
    if config.get("device") != "cuda":
        return
    import torch  # here, not at import: every Snakemake process (a cluster job's too) imports this module

    if not torch.cuda.is_available():
        raise ConfigError("config error at device: 'cuda' is asked for but torch sees no CUDA device on this machine; "
                          "use auto or cpu, or set preflight.device: false if the jobs run on GPU nodes elsewhere")


def largest_eigenvalue_lower_bound(theta: np.ndarray, bias: bool, rtol: float = 1e-3, budget: float = 5e8,
                                   rows: int = 1024) -> float:
    """A lower bound on the largest eigenvalue of the two-layer NTK Gram matrix on angles θ: the
    Rayleigh quotient of a power iteration from the constant vector (every quotient is ≤ Λ_max),
    iterated until it changes by less than ``rtol`` or ``budget`` kernel evaluations are spent
    (at least two iterations); blocked, so no n × n array is held.  None when two iterations
    would exceed the budget (n above about 15,800): the check is then left to the predict stage."""
    from . import ntk

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
    """(config path, convergence-like entry) of every GD setting of every study (the studies' ``gd_settings``)."""
    for study in bind(config).values():
        yield from study.gd_settings()


def check_stability(config: dict) -> None:
    """Refuse a convergence entry on the circle (two-layer net, absolute ``train.lr``) whose learning
    rate makes linearised GD diverge on its first sample."""
    for where, cfg in gd_entries(config):
        data = cfg["data"]
        if data["domain"] != "circle" or cfg["model"]["kind"] != "two_layer" or "lr" not in cfg["train"]:
            continue  # lr_relative is stable by construction (checked < 2)
        from . import sampling

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
    """(config key, bytes, what) of the largest arrays of every job, per study entry."""
    out = []
    for study in bind(config).values():
        for name, entry in study.entries.items():
            out += study.estimates(name, entry)
    return out


def check_memory(config: dict, limit_gb: float) -> None:
    for key, size, what in estimates(config):
        if size / 1e9 > limit_gb:
            raise ConfigError(
                f"config error at {key}: {what} needs about {size / 1e9:.3g} GB, more than the {limit_gb:.3g} GB "
                f"available (preflight.memory_gb); make it smaller, or set preflight.memory_gb to the memory of the "
                f"machines that run the jobs (off: no check)")

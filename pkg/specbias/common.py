"""Pieces every study shares, one layer below the studies: training dtypes, the device choice,
run status flags, divergence reporting and the linearised prediction of a run's convergence step.

No study module imports another; what two of them need lives here (or lower).
"""

from __future__ import annotations

import logging

import numpy as np
import torch

from . import dynamics, train
from .criteria import Criterion
from .registry import MODELS

#: config ``train.dtype`` -> torch dtype of the training arithmetic
DTYPES = {"float32": torch.float32, "float64": torch.float64}

#: outcome of one run, stored as int8 with CF flag attributes
STATUS = {"converged": 0, "not_converged": 1, "diverged": 2}
STATUS_MEANINGS = "converged not_converged diverged"


def pick_device(requested: str = "auto") -> torch.device:
    """``auto``: CUDA when present, else CPU.  ``cuda`` when absent is an error, not a fallback."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if requested == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("config asks for device 'cuda' but torch sees no CUDA device")
    if requested not in ("cpu", "cuda"):
        raise ValueError(f"unknown device {requested!r}; use auto, cpu or cuda")
    return torch.device(requested)


def status_flags(converged_step: np.ndarray, diverged_step: np.ndarray) -> np.ndarray:
    """Per-run :data:`STATUS` codes (int8): diverged wins over converged."""
    return np.where(np.asarray(diverged_step) >= 0, STATUS["diverged"],
                    np.where(np.asarray(converged_step) >= 0, STATUS["converged"], STATUS["not_converged"])).astype(np.int8)


def status_variable(converged_step, diverged_step, meta) -> tuple:
    """The ``status`` data variable over ``seed``, with its flag attributes."""
    return ("seed", status_flags(converged_step, diverged_step),
            meta("run outcome", flag_values=np.arange(3, dtype=np.int8), flag_meanings=STATUS_MEANINGS))


def report_divergence(log: logging.Logger, seeds, diverged_step, what: str) -> int:
    """Log every diverged run loudly (it is recorded and left out of fits); returns how many."""
    count = 0
    for seed, step in zip(seeds, np.asarray(diverged_step)):
        if step >= 0:
            count += 1
            log.warning("run seed=%d %s DIVERGED at step %d; it is recorded and excluded from fits", seed, what, step)
    return count


def predicted_steps(evals, evecs, r0, y, labels, criterion: Criterion, lr: float, max_steps: int,
                    n_regions: int | None = None):
    """Linearised-GD convergence step of every run from its own initial residual ``r0`` (run, sample):
    ``(steps (run,), per-region steps (run, region) or None)``; with a per-region criterion a run
    converges when its last region does (``n_regions``: region count, default the largest label + 1).
    -1: not within ``max_steps``."""
    if criterion.per_region:
        labels = np.asarray(labels)
        counts = np.bincount(labels, minlength=n_regions or int(labels.max()) + 1).astype(np.float64)
        region = dynamics.predict_region_convergence(evals, evecs, r0, labels, criterion.region_limits(counts, len(labels)),
                                                     lr, max_steps)
        return np.where((region >= 0).all(1), region.max(1), -1), region
    return dynamics.predict_convergence_step(evals, evecs, r0, y, lr, criterion, max_steps), None


def train_runs(model: dict, seeds, x: np.ndarray, y: np.ndarray, lr: float, tcfg: dict, *, what: str, log: logging.Logger,
               regions: np.ndarray | None = None, device: str = "auto", compile: str = "auto", step: str = "auto",
               stop_early: bool = False, recorder=None):
    """Train one ensemble of the configured model kind (a run per seed) by full-batch GD on the
    targets ``y`` at the points ``x``, with the study's ``train`` settings ``tcfg`` (dtype,
    max_steps, snapshots, criterion, divergence_factor): the one training path of every GD study.
    ``recorder(xt, snapshots, runs)``, if given, builds the snapshot hook (:mod:`specbias.kernel_records`).
    Returns ``(result, criterion, device)``; diverged runs are logged (and kept in the result)."""
    dev = pick_device(device)
    dtype = DTYPES[tcfg["dtype"]]
    xt = torch.tensor(x, dtype=dtype, device=dev)
    net = MODELS.build(model).ensemble(list(seeds), xt.shape[1], dtype, dev)
    crit = Criterion(**tcfg["criterion"])
    snaps = train.log_spaced_steps(tcfg["max_steps"], tcfg["snapshots"])
    log.info("training %d %s runs on %s, n=%d, lr=%.4g, %d steps on %s, criterion: %s", len(seeds), model["kind"], what,
             len(x), lr, tcfg["max_steps"], dev, crit.description)
    result = train.train_gd(net, xt, torch.tensor(y, dtype=dtype, device=dev), lr, tcfg["max_steps"], snaps, crit,
                            divergence_factor=tcfg["divergence_factor"], label=f"train {what}",
                            regions=regions if crit.per_region else None, compile=compile, stop_early=stop_early, step=step,
                            on_snapshot=None if recorder is None else recorder(xt, len(snaps), len(seeds)))
    report_divergence(log, seeds, result.diverged_step, what)
    return result, crit, dev

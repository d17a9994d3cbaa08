"""Full-batch gradient descent on an ensemble of networks, all runs in one set of tensors.

No file I/O here.  The loop never synchronises with the host between snapshot steps: the
convergence and divergence steps of every run are tracked on the device with ``torch.where``,
and residuals are copied into a preallocated snapshot buffer.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np
import torch

from . import accel, arcstep
from .criteria import Criterion

log = logging.getLogger(__name__)


#: How a two-layer GD step is computed: ``arc`` (exact O(n + m log n) step on S¹,
#: :mod:`specbias.arcstep`), ``dense`` (the O(n·m) blocked step of every dimension) or ``auto``
#: (arc whenever the model supports it and the inputs lie on S¹, compiled or from
#: ``EAGER_ARC_MIN_POINTS`` points on).
STEPS = ("auto", "arc", "dense")
#: without a compiler, ``auto`` takes the arc step only from this many points on (bench/results)
EAGER_ARC_MIN_POINTS = 1024


def make_plan(model, x: torch.Tensor, compile: str = "auto", step: str = "auto"):
    """The step plan ``train_gd`` runs: the arc step for a two-layer net on S¹ unless ``step`` is
    ``dense``, else the model's own (dense) plan.  ``step='arc'`` where it cannot apply is an error."""
    if step not in STEPS:
        raise ValueError(f"step must be one of {STEPS}, got {step!r}")
    arc_ok = getattr(model, "supports_arc_step", False) and arcstep.on_circle(x)
    if step == "arc" and not arc_ok:
        raise ValueError("the arc step needs a two-layer net and inputs on the unit circle S^1")
    if step == "auto" and arc_ok and x.shape[0] < EAGER_ARC_MIN_POINTS and (
            compile == "off" or not accel.compiler_available(x.device)[0]):
        arc_ok = False  # uncompiled, the arc step's searches cost more than the dense step below ~1000 points
    if step != "dense" and arc_ok:
        return arcstep.ArcPlan(x, model.bias, compile)
    return model.plan(x.shape[0], compile)


def log_spaced_steps(max_steps: int, count: int) -> np.ndarray:
    """Step 0 plus about ``count`` log-spaced steps in [1, max_steps], max_steps included."""
    if max_steps < 1 or count < 2:
        raise ValueError(f"need max_steps >= 1 and count >= 2, got {max_steps}, {count}")
    # geomspace(1, max, 1) is [1]: with count = 2 the one step after 0 must be the last one
    ends = np.geomspace(1, max_steps, count - 1) if count > 2 else np.array([max_steps])
    steps = np.unique(np.round(ends).astype(np.int64))
    return np.concatenate([[0], steps])


class Progress:
    """Logs step, rate and time left, at most every ``interval`` seconds."""

    def __init__(self, total: int, label: str = "train", interval: float = 5.0):
        self.total, self.label, self.interval = total, label, interval
        self.start = self.last = time.perf_counter()
        self.last_step = -1

    def update(self, step: int, force: bool = False, extra: str = ""):
        now = time.perf_counter()
        if step == self.last_step or (not force and now - self.last < self.interval):
            return
        self.last, self.last_step = now, step
        elapsed = now - self.start
        rate = step / elapsed if elapsed > 0 else float("nan")
        left = (self.total - step) / rate if rate > 0 else float("nan")
        log.info(
            "%s: step %d/%d (%.0f%%), %.1f steps/s, %.1f s elapsed, ~%.1f s left%s",
            self.label, step, self.total, 100.0 * step / max(self.total, 1), rate, elapsed, left,
            f", {extra}" if extra else "",
        )


@dataclass
class TrainResult:
    snapshot_steps: np.ndarray  # (S,)
    loss: np.ndarray  # (R, S): ½‖f − y‖², NaN after divergence
    residual: np.ndarray  # (R, n, S): f − y at the snapshot steps
    converged_step: np.ndarray  # (R,) first step where the criterion holds, −1 if never
    diverged_step: np.ndarray  # (R,) first step with a non-finite or exploding loss, −1 if never
    steps_per_second: float
    wall_seconds: float
    region_converged_step: np.ndarray | None = None  # (R, J) per_region criterion only


@accel.one_blas_thread
def train_gd(
    model,
    x: torch.Tensor,
    y: torch.Tensor,
    lr: float,
    max_steps: int,
    snapshot_steps: np.ndarray,
    criterion: Criterion,
    divergence_factor: float = 1e6,
    progress_interval: float = 5.0,
    label: str = "train",
    regions: np.ndarray | None = None,
    compile: str = "auto",
    stop_early: bool = False,
    step: str = "auto",
    on_snapshot=None,
) -> TrainResult:
    """Full-batch GD, ``θ ← θ − η ∇Φ``, ``Φ = ½ Σ_i (f(x_i) − y_i)²``, for every run at once.

    ``model`` is an ensemble with ``runs``, ``plan(n, compile)``, ``residual_and_grad(x, y, plan)``
    and ``update(grad, lr, keep)``: :class:`~specbias.models.TwoLayerEnsemble` or
    :class:`~specbias.deep.DeepEnsemble`.

    ``x``: (n, d) shared inputs; ``y``: (R, n) or (n,) targets.  Step t's residual is the one
    *before* update t, so step 0 is the initial residual.  A run is declared diverged at the
    first step whose loss is non-finite or exceeds ``divergence_factor`` × its initial loss
    (or ½‖y‖² if larger); from the next snapshot on it is frozen and its later losses are NaN.
    ``compile`` (auto/on/off) chooses the fused compiled step (:meth:`TwoLayerEnsemble.plan`);
    ``step`` (auto/arc/dense) the exact arc step on S¹ (:func:`make_plan`).
    ``stop_early``: stop at the first snapshot step where every run has converged or diverged
    (later snapshots stay NaN); the check rides on the snapshot's host synchronisation.
    ``on_snapshot(i, step, model, residual)``, if given, is called at every snapshot before the update (the
    kernel records of :mod:`specbias.kernel_records`); its time counts in the training rate.
    With a ``per_region`` criterion, ``regions`` (n,) labels the points and each region's first
    converged step is tracked too; the run's converged step is when the last region gets there.
    """
    if not (lr > 0 and math.isfinite(lr)):
        raise ValueError(f"learning rate must be positive and finite, got {lr}")
    snapshot_steps = np.asarray(snapshot_steps, dtype=np.int64)
    if snapshot_steps.min() < 0 or snapshot_steps.max() > max_steps:
        raise ValueError("snapshot steps must lie in [0, max_steps]")
    R, n = model.runs, x.shape[0]
    y = y.expand(R, n) if y.dim() == 1 else y
    dev, dt = x.device, x.dtype
    S = len(snapshot_steps)
    snap_index = {int(s): i for i, s in enumerate(snapshot_steps)}
    residuals = torch.zeros((R, n, S), device=dev, dtype=dt)
    losses = torch.full((R, S), float("nan"), device=dev, dtype=dt)
    conv = torch.full((R,), -1, device=dev, dtype=torch.int64)
    div = torch.full((R,), -1, device=dev, dtype=torch.int64)
    active = torch.ones(R, device=dev, dtype=torch.bool)
    if criterion.per_region:
        if regions is None:
            raise ValueError("the per_region criterion needs region labels for the points")
        labels = torch.as_tensor(np.asarray(regions), device=dev)
        n_regions = int(labels.max()) + 1
        onehot = torch.nn.functional.one_hot(labels, n_regions).to(dt)  # (n, J)
        counts = onehot.sum(0)
        region_limit = criterion.region_limits(counts.double(), n).to(dt)
        region_conv = torch.full((R, n_regions), -1, device=dev, dtype=torch.int64)
    else:
        limit = criterion.limit_sq_norm((y.double() ** 2).sum(1)).to(dt)
    blowup = None
    prog = Progress(max_steps, label, progress_interval)
    plan = make_plan(model, x, compile, step)
    if isinstance(plan, arcstep.ArcPlan):
        log.info("%s: %s", label, plan.describe())
    elif plan is not None:
        log.info("%s: step in blocks of %d runs x %d samples, %s", label, plan.run_chunk, plan.sample_chunk,
                 "compiled" if plan.block.is_compiled else "eager")
    t0 = time.perf_counter()
    for step in range(max_steps + 1):
        r, grad = model.residual_and_grad(x, y, plan)
        sq = (r * r).sum(1)
        if blowup is None:
            blowup = divergence_factor * torch.maximum(0.5 * sq, 0.5 * (y * y).sum(1))
        if criterion.per_region:
            region_sq = (r * r) @ onehot  # (R, J)
            hit = (region_conv < 0) & (region_sq < region_limit) & (div < 0)[:, None]
            region_conv = torch.where(hit, step, region_conv)
            conv = torch.where((conv < 0) & (region_conv >= 0).all(1), step, conv)
        else:
            conv = torch.where((conv < 0) & (sq < limit) & (div < 0), step, conv)
        bad = ~torch.isfinite(sq) | (0.5 * sq > blowup)
        div = torch.where((div < 0) & bad, step, div)
        if step in snap_index:
            i = snap_index[step]
            residuals[:, :, i] = torch.where(active[:, None], r, torch.nan)
            losses[:, i] = torch.where(active, 0.5 * sq, torch.nan)
            if on_snapshot is not None:
                on_snapshot(i, step, model, r)
            active = active & (div < 0)  # host sync point: freeze diverged runs
            n_conv = int((conv >= 0).sum())
            n_div = int((div >= 0).sum())
            prog.update(step, force=False, extra=f"{n_conv}/{R} converged, {n_div} diverged")
            if stop_early and n_conv + int(((conv < 0) & (div >= 0)).sum()) == R:
                log.info("%s: every run converged or diverged by step %d; stopping early", label, step)
                break
        if step == max_steps:
            break
        model.update(grad, lr, active & (div < 0))
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    wall = time.perf_counter() - t0
    prog.update(step, force=True, extra=f"{int((conv >= 0).sum())}/{R} converged, {int((div >= 0).sum())} diverged")
    return TrainResult(
        snapshot_steps=snapshot_steps,
        loss=losses.double().cpu().numpy(),
        residual=residuals.double().cpu().numpy(),
        converged_step=conv.cpu().numpy(),
        diverged_step=div.cpu().numpy(),
        steps_per_second=(step + 1) / wall if wall > 0 else float("nan"),
        wall_seconds=wall,
        region_converged_step=region_conv.cpu().numpy() if criterion.per_region else None,
    )


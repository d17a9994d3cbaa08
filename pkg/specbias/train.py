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

    ``model``: an ensemble (``runs``, ``plan``, ``residual_and_grad``, ``update``).  ``x``: (n, d) shared inputs; ``y``: (R, n) or (n,) targets.  Step t's residual is the one
    *before* update t, so step 0 is the initial residual.  A run is declared diverged at the
    first step whose loss is non-finite or exceeds ``divergence_factor`` × its initial loss
    (or ½‖y‖² if larger); from the next snapshot on it is frozen and its later losses are NaN.
    ``compile`` (auto/on/off) chooses the fused compiled step, ``step`` (auto/arc/dense) the exact
    arc step on S¹ (:func:`make_plan`).  ``stop_early``: stop at the first snapshot where every run
    has converged or diverged (later snapshots stay NaN).  ``on_snapshot(i, step, model, residual)``
    is called at every snapshot before the update (the kernel records); its time counts in the rate.
    With a ``per_region`` criterion, ``regions`` (n,) labels the points and each region's first
    converged step is tracked too; the run's converged step is when the last region gets there.
    """
    snapshot_steps, snap_index = _checked_snapshots(snapshot_steps, max_steps, lr)
    R, n = model.runs, x.shape[0]
    y = y.expand(R, n) if y.dim() == 1 else y
    track = _RunTracker(y, len(snapshot_steps), criterion, regions, divergence_factor, x.device, x.dtype)
    prog = Progress(max_steps, label, progress_interval)
    plan = make_plan(model, x, compile, step)
    _log_plan(plan, label)
    t0 = time.perf_counter()
    for step in range(max_steps + 1):
        r, grad = model.residual_and_grad(x, y, plan)
        sq = track.observe(step, r)
        if step in snap_index:
            i = snap_index[step]
            track.snapshot(i, r, sq)
            if on_snapshot is not None:
                on_snapshot(i, step, model, r)
            n_conv, n_div = track.freeze_diverged()  # host sync point
            prog.update(step, force=False, extra=f"{n_conv}/{R} converged, {n_div} diverged")
            if stop_early and track.all_settled():
                log.info("%s: every run converged or diverged by step %d; stopping early", label, step)
                break
        if step == max_steps:
            break
        model.update(grad, lr, track.active & (track.div < 0))
    if x.device.type == "cuda":
        torch.cuda.synchronize(x.device)
    wall = time.perf_counter() - t0
    prog.update(step, force=True, extra=f"{int((track.conv >= 0).sum())}/{R} converged, {int((track.div >= 0).sum())} diverged")
    return track.result(snapshot_steps, (step + 1) / wall if wall > 0 else float("nan"), wall)


def _checked_snapshots(snapshot_steps, max_steps: int, lr: float):
    """The snapshot steps as int64 and step -> snapshot index; a bad learning rate or step is refused."""
    if not (lr > 0 and math.isfinite(lr)):
        raise ValueError(f"learning rate must be positive and finite, got {lr}")
    snapshot_steps = np.asarray(snapshot_steps, dtype=np.int64)
    if snapshot_steps.min() < 0 or snapshot_steps.max() > max_steps:
        raise ValueError("snapshot steps must lie in [0, max_steps]")
    return snapshot_steps, {int(s): i for i, s in enumerate(snapshot_steps)}


def _log_plan(plan, label: str) -> None:
    if isinstance(plan, arcstep.ArcPlan):
        log.info("%s: %s", label, plan.describe())
    elif plan is not None:
        log.info("%s: step in blocks of %d runs x %d samples, %s", label, plan.run_chunk, plan.sample_chunk,
                 "compiled" if plan.block.is_compiled else "eager")


class _RunTracker:
    """What :func:`train_gd` records of every run: its first converged step (per region too under a
    ``per_region`` criterion), its first diverged step, and residual and loss at the snapshots
    (NaN once a run has diverged)."""

    def __init__(self, y: torch.Tensor, snapshots: int, criterion: Criterion, regions, divergence_factor: float, dev, dt):
        R, n = y.shape
        self.y, self.criterion, self.factor = y, criterion, divergence_factor
        self.residuals = torch.zeros((R, n, snapshots), device=dev, dtype=dt)
        self.losses = torch.full((R, snapshots), float("nan"), device=dev, dtype=dt)
        self.conv = torch.full((R,), -1, device=dev, dtype=torch.int64)
        self.div = torch.full((R,), -1, device=dev, dtype=torch.int64)
        self.active = torch.ones(R, device=dev, dtype=torch.bool)
        self.blowup = None
        self.region_conv = None
        if criterion.per_region:
            if regions is None:
                raise ValueError("the per_region criterion needs region labels for the points")
            labels = torch.as_tensor(np.asarray(regions), device=dev)
            n_regions = int(labels.max()) + 1
            self.onehot = torch.nn.functional.one_hot(labels, n_regions).to(dt)  # (n, J)
            counts = self.onehot.sum(0)
            self.region_limit = criterion.region_limits(counts.double(), n).to(dt)
            self.region_conv = torch.full((R, n_regions), -1, device=dev, dtype=torch.int64)
        else:
            self.limit = criterion.limit_sq_norm((y.double() ** 2).sum(1)).to(dt)

    def observe(self, step: int, r: torch.Tensor) -> torch.Tensor:
        """Step ``step``'s residual: mark converged and diverged runs; returns ‖r‖² per run."""
        y, conv, div = self.y, self.conv, self.div
        sq = (r * r).sum(1)
        if self.blowup is None:
            self.blowup = self.factor * torch.maximum(0.5 * sq, 0.5 * (y * y).sum(1))
        if self.criterion.per_region:
            region_sq = (r * r) @ self.onehot  # (R, J)
            hit = (self.region_conv < 0) & (region_sq < self.region_limit) & (div < 0)[:, None]
            self.region_conv = torch.where(hit, step, self.region_conv)
            conv = torch.where((conv < 0) & (self.region_conv >= 0).all(1), step, conv)
        else:
            conv = torch.where((conv < 0) & (sq < self.limit) & (div < 0), step, conv)
        bad = ~torch.isfinite(sq) | (0.5 * sq > self.blowup)
        self.conv, self.div = conv, torch.where((div < 0) & bad, step, div)
        return sq

    def snapshot(self, i: int, r: torch.Tensor, sq: torch.Tensor) -> None:
        self.residuals[:, :, i] = torch.where(self.active[:, None], r, torch.nan)
        self.losses[:, i] = torch.where(self.active, 0.5 * sq, torch.nan)

    def freeze_diverged(self) -> tuple[int, int]:
        """Stop updating the runs that diverged; (converged, diverged) counts."""
        self.active = self.active & (self.div < 0)
        return int((self.conv >= 0).sum()), int((self.div >= 0).sum())

    def all_settled(self) -> bool:
        return int((self.conv >= 0).sum()) + int(((self.conv < 0) & (self.div >= 0)).sum()) == self.conv.numel()

    def result(self, snapshot_steps, steps_per_second: float, wall: float) -> TrainResult:
        return TrainResult(
            snapshot_steps=snapshot_steps,
            loss=self.losses.double().cpu().numpy(),
            residual=self.residuals.double().cpu().numpy(),
            converged_step=self.conv.cpu().numpy(),
            diverged_step=self.div.cpu().numpy(),
            steps_per_second=steps_per_second,
            wall_seconds=wall,
            region_converged_step=self.region_conv.cpu().numpy() if self.region_conv is not None else None,
        )


"""Stages of the convergence-time studies on S^{d−1} (config section ``convergence:``).

sample (points + analytic NTK eigenpairs) → train one ensemble per target degree, with the
linearised prediction of every run beside it → analysis (steps vs degree, claims C2, C6, C9 and
the deep nets' agreement with their NTK).  Any dimension d ≥ 2, either model family.
"""

from __future__ import annotations

import logging

import numpy as np
import torch
import xarray as xr

from . import claims, deep, dynamics, io, models, ntk, sphere, train
from .claims import ClaimRow
from .criteria import Criterion
from .stages import DTYPES

log = logging.getLogger(__name__)


def sample(cfg: dict, device: str = "auto") -> xr.Dataset:
    """Points, hemisphere labels, density and the NTK eigenpairs of the study's model on them
    (kernel build and dense eigen-solve on the GPU when there is one, float64 either way)."""
    data, model = cfg["data"], cfg["model"]
    dev = train.pick_device(device)
    gpu = dev if dev.type == "cuda" else None
    x, region, pdf = sphere.sample(data["n"], data["dim"], data["seed"], data["density"])
    log.info("%d points on S^%d (%s); NTK Gram of the %s model", len(x), data["dim"] - 1, data["density"]["kind"], model["kind"])
    evals, evecs = ntk.eigendecompose(sphere.gram(x, model, gpu), overwrite=True, device=gpu)
    return io.sphere_points_dataset(x, region, pdf, evals, evecs, model, {"data": data, "model": model})


def _ensemble(model: dict, seeds, dim: int, dtype, dev):
    if model["kind"] == "two_layer":
        return models.init_two_layer(seeds, model["width"], dim, model["tau"], model["bias"], model["init"], dtype, dev)
    return deep.init_deep_ensemble(seeds, dim, model["width"], model["depth"], dtype, dev)


def train_degree(points: xr.Dataset, degree: int, cfg: dict, device: str = "auto", compile: str = "auto",
                 step: str = "auto") -> xr.Dataset:
    """Train one ensemble (a run per seed) on the zonal harmonic of the given degree and predict
    each run's convergence step from the NTK eigenpairs and its own initial residual.  ``step``:
    the GD step (:func:`specbias.train.make_plan`); ``arc`` only fits two-layer nets on S¹."""
    model, tcfg, target = cfg["model"], cfg["train"], cfg["target"]
    dev = train.pick_device(device)
    dtype = DTYPES[tcfg["dtype"]]
    xs = points.x.values
    y = sphere.target(xs, degree, target)
    evals, evecs = points.eigenvalue.values, points.eigenvector.values
    lr = tcfg["lr_relative"] / evals[0]
    seeds = list(tcfg["seeds"])
    net = _ensemble(model, seeds, xs.shape[1], dtype, dev)
    crit = Criterion(**tcfg["criterion"])
    labels = points.region.values
    snaps = train.log_spaced_steps(tcfg["max_steps"], tcfg["snapshots"])
    log.info("training %d %s runs on the degree-%d zonal harmonic, n=%d, lr=%.4g (= %g / largest eigenvalue), %d steps on %s",
             len(seeds), model["kind"], degree, len(xs), lr, tcfg["lr_relative"], tcfg["max_steps"], dev)
    x = torch.tensor(xs, dtype=dtype, device=dev)
    result = train.train_gd(net, x, torch.tensor(y, dtype=dtype, device=dev), lr, tcfg["max_steps"], snaps, crit,
                            divergence_factor=tcfg["divergence_factor"], label=f"train degree={degree}",
                            regions=labels if crit.per_region else None, compile=compile,
                            stop_early=True, step=step)
    for seed, step in zip(seeds, result.diverged_step):
        if step >= 0:
            log.warning("run seed=%d degree=%d DIVERGED at step %d; recorded and excluded from fits", seed, degree, step)
    r0 = result.residual[:, :, 0]
    region_pred = None
    if crit.per_region:
        counts = np.bincount(labels, minlength=int(labels.max()) + 1).astype(np.float64)
        region_pred = dynamics.predict_region_convergence(evals, evecs, r0, labels, crit.region_limits(counts, len(labels)),
                                                          lr, tcfg["max_steps"])
        pred = np.where((region_pred >= 0).all(1), region_pred.max(1), -1)
    else:
        pred = dynamics.predict_convergence_step(evals, evecs, r0, y, lr, crit, tcfg["max_steps"])
    conf = {"degree": degree, **{k: cfg[k] for k in ("data", "model", "target", "train")}, "device": str(dev)}
    return io.sphere_train_dataset(result, degree, seeds, y, lr, pred, region_pred, conf, crit, str(dev))


def analyse(runs: list[xr.Dataset], name: str, cfg: dict) -> tuple[xr.Dataset, list[ClaimRow]]:
    conv = io.sphere_convergence_dataset(runs, cfg)
    return conv, claims.convergence_rows(conv, name, cfg)

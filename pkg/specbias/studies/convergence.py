"""The convergence study (config section ``convergence:``): convergence time against target degree
on S^{d−1}, any d ≥ 2, any registered model kind, uniform or hemisphere densities.

Stages and the keys each reads (rules take ``params:`` from the ``*_params`` functions)::

    sample    data, model                          -> points + the model's NTK eigenpairs   points_dataset
    train     data, model, train, target (less degrees) -> runs + each run's prediction    train_dataset
    analyse   every key                            -> steps vs degree + claims C1/C2, C6, C9, C11

Per-sample replicates, the residual's frequency x step tensor and the region law are the circle
study's (``circle:``), which trains through the same path (:func:`specbias.common.train_runs`).
"""

from __future__ import annotations

import json
import logging

import numpy as np
import xarray as xr

from .. import claims, io, ntk, sphere
from ..analysis import fit_power_law
from ..claims import ClaimRow
from ..common import STATUS_MEANINGS, pick_device, predicted_steps, status_variable, train_runs

log = logging.getLogger(__name__)

SECTION = "convergence"


def sample_params(cfg: dict) -> dict:
    return {k: cfg[k] for k in ("data", "model")}


def train_params(cfg: dict) -> dict:
    """Everything that shapes a run except the degree list, so a new degree trains only itself."""
    return {**{k: cfg[k] for k in ("data", "model", "train")},
            "target": {k: v for k, v in cfg["target"].items() if k != "degrees"}}


def arc_step_applies(cfg: dict) -> bool:
    """Only two-layer nets on the circle can take the arc step; other runs do not depend on ``circle_step``."""
    return cfg["data"]["dim"] == 2 and cfg["model"]["kind"] == "two_layer"


def sample(cfg: dict, device: str = "auto") -> xr.Dataset:
    """Points, hemisphere labels, density and the NTK eigenpairs of the study's model on them
    (kernel build and dense eigen-solve on the GPU when there is one, float64 either way)."""
    data, model = cfg["data"], cfg["model"]
    dev = pick_device(device)
    gpu = dev if dev.type == "cuda" else None
    x, region, pdf = sphere.sample(data["n"], data["dim"], data["seed"], data["density"])
    log.info("%d points on S^%d (%s); NTK Gram of the %s model", len(x), data["dim"] - 1, data["density"]["kind"], model["kind"])
    evals, evecs = ntk.eigendecompose(sphere.gram(x, model, gpu), overwrite=True, device=gpu)
    return points_dataset(x=x, region=region, pdf=pdf, evals=evals, evecs=evecs, model=model, config={"data": data, "model": model})


def train_degree(points: xr.Dataset, degree: int, cfg: dict, device: str = "auto", compile: str = "auto",
                 step: str = "auto") -> xr.Dataset:
    """Train one ensemble (a run per seed) on the target of the given degree and predict each run's
    convergence step from the NTK eigenpairs and its own initial residual.  ``step``: the GD step
    (:func:`specbias.train.make_plan`); ``arc`` only fits two-layer nets on S¹."""
    model, tcfg, target = cfg["model"], cfg["train"], cfg["target"]
    xs = points.x.values
    y = sphere.target(xs, degree, target)
    evals, evecs = points.eigenvalue.values, points.eigenvector.values
    lr = tcfg["lr_relative"] / evals[0]
    seeds = list(tcfg["seeds"])
    labels = points.region.values
    log.info("lr = %.4g (= %g / largest eigenvalue)", lr, tcfg["lr_relative"])
    result, crit, dev = train_runs(model, seeds, xs, y, lr, tcfg, what=f"degree={degree}", log=log, regions=labels,
                                   device=device, compile=compile, step=step, stop_early=True)
    pred, region_pred = predicted_steps(evals, evecs, result.residual[:, :, 0], y, labels, crit, lr, tcfg["max_steps"])
    conf = {"degree": degree, **{k: cfg[k] for k in ("data", "model", "target", "train")}, "device": str(dev)}
    return train_dataset(result=result, degree=degree, seeds=seeds, y=y, lr=lr, predicted=pred, predicted_region=region_pred,
                         config=conf, criterion=crit, device=str(dev))


def analyse(runs: list[xr.Dataset], name: str, cfg: dict) -> tuple[xr.Dataset, list[ClaimRow]]:
    """Steps against degree (measured and predicted) with the study's claim rows; the power-law fit of
    every converged run's step against degree (per hemisphere under a two-region density) is stored
    in the attrs ``run_fit_<group>`` for the figure (none for two-layer nets without bias, whose odd
    degrees never converge)."""
    conv = convergence_dataset(runs, cfg)
    model = cfg["model"]
    if not (model["kind"] == "two_layer" and not model["bias"]):
        k = conv.degree.values
        groups = ({"all": conv.converged_step.values} if "region_converged_step" not in conv else
                  {f"region{j}": conv.region_converged_step.values[..., j] for j in range(conv.sizes["region_index"])})
        for group, meas in groups.items():
            kk = np.repeat(k, meas.shape[1])
            m = meas.reshape(-1).astype(float)
            sel = (m > 0) & (kk >= cfg["analysis"]["fit_degree_min"])
            if len(np.unique(kk[sel])) >= 2:
                fit = fit_power_law(kk[sel], m[sel])
                conv.attrs[f"run_fit_{group}"] = [fit.slope, fit.ci_low, fit.ci_high]
    return conv, claims.convergence_rows(conv, name, cfg)


# ----------------------------------------------------------------------------------------------
# Datasets


def points_dataset(*, x, region, pdf, evals, evecs, model: dict, config: dict) -> xr.Dataset:
    """Points on S^{d-1}, their hemisphere and density, and the analytic NTK's eigenpairs on them."""
    n, dim = x.shape
    ds = xr.Dataset(
        {
            "x": (("sample", "component"), np.asarray(x), io.meta("point on the unit sphere S^(d-1)")),
            "region": ("sample", np.asarray(region, dtype=np.int64), io.meta("hemisphere: 0 sparse (x_d < 0), 1 dense (x_d >= 0); 0 for the uniform density")),
            "density": ("sample", np.asarray(pdf), io.meta("density relative to the uniform probability measure on the sphere")),
            "eigenvalue": ("mode", np.asarray(evals), io.meta("eigenvalue of the analytic NTK Gram matrix on the samples")),
            "eigenvector": (("sample", "mode"), np.asarray(evecs), io.meta("unit eigenvector of the Gram matrix")),
        },
        coords={
            "sample": ("sample", np.arange(n), io.meta("training point index")),
            "component": ("component", np.arange(dim), io.meta("coordinate index")),
            "mode": ("mode", np.arange(len(evals)), io.meta("eigenpair index, decreasing eigenvalue")),
        },
        attrs={"sphere": f"S^{dim - 1} in R^{dim}", "model": json.dumps(model, sort_keys=True)},
    )
    return io.finalize(ds, f"Points on S^{dim - 1} and the NTK eigenpairs on them", config, "sphere_sample")


def train_dataset(*, result, degree: int, seeds, y, lr: float, predicted, predicted_region, config: dict,
                  criterion, device: str) -> xr.Dataset:
    ds = xr.Dataset(
        {
            "target": ("sample", np.asarray(y), io.meta(f"target: zonal harmonic of degree {degree}, normalised as configured")),
            "loss": (("seed", "step"), result.loss, io.meta("training loss 0.5*sum((f-y)^2)")),
            "initial_residual": (("seed", "sample"), result.residual[:, :, 0], io.meta("residual f(x_i) - y_i before training")),
            "converged_step": ("seed", result.converged_step, io.meta("first step meeting the convergence criterion (-1: never)", criterion=criterion.description)),
            "predicted_step": ("seed", np.asarray(predicted), io.meta("linearised-GD prediction of converged_step from the NTK eigenpairs and the run's own initial residual (-1: never)")),
            "diverged_step": ("seed", result.diverged_step, io.meta("first step with a non-finite or exploding loss (-1: never)")),
            "status": status_variable(result.converged_step, result.diverged_step, io.meta),
            "lr": ((), float(lr), io.meta("learning rate used (lr_relative / largest Gram eigenvalue)")),
            "steps_per_second": ((), result.steps_per_second, io.meta("training rate of the whole ensemble", "s-1", device=device)),
        },
        coords={
            "seed": ("seed", np.asarray(seeds, dtype=np.int64), io.meta("initialisation seed")),
            "sample": ("sample", np.arange(len(y)), io.meta("training point index")),
            "step": ("step", result.snapshot_steps, io.meta("gradient-descent step")),
            "degree": ((), int(degree), io.meta("degree of the target harmonic (frequency on S1)")),
        },
        attrs={"criterion": criterion.description},
    )
    if result.region_converged_step is not None:
        ds["region_converged_step"] = (("seed", "region_index"), result.region_converged_step,
                                       io.meta("first step the hemisphere meets the per-region criterion (-1: never)", criterion=criterion.description))
        ds["predicted_region_step"] = (("seed", "region_index"), np.asarray(predicted_region),
                                       io.meta("linearised-GD prediction of region_converged_step (-1: never)"))
        ds = ds.assign_coords(region_index=("region_index", np.arange(result.region_converged_step.shape[1]), io.meta("hemisphere: 0 sparse, 1 dense")))
    return io.finalize(ds, f"Nets trained on a degree-{degree} zonal harmonic on a sphere", config, "sphere_train")


def convergence_dataset(runs: list[xr.Dataset], config: dict) -> xr.Dataset:
    """Measured and predicted convergence steps, stacked over degree."""
    deg = np.array([int(r.degree) for r in runs])
    order = np.argsort(deg)
    runs = [runs[i] for i in order]
    data = {
        "converged_step": (("degree", "seed"), np.stack([r.converged_step.values for r in runs]), io.meta("measured first converged step (-1: never)", criterion=runs[0].attrs["criterion"])),
        "predicted_step": (("degree", "seed"), np.stack([r.predicted_step.values for r in runs]), io.meta("linearised-GD prediction (-1: never)")),
        "status": (("degree", "seed"), np.stack([r.status.values for r in runs]), io.meta("run outcome", flag_values=np.arange(3, dtype=np.int8), flag_meanings=STATUS_MEANINGS)),
    }
    coords = {"degree": ("degree", deg[order], io.meta("degree of the target harmonic")), "seed": runs[0].seed}
    if "region_converged_step" in runs[0]:
        data["region_converged_step"] = (("degree", "seed", "region_index"), np.stack([r.region_converged_step.values for r in runs]), io.meta("measured per-hemisphere converged step (-1: never)"))
        data["predicted_region_step"] = (("degree", "seed", "region_index"), np.stack([r.predicted_region_step.values for r in runs]), io.meta("predicted per-hemisphere converged step (-1: never)"))
        coords["region_index"] = runs[0].region_index
    ds = xr.Dataset(data, coords=coords, attrs={"criterion": runs[0].attrs["criterion"]})
    return io.finalize(ds, "Convergence steps vs degree: measured and predicted", config, "sphere_analysis")

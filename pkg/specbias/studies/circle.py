"""The circle study (config section ``circle:``): P1's convergence time against target frequency on
S¹ under any circle density, with per-sample replicates, the residual's frequency x step tensor,
the linearised prediction of every run and, under a per-region criterion, the region law.

Stages, each a function from config values and datasets to one dataset, and the keys each reads
(the rules take their ``params:`` from the ``*_params`` functions, so a stage's inputs have one
source)::

    sample      data (less replicates) + the data seed          -> points        sample_dataset
    train       model, target (less kappas), train              -> runs           train_dataset
    ntk         model.bias, ntk                                 -> eigenpairs     ntk_dataset
    predict     (reads lr, steps and criterion from the runs)   -> prediction     predict_dataset
    region_law  data, target, model.bias, train, analysis.law_* -> NTK-only law   region_law_dataset
    analyse     analysis, model.width                           -> convergence table + claims C1, C3, C5, C11

The target frequency is κ (``kappas``) here and the degree k (``degrees``) in the convergence
study: κ indexes sin/cos(κθ) on S¹, k a spherical-harmonic degree on S^{d−1}; on S¹ the two are
the same number (docs/methods.md §9).
"""

from __future__ import annotations

import logging

import numpy as np
import xarray as xr

from .. import analysis, claims, dynamics, io, ntk, sampling, spectra, targets, train
from ..common import pick_device, predicted_steps, status_variable, train_runs
from ..criteria import Criterion

log = logging.getLogger(__name__)

SECTION = "circle"


# ----------------------------------------------------------------------------------------------
# Config keys per stage


def sample_params(cfg: dict, data_seed: int) -> dict:
    return {**{k: v for k, v in cfg["data"].items() if k != "replicates"}, "seed": int(data_seed)}


def train_params(cfg: dict) -> dict:
    """Everything that shapes a run except the kappa list, so a new kappa trains only itself."""
    return {"model": cfg["model"], "target": {k: v for k, v in cfg["target"].items() if k != "kappas"}, "train": cfg["train"]}


def ntk_params(cfg: dict) -> dict:
    return {"model": {"bias": cfg["model"]["bias"]}, "ntk": cfg["ntk"]}


def law_params(cfg: dict) -> dict:
    """Only what the NTK-only law depends on, so a new tolerance or replicate does not rerun it."""
    return {"data": {k: v for k, v in cfg["data"].items() if k != "replicates"},
            "target": cfg["target"],
            "analysis": {k: cfg["analysis"][k] for k in ("law_samples", "law_delta_factors")},
            "model": {"bias": cfg["model"]["bias"]},
            "train": {k: cfg["train"][k] for k in ("lr", "max_steps", "criterion")}}


def analysis_params(cfg: dict) -> dict:
    return {"analysis": cfg["analysis"], "width": cfg["model"]["width"]}


def data_seeds(cfg: dict) -> list[int]:
    """The point samples: data.seed, data.seed + 1, ... (data.replicates of them)."""
    return [cfg["data"]["seed"] + r for r in range(cfg["data"]["replicates"])]


def per_region(cfg: dict) -> bool:
    return cfg["train"]["criterion"]["kind"] == "per_region"


def has_law(cfg: dict) -> bool:
    return per_region(cfg) and bool(cfg["analysis"]["law_samples"])


# ----------------------------------------------------------------------------------------------
# Stages


def sample(data: dict) -> xr.Dataset:
    density = sampling.make_density(data["density"])
    theta = sampling.sample_circle(data["n"], data["seed"], data["density"], data["sampling"])
    return sample_dataset(theta=theta, x=sampling.embed(theta), density=density, config={"data": data})


def frequencies_for(n: int) -> np.ndarray:
    """Integer frequencies resolved by n samples: 0..n//2."""
    return np.arange(n // 2 + 1)


def train_kappa(points: xr.Dataset, kappa: int, cfg: dict, device: str = "auto", compile: str = "auto",
                step: str = "auto") -> xr.Dataset:
    """Train one ensemble (one run per seed) on the target of frequency κ; ``cfg`` as :func:`train_params`."""
    model, target, tcfg = cfg["model"], cfg["target"], cfg["train"]
    theta = points.theta.values
    y = targets.harmonic(theta, kappa, target["kind"], target["normalise"])
    seeds = list(tcfg["seeds"])
    result, crit, dev = train_runs(model, seeds, points.x.values, y, tcfg["lr"], tcfg, what=f"kappa={kappa}", log=log,
                                   regions=points.region.values, device=device, compile=compile, step=step)
    freqs = frequencies_for(len(theta))
    amps = spectra.harmonic_amplitudes(theta, result.residual, freqs, points.density.values)
    conf = {"kappa": kappa, "model": model, "target": target, "train": tcfg, "device": str(dev)}
    return train_dataset(result=result, kappa=kappa, seeds=seeds, y=y, points=points, amplitudes=amps, frequencies=freqs,
                         config=conf, criterion=crit, device=str(dev))


def ntk_eigen(points: xr.Dataset, cfg: dict, device: str = "auto") -> xr.Dataset:
    """Analytic two-layer NTK on the samples, float64 eigendecomposition, dominant frequencies,
    and the exact operator spectrum on an evenly spaced grid (circulant FFT); ``cfg`` as :func:`ntk_params`."""
    theta = points.theta.values
    bias, ntk_cfg = cfg["model"]["bias"], cfg["ntk"]
    n = len(theta)
    pairs = ntk_cfg.get("eigenpairs", "all")
    count = None if pairs == "all" else int(pairs)
    log.info("NTK Gram matrix n=%d (%.2f GB), %s", n, n * n * 8 / 1e9,
             "all eigenpairs (dense eigh)" if count is None else f"the {count} largest eigenpairs (Lanczos)")
    dev = pick_device(device)
    gram = ntk.circle_gram(theta, bias)
    evals, evecs = ntk.eigendecompose(gram, count, overwrite=True, device=dev if dev.type == "cuda" else None)
    del gram
    dom, frac = spectra.dominant_frequency(theta, evecs, points.density.values, n // 2)
    grid = ntk_cfg["grid_size"]
    q = np.arange(grid // 2 + 1)
    grid_eig = ntk.circulant_operator_spectrum(lambda c: ntk.two_layer_ntk(c, bias), grid, grid // 2)
    closed = ntk.uniform_operator_eigenvalues(q, ntk.two_layer_ntk_cosine_coefficients(q, bias))
    ds = ntk_dataset(evals=evals, evecs=evecs, dom_freq=dom, dom_frac=frac, theta=theta, grid_freq=q, grid_eig=grid_eig,
                     closed_eig=closed, config={"model": {"bias": bias}, "ntk": ntk_cfg})
    ds.attrs["grid_size"] = grid
    return ds


def predict(trained: xr.Dataset, eig: xr.Dataset) -> xr.Dataset:
    """Linearised GD from the runs' own initial residuals, on the same points and steps."""
    tcfg = io.config_of(trained)["train"]
    if not np.allclose(trained.theta.values, eig.theta.values):
        raise ValueError("the training points and the NTK's points differ; they must come from the same sample file")
    lr = tcfg["lr"]
    evals, evecs = eig.eigenvalue.values, eig.eigenvector.values
    stable, eta_lmax = dynamics.stability(evals, lr)
    if not stable:
        log.warning("lr * max eigenvalue = %.3f >= 2: linearised GD diverges for this learning rate", eta_lmax)
    r0 = trained.residual.isel(step=0).values  # (seed, sample)
    resid = dynamics.predict_residuals(evals, evecs, r0, lr, trained.step.values)
    amps = spectra.harmonic_amplitudes(trained.theta.values, resid, trained.frequency.values, trained.density.values)
    crit = Criterion(**tcfg["criterion"])
    conv, region_conv = predicted_steps(evals, evecs, r0, trained.target.values, trained.region.values, crit, lr,
                                        tcfg["max_steps"], n_regions=trained.sizes["region_index"])
    return predict_dataset(train=trained, residual=resid, amplitudes=amps, conv_step=conv, lr=lr, eta_lmax=eta_lmax,
                           config={"train": tcfg, "kappa": int(trained.kappa)}, region_conv=region_conv)


def region_law(exp: dict) -> xr.Dataset:
    """Per-region convergence steps predicted by linearised GD on the analytic NTK (no training),
    for ``analysis.law_samples`` point samples (data seeds seed, seed + 1, ...) and the criterion's
    δ scaled by each of ``analysis.law_delta_factors``: how far the finite-n, finite-δ theory
    itself sits from the asymptotic 1 : 2 : 4.  Runs start from f = 0 (residual −y); ``exp`` as
    :func:`law_params`."""
    data, acfg, tcfg = exp["data"], exp["analysis"], exp["train"]
    density = sampling.make_density(data["density"])
    n, J = data["n"], density.regions
    kappas = sorted(exp["target"]["kappas"])
    factors = np.asarray(acfg["law_delta_factors"], dtype=np.float64)
    seeds = data["seed"] + np.arange(acfg["law_samples"])
    horizon = int(tcfg["max_steps"]) * 1000  # the prediction is closed-form: any horizon costs the same
    steps = np.full((len(seeds), len(factors), len(kappas), J), -1, dtype=np.int64)
    prog = train.Progress(len(seeds), "region law")
    for i, seed in enumerate(seeds):
        theta = sampling.sample_circle(n, int(seed), data["density"], data["sampling"])
        labels = density.region_of(theta)
        counts = np.bincount(labels, minlength=J).astype(np.float64)
        evals, evecs = ntk.eigendecompose(ntk.circle_gram(theta, exp["model"]["bias"]), overwrite=True)
        for k_i, kappa in enumerate(kappas):
            y = targets.harmonic(theta, kappa, exp["target"]["kind"], exp["target"]["normalise"])
            for f_i, factor in enumerate(factors):
                crit = Criterion(**{**tcfg["criterion"], "threshold": tcfg["criterion"]["threshold"] * factor})
                steps[i, f_i, k_i] = dynamics.predict_region_convergence(
                    evals, evecs, -y[None], labels, crit.region_limits(counts, n), tcfg["lr"], horizon)[0]
        prog.update(i + 1, force=i + 1 == len(seeds))
    return region_law_dataset(steps=steps, seeds=seeds, factors=factors, kappas=kappas, density=density,
                              config={"experiment": exp})


def analyse(trains: list[list[xr.Dataset]], predicts: list[list[xr.Dataset]], eigs: list[xr.Dataset], data_seeds: list[int],
            name: str, cfg: dict, law: xr.Dataset | None = None):
    """Convergence table and this study's scorecard rows (C1, C3, C5, C11); ``cfg`` as
    :func:`analysis_params`.  ``trains[i]``, ``predicts[i]`` and ``eigs[i]`` belong to point sample
    ``data_seeds[i]``; the tables are computed per sample and pooled along ``run`` (data seed x
    initialisation seed)."""
    acfg, width = cfg["analysis"], cfg["width"]
    if not (len(trains) == len(predicts) == len(eigs) == len(data_seeds)):
        raise ValueError("one list of trainings, predictions and one NTK per data seed are needed")
    for eig, runs, ds in zip(eigs, trains, data_seeds):
        if any(not np.array_equal(t.theta.values, eig.theta.values) for t in runs):
            raise ValueError(f"point sample {ds}: the trainings and the NTK were computed on different points")
    meta = {"analysis": acfg, "experiment": name}
    conv = analysis.pool_runs([analysis.convergence_table(t, p, meta) for t, p in zip(trains, predicts)], data_seeds)
    rows = []
    fits, _ = analysis.kappa_fits(conv, acfg["fit_kappa_min"])
    for fit_name, fit in fits.items():  # stored for the convergence figure, which draws them
        conv.attrs[f"{fit_name}_slope"] = fit.slope
        conv.attrs[f"{fit_name}_slope_ci"] = [fit.ci_low, fit.ci_high]
        conv.attrs[f"{fit_name}_intercept"] = fit.intercept
    conv.attrs["fit_kappa_min"] = acfg["fit_kappa_min"]
    if np.allclose(trains[0][0].density.values, 1 / (2 * np.pi)):  # C1 is a claim about the uniform circle
        rows.append(claims.claim_c1(conv, name, acfg["fit_kappa_min"], acfg["slope_tolerance"])[0])
    tables = [analysis.region_table(t, p) for t, p in zip(trains, predicts)]
    if tables[0] is not None:
        regions = analysis.pool_runs(tables, data_seeds)
        conv = conv.merge(regions, compat="no_conflicts")
        p = regions.region_density.values
        for which in ("measured", "predicted"):  # as claim C5 reports them; the figure reads these
            conv[f"region_time_ratio_{which}"] = ("region_index", analysis.region_time_ratios(regions[f"region_{which}_step"].values, p),
                                                  io.meta(f"{which} per-region convergence time / the densest region's, median over kappa and runs"))
        rows.append(claims.claim_c5(regions, name, acfg["region_ratio_tolerance"], law))
    c3, eigen_fit = claims.claim_c3(eigs[0], name, acfg["eigen_fit_range"], acfg["eigen_slope_tolerance"])
    rows.append(c3)
    conv.attrs.update(eigen_slope=eigen_fit.slope, eigen_intercept=eigen_fit.intercept, eigen_fit_range=list(acfg["eigen_fit_range"]))
    rows.append(claims.claim_c11(conv, name, acfg["agreement_tolerance"], width))
    rows = claims.note_exclusions(rows, conv.status.values)
    for row in rows:
        log.info("%s %s: ours %s, paper %s -> %s", row.claim, name, row.our_value, row.paper_value, row.verdict)
    return conv, claims.claims_frame(rows)


# ----------------------------------------------------------------------------------------------
# Datasets


def sample_dataset(*, theta, x, density, config: dict) -> xr.Dataset:
    """Points on the circle with their density, region label and the density's region table."""
    n = len(theta)
    ds = xr.Dataset(
        {
            "theta": ("sample", np.asarray(theta), io.meta("angle on the circle", "rad")),
            "x": (("sample", "component"), np.asarray(x), io.meta("point on the unit circle", "1")),
            "density": ("sample", density.pdf(theta), io.meta("sampling density w.r.t. arc length", "rad-1")),
            "region": ("sample", density.region_of(theta), io.meta("index of the density's arc holding the point")),
            **io.region_variables(density),
        },
        coords={
            "sample": ("sample", np.arange(n), io.meta("training point index")),
            "component": ("component", np.arange(x.shape[1]), io.meta("embedding coordinate index")),
            "region_index": io.region_coordinate(density),
        },
        attrs={"density": density.describe()},
    )
    return io.finalize(ds, "Training points on the circle", config, "sample")


def train_dataset(*, result, kappa: int, seeds, y, points: xr.Dataset, amplitudes, frequencies, config: dict, criterion,
                  device: str) -> xr.Dataset:
    theta, pdf = points.theta.values, points.density.values
    ds = xr.Dataset(
        {
            "target": ("sample", np.asarray(y), io.meta(f"target sin({kappa} theta), normalised as configured")),
            "density": ("sample", np.asarray(pdf), io.meta("sampling density w.r.t. arc length", "rad-1")),
            "loss": (("seed", "step"), result.loss, io.meta("training loss 0.5*sum((f-y)^2)")),
            "residual": (("seed", "sample", "step"), result.residual, io.meta("residual f(x_i) - y_i")),
            "residual_spectrum": (
                ("seed", "frequency", "step"),
                amplitudes,
                io.meta("Fourier amplitude of the residual", "1", method="quadrature sum_i r_i exp(-i q theta_i)/(pi n p_i)"),
            ),
            "converged_step": ("seed", result.converged_step, io.meta("first step meeting the convergence criterion (-1: never)", criterion=criterion.description)),
            "diverged_step": ("seed", result.diverged_step, io.meta("first step with a non-finite or exploding loss (-1: never)")),
            "status": status_variable(result.converged_step, result.diverged_step, io.meta),
            "steps_per_second": ((), result.steps_per_second, io.meta("training rate of the whole ensemble", "s-1", device=device)),
            "region": ("sample", points.region.values, io.meta("index of the density's arc holding the point")),
            "region_density": ("region_index", points.region_density.values, io.meta("mean density in the arc", "rad-1")),
        },
        coords={
            "seed": ("seed", np.asarray(seeds, dtype=np.int64), io.meta("initialisation seed")),
            "sample": ("sample", np.arange(len(theta)), io.meta("training point index")),
            "step": ("step", result.snapshot_steps, io.meta("gradient-descent step")),
            "frequency": ("frequency", np.asarray(frequencies), io.meta("frequency", "cycles per 2 pi")),
            "kappa": ((), int(kappa), io.meta("target frequency", "cycles per 2 pi")),
            "theta": ("sample", np.asarray(theta), io.meta("angle on the circle", "rad")),
            "region_index": ("region_index", points.region_index.values, io.meta("arc index, counter-clockwise from -pi")),
        },
        attrs={"criterion": criterion.description},
    )
    if result.region_converged_step is not None:
        ds["region_converged_step"] = (("seed", "region_index"), result.region_converged_step,
                                       io.meta("first step the region meets the per-region criterion (-1: never)", criterion=criterion.description))
    return io.finalize(ds, f"Two-layer ReLU nets trained on sin({kappa} theta)", config, "train")


def region_law_dataset(*, steps, seeds, factors, kappas, density, config: dict) -> xr.Dataset:
    ds = xr.Dataset(
        {
            "region_predicted_step": (("data_seed", "delta_factor", "kappa", "region_index"), steps,
                                      io.meta("linearised-GD predicted per-region convergence step from f = 0 (-1: never)")),
            **io.region_variables(density),
        },
        coords={
            "data_seed": ("data_seed", np.asarray(seeds, dtype=np.int64), io.meta("seed of the point sample")),
            "delta_factor": ("delta_factor", np.asarray(factors), io.meta("criterion threshold delta as a multiple of the configured one")),
            "kappa": ("kappa", np.asarray(kappas), io.meta("target frequency", "cycles per 2 pi")),
            "region_index": io.region_coordinate(density),
        },
    )
    return io.finalize(ds, "Per-region convergence predicted from the NTK over point samples and thresholds", config, "region_law")


def ntk_dataset(*, evals, evecs, dom_freq, dom_frac, theta, grid_freq, grid_eig, closed_eig, config: dict) -> xr.Dataset:
    n = len(theta)
    ds = xr.Dataset(
        {
            "eigenvalue": ("mode", evals, io.meta("eigenvalue of the NTK Gram matrix H on the samples")),
            "eigenvector": (("sample", "mode"), evecs, io.meta("unit eigenvector of H")),
            "dominant_frequency": ("mode", dom_freq, io.meta("frequency with the largest amplitude in the eigenvector", "cycles per 2 pi")),
            "dominant_fraction": ("mode", dom_frac, io.meta("share of the eigenvector's power at its dominant frequency")),
            "operator_eigenvalue": ("frequency", grid_eig, io.meta("eigenvalue of f -> int H f p (uniform p), circulant FFT on a grid")),
            "closed_form_eigenvalue": ("frequency", closed_eig, io.meta("closed-form eigenvalue from the cosine coefficients (docs/methods.md §3)")),
        },
        coords={
            "mode": ("mode", np.arange(len(evals)), io.meta("eigenpair index, decreasing eigenvalue")),
            "sample": ("sample", np.arange(n), io.meta("training point index")),
            "frequency": ("frequency", np.asarray(grid_freq), io.meta("frequency", "cycles per 2 pi")),
            "theta": ("sample", np.asarray(theta), io.meta("angle on the circle", "rad")),
        },
        attrs={"kernel": "H = (cos t + beta)(pi - t)/(2 pi): the trained net's GD Gram kernel (= 2x P1's with bias)"},
    )
    return io.finalize(ds, "Two-layer NTK on the circle: eigendecomposition", config, "ntk")


def predict_dataset(*, train: xr.Dataset, residual, amplitudes, conv_step, lr: float, eta_lmax: float, config: dict,
                    region_conv=None) -> xr.Dataset:
    stable = eta_lmax < 2.0
    ds = xr.Dataset(
        {
            "residual": (("seed", "sample", "step"), residual, io.meta("linearised-GD residual (I - lr H)^t r_0")),
            "residual_spectrum": (("seed", "frequency", "step"), amplitudes, io.meta("Fourier amplitude of the predicted residual")),
            "converged_step": ("seed", conv_step, io.meta("predicted first step meeting the convergence criterion (-1: never)", criterion=train.attrs["criterion"])),
            "lr_times_max_eigenvalue": ((), eta_lmax, io.meta("learning rate times the largest Gram eigenvalue (>= 2 diverges)")),
            "stable": ((), np.int8(stable), io.meta("linearised GD is stable", flag_values=np.arange(2, dtype=np.int8), flag_meanings="unstable stable")),
        },
        coords={name: train[name] for name in ("seed", "sample", "step", "frequency", "kappa", "theta", "region_index")},
        attrs={"criterion": train.attrs["criterion"], "lr": lr},
    )
    if region_conv is not None:
        ds["region_converged_step"] = (("seed", "region_index"), region_conv,
                                       io.meta("predicted first step the region meets the per-region criterion (-1: never)"))
    return io.finalize(ds, f"Linearised-GD prediction for sin({int(train.kappa)} theta)", config, "predict")

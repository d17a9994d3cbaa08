"""One function per workflow stage: config values and datasets in, a dataset out.

The Snakemake scripts only read inputs, call these and write outputs; everything here runs
without Snakemake (tests call it directly).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import torch
import xarray as xr

from . import analysis, claims, deep, dynamics, io, models, ntk, sampling, spectra, targets, train
from . import eigenfunctions as ef
from .criteria import Criterion

log = logging.getLogger(__name__)

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def sample(data: dict) -> xr.Dataset:
    density = sampling.make_density(data["density"])
    theta = sampling.sample_circle(data["n"], data["seed"], data["density"], data["sampling"])
    return io.sample_dataset(theta, sampling.embed(theta), density, {"data": data})


def frequencies_for(n: int) -> np.ndarray:
    """Integer frequencies resolved by n samples: 0..n//2."""
    return np.arange(n // 2 + 1)


def train_kappa(points: xr.Dataset, kappa: int, model: dict, target: dict, train_cfg: dict, device: str = "auto",
                compile: str = "auto", step: str = "auto") -> xr.Dataset:
    """Train one ensemble (one run per seed) on the target of frequency κ."""
    dev = train.pick_device(device)
    dtype = DTYPES[train_cfg["dtype"]]
    theta = points.theta.values
    y = targets.harmonic(theta, kappa, target["kind"], target["normalise"])
    x = torch.tensor(points.x.values, dtype=dtype, device=dev)
    seeds = list(train_cfg["seeds"])
    net = models.init_two_layer(seeds, model["width"], x.shape[1], model["tau"], model["bias"], model["init"], dtype, dev)
    crit = Criterion(**train_cfg["criterion"])
    snaps = train.log_spaced_steps(train_cfg["max_steps"], train_cfg["snapshots"])
    log.info("training %d runs (kappa=%d, width=%d, n=%d) on %s, %d steps, criterion: %s",
             len(seeds), kappa, model["width"], len(theta), dev, train_cfg["max_steps"], crit.description)
    result = train.train_gd(
        net, x, torch.tensor(y, dtype=dtype, device=dev), train_cfg["lr"], train_cfg["max_steps"], snaps, crit,
        divergence_factor=train_cfg["divergence_factor"], label=f"train kappa={kappa}",
        regions=points.region.values if crit.per_region else None, compile=compile, step=step,
    )
    for seed, step in zip(seeds, result.diverged_step):
        if step >= 0:
            log.warning("run seed=%d kappa=%d DIVERGED at step %d (lr=%g); it is recorded and excluded from fits", seed, kappa, step, train_cfg["lr"])
    freqs = frequencies_for(len(theta))
    amps = spectra.harmonic_amplitudes(theta, result.residual, freqs, points.density.values)
    cfg = {"kappa": kappa, "model": model, "target": target, "train": train_cfg, "device": str(dev)}
    return io.train_dataset(result, kappa, seeds, y, points, amps, freqs, cfg, crit, str(dev))


def ntk_eigen(points: xr.Dataset, model: dict, ntk_cfg: dict, device: str = "auto") -> xr.Dataset:
    """Analytic two-layer NTK on the samples, float64 eigendecomposition, dominant frequencies,
    and the exact operator spectrum on an evenly spaced grid (circulant FFT)."""
    theta = points.theta.values
    bias = model["bias"]
    n = len(theta)
    pairs = ntk_cfg.get("eigenpairs", "all")
    count = None if pairs == "all" else int(pairs)
    log.info("NTK Gram matrix n=%d (%.2f GB), %s", n, n * n * 8 / 1e9,
             "all eigenpairs (dense eigh)" if count is None else f"the {count} largest eigenpairs (Lanczos)")
    dev = train.pick_device(device)
    gram = ntk.circle_gram(theta, bias)
    evals, evecs = ntk.eigendecompose(gram, count, overwrite=True, device=dev if dev.type == "cuda" else None)
    del gram
    dom, frac = spectra.dominant_frequency(theta, evecs, points.density.values, n // 2)
    grid = ntk_cfg["grid_size"]
    q = np.arange(grid // 2 + 1)
    grid_eig = ntk.circulant_operator_spectrum(lambda c: ntk.two_layer_ntk(c, bias), grid, grid // 2)
    closed = ntk.uniform_operator_eigenvalues(q, ntk.two_layer_ntk_cosine_coefficients(q, bias))
    ds = io.ntk_dataset(evals, evecs, dom, frac, theta, q, grid_eig, closed, {"model": {"bias": bias}, "ntk": ntk_cfg})
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
    steps = trained.step.values
    resid = dynamics.predict_residuals(evals, evecs, r0, lr, steps)
    amps = spectra.harmonic_amplitudes(trained.theta.values, resid, trained.frequency.values, trained.density.values)
    crit = Criterion(**tcfg["criterion"])
    region_conv = None
    if crit.per_region:
        labels = trained.region.values
        counts = np.bincount(labels, minlength=trained.sizes["region_index"]).astype(np.float64)
        limits = crit.region_limits(counts, len(labels))
        region_conv = dynamics.predict_region_convergence(evals, evecs, r0, labels, limits, lr, tcfg["max_steps"])
        conv = np.where((region_conv >= 0).all(1), region_conv.max(1), -1)
    else:
        conv = dynamics.predict_convergence_step(evals, evecs, r0, trained.target.values, lr, crit, tcfg["max_steps"])
    return io.predict_dataset(trained, resid, amps, conv, lr, eta_lmax, {"train": tcfg, "kappa": int(trained.kappa)}, region_conv)



def region_law(exp: dict) -> xr.Dataset:
    """Per-region convergence steps predicted by linearised GD on the analytic NTK (no training),
    for ``analysis.law_samples`` point samples (data seeds seed, seed + 1, ...) and the criterion's
    δ scaled by each of ``analysis.law_delta_factors``: how far the finite-n, finite-δ theory
    itself sits from the asymptotic 1 : 2 : 4.  Runs start from f = 0 (residual −y)."""
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
    return io.region_law_dataset(steps, seeds, factors, kappas, density, {"experiment": exp})


def analyse(trains: list[list[xr.Dataset]], predicts: list[list[xr.Dataset]], eigs: list[xr.Dataset], data_seeds: list[int],
            experiment: str, cfg: dict, width: int, law: xr.Dataset | None = None):
    """Convergence table and this experiment's scorecard rows (C1, C3, C5, C11).  ``trains[i]``,
    ``predicts[i]`` and ``eigs[i]`` belong to point sample ``data_seeds[i]``; the tables are
    computed per sample and pooled along ``run`` (data seed x initialisation seed)."""
    if not (len(trains) == len(predicts) == len(eigs) == len(data_seeds)):
        raise ValueError("one list of trainings, predictions and one NTK per data seed are needed")
    for eig, runs, ds in zip(eigs, trains, data_seeds):
        if any(not np.array_equal(t.theta.values, eig.theta.values) for t in runs):
            raise ValueError(f"point sample {ds}: the trainings and the NTK were computed on different points")
    meta = {"analysis": cfg, "experiment": experiment}
    conv = analysis.pool_runs([analysis.convergence_table(t, p, meta) for t, p in zip(trains, predicts)], data_seeds)
    rows = []
    if np.allclose(trains[0][0].density.values, 1 / (2 * np.pi)):  # C1 is a claim about the uniform circle
        c1, fits = claims.claim_c1(conv, experiment, cfg["fit_kappa_min"], cfg["slope_tolerance"])
        rows.append(c1)
        for name, fit in fits.items():
            conv.attrs[f"{name}_slope"] = fit.slope
            conv.attrs[f"{name}_slope_ci"] = [fit.ci_low, fit.ci_high]
    tables = [analysis.region_table(t, p) for t, p in zip(trains, predicts)]
    if tables[0] is not None:
        regions = analysis.pool_runs(tables, data_seeds)
        conv = conv.merge(regions)
        rows.append(claims.claim_c5(regions, experiment, cfg["region_ratio_tolerance"], law))
    rows.append(claims.claim_c3(eigs[0], experiment, cfg["eigen_fit_range"], cfg["eigen_slope_tolerance"])[0])
    rows.append(claims.claim_c11(conv, experiment, cfg["agreement_tolerance"], width))
    for row in rows:
        log.info("%s %s: ours %s, paper %s -> %s", row.claim, experiment, row.our_value, row.paper_value, row.verdict)
    return conv, claims.claims_frame(rows)


def scorecard(frames):
    frame = claims.sort_claims(pd.concat(frames, ignore_index=True))
    return frame, claims.scorecard_markdown(frame)


def spectral(cfg: dict) -> xr.Dataset:
    """NTK eigenfunctions under a density (docs/methods.md §4): quadrature and Nyström discretisations,
    local frequency and amplitude per region, the eigenvalue law, and an optional projection."""
    density = sampling.make_density(cfg["density"])
    kern = lambda c: ntk.p1_kernel(c, cfg["bias"])  # noqa: E731 -- P1's normalisation (docs/methods.md §3)
    theta, w, lam, f = ef.quadrature_eigen(kern, density, cfg["grid_size"], cfg["modes"])
    samples = sampling.sample_circle(cfg["nystrom_n"], cfg["nystrom_seed"], cfg["density"])
    nys_lam, _ = ef.nystrom_eigen(kern, samples, cfg["modes"])
    modes = np.arange(len(lam))
    q = ef.frequency_index(modes)
    local = ef.local_frequencies(theta, f, density, cfg["region_margin"])
    pred = ef.predicted_local_frequencies(q, density)
    amps = ef.region_amplitudes(theta, f, density, cfg["region_margin"])
    z = density.sqrt_mass()
    law = np.where(q > 0, lam * q.astype(float) ** 2 / z**2, np.nan)
    proj = peaks = None
    if cfg.get("projection_kappa"):
        kappa = cfg["projection_kappa"]
        proj = ef.projection(w, f, np.sin(kappa * theta))
        peaks = ef.predicted_peaks(kappa, density)
    log.info("spectral %s: Z = %.4f, law lambda q^2/Z^2 median %.4f (1/pi = %.4f)", density.describe(), z,
             float(np.nanmedian(law[q >= cfg["law_q_range"][0]])), 1 / np.pi)
    return io.spectral_dataset(theta, w, density, lam, nys_lam, f, q, local, pred, amps, law, proj, peaks, cfg)


def spectral_claims(specs: dict[str, xr.Dataset], cfgs: dict[str, dict]):
    """C7 and C8 rows for every spectral entry."""
    rows = []
    for name, spec in specs.items():
        cfg = cfgs[name]
        c7 = claims.claim_c7(spec, name, cfg["local_q_min"], cfg["law_q_range"][1], cfg["ratio_tolerance"])
        if c7 is not None:
            rows.append(c7)
        rows.append(claims.claim_c8(spec, name, cfg["law_q_range"], cfg["law_tolerance"]))
    for row in rows:
        log.info("%s %s: ours %s -> %s", row.claim, row.experiment, row.our_value, row.verdict)
    return claims.claims_frame(rows)


def depth_spectrum(cfg: dict) -> xr.Dataset:
    """Funk–Hecke eigenvalues of the bias-free deep ReLU NTK on S^{dim−1} for every depth (P1 F12)."""
    dim, kmax = cfg["dim"], cfg["max_degree"]
    lam = np.stack([deep.funk_hecke_eigenvalues(lambda c, d=d: deep.relu_ntk(c, d), dim, kmax) for d in cfg["depths"]])
    log.info("depth spectrum on S^%d: depths %s, degrees 0..%d", dim - 1, cfg["depths"], kmax)
    return io.depth_spectrum_dataset(lam, cfg)


def depth_claims(specs: dict[str, xr.Dataset], cfgs: dict[str, dict]):
    """C3 (S¹) / C4 (S²) large-degree slopes for every depth, C10 low-degree flattening."""
    rows = []
    for name, spec in specs.items():
        rows += claims.depth_claim_rows(spec, name, cfgs[name])
    return claims.claims_frame(rows)

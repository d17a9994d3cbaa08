"""Fits and tables the claims are computed from: power laws, convergence and region tables.

The claims themselves, and the scorecard, are in :mod:`specbias.claims`.

Works on the studies' labelled datasets; knows nothing of Snakemake.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import xarray as xr

from .common import STATUS, STATUS_MEANINGS
from .deep import nonzero_degrees
from .io import finalize, meta


@dataclass
class PowerLawFit:
    slope: float
    intercept: float
    ci_low: float
    ci_high: float
    points: int
    r_squared: float

    def describe(self) -> str:
        return f"{self.slope:.3f} (95% CI {self.ci_low:.3f} to {self.ci_high:.3f}, {self.points} points)"


def fit_power_law(x, y, confidence: float = 0.95) -> PowerLawFit:
    """Least-squares fit of ``log y = slope · log x + intercept`` with a t-interval for the slope."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    keep = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    x, y = x[keep], y[keep]
    if len(np.unique(x)) < 2:
        raise ValueError(f"a power-law fit needs at least two distinct x values, got {len(np.unique(x))}")
    from scipy import stats  # here: scipy.stats costs every job that imports this module 0.3 s

    res = stats.linregress(np.log(x), np.log(y))
    dof = len(x) - 2
    half = stats.t.ppf(0.5 + confidence / 2, dof) * res.stderr if dof > 0 else np.nan
    return PowerLawFit(float(res.slope), float(res.intercept), float(res.slope - half), float(res.slope + half), int(len(x)), float(res.rvalue**2))


def kappa_fits(conv: xr.Dataset, fit_kappa_min: int) -> tuple[dict[str, PowerLawFit], str]:
    """Power-law fits of convergence step against κ ≥ ``fit_kappa_min`` over a convergence table:
    ``measured`` (runs that converged) and, when the measured fit exists, ``predicted`` (runs with a
    positive predicted step).  Returns the fits and why the measured one is missing ('' if present).
    Claim C1 and the convergence figure both read these (the figure from the analysis file's attrs)."""
    sel = conv.sel(kappa=conv.kappa >= fit_kappa_min)
    ok = (sel.status == STATUS["converged"]).values
    k, s = xr.broadcast(sel.kappa, sel.measured_step)
    fits = {}
    try:
        fits["measured"] = fit_power_law(k.values[ok], s.values[ok])
        pk, ps = xr.broadcast(sel.kappa, sel.predicted_step)
        pm = ps.values > 0
        if pm.sum() >= 2:
            fits["predicted"] = fit_power_law(pk.values[pm], ps.values[pm])
    except ValueError as exc:
        return {}, str(exc)
    return fits, ""


def convergence_table(trains: list[xr.Dataset], predicts: list[xr.Dataset], config: dict) -> xr.Dataset:
    """Measured and predicted convergence steps on a (kappa, seed) grid."""
    kappas = [int(t.kappa) for t in trains]
    order = np.argsort(kappas)
    trains = [trains[i] for i in order]
    predicts = [predicts[i] for i in order]
    measured = np.stack([t.converged_step.values for t in trains])
    status = np.stack([t.status.values for t in trains])
    predicted = np.stack([p.converged_step.values for p in predicts])
    ds = xr.Dataset(
        {
            "measured_step": (("kappa", "seed"), measured, meta("measured convergence step (-1: never)", criterion=trains[0].attrs["criterion"])),
            "predicted_step": (("kappa", "seed"), predicted, meta("linearised-GD predicted convergence step (-1: never)")),
            "status": (("kappa", "seed"), status.astype(np.int8), meta("run outcome", flag_values=np.arange(3, dtype=np.int8), flag_meanings=STATUS_MEANINGS)),
        },
        coords={
            "kappa": ("kappa", np.sort(kappas), trains[0].kappa.attrs),
            "seed": ("seed", trains[0].seed.values, meta("initialisation seed")),
        },
        attrs={"criterion": trains[0].attrs["criterion"]},
    )
    if "residual_spectrum" in trains[0]:  # runs that recorded their residual's frequency x step tensor
        ds["spectrum_error"] = (("kappa", "seed"), np.stack([spectrum_disagreement(t, p) for t, p in zip(trains, predicts)]),
                                meta("max over steps of |A_meas - A_pred| / |A_meas(step 0)| (L2 over frequency)"))
    if "kernel_predicted_spectrum" in trains[0]:  # the same gap for the prediction from the nets' own kernel at step 0
        ds["kernel_spectrum_error"] = (("kappa", "seed"), np.stack([spectrum_disagreement(t, t, "kernel_predicted_spectrum") for t in trains]),
                                       meta("max over steps of |A_meas - A_pred| / |A_meas(step 0)|, A_pred from the empirical NTK at step 0"))
    elif "kernel_prediction_error" in trains[0]:  # no spectra recorded: the same gap on the residual vector itself
        ds["kernel_residual_error"] = (("kappa", "seed"), np.stack([worst_recorded(t.kernel_prediction_error.values, t.status.values)
                                                                    for t in trains]),
                                       meta("max over steps of ||r_meas - r_pred|| / ||r_0||, r_pred from the empirical NTK at step 0"))
    for name, what in (("kernel_lr_lambda_max", "lr x largest eigenvalue of the empirical kernel at step 0"),
                       ("linearisation_break_step", "first recorded step where the empirical-kernel prediction is off by more than its tolerance (-1: never)")):
        if name in trains[0]:
            extra = {k: v for k, v in trains[0][name].attrs.items() if k == "tolerance"}
            ds[name] = (("kappa", "seed"), np.stack([t[name].values for t in trains]), meta(what, **extra))
    if "kernel_change" in trains[0]:
        ds["kernel_change_final"] = (("kappa", "seed"), np.stack([last_recorded(t.kernel_change.values) for t in trains]),
                                     meta("relative change of the empirical kernel at the last record ||K_T - K_0||_F / ||K_0||_F"))
    return finalize(ds, "Convergence steps vs target frequency", config, "analysis")


def pool_runs(tables: list[xr.Dataset], data_seeds) -> xr.Dataset:
    """Tables with a ``seed`` dim, one per point sample, stacked along ``run`` = (data seed, init
    seed); ``seed`` and ``data_seed`` become coordinates on ``run``."""
    parts = []
    for table, d in zip(tables, data_seeds):
        seeds = table["seed"]
        t = table.drop_vars("seed").rename_dims(seed="run")
        t = t.assign_coords(seed=("run", seeds.values, seeds.attrs),
                            data_seed=("run", np.full(t.sizes["run"], int(d)), meta("seed of the point sample")))
        parts.append(t)
    pooled = xr.concat(parts, dim="run", data_vars="minimal", coords="minimal", compat="equals", combine_attrs="override")
    return pooled.assign_coords(run=("run", np.arange(pooled.sizes["run"]), meta("run: (point sample, initialisation seed)")))


def worst_recorded(values: np.ndarray, status: np.ndarray) -> np.ndarray:
    """Per row (run), the largest finite value along the last axis; NaN for diverged runs and
    rows with nothing recorded."""
    ok = np.isfinite(values)
    worst = np.where(ok, values, -np.inf).max(axis=-1)
    return np.where(ok.any(-1) & (status != STATUS["diverged"]), worst, np.nan)


def last_recorded(values: np.ndarray) -> np.ndarray:
    """Per row (run), the last finite value along the last axis (NaN if none)."""
    ok = np.isfinite(values)
    last = values.shape[-1] - 1 - np.argmax(ok[..., ::-1], axis=-1)
    out = np.take_along_axis(values, last[..., None], -1)[..., 0]
    return np.where(ok.any(-1), out, np.nan)


def spectrum_disagreement(train: xr.Dataset, predict: xr.Dataset, predicted: str = "residual_spectrum") -> np.ndarray:
    """Per run: max over snapshot steps of the L2 (over frequency) gap between the measured and
    predicted (``predict[predicted]``) residual spectra, relative to the measured initial spectrum.
    NaN if diverged."""
    a = train.residual_spectrum.values  # (seed, frequency, step)
    b = predict[predicted].values
    gap = np.linalg.norm(a - b, axis=1)  # (seed, step)
    ref = np.linalg.norm(a[:, :, 0], axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = np.nanmax(gap, axis=1) / ref
    out[train.status.values == STATUS["diverged"]] = np.nan
    return out


def median_converged(steps: np.ndarray, status: np.ndarray | None = None) -> np.ndarray:
    """Median over the last axis (seeds) of the steps >= 0 (−1 = never; NaN where no run got there);
    with ``status``, diverged runs are left out too."""
    s = np.where(steps >= 0, steps, np.nan).astype(np.float64)
    if status is not None:
        s = np.where(status == STATUS["diverged"], np.nan, s)
    with np.errstate(all="ignore"):
        return np.array([np.nanmedian(row) if np.isfinite(row).any() else np.nan for row in s])


def region_table(trains: list[xr.Dataset], predicts: list[xr.Dataset]) -> xr.Dataset | None:
    """Measured and predicted per-region convergence steps (kappa, seed, region_index), or None."""
    if "region_converged_step" not in trains[0]:
        return None
    order = np.argsort([int(t.kappa) for t in trains])
    meas = np.stack([trains[i].region_converged_step.values for i in order])
    pred = np.stack([predicts[i].region_converged_step.values for i in order])
    status = np.stack([trains[i].status.values for i in order])
    meas = np.where(status[:, :, None] == STATUS["diverged"], -1, meas)
    return xr.Dataset(
        {
            "region_measured_step": (("kappa", "seed", "region_index"), meas, meta("measured per-region convergence step (-1: never or diverged)")),
            "region_predicted_step": (("kappa", "seed", "region_index"), pred, meta("linearised-GD predicted per-region convergence step (-1: never)")),
            "region_density": ("region_index", trains[0].region_density.values, trains[0].region_density.attrs),
        },
        coords={"kappa": ("kappa", np.sort([int(t.kappa) for t in trains]), trains[0].kappa.attrs),
                "seed": ("seed", trains[0].seed.values, meta("initialisation seed")),
                "region_index": ("region_index", trains[0].region_index.values, trains[0].region_index.attrs)},
    )


def region_time_ratios(steps: np.ndarray, density: np.ndarray) -> np.ndarray:
    """Median over (kappa, seed) of t_j / t_densest, for every region j (NaN where never converged)."""
    steps = np.where(steps > 0, steps.astype(float), np.nan)
    ref = int(np.argmax(density))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmedian((steps / steps[..., [ref]]).reshape(-1, steps.shape[-1]), axis=0)


def law_ratios(law: xr.Dataset) -> xr.Dataset:
    """From a region-law file: t_j / t_densest per (delta_factor, region), median over point
    samples and kappa, and the quartiles over point samples of the per-sample medians."""
    p = law.region_density.values
    steps = law.region_predicted_step.transpose("delta_factor", "data_seed", "kappa", "region_index").values
    med = np.stack([region_time_ratios(s, p) for s in steps])  # (factor, region)
    per = np.stack([[region_time_ratios(s_d, p) for s_d in s] for s in steps])  # (factor, sample, region)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        q1, q3 = np.nanpercentile(per, 25, axis=1), np.nanpercentile(per, 75, axis=1)
    dims = ("delta_factor", "region_index")
    return xr.Dataset({"ratio": (dims, med), "ratio_q1": (dims, q1), "ratio_q3": (dims, q3)},
                      coords={"delta_factor": law.delta_factor, "region_index": law.region_index})


def degree_slope(k, lam, lo: int, hi: int) -> float:
    """Log-log slope of λ_k over k ∈ [lo, hi], numerically zero eigenvalues left out."""
    k, lam = np.asarray(k), np.asarray(lam)
    keep = np.zeros(len(k), dtype=bool)
    keep[nonzero_degrees(lam)] = True
    keep &= (k >= lo) & (k <= hi) & (lam > 0)
    return fit_power_law(k[keep], lam[keep]).slope



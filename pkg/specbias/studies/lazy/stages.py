"""The lazy study (config section ``lazy:``): how far the empirical NTK of a GD-trained net moves,
and how long the linearised prediction from it holds, as the width grows (docs/methods.md §13).

Lazy-training theory says the relative change of the kernel over training falls like m^{−1/2}
with the width m, so wide nets follow the prediction from their kernel at initialisation and
narrow ones leave it.  Each entry is one convergence setting (``base``: a ``convergence:`` entry
on the circle or a sphere, with one κ) trained at every width of ``widths``, with the kernel
records of :mod:`specbias.kernel_records` on every training input (so the records also predict).

Stages and the keys each reads::

    train_width  base (data, model, target, train, ntk) at one width
                 -> the convergence study's training dataset with its kernel records   (train_kappa)
    analyse      slope_tolerance -> per (width, seed): final kernel change, largest
                 gap to the empirical-kernel prediction (from step 0 and re-linearised),
                 lr x lambda_max, break step; the log-log slope of the final change
                 against width and claim C22                                       table_dataset
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import xarray as xr

from ... import analysis, io
from ...claims import ClaimRow
from ...common import STATUS
from ..convergence import stages as convergence
from .claims import claim_c22
from ..convergence.layouts import PREDICT, TRAIN
from .layouts import RUNS, TABLE
from .plan import (  # noqa: F401 -- the plan's functions, read by the stages and by callers as stages.<name>
    typed, base_at, train_params,
)

log = logging.getLogger(__name__)

SECTION = "lazy"


def train_width(params: dict, device: str = "auto", compile: str = "auto", step: str = "auto") -> xr.Dataset:
    """Sample the points, take the analytic NTK eigenpairs (the learning rate may be relative to
    them, and the analytic prediction's spectra go beside the empirical one's), and train the
    ensemble at this width with kernel records."""
    points = convergence.sample(params["sample"])
    eig = convergence.ntk_eigen(points, params["ntk"], device)
    runs = convergence.train_kappa(points, params["kappa"], params["train"], device, compile, step, eig=eig)
    if not TRAIN.has(runs, "kernel_prediction_error"):
        raise ValueError("the kernel records did not cover every training input; the lazy study needs them to predict")
    pred = convergence.predict(runs, eig)
    if PREDICT.has(pred, "residual_spectrum"):  # the analytic kernel's predicted spectra, for the figure
        runs["analytic_predicted_spectrum"] = pred.residual_spectrum
    return RUNS.check(runs.assign_attrs(width=int(params["width"])))


def read_runs(paths) -> list[xr.Dataset]:
    return sorted((io.read(p) for p in paths), key=lambda ds: int(ds.attrs["width"]))


def _max_over_steps(values: np.ndarray) -> np.ndarray:
    """Per run, the largest recorded value (NaN where nothing was recorded)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows
        return np.nanmax(values, axis=-1)


def analyse(runs: list[xr.Dataset], name: str, cfg) -> tuple[xr.Dataset, list[ClaimRow]]:
    """Per (width, seed) regime diagnostics and the width law of the final kernel change (C22)."""
    cfg = typed(cfg)
    widths = np.array([int(r.attrs["width"]) for r in runs])
    status = np.stack([r.status.values for r in runs])
    final = np.stack([analysis.last_recorded(r.kernel_change.values) for r in runs])
    final = np.where(status == STATUS["diverged"], np.nan, final)
    data = {
        "kernel_change": (("width", "seed", "step"), np.stack([r.kernel_change.values for r in runs]),
                          io.meta("relative change of the empirical kernel ||K_t - K_0||_F / ||K_0||_F")),
        "kernel_prediction_error": (("width", "seed", "step"), np.stack([r.kernel_prediction_error.values for r in runs]),
                                    runs[0].kernel_prediction_error.attrs),
        "kernel_relinearised_error": (("width", "seed", "step"), np.stack([r.kernel_relinearised_error.values for r in runs]),
                                      runs[0].kernel_relinearised_error.attrs),
        "kernel_change_final": (("width", "seed"), final, io.meta("relative kernel change at the last record (NaN: diverged)")),
        "prediction_error_max": (("width", "seed"), np.stack([_max_over_steps(r.kernel_prediction_error.values) for r in runs]),
                                 io.meta("largest gap over the records between the measured residual and the prediction from K_0, / ||r_0||")),
        "relinearised_error_max": (("width", "seed"), np.stack([_max_over_steps(r.kernel_relinearised_error.values) for r in runs]),
                                   io.meta("largest gap of the re-linearised prediction (restarted at each record), / ||r_0||")),
        "kernel_lr_lambda_max": (("width", "seed"), np.stack([r.kernel_lr_lambda_max.values for r in runs]), runs[0].kernel_lr_lambda_max.attrs),
        "linearisation_break_step": (("width", "seed"), np.stack([r.linearisation_break_step.values for r in runs]),
                                     runs[0].linearisation_break_step.attrs),
        "kernel_init_error": (("width", "seed"), np.stack([r.kernel_init_error.values for r in runs]), runs[0].kernel_init_error.attrs),
        "converged_step": (("width", "seed"), np.stack([r.converged_step.values for r in runs]), runs[0].converged_step.attrs),
        "status": (("width", "seed"), status.astype(np.int8), runs[0].status.attrs),
    }
    coords = {"width": ("width", widths, io.meta("hidden width m")), "seed": runs[0].seed, "step": runs[0].step}
    table = xr.Dataset(data, coords=coords)
    row, fit = claim_c22(table, name, cfg.slope_tolerance)
    if fit is not None:
        table.attrs.update(change_slope=fit.slope, change_slope_ci=[fit.ci_low, fit.ci_high], change_intercept=fit.intercept)
    log.info("%s: kernel change slope vs width %s; C22 %s", name, f"{fit.slope:.3f}" if fit else "n/a", row.verdict)
    table = io.finalize(TABLE.check(table), "Empirical-kernel change and linearisation against width", {"lazy": cfg, "experiment": name},
                        "analysis")
    return table, [row]


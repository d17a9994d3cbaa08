"""NetCDF datasets: the only place they are built, written and read.

Conventions (design.md):

* Dims are snake_case nouns.  Primary dims: ``sample`` (a training point), ``run`` (one
  network of an ensemble), ``seed``, ``kappa`` (target frequency), ``step`` (a GD step index;
  no time units, so xarray never decodes it as a date).
* **Derived dims are named by what they index**, never by the dim they came from:
  a Fourier transform along ``sample`` gives ``frequency`` (integer cycles per 2π); an
  eigendecomposition of a sample × sample operator gives ``mode`` (sorted by decreasing
  eigenvalue); a quadrature grid is ``grid_point``.  Spacing and units go in the coordinate's
  attrs.
* Every variable and coordinate has ``long_name`` and ``units`` (``"1"`` if dimensionless).
  Flags are stored as int8 with ``flag_values``/``flag_meanings`` (NetCDF has no bool).
* Global attrs: ``title``, ``source`` (package version and git commit), ``references``
  (arXiv ids), ``config_json`` (the parameters that produced the file, JSON), ``history``.
* Files are written to a temporary name in the same folder and renamed, so a killed job
  never leaves a half-written file at the output path.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr

from . import REFERENCES, __version__

STATUS_MEANINGS = "converged not_converged diverged"
STATUS = {"converged": 0, "not_converged": 1, "diverged": 2}


def meta(long_name: str, units: str = "1", **extra) -> dict:
    """Attributes for a variable or coordinate."""
    return {"long_name": long_name, "units": units, **extra}


def git_commit(path: str | os.PathLike | None = None) -> str:
    """Short commit of the checkout at ``path`` (cwd by default), ``+dirty`` if modified."""
    cwd = str(path) if path else None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=cwd, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd, capture_output=True, text=True
        ).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def source_string() -> str:
    return f"specbias {__version__} (git {git_commit()})"


def check_conventions(ds: xr.Dataset) -> None:
    """Raise ValueError naming every variable/coordinate without long_name or units."""
    missing = [
        name
        for name in list(ds.data_vars) + list(ds.coords)
        if "long_name" not in ds[name].attrs or "units" not in ds[name].attrs
    ]
    if missing:
        raise ValueError(f"variables/coordinates without long_name or units: {sorted(map(str, missing))}")
    for name in list(ds.data_vars) + list(ds.coords):
        if ds[name].dtype == bool:
            raise ValueError(f"{name!r} is boolean; store flags as int8 (NetCDF has no bool)")


def finalize(ds: xr.Dataset, title: str, config: dict, history: str = "") -> xr.Dataset:
    """Set the global attributes and check the conventions."""
    ds.attrs.update(
        title=title,
        source=source_string(),
        references=REFERENCES,
        config_json=json.dumps(config, sort_keys=True, default=_json_default),
        history=f"{_dt.datetime.now(_dt.timezone.utc).isoformat(timespec='seconds')} {history}".strip(),
        Conventions="CF-1.10",
    )
    check_conventions(ds)
    return ds


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def config_of(ds: xr.Dataset) -> dict:
    return json.loads(ds.attrs["config_json"])


def write(ds: xr.Dataset, path: str | os.PathLike) -> None:
    """Write atomically: a temporary file in the target folder, then ``os.replace``."""
    check_conventions(ds)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        ds.to_netcdf(tmp, engine="netcdf4")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def read(path: str | os.PathLike) -> xr.Dataset:
    """Load a whole dataset into memory and close the file."""
    return xr.load_dataset(path, engine="netcdf4")


# ----------------------------------------------------------------------------------------
# Builders, one per stage.


def _region_variables(density) -> dict:
    """The density's arc table (dim ``region_index``) and its constant Z."""
    return {
        "region_density": ("region_index", np.asarray(density.values), meta("mean density in the arc (the arc is the whole circle unless piecewise)", "rad-1")),
        "region_start": ("region_index", np.asarray(density.edges[:-1]), meta("start angle of the arc", "rad")),
        "region_end": ("region_index", np.asarray(density.edges[1:]), meta("end angle of the arc", "rad")),
        "sqrt_mass": ((), density.sqrt_mass(), meta("Z = (1/(2 pi)) int sqrt(p) dtheta", "rad-1/2")),
    }


def _region_coordinate(density):
    return ("region_index", np.arange(density.regions), meta("arc index, counter-clockwise from -pi"))


def sample_dataset(theta, x, density, config: dict) -> xr.Dataset:
    """Points on the circle with their density, region label and the density's region table."""
    n = len(theta)
    ds = xr.Dataset(
        {
            "theta": ("sample", np.asarray(theta), meta("angle on the circle", "rad")),
            "x": (("sample", "component"), np.asarray(x), meta("point on the unit circle", "1")),
            "density": ("sample", density.pdf(theta), meta("sampling density w.r.t. arc length", "rad-1")),
            "region": ("sample", density.region_of(theta), meta("index of the density's arc holding the point")),
            **_region_variables(density),
        },
        coords={
            "sample": ("sample", np.arange(n), meta("training point index")),
            "component": ("component", np.arange(x.shape[1]), meta("embedding coordinate index")),
            "region_index": _region_coordinate(density),
        },
        attrs={"density": density.describe()},
    )
    return finalize(ds, "Training points on the circle", config, "sample")


def train_dataset(result, kappa: int, seeds, y, points: xr.Dataset, amplitudes, frequencies, config: dict, criterion, device: str) -> xr.Dataset:
    theta, pdf = points.theta.values, points.density.values
    status = np.where(
        result.diverged_step >= 0,
        STATUS["diverged"],
        np.where(result.converged_step >= 0, STATUS["converged"], STATUS["not_converged"]),
    ).astype(np.int8)
    ds = xr.Dataset(
        {
            "target": ("sample", np.asarray(y), meta(f"target sin({kappa} theta), normalised as configured")),
            "density": ("sample", np.asarray(pdf), meta("sampling density w.r.t. arc length", "rad-1")),
            "loss": (("seed", "step"), result.loss, meta("training loss 0.5*sum((f-y)^2)")),
            "residual": (("seed", "sample", "step"), result.residual, meta("residual f(x_i) - y_i")),
            "residual_spectrum": (
                ("seed", "frequency", "step"),
                amplitudes,
                meta("Fourier amplitude of the residual", "1", method="quadrature sum_i r_i exp(-i q theta_i)/(pi n p_i)"),
            ),
            "converged_step": ("seed", result.converged_step, meta("first step meeting the convergence criterion (-1: never)", criterion=criterion.description)),
            "diverged_step": ("seed", result.diverged_step, meta("first step with a non-finite or exploding loss (-1: never)")),
            "status": ("seed", status, meta("run outcome", flag_values=np.arange(3, dtype=np.int8), flag_meanings=STATUS_MEANINGS)),
            "steps_per_second": ((), result.steps_per_second, meta("training rate of the whole ensemble", "s-1", device=device)),
            "region": ("sample", points.region.values, meta("index of the density's arc holding the point")),
            "region_density": ("region_index", points.region_density.values, meta("mean density in the arc", "rad-1")),
        },
        coords={
            "seed": ("seed", np.asarray(seeds, dtype=np.int64), meta("initialisation seed")),
            "sample": ("sample", np.arange(len(theta)), meta("training point index")),
            "step": ("step", result.snapshot_steps, meta("gradient-descent step")),
            "frequency": ("frequency", np.asarray(frequencies), meta("frequency", "cycles per 2 pi")),
            "kappa": ((), int(kappa), meta("target frequency", "cycles per 2 pi")),
            "theta": ("sample", np.asarray(theta), meta("angle on the circle", "rad")),
            "region_index": ("region_index", points.region_index.values, meta("arc index, counter-clockwise from -pi")),
        },
        attrs={"criterion": criterion.description},
    )
    if result.region_converged_step is not None:
        ds["region_converged_step"] = (("seed", "region_index"), result.region_converged_step,
                                       meta("first step the region meets the per-region criterion (-1: never)", criterion=criterion.description))
    return finalize(ds, f"Two-layer ReLU nets trained on sin({kappa} theta)", config, "train")


def region_law_dataset(steps, seeds, factors, kappas, density, config: dict) -> xr.Dataset:
    ds = xr.Dataset(
        {
            "region_predicted_step": (("data_seed", "delta_factor", "kappa", "region_index"), steps,
                                      meta("linearised-GD predicted per-region convergence step from f = 0 (-1: never)")),
            **_region_variables(density),
        },
        coords={
            "data_seed": ("data_seed", np.asarray(seeds, dtype=np.int64), meta("seed of the point sample")),
            "delta_factor": ("delta_factor", np.asarray(factors), meta("criterion threshold delta as a multiple of the configured one")),
            "kappa": ("kappa", np.asarray(kappas), meta("target frequency", "cycles per 2 pi")),
            "region_index": _region_coordinate(density),
        },
    )
    return finalize(ds, "Per-region convergence predicted from the NTK over point samples and thresholds", config, "region_law")


def ntk_dataset(evals, evecs, dom_freq, dom_frac, theta, grid_freq, grid_eig, closed_eig, config: dict) -> xr.Dataset:
    n = len(theta)
    ds = xr.Dataset(
        {
            "eigenvalue": ("mode", evals, meta("eigenvalue of the NTK Gram matrix H on the samples")),
            "eigenvector": (("sample", "mode"), evecs, meta("unit eigenvector of H")),
            "dominant_frequency": ("mode", dom_freq, meta("frequency with the largest amplitude in the eigenvector", "cycles per 2 pi")),
            "dominant_fraction": ("mode", dom_frac, meta("share of the eigenvector's power at its dominant frequency")),
            "operator_eigenvalue": ("frequency", grid_eig, meta("eigenvalue of f -> int H f p (uniform p), circulant FFT on a grid")),
            "closed_form_eigenvalue": ("frequency", closed_eig, meta("closed-form eigenvalue from the cosine coefficients (docs/methods.md §3)")),
        },
        coords={
            "mode": ("mode", np.arange(len(evals)), meta("eigenpair index, decreasing eigenvalue")),
            "sample": ("sample", np.arange(n), meta("training point index")),
            "frequency": ("frequency", np.asarray(grid_freq), meta("frequency", "cycles per 2 pi")),
            "theta": ("sample", np.asarray(theta), meta("angle on the circle", "rad")),
        },
        attrs={"kernel": "H = (cos t + beta)(pi - t)/(2 pi): the trained net's GD Gram kernel (= 2x P1's with bias)"},
    )
    return finalize(ds, "Two-layer NTK on the circle: eigendecomposition", config, "ntk")


def predict_dataset(train: xr.Dataset, residual, amplitudes, conv_step, lr: float, eta_lmax: float, config: dict, region_conv=None) -> xr.Dataset:
    stable = eta_lmax < 2.0
    ds = xr.Dataset(
        {
            "residual": (("seed", "sample", "step"), residual, meta("linearised-GD residual (I - lr H)^t r_0")),
            "residual_spectrum": (("seed", "frequency", "step"), amplitudes, meta("Fourier amplitude of the predicted residual")),
            "converged_step": ("seed", conv_step, meta("predicted first step meeting the convergence criterion (-1: never)", criterion=train.attrs["criterion"])),
            "lr_times_max_eigenvalue": ((), eta_lmax, meta("learning rate times the largest Gram eigenvalue (>= 2 diverges)")),
            "stable": ((), np.int8(stable), meta("linearised GD is stable", flag_values=np.arange(2, dtype=np.int8), flag_meanings="unstable stable")),
        },
        coords={name: train[name] for name in ("seed", "sample", "step", "frequency", "kappa", "theta", "region_index")},
        attrs={"criterion": train.attrs["criterion"], "lr": lr},
    )
    if region_conv is not None:
        ds["region_converged_step"] = (("seed", "region_index"), region_conv,
                                       meta("predicted first step the region meets the per-region criterion (-1: never)"))
    return finalize(ds, f"Linearised-GD prediction for sin({int(train.kappa)} theta)", config, "predict")


def _atomic_text(text: str, path: str | os.PathLike) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_text(text: str, path: str | os.PathLike) -> None:
    """Write a text file atomically."""
    _atomic_text(text, path)


def write_csv(frame, path: str | os.PathLike) -> None:
    """Write a pandas DataFrame as CSV atomically."""
    _atomic_text(frame.to_csv(index=False), path)


def read_csv(path: str | os.PathLike):
    import pandas as pd

    return pd.read_csv(path, keep_default_na=False)


def spectral_dataset(theta, w, density, lam, nys_lam, f, q, local, pred, amps, law, proj, peaks, config: dict) -> xr.Dataset:
    """Eigenfunctions of the two-layer NTK (P1's normalisation) under a density."""
    modes = np.arange(len(lam))
    data = {
        "density": ("grid_point", density.pdf(theta), meta("density w.r.t. arc length", "rad-1")),
        "weight": ("grid_point", np.asarray(w), meta("quadrature weight p(theta_i) 2 pi / N")),
        "region": ("grid_point", density.region_of(theta), meta("index of the density's arc holding the grid point")),
        "eigenvalue": ("mode", lam, meta("operator eigenvalue, quadrature discretisation (P1's kernel normalisation)")),
        "nystrom_eigenvalue": ("mode", nys_lam, meta("operator eigenvalue, Nystrom estimate K/n on samples of p")),
        "eigenfunction": (("grid_point", "mode"), f, meta("eigenfunction, normalised int f^2 p = 1")),
        "frequency_index": ("mode", q, meta("eigenfunction index q (modes 2q-1 and 2q)")),
        "local_frequency": (("mode", "region_index"), local, meta("local angular frequency from zero crossings", "rad-1")),
        "predicted_local_frequency": (("mode", "region_index"), pred, meta("q sqrt(p_j) / Z", "rad-1")),
        "region_amplitude": (("mode", "region_index"), amps, meta("max |f| inside the arc")),
        "eigenvalue_law": ("mode", law, meta("lambda_q q^2 / Z^2 (docs/methods.md §4: tends to 1/pi)")),
        **_region_variables(density),
    }
    if proj is not None:
        data["projection"] = ("mode", proj, meta(f"coefficient <sin({config['projection_kappa']} theta), f_k>_p"))
        data["predicted_peak"] = ("region_index", peaks, meta("eigenfunction index q = kappa Z / sqrt(p_j) where the projection should peak"))
    ds = xr.Dataset(
        data,
        coords={
            "grid_point": ("grid_point", np.arange(len(theta)), meta("quadrature grid point")),
            "theta": ("grid_point", np.asarray(theta), meta("angle on the circle", "rad")),
            "mode": ("mode", modes, meta("eigenpair index, decreasing eigenvalue")),
            "region_index": _region_coordinate(density),
        },
        attrs={"density": density.describe(), "kernel": "P1's two-layer NTK normalisation (docs/methods.md §3)"},
    )
    return finalize(ds, "NTK eigenfunctions under a non-uniform density on the circle", config, "spectral")


def depth_spectrum_dataset(lam, config: dict) -> xr.Dataset:
    from .deep import multiplicity

    dim = config["dim"]
    k = np.arange(lam.shape[1])
    ds = xr.Dataset(
        {
            "eigenvalue": (("depth", "degree"), lam, meta("eigenvalue of the deep ReLU NTK operator (uniform probability measure)")),
            "multiplicity": ("degree", multiplicity(dim, k), meta("number of degree-k spherical harmonics")),
        },
        coords={
            "depth": ("depth", np.asarray(config["depths"]), meta("network depth (weight layers; depth - 1 hidden ReLU layers)")),
            "degree": ("degree", k, meta("spherical-harmonic degree (frequency on S1)")),
        },
        attrs={"sphere": f"S^{dim - 1} in R^{dim}", "method": "Funk-Hecke integral, Gauss-Legendre quadrature in the angle"},
    )
    return finalize(ds, f"Deep ReLU NTK eigenvalues vs depth on S^{dim - 1}", config, "depth_spectrum")


# ----------------------------------------------------------------------------------------
# The convergence-time studies on S^{d-1} (``convergence:`` section)


def sphere_points_dataset(x, region, pdf, evals, evecs, model: dict, config: dict) -> xr.Dataset:
    """Points on S^{d-1}, their hemisphere and density, and the analytic NTK's eigenpairs on them."""
    n, dim = x.shape
    ds = xr.Dataset(
        {
            "x": (("sample", "component"), np.asarray(x), meta("point on the unit sphere S^(d-1)")),
            "region": ("sample", np.asarray(region, dtype=np.int64), meta("hemisphere: 0 sparse (x_d < 0), 1 dense (x_d >= 0); 0 for the uniform density")),
            "density": ("sample", np.asarray(pdf), meta("density relative to the uniform probability measure on the sphere")),
            "eigenvalue": ("mode", np.asarray(evals), meta("eigenvalue of the analytic NTK Gram matrix on the samples")),
            "eigenvector": (("sample", "mode"), np.asarray(evecs), meta("unit eigenvector of the Gram matrix")),
        },
        coords={
            "sample": ("sample", np.arange(n), meta("training point index")),
            "component": ("component", np.arange(dim), meta("coordinate index")),
            "mode": ("mode", np.arange(len(evals)), meta("eigenpair index, decreasing eigenvalue")),
        },
        attrs={"sphere": f"S^{dim - 1} in R^{dim}", "model": json.dumps(model, sort_keys=True)},
    )
    return finalize(ds, f"Points on S^{dim - 1} and the NTK eigenpairs on them", config, "sphere_sample")


def sphere_train_dataset(result, degree: int, seeds, y, lr: float, predicted, predicted_region, config: dict,
                         criterion, device: str) -> xr.Dataset:
    status = np.where(result.diverged_step >= 0, STATUS["diverged"],
                      np.where(result.converged_step >= 0, STATUS["converged"], STATUS["not_converged"])).astype(np.int8)
    ds = xr.Dataset(
        {
            "target": ("sample", np.asarray(y), meta(f"target: zonal harmonic of degree {degree}, normalised as configured")),
            "loss": (("seed", "step"), result.loss, meta("training loss 0.5*sum((f-y)^2)")),
            "initial_residual": (("seed", "sample"), result.residual[:, :, 0], meta("residual f(x_i) - y_i before training")),
            "converged_step": ("seed", result.converged_step, meta("first step meeting the convergence criterion (-1: never)", criterion=criterion.description)),
            "predicted_step": ("seed", np.asarray(predicted), meta("linearised-GD prediction of converged_step from the NTK eigenpairs and the run's own initial residual (-1: never)")),
            "diverged_step": ("seed", result.diverged_step, meta("first step with a non-finite or exploding loss (-1: never)")),
            "status": ("seed", status, meta("run outcome", flag_values=np.arange(3, dtype=np.int8), flag_meanings=STATUS_MEANINGS)),
            "lr": ((), float(lr), meta("learning rate used (lr_relative / largest Gram eigenvalue)")),
            "steps_per_second": ((), result.steps_per_second, meta("training rate of the whole ensemble", "s-1", device=device)),
        },
        coords={
            "seed": ("seed", np.asarray(seeds, dtype=np.int64), meta("initialisation seed")),
            "sample": ("sample", np.arange(len(y)), meta("training point index")),
            "step": ("step", result.snapshot_steps, meta("gradient-descent step")),
            "degree": ((), int(degree), meta("degree of the target harmonic (frequency on S1)")),
        },
        attrs={"criterion": criterion.description},
    )
    if result.region_converged_step is not None:
        ds["region_converged_step"] = (("seed", "region_index"), result.region_converged_step,
                                       meta("first step the hemisphere meets the per-region criterion (-1: never)", criterion=criterion.description))
        ds["predicted_region_step"] = (("seed", "region_index"), np.asarray(predicted_region),
                                       meta("linearised-GD prediction of region_converged_step (-1: never)"))
        ds = ds.assign_coords(region_index=("region_index", np.arange(result.region_converged_step.shape[1]), meta("hemisphere: 0 sparse, 1 dense")))
    return finalize(ds, f"Nets trained on a degree-{degree} zonal harmonic on a sphere", config, "sphere_train")


def sphere_convergence_dataset(runs: list[xr.Dataset], config: dict) -> xr.Dataset:
    """Measured and predicted convergence steps, stacked over degree."""
    deg = np.array([int(r.degree) for r in runs])
    order = np.argsort(deg)
    runs = [runs[i] for i in order]
    data = {
        "converged_step": (("degree", "seed"), np.stack([r.converged_step.values for r in runs]), meta("measured first converged step (-1: never)", criterion=runs[0].attrs["criterion"])),
        "predicted_step": (("degree", "seed"), np.stack([r.predicted_step.values for r in runs]), meta("linearised-GD prediction (-1: never)")),
        "status": (("degree", "seed"), np.stack([r.status.values for r in runs]), meta("run outcome", flag_values=np.arange(3, dtype=np.int8), flag_meanings=STATUS_MEANINGS)),
    }
    coords = {"degree": ("degree", deg[order], meta("degree of the target harmonic")), "seed": runs[0].seed}
    if "region_converged_step" in runs[0]:
        data["region_converged_step"] = (("degree", "seed", "region_index"), np.stack([r.region_converged_step.values for r in runs]), meta("measured per-hemisphere converged step (-1: never)"))
        data["predicted_region_step"] = (("degree", "seed", "region_index"), np.stack([r.predicted_region_step.values for r in runs]), meta("predicted per-hemisphere converged step (-1: never)"))
        coords["region_index"] = runs[0].region_index
    ds = xr.Dataset(data, coords=coords, attrs={"criterion": runs[0].attrs["criterion"]})
    return finalize(ds, "Convergence steps vs degree: measured and predicted", config, "sphere_analysis")


# ----------------------------------------------------------------------------------------
# P2's coordinate-MLP study (``coordinate:`` section)


def coord_dataset(group: list[str], seeds, target, spectrum, epochs, loss, stats: list[dict], local, far, output,
                  config: dict) -> xr.Dataset:
    """The runs of one ensemble of encodings: residual spectrum (encoding, seed, frequency, epoch),
    activation statistics at the recorded epochs (dim ``stat_epoch``) with the seeded pairs they
    were measured on, the target and the first seed's final output (dims ``sample``, ``channel``;
    an image's pixels are ``sample`` in row-major order of ``grid_shape``)."""
    st = {k: np.stack([s[k] for s in stats], -1) for k in stats[0] if k != "epoch"}
    image = len(target.shape) == 2
    fdesc = ("radial frequency of the 2-D spectrum", "cycles per image side") if image else ("signal frequency", "cycles per unit length")
    what = "radially averaged 2-D spectrum (rms over the annulus, channels summed)" if image else "|DFT|"
    data = {
        "residual_spectrum": (("encoding", "seed", "frequency", "epoch"), spectrum,
                              meta(f"{what} of the residual at the frequency / the same of the target")),
        "loss": (("encoding", "seed", "epoch"), loss, meta("mean squared error over the grid")),
        "region_count": (("encoding", "seed", "stat_epoch"), st["regions"], meta("distinct activation patterns over the training inputs")),
        "dead_units": (("encoding", "seed", "stat_epoch"), st["dead"], meta("hidden units off for every training input")),
        "boundary_distance": (("encoding", "seed", "layer", "stat_epoch"), st["boundary"],
                              meta("mean over the training inputs of the distance to the nearest activation boundary "
                                   "of the layer: min over units of |pre-activation| / ||weight row||")),
        "hamming_local": (("encoding", "seed", "pair", "stat_epoch"), st["ham_local"], meta("Hamming distance of activation patterns, local pairs")),
        "hamming_global": (("encoding", "seed", "pair", "stat_epoch"), st["ham_global"], meta("Hamming distance of activation patterns, global pairs")),
        "confusion_local": (("encoding", "pair", "stat_epoch"), st["conf_local"], meta("cosine of per-example loss gradients (run of the first seed), local pairs")),
        "confusion_global": (("encoding", "pair", "stat_epoch"), st["conf_global"], meta("cosine of per-example loss gradients (run of the first seed), global pairs")),
        "pair_local": (("pair", "end"), np.asarray(local), meta("input indices of the local pairs (seeded)")),
        "pair_global": (("pair", "end"), np.asarray(far), meta("input indices of the global pairs (seeded)")),
        "target": (("sample", "channel"), target.values, meta("target value on the grid")),
        "output": (("encoding", "sample", "channel"), output, meta("output of the first seed's net at the last epoch")),
    }
    if target.phases is not None:
        data["phase"] = ("frequency", np.asarray(target.phases), meta("phase of the signal's sinusoid", "rad"))
    ds = xr.Dataset(
        data,
        coords={
            "encoding": ("encoding", np.asarray(group), meta("input encoding")),
            "seed": ("seed", np.asarray(seeds, dtype=np.int64), meta("initialisation seed")),
            "frequency": ("frequency", np.asarray(target.frequencies), meta(*fdesc)),
            "epoch": ("epoch", np.asarray(epochs), meta("training epoch")),
            "stat_epoch": ("stat_epoch", np.asarray([s["epoch"] for s in stats]), meta("epoch of the activation statistics")),
            "layer": ("layer", np.arange(1, st["boundary"].shape[2] + 1), meta("hidden layer, from the input")),
        },
        attrs={"inputs": int(np.prod(target.shape)), "grid_shape": list(target.shape), "signal_kind": target.kind},
    )
    kind = "an image" if image else "a 1-D signal"
    return finalize(ds, f"Coordinate MLPs on {kind}, encodings {', '.join(group)}", config, "coordinate_train")


def coord_runs(paths, order=None) -> list[xr.Dataset]:
    """The files of one coordinate study, one dataset per encoding (attribute ``encoding``), in the
    order of the encoding names ``order`` (the study's config order), else in file order."""
    out = {}
    for p in paths:
        ds = read(p)
        for enc in ds["encoding"].values:
            out[str(enc)] = ds.sel(encoding=enc).drop_vars("encoding").assign_attrs(encoding=str(enc))
    if order is None:
        return list(out.values())
    missing = set(order) ^ set(out)
    if missing:
        raise ValueError(f"coordinate runs and config disagree on encodings {sorted(missing)}")
    return [out[e] for e in order]


def coord_learning_dataset(runs: list[xr.Dataset], learned: dict, fits: dict, config: dict) -> xr.Dataset:
    """Learning epoch per (encoding, seed, frequency) and the power-law fit of its median over seeds
    against frequency (NaN where fewer than two frequencies were learned)."""
    names = [ds.attrs["encoding"] for ds in runs]
    stack = np.stack([learned[n] for n in names])
    nan = float("nan")
    ds = xr.Dataset(
        {"learned_epoch": (("encoding", "seed", "frequency"), stack,
                           meta("first epoch the residual amplitude is below the threshold (-1: never, -2: run diverged)")),
         "learned_count": ("encoding", np.array([int(((learned[n] >= 0).any(0)).sum()) for n in names]),
                           meta("frequencies learned by at least one run that did not diverge")),
         "fit_slope": ("encoding", np.array([fits[n].slope if fits[n] else nan for n in names]),
                       meta("slope of log(median learning epoch) vs log(frequency)")),
         "fit_intercept": ("encoding", np.array([fits[n].intercept if fits[n] else nan for n in names]),
                           meta("intercept of that fit (natural log of epochs)")),
         "fit_points": ("encoding", np.array([fits[n].points if fits[n] else 0 for n in names]),
                        meta("frequencies in that fit"))},
        coords={"encoding": ("encoding", np.asarray(names), meta("input encoding")),
                "seed": runs[0].seed, "frequency": runs[0].frequency},
    )
    return finalize(ds, "Learning epoch per frequency and encoding", config, "coordinate_analysis")

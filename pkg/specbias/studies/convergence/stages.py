"""The convergence study (config section ``convergence:``): P1's convergence time against target
frequency κ, on the circle S¹ under any circle density or on a sphere S^{d−1}, for any registered
model kind, measured by training and predicted by linearised GD on the model's analytic NTK.

One pipeline serves every entry; what differs is the entry's *domain* (``data.domain``):

* ``circle``: angles θ from a circle density (uniform, piecewise arcs, cosine), points
  (cos θ, sin θ), targets sin/cos(κθ), the Gram matrix from the angle differences;
* ``sphere``: points on S^{d−1} (uniform or hemispheres), zonal (or real) harmonics of degree κ.

and the extras it switches on, each an option of the same stages:

* per-sample replicates (``data.replicates``): every κ trained on each point sample, tables pooled;
* the residual's frequency × step tensor (``train.record_spectra``, circle only; ``auto``: on for
  the circle) with its prediction and the C11 spectral comparison; without it a job stops once
  every run has converged or diverged;
* the region law (``analysis.law_samples`` under a per-region criterion on circle arcs).

Stages, each a function from config values and datasets to one dataset, and the keys each reads
(the rules take their ``params:`` from the ``*_params`` functions, so a stage's inputs have one
source)::

    sample      data (less replicates) + the data seed     -> points         points_dataset
    ntk         model (kernel keys), ntk                   -> eigenpairs     ntk_dataset
    train       model, target (less kappas), train         -> runs           train_dataset
    predict     (lr, steps, criterion read from the runs)  -> prediction     predict_dataset
    region_law  data, target, model, train, analysis.law_*  -> NTK-only law   region_law_dataset
    analyse     analysis, model, data, train               -> convergence table + claims

κ is one name across domains: the frequency of sin(κθ) on S¹, the degree of the harmonic on
S^{d−1}; on S¹ the two are the same number (docs/methods.md §9).
"""

from __future__ import annotations

import logging

import numpy as np
import xarray as xr

from ... import analysis, claims, dynamics, io, kernel_records, ntk, sampling, spectra, sphere, targets, train
from ...common import pick_device, predicted_steps, status_variable, train_runs
from ...criteria import Criterion
from ...registry import MODELS
from . import claims as study_claims
from .layouts import ANALYSIS, NTK, POINTS, PREDICT, REGION_LAW, TRAIN
from .plan import (  # noqa: F401 -- the plan's functions, read by the stages and by callers as stages.<name>
    typed, _plain, kernel_model, sample_params, ntk_params, train_params,
    law_params, analysis_params, data_seeds, per_region, has_law, records_spectra_on,
    records_spectra, relative_lr, relu_two_layer, has_operator_spectrum, arc_step_applies, comparison,
)
from .settings import Data, Model, Target, Train

log = logging.getLogger(__name__)

SECTION = "convergence"


# ----------------------------------------------------------------------------------------------
# Domains: where the points live, which targets they carry, how the Gram matrix is built


class CircleDomain:
    """S¹ parametrised by the angle: circle densities, sin/cos(κθ), residual spectra by quadrature."""

    name = "circle"

    @staticmethod
    def sample(data: Data):
        density = sampling.make_density(data.density)
        theta = sampling.sample_circle(data.n, data.seed, data.density, data.sampling)
        return dict(x=sampling.embed(theta), theta=theta, pdf=density.pdf(theta), region=density.region_of(theta),
                    regions=io.region_variables(density), region_coord=io.region_coordinate(density),
                    attrs={"domain": "circle", "density": density.describe()},
                    pdf_meta=io.meta("sampling density w.r.t. arc length", "rad-1"),
                    region_meta=io.meta("index of the density's arc holding the point"))

    #: the target kind when ``target.kind`` is not given
    default_target = "sin"

    @staticmethod
    def target(points: xr.Dataset, kappa: int, target: Target) -> np.ndarray:
        return targets.harmonic(points.theta.values, kappa, target.kind or CircleDomain.default_target, target.normalise)

    @staticmethod
    def target_name(kappa: int, target: Target) -> str:
        return f"{target.kind or CircleDomain.default_target}({kappa} theta)"

    @staticmethod
    def gram(points: xr.Dataset, model: Model, device=None) -> np.ndarray:
        return MODELS.build(model).circle_gram(points.theta.values, device)


class SphereDomain:
    """S^{d−1} (any d ≥ 2): uniform or hemisphere densities, zonal or real harmonics of degree κ."""

    name = "sphere"

    @staticmethod
    def sample(data: Data):
        x, region, pdf = sphere.sample(data.n, data.dim, data.seed, data.density)
        kind = data.density["kind"]
        if kind == "hemispheres":
            r = float(data.density["ratio"])
            dens, what = np.array([2 / (1 + r), 2 * r / (1 + r)]), "hemisphere: 0 sparse (x_d < 0), 1 dense (x_d >= 0)"
        else:
            dens, what = np.ones(1), "region: the whole sphere"
        regions = {"region_density": ("region_index", dens, io.meta("density in the region relative to the uniform probability measure"))}
        return dict(x=x, theta=None, pdf=pdf, region=region, regions=regions,
                    region_coord=("region_index", np.arange(len(dens)), io.meta(what)),
                    attrs={"domain": "sphere", "sphere": f"S^{data.dim - 1} in R^{data.dim}", "density": kind},
                    pdf_meta=io.meta("density relative to the uniform probability measure on the sphere"),
                    region_meta=io.meta(what))

    #: the target kind when ``target.kind`` is not given
    default_target = "zonal"

    @staticmethod
    def target(points: xr.Dataset, kappa: int, target: Target) -> np.ndarray:
        return sphere.target(points.x.values, kappa, target.to_dict())

    @staticmethod
    def target_name(kappa: int, target: Target) -> str:
        return f"{target.kind or SphereDomain.default_target} harmonic of degree {kappa}"

    @staticmethod
    def gram(points: xr.Dataset, model: Model, device=None) -> np.ndarray:
        return sphere.gram(points.x.values, model.to_dict(), device)


DOMAINS = {d.name: d for d in (CircleDomain, SphereDomain)}


def domain_of(points: xr.Dataset):
    return DOMAINS[points.attrs["domain"]]


# ----------------------------------------------------------------------------------------------
# Stages


def sample(cfg) -> xr.Dataset:
    """The points of one sample (``cfg`` as :func:`sample_params`), their density and region."""
    data = typed(cfg).data
    return points_dataset(**DOMAINS[data.domain].sample(data), config={"data": data})


def frequencies_for(n: int) -> np.ndarray:
    """Integer frequencies resolved by n samples: 0..n//2."""
    return np.arange(n // 2 + 1)


def ntk_eigen(points: xr.Dataset, cfg: dict, device: str = "auto") -> xr.Dataset:
    """The model's analytic NTK Gram matrix on the samples and its float64 eigenpairs (on the GPU
    when there is one); on the circle also each eigenvector's dominant frequency and, for two-layer
    nets, the operator spectrum (closed form, and a circulant FFT on a grid as the cross-check);
    ``cfg`` as :func:`ntk_params`."""
    cfg = typed(cfg)
    model, ntk_cfg = cfg.model, cfg.ntk
    n = points.sizes["sample"]
    count = None if ntk_cfg.eigenpairs == "all" else int(ntk_cfg.eigenpairs)
    log.info("NTK Gram matrix of the %s model, n=%d (%.2f GB), %s", model.kind, n, n * n * 8 / 1e9,
             "all eigenpairs (dense eigh)" if count is None else f"the {count} largest eigenpairs (Lanczos)")
    dev = pick_device(device)
    gpu = dev if dev.type == "cuda" else None
    evals, evecs = ntk.eigendecompose(domain_of(points).gram(points, model, gpu), count, overwrite=True, device=gpu)
    extra = {}
    if POINTS.has(points, "theta"):
        theta = points.theta.values
        extra["dominant"] = spectra.dominant_frequency(theta, evecs, points.density.values, n // 2)
        if relu_two_layer(model):
            grid, bias = ntk_cfg.grid_size, model.bias
            q = np.arange(grid // 2 + 1)
            extra["operator"] = (q, ntk.circulant_operator_spectrum(lambda c: ntk.two_layer_ntk(c, bias), grid, grid // 2),
                                 ntk.uniform_operator_eigenvalues(q, ntk.two_layer_ntk_cosine_coefficients(q, bias)), grid)
    return ntk_dataset(evals=evals, evecs=evecs, points=points, model=model, config={"model": model, "ntk": ntk_cfg}, **extra)


def learning_rate(tcfg: Train, eig: xr.Dataset | None) -> float:
    """``train.lr``, or ``train.lr_relative`` / the largest Gram eigenvalue of the sample."""
    if tcfg.given("lr"):
        return float(tcfg.lr)
    if eig is None:
        raise ValueError("train.lr_relative needs the NTK eigenpairs of the sample")
    return float(tcfg.lr_relative / eig.eigenvalue.values[0])


def train_kappa(points: xr.Dataset, kappa: int, cfg: dict, device: str = "auto", compile: str = "auto",
                step: str = "auto", eig: xr.Dataset | None = None) -> xr.Dataset:
    """Train one ensemble (a run per seed) on the target of frequency κ; ``cfg`` as :func:`train_params`
    (``eig``: the sample's NTK file, needed with ``train.lr_relative``).  With recorded spectra the
    runs keep their residual at every snapshot; without, a job stops once every run has converged
    or diverged."""
    cfg = typed(cfg)
    model, target, tcfg = cfg.model, cfg.target, cfg.train
    dom = domain_of(points)
    y = dom.target(points, kappa, target)
    lr = learning_rate(tcfg, eig)
    if tcfg.given("lr_relative"):
        log.info("lr = %.4g (= %g / largest eigenvalue)", lr, tcfg.lr_relative)
    record = records_spectra_on(points.attrs["domain"], tcfg.record_spectra)
    seeds = list(tcfg.seeds)
    kcfg = tcfg.kernel_records
    holder = {}

    def recorder(xt, snapshots, runs):
        probe = kernel_records.probe_indices(len(y), kcfg.probe, kcfg.seed)
        theta = points.theta.values if POINTS.has(points, "theta") else None
        holder["rec"] = kernel_records.KernelRecorder(xt, y, probe, snapshots, runs, kcfg.modes, theta, points.density.values,
                                                      lr=lr, tolerance=kcfg.tolerance, records=kcfg.records)
        return holder["rec"]

    result, crit, dev = train_runs(model.to_dict(), seeds, points.x.values, y, lr, tcfg.to_dict(), what=f"kappa={kappa}", log=log,
                                   regions=points.region.values, device=device, compile=compile, step=step,
                                   stop_early=not record, recorder=recorder if kcfg.probe > 0 else None)
    spec = {}
    if record:
        theta = points.theta.values
        freqs = frequencies_for(len(theta))
        spec = {"amplitudes": spectra.harmonic_amplitudes(theta, result.residual, freqs, points.density.values), "frequencies": freqs}
    conf = {"kappa": kappa, "model": model, "target": target, "train": tcfg, "device": str(dev)}
    ds = train_dataset(result=result, kappa=kappa, seeds=seeds, y=y, lr=lr, points=points, config=conf, criterion=crit,
                       device=str(dev), what=dom.target_name(kappa, target), **spec)
    if "rec" in holder:  # the empirical kernel at the snapshots, and at step 0 against the analytic one
        rec = holder["rec"]
        analytic = dom.gram(points.isel(sample=rec.probe), model)
        data, coords = rec.variables(analytic)
        if rec.full and "frequencies" in spec:  # the empirical-kernel prediction's spectra, beside the measured ones
            amps = spectra.harmonic_amplitudes(points.theta.values[rec.probe], rec.predicted, spec["frequencies"],
                                               points.density.values[rec.probe])
            data["kernel_predicted_spectrum"] = (("seed", "frequency", "step"), amps,
                                                 io.meta("Fourier amplitude of the residual predicted from the empirical kernel at step 0"))
        ds = ds.assign_coords(coords).assign(data)
        log.info("empirical NTK on %d probe points: at step 0 within %s of the analytic kernel (relative Frobenius); "
                 "largest change by the last record %.3g", len(rec.probe), np.round(data["kernel_init_error"][1], 3).tolist(),
                 np.nanmax(rec.change))
        if rec.full:
            log.info("empirical-kernel prediction: lr x lambda_max = %s; largest gap to the measured residual %.3g (re-linearised "
                     "%.3g); first step off by more than %g: %s", np.round(rec.lr_lambda_max, 3).tolist(), np.nanmax(rec.pred_error),
                     np.nanmax(rec.relin_error), rec.tolerance, rec.break_steps().tolist())
    return TRAIN.check(ds)


def predict(trained: xr.Dataset, eig: xr.Dataset) -> xr.Dataset:
    """Linearised GD from the runs' own initial residuals, on the same points, steps and criterion:
    each run's (and region's) convergence step, and with recorded spectra the residual's."""
    tcfg = typed({"train": io.config_of(trained)["train"]}).train
    if not np.array_equal(trained.x.values, eig.x.values):
        raise ValueError("the training points and the NTK's points differ; they must come from the same sample file")
    lr = float(trained.lr)
    evals, evecs = eig.eigenvalue.values, eig.eigenvector.values
    stable, eta_lmax = dynamics.stability(evals, lr)
    if not stable:
        log.warning("lr * max eigenvalue = %.3f >= 2: linearised GD diverges for this learning rate", eta_lmax)
    r0 = trained.initial_residual.values  # (seed, sample)
    crit = Criterion(**tcfg.criterion.to_dict())
    conv, region_conv = predicted_steps(evals, evecs, r0, trained.target.values, trained.region.values, crit, lr,
                                        tcfg.max_steps, n_regions=trained.sizes["region_index"])
    resid = amps = None
    if TRAIN.has(trained, "residual_spectrum"):
        resid = dynamics.predict_residuals(evals, evecs, r0, lr, trained.step.values)
        amps = spectra.harmonic_amplitudes(trained.theta.values, resid, trained.frequency.values, trained.density.values)
    return predict_dataset(train=trained, residual=resid, amplitudes=amps, conv_step=conv, lr=lr, eta_lmax=eta_lmax,
                           config={"train": tcfg, "kappa": int(trained.kappa)}, region_conv=region_conv)


def region_law(exp: dict) -> xr.Dataset:
    """Per-region convergence steps predicted by linearised GD on the analytic NTK (no training),
    for ``analysis.law_samples`` point samples (data seeds seed, seed + 1, ...) and the criterion's
    δ scaled by each of ``analysis.law_delta_factors``: how far the finite-n, finite-δ theory
    itself sits from the asymptotic 1 : 2 : 4.  Runs start from f = 0 (residual −y); ``exp`` as
    :func:`law_params`."""
    cfg = typed(exp)
    data, acfg, tcfg, target = cfg.data, cfg.analysis, cfg.train, cfg.target
    density = sampling.make_density(data.density)
    n, J = data.n, density.regions
    kappas = sorted(target.kappas)
    factors = np.asarray(acfg.law_delta_factors, dtype=np.float64)
    seeds = data.seed + np.arange(acfg.law_samples)
    horizon = int(tcfg.max_steps) * 1000  # the prediction is closed-form: any horizon costs the same
    steps = np.full((len(seeds), len(factors), len(kappas), J), -1, dtype=np.int64)
    model = MODELS.build({"kind": "two_layer", **cfg.model.to_dict()})  # P1's law is for two-layer nets
    prog = train.Progress(len(seeds), "region law")
    for i, seed in enumerate(seeds):
        theta = sampling.sample_circle(n, int(seed), data.density, data.sampling)
        labels = density.region_of(theta)
        counts = np.bincount(labels, minlength=J).astype(np.float64)
        evals, evecs = ntk.eigendecompose(model.circle_gram(theta), overwrite=True)
        for k_i, kappa in enumerate(kappas):
            y = targets.harmonic(theta, kappa, target.kind or CircleDomain.default_target, target.normalise)
            for f_i, factor in enumerate(factors):
                crit = Criterion(**{**tcfg.criterion.to_dict(), "threshold": tcfg.criterion.threshold * factor})
                steps[i, f_i, k_i] = dynamics.predict_region_convergence(
                    evals, evecs, -y[None], labels, crit.region_limits(counts, n), tcfg.lr, horizon)[0]
        prog.update(i + 1, force=i + 1 == len(seeds))
    return region_law_dataset(steps=steps, seeds=seeds, factors=factors, kappas=kappas, density=density,
                              config={"experiment": exp})


def analyse(trains: list[list[xr.Dataset]], predicts: list[list[xr.Dataset]], eigs: list[xr.Dataset], data_seeds: list[int],
            name: str, cfg: dict, law: xr.Dataset | None = None, reference: xr.Dataset | None = None):
    """Convergence table and this entry's scorecard rows; ``cfg`` as :func:`analysis_params`
    (``reference``: the analysis file of the ``compare_to`` entry, for claims C18/C19).
    ``trains[i]``, ``predicts[i]`` and ``eigs[i]`` belong to point sample ``data_seeds[i]``; the
    tables are computed per sample and pooled along ``run`` (data seed x initialisation seed).
    The power-law fits of step against κ are stored in the attrs for the figures."""
    cfg = typed(cfg)
    acfg = cfg.analysis
    if not (len(trains) == len(predicts) == len(eigs) == len(data_seeds)):
        raise ValueError("one list of trainings, predictions and one NTK per data seed are needed")
    for eig, runs, ds in zip(eigs, trains, data_seeds):
        if any(not np.array_equal(t.x.values, eig.x.values) for t in runs):
            raise ValueError(f"point sample {ds}: the trainings and the NTK were computed on different points")
    meta = {"analysis": acfg.to_dict(), "experiment": name, "model": cfg.model.to_dict(), "data": cfg.data.to_dict(),
            "max_steps": cfg.train.max_steps}
    conv = analysis.pool_runs([analysis.convergence_table(t, p, meta) for t, p in zip(trains, predicts)], data_seeds)
    fits, _ = analysis.kappa_fits(conv, acfg.fit_kappa_min)
    for fit_name, fit in fits.items():  # stored for the convergence figure, which draws them
        conv.attrs[f"{fit_name}_slope"] = fit.slope
        conv.attrs[f"{fit_name}_slope_ci"] = [fit.ci_low, fit.ci_high]
        conv.attrs[f"{fit_name}_intercept"] = fit.intercept
    conv.attrs["fit_kappa_min"] = acfg.fit_kappa_min
    tables = [analysis.region_table(t, p) for t, p in zip(trains, predicts)]
    if tables[0] is not None:
        regions = analysis.pool_runs(tables, data_seeds)
        conv = conv.merge(regions, compat="no_conflicts")
        p = regions.region_density.values
        for which in ("measured", "predicted"):  # as the region claims report them; the figure reads these
            conv[f"region_time_ratio_{which}"] = ("region_index", analysis.region_time_ratios(regions[f"region_{which}_step"].values, p),
                                                  io.meta(f"{which} per-region convergence time / the densest region's, median over kappa and runs"))
    if NTK.has(eigs[0], "closed_form_eigenvalue"):
        eigen_fit = study_claims.eigen_slope_fit(eigs[0], acfg.eigen_fit_range)
        conv.attrs.update(eigen_slope=eigen_fit.slope, eigen_intercept=eigen_fit.intercept, eigen_fit_range=list(acfg.eigen_fit_range))
    ANALYSIS.check(conv)
    rows = study_claims.convergence_rows(conv, name, cfg, eigs[0], law, reference)
    for row in rows:
        log.info("%s %s: ours %s, paper %s -> %s", row.claim, name, row.our_value, row.paper_value, row.verdict)
    return conv, claims.claims_frame(rows)


# ----------------------------------------------------------------------------------------------
# Datasets


def points_dataset(*, x, theta, pdf, region, regions: dict, region_coord, attrs: dict, pdf_meta: dict, region_meta: dict,
                   config: dict) -> xr.Dataset:
    """Points of one sample with their density, region label and the density's region table; on
    the circle also the angle θ (a coordinate)."""
    n = len(x)
    coords = {
        "sample": ("sample", np.arange(n), io.meta("training point index")),
        "component": ("component", np.arange(x.shape[1]), io.meta("coordinate index")),
        "region_index": region_coord,
    }
    data = {
        "x": (("sample", "component"), np.asarray(x), io.meta("point on the unit sphere S^(d-1)")),
        "density": ("sample", np.asarray(pdf, dtype=np.float64), pdf_meta),
        "region": ("sample", np.asarray(region, dtype=np.int64), region_meta),
        **regions,
    }
    if theta is not None:
        data["theta"] = ("sample", np.asarray(theta), io.meta("angle on the circle", "rad"))
    ds = xr.Dataset(data, coords=coords, attrs=attrs)
    return io.finalize(POINTS.check(ds), f"Training points on {'the circle' if theta is not None else attrs.get('sphere', 'a sphere')}",
                       config, "sample")


def ntk_dataset(*, evals, evecs, points: xr.Dataset, model: Model, config: dict, dominant=None, operator=None) -> xr.Dataset:
    n = points.sizes["sample"]
    data = {
        "eigenvalue": ("mode", evals, io.meta("eigenvalue of the NTK Gram matrix H on the samples")),
        "eigenvector": (("sample", "mode"), evecs, io.meta("unit eigenvector of H")),
        "x": (("sample", "component"), points.x.values, io.meta("point on the unit sphere S^(d-1)")),
    }
    coords = {"mode": ("mode", np.arange(len(evals)), io.meta("eigenpair index, decreasing eigenvalue")),
              "sample": ("sample", np.arange(n), io.meta("training point index")),
              "component": points.component}
    if POINTS.has(points, "theta"):
        coords["theta"] = ("sample", points.theta.values, io.meta("angle on the circle", "rad"))
    if dominant is not None:
        data["dominant_frequency"] = ("mode", dominant[0], io.meta("frequency with the largest amplitude in the eigenvector", "cycles per 2 pi"))
        data["dominant_fraction"] = ("mode", dominant[1], io.meta("share of the eigenvector's power at its dominant frequency"))
    attrs = {"domain": points.attrs["domain"], "kernel": f"analytic NTK of the {model.kind} model: H(x, x') = Theta(x.x')"}
    if operator is not None:
        q, grid_eig, closed, grid = operator
        coords["frequency"] = ("frequency", np.asarray(q), io.meta("frequency", "cycles per 2 pi"))
        data["operator_eigenvalue"] = ("frequency", grid_eig, io.meta("eigenvalue of f -> int H f p (uniform p), circulant FFT on a grid"))
        data["closed_form_eigenvalue"] = ("frequency", closed, io.meta("closed-form eigenvalue from the cosine coefficients (docs/methods.md §3)"))
        attrs.update(grid_size=grid, kernel="H = (cos t + beta)(pi - t)/(2 pi): the trained net's GD Gram kernel (= 2x P1's with bias)")
    ds = xr.Dataset(data, coords=coords, attrs=attrs)
    return io.finalize(NTK.check(ds), f"NTK of the {model.kind} model on the samples: eigendecomposition", config, "ntk")


def train_dataset(*, result, kappa: int, seeds, y, lr: float, points: xr.Dataset, config: dict, criterion, device: str,
                  what: str, amplitudes=None, frequencies=None) -> xr.Dataset:
    pdf = points.density
    ds = xr.Dataset(
        {
            "target": ("sample", np.asarray(y), io.meta(f"target {what}, normalised as configured")),
            "density": ("sample", pdf.values, pdf.attrs),
            "x": (("sample", "component"), points.x.values, points.x.attrs),
            "loss": (("seed", "step"), result.loss, io.meta("training loss 0.5*sum((f-y)^2)")),
            "initial_residual": (("seed", "sample"), result.residual[:, :, 0], io.meta("residual f(x_i) - y_i before training")),
            "converged_step": ("seed", result.converged_step, io.meta("first step meeting the convergence criterion (-1: never)", criterion=criterion.description)),
            "diverged_step": ("seed", result.diverged_step, io.meta("first step with a non-finite or exploding loss (-1: never)")),
            "status": status_variable(result.converged_step, result.diverged_step, io.meta),
            "lr": ((), float(lr), io.meta("learning rate used")),
            "steps_per_second": ((), result.steps_per_second, io.meta("training rate of the whole ensemble", "s-1", device=device)),
            "region": ("sample", points.region.values, points.region.attrs),
            "region_density": ("region_index", points.region_density.values, points.region_density.attrs),
        },
        coords={
            "seed": ("seed", np.asarray(seeds, dtype=np.int64), io.meta("initialisation seed")),
            "sample": ("sample", np.arange(len(y)), io.meta("training point index")),
            "component": points.component,
            "step": ("step", result.snapshot_steps, io.meta("gradient-descent step")),
            "kappa": ((), int(kappa), io.meta("target frequency (the harmonic's degree on S^(d-1))", "cycles per 2 pi")),
            "region_index": points.region_index,
        },
        attrs={"criterion": criterion.description, "domain": points.attrs["domain"]},
    )
    if POINTS.has(points, "theta"):
        ds = ds.assign_coords(theta=("sample", points.theta.values, points.theta.attrs))
    if amplitudes is not None:
        ds["residual"] = (("seed", "sample", "step"), result.residual, io.meta("residual f(x_i) - y_i"))
        ds["residual_spectrum"] = (("seed", "frequency", "step"), amplitudes,
                                   io.meta("Fourier amplitude of the residual", "1", method="quadrature sum_i r_i exp(-i q theta_i)/(pi n p_i)"))
        ds = ds.assign_coords(frequency=("frequency", np.asarray(frequencies), io.meta("frequency", "cycles per 2 pi")))
    if result.region_converged_step is not None:
        ds["region_converged_step"] = (("seed", "region_index"), result.region_converged_step,
                                       io.meta("first step the region meets the per-region criterion (-1: never)", criterion=criterion.description))
    return io.finalize(ds, f"Nets trained on {what}", config, "train")


def predict_dataset(*, train: xr.Dataset, residual, amplitudes, conv_step, lr: float, eta_lmax: float, config: dict,
                    region_conv=None) -> xr.Dataset:
    stable = eta_lmax < 2.0
    ds = xr.Dataset(
        {
            "converged_step": ("seed", conv_step, io.meta("predicted first step meeting the convergence criterion (-1: never)", criterion=train.attrs["criterion"])),
            "lr_times_max_eigenvalue": ((), eta_lmax, io.meta("learning rate times the largest Gram eigenvalue (>= 2 diverges)")),
            "stable": ((), np.int8(stable), io.meta("linearised GD is stable", flag_values=np.arange(2, dtype=np.int8), flag_meanings="unstable stable")),
        },
        coords={name: train[name] for name in ("seed", "sample", "step", "kappa", "region_index")},
        attrs={"criterion": train.attrs["criterion"], "lr": lr},
    )
    if residual is not None:
        ds["residual"] = (("seed", "sample", "step"), residual, io.meta("linearised-GD residual (I - lr H)^t r_0"))
        ds["residual_spectrum"] = (("seed", "frequency", "step"), amplitudes, io.meta("Fourier amplitude of the predicted residual"))
        ds = ds.assign_coords(frequency=train.frequency, theta=train.theta)
    if region_conv is not None:
        ds["region_converged_step"] = (("seed", "region_index"), region_conv,
                                       io.meta("predicted first step the region meets the per-region criterion (-1: never)"))
    return io.finalize(PREDICT.check(ds), f"Linearised-GD prediction for kappa = {int(train.kappa)}", config, "predict")


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
    return io.finalize(REGION_LAW.check(ds), "Per-region convergence predicted from the NTK over point samples and thresholds", config,
                       "region_law")

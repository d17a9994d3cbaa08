"""The coordinate study (config section ``coordinate:``): P2's coordinate MLPs on 1-D signals and images.

Stages and the keys each reads::

    train_group  signal, model, train, metrics + the group's encodings (train_params)
                 -> one Adam ensemble of encodings x seeds: residual spectrum every epoch,
                    activation statistics at log-spaced epochs              runs_dataset
    analyse      every key -> learning epoch per frequency and encoding, claims C12-C15
                                                                            learning_dataset

Encodings with the same input width form one group (:func:`encoding_groups`), one job each.
"""

from __future__ import annotations

import logging

import numpy as np
import torch
import xarray as xr

from ... import activation_regions, encodings, io, kernel_records, mlp, signals
from ...analysis import fit_power_law, median_converged
from ...claims import ClaimRow
from ...common import pick_device
from ...registry import ENCODINGS
from ...train import Progress, log_spaced_steps
from . import claims as study_claims
from .layouts import LEARNING, RUNS
from .plan import (  # noqa: F401 -- the plan's functions, read by the stages and by callers as stages.<name>
    typed, train_params, input_features, signal_dims, encoding_groups,
)
from .settings import Metrics, Train

log = logging.getLogger(__name__)

SECTION = "coordinate"


def encoded_inputs(target: signals.Target, enc: str, enc_cfg: dict, seed: int) -> torch.Tensor:
    """The grid of ``target`` encoded as ``enc_cfg`` says (checked against the grid): (n, features)."""
    encoding = ENCODINGS.build(enc_cfg)
    encoding.check_grid(target.shape[0], f"coordinate.encodings.{enc}.{'octaves' if enc_cfg['kind'] == 'octave' else 'kind'}")
    grid = torch.tensor(encodings.grid(target.shape), dtype=torch.float32)
    return encoding.encode(grid, seed=seed)


def train_group(cfg: dict, group: list[str], device: str = "auto") -> xr.Dataset:
    """Train every (encoding, seed) of ``group`` as one Adam ensemble (inputs (runs, n, features));
    record the residual's spectrum every epoch and the activation statistics at log-spaced epochs."""
    cfg = typed(cfg)
    sig, model, tcfg, mcfg = cfg.signal, cfg.model, cfg.train, cfg.metrics
    dev = pick_device(device)
    target = signals.load(sig.to_dict())
    xs = [encoded_inputs(target, e, cfg.encodings[e], sig.seed) for e in group]
    widths = {x.shape[1] for x in xs}
    if len(widths) != 1:
        raise ValueError(f"encodings {group} have different input widths {sorted(widths)}; they cannot share one ensemble")
    seeds = list(tcfg.seeds)
    E, S = len(group), len(seeds)
    x = torch.stack([xe for xe in xs for _ in seeds]).to(dev)  # (E*S, n, features), run r = e*S + s
    yt = torch.tensor(target.values, dtype=torch.float32, device=dev)
    ens = mlp.init_mlp_ensemble(seeds * E, x.shape[2], list(model.hidden), target.channels, device=dev,
                                activation=model.activation, init=model.init)
    if not ens.activation.piecewise_linear:
        log.info("activation %s is not piecewise linear: activation-region metrics (regions, dead units, boundary "
                 "distance, Hamming distances) are not defined and are stored as NaN; gradient confusion is kept",
                 ens.activation.kind)
    local, far = metric_pairs(target.shape, mcfg)
    kernel = kernel_recorder(tcfg, target, x, yt)
    name = "+".join(group)
    rec = _EpochRecorder(target, x, yt, E, S, tcfg.epochs, log_spaced_steps(tcfg.epochs, mcfg.records),
                         local, far, ens.activation.piecewise_linear, kernel, Progress(tcfg.epochs, f"train {name}"))
    log.info("coordinate MLP %s on %s (%s, grid %s, %d channels): %d encodings x %d seeds = %d runs in one ensemble, "
             "input %d features, hidden %s, %s lr %g, %d epochs%s", dev, name, target.kind, target.shape,
             target.channels, E, S, E * S, x.shape[2], model.hidden, tcfg.optimizer, tcfg.lr, tcfg.epochs,
             f", batch {tcfg.batch}" if tcfg.batch else ", full batch")
    res = mlp.train_mlp(ens, x, yt, tcfg.lr, tcfg.epochs, range(tcfg.epochs + 1), batch=tcfg.batch,
                        seed=tcfg.seeds[0], record=rec, optimizer=tcfg.optimizer)
    loss = res.loss.reshape(E, S, -1)
    bad = ~np.isfinite(loss[..., -1])
    if bad.any():
        log.warning("%d of %d runs diverged (non-finite loss); they are kept with NaN and left out of the medians",
                    int(bad.sum()), E * S)
    conf = {"encodings": {e: cfg.encodings[e] for e in group}, "signal": sig, "model": model, "train": tcfg, "metrics": mcfg,
            "device": str(dev)}
    ds = runs_dataset(group=group, seeds=seeds, target=target, spectrum=np.stack(rec.spectra, -1), epochs=res.record_steps,
                      loss=loss, stats=rec.stats, local=local, far=far, output=rec.last_out, config=conf,
                      kernel=kernel, prediction=None if kernel is None else prediction_note(tcfg, target, kernel))
    ds.attrs["activation"] = ens.activation.kind
    ds.attrs["activation_regions"] = ("defined" if ens.activation.piecewise_linear else
                                      f"not defined for the {ens.activation.kind} activation (not piecewise linear): stored as NaN")
    return ds


def metric_pairs(shape, mcfg: Metrics):
    """The local and far pairs of grid points of P2's metrics, by the configured protocol (docs/methods.md §8)."""
    if mcfg.pair_protocol == "p2":  # P2's own pairs
        local = activation_regions.local_pairs_p2(shape, mcfg.pairs, mcfg.patch, mcfg.seed)
        far = activation_regions.global_pairs_p2(shape, mcfg.pairs, mcfg.seed + 1)
    else:
        local = activation_regions.local_pairs(shape, mcfg.pairs, mcfg.window, mcfg.seed)
        far = activation_regions.global_pairs(shape, mcfg.pairs, mcfg.margin, mcfg.seed + 1)
    return local, far


def kernel_recorder(tcfg: Train, target, x: torch.Tensor, yt: torch.Tensor):
    """The empirical-NTK recorder of a group's nets (None when ``train.kernel_records.probe`` is 0)."""
    kcfg = tcfg.kernel_records
    if kcfg.probe <= 0:
        return None
    kernel = kernel_records.GridRecorder(target.shape, kcfg.probe, kcfg.modes, x, target.values[:, 0])
    # GD on the full batch of a one-channel target, with every input in the probe: the linearised
    # residual r <- (I - lr 2/n K) r can be predicted from the nets' own kernel (MSE = mean over n)
    if tcfg.optimizer == "gd" and not tcfg.batch and target.channels == 1 and len(kernel.probe) == yt.shape[0]:
        kernel.predict_from_start(2.0 * tcfg.lr / yt.shape[0])
    return kernel


class _EpochRecorder:
    """What a coordinate job keeps of its ensemble (E encodings x S seeds): the residual's spectrum
    at every epoch, the last outputs, and the region, confusion and kernel statistics at the
    statistics epochs (``train_mlp``'s ``record``)."""

    def __init__(self, target, x, yt, E, S, epochs, stat_epochs, local, far, regions_defined, kernel, progress):
        self.target, self.x, self.yt, self.E, self.S, self.epochs = target, x, yt, E, S, epochs
        self.stat_epochs = set(np.asarray(stat_epochs).tolist())
        self.local, self.far, self.regions_defined, self.kernel, self.progress = local, far, regions_defined, kernel, progress
        self.target_amp = target.spectrum(target.values)
        # per-example gradients only for the points that appear in a pair (not all n)
        self.used, inverse = np.unique(np.concatenate([local, far]).reshape(-1), return_inverse=True)
        self.pos = [inverse.reshape(-1, 2)[: len(local)], inverse.reshape(-1, 2)[len(local):]]
        self.spectra, self.stats, self.last_out = [], [], None

    def __call__(self, model, epoch, out):
        E, S = self.E, self.S
        res = (out - self.yt).double().cpu().numpy()  # (R, n, C)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.spectra.append((self.target.spectrum(res) / self.target_amp).reshape(E, S, -1))
        if epoch == self.epochs:
            self.last_out = out[::S].double().cpu().numpy()  # first seed of every encoding, at the end
        if epoch in self.stat_epochs:
            conf = [[], []]
            for e in range(E):
                near, away = activation_regions.pair_confusion(model, e * S, self.x[e * S][self.used], self.yt[self.used], self.pos)
                conf[0].append(near)
                conf[1].append(away)
            region_stats = self.region_stats(model)
            if self.kernel is not None:
                region_stats.update(self.kernel(model, E, S, epoch, (out - self.yt)[:, :, 0].double().cpu().numpy()))
            self.stats.append(dict(epoch=epoch, **region_stats, conf_local=np.stack(conf[0]), conf_global=np.stack(conf[1])))
        self.progress.update(epoch)
        return None

    def region_stats(self, model) -> dict:
        """Regions, boundary distances, dead units and Hamming distances (NaN where regions are undefined)."""
        E, S = self.E, self.S
        if not self.regions_defined:  # linear regions are a property of piecewise-linear activations only
            nan = np.full((E, S), np.nan)
            return dict(regions=nan, dead=nan, boundary=np.full((E, S, len(model.weights) - 1), np.nan), boundary_p2=nan,
                        ham_local=np.full((E, S, len(self.local)), np.nan), ham_global=np.full((E, S, len(self.far)), np.nan))
        pat = activation_regions.patterns(model, self.x)
        dist = activation_regions.boundary_distance(model, self.x)  # (R, layers, n)
        return dict(regions=activation_regions.region_count(pat).reshape(E, S),
                    boundary=dist.mean(-1).reshape(E, S, -1),
                    boundary_p2=activation_regions.boundary_distance_p2(dist).reshape(E, S),
                    dead=activation_regions.dead_units(pat).reshape(E, S),
                    ham_local=activation_regions.hamming(pat, self.local).reshape(E, S, -1),
                    ham_global=activation_regions.hamming(pat, self.far).reshape(E, S, -1))


def prediction_note(tcfg: Train, target, kernel: kernel_records.GridRecorder) -> str:
    """What the file says about a linearised prediction from the recorded kernels."""
    if kernel.rate is not None:
        return "made: full-batch GD; kernel_prediction_error compares the measured residual with (I - lr 2/n K_0)^t r_0"
    if tcfg.optimizer == "adam":
        return "none: Adam's steps are not kernel gradient steps, so no linearised prediction is made; the kernel quantities are recorded only"
    why = [w for w, bad in (("minibatches", bool(tcfg.batch)), (f"{target.channels} output channels", target.channels != 1),
                            ("a probe smaller than the grid", len(kernel.probe) != int(np.prod(target.shape)))) if bad]
    return "none: GD, but the prediction needs full batches, one output channel and every input in the probe (here: " + ", ".join(why) + ")"


def response_slope(ds: xr.Dataset, epoch_index: int = 0) -> np.ndarray:
    """Per seed, the log-log slope of the kernel's response against frequency at a recorded epoch
    (default: initialisation), over the band the target occupies: frequencies 1 up to the target's
    highest analysed frequency (or the probe's Nyquist frequency if lower), with a positive response.
    Beyond an encoding's top frequency its kernel falls off fast; that is not the band it learns in."""
    resp = ds.kernel_response.isel(stat_epoch=epoch_index).values  # (seed, kernel_frequency)
    q = ds.kernel_frequency.values.astype(float)
    top = float(ds.frequency.values.max())
    out = np.full(resp.shape[0], np.nan)
    for i, r in enumerate(resp):
        ok = (q >= 1) & (q <= top) & (r > 0) & np.isfinite(r)
        if ok.sum() >= 2:
            out[i] = fit_power_law(q[ok], r[ok]).slope
    return out


def analyse(runs: list[xr.Dataset], name: str, cfg: dict) -> tuple[xr.Dataset, list[ClaimRow]]:
    """Learning epoch per frequency and encoding with fitted slopes, and the rows C12-C15.
    Diverged runs (non-finite final loss) are reported and left out of every mean and median."""
    cfg = typed(cfg)
    acfg = cfg.analysis
    thr = acfg.learned_threshold
    learned, fits, alive, medians = {}, {}, {}, {}
    for ds in runs:
        e = ds.attrs["encoding"]
        alive[e] = np.isfinite(ds.loss.isel(epoch=-1).values)  # (seed,)
        below = ds.residual_spectrum.values < thr  # (seed, frequency, epoch)
        first = np.where(below.any(-1), below.argmax(-1), -1)
        learned[e] = np.where(alive[e][:, None], first, -2)  # -2: diverged run
        med = median_converged(np.where(learned[e] >= 0, learned[e], -1).T[:, alive[e]])  # (frequency,)
        medians[e] = med
        freqs = ds.frequency.values
        ok_f = np.isfinite(med) & (med > 0)
        fits[e] = fit_power_law(freqs[ok_f], med[ok_f]) if len(np.unique(freqs[ok_f])) >= 2 else None
        if not alive[e].all():
            log.warning("encoding %s: seeds %s diverged; left out", e, ds.seed.values[~alive[e]].tolist())
    conv = learning_dataset(runs=runs, learned=learned, medians=medians, fits=fits, config=cfg)
    if all(RUNS.has(ds, "kernel_response") for ds in runs):
        conv["kernel_response_slope"] = (("encoding", "seed"), np.stack([response_slope(ds) for ds in runs]), io.meta(
            "log-log slope of the empirical NTK's response against frequency (q from 1 to the target's top frequency) at initialisation"))
    return conv, study_claims.coordinate_rows(runs, conv, fits, alive, name, cfg)


# ----------------------------------------------------------------------------------------------
# Datasets


def runs_dataset(*, group: list[str], seeds, target, spectrum, epochs, loss, stats: list[dict], local, far, output,
                 config: dict, kernel: kernel_records.GridRecorder | None = None, prediction: str | None = None) -> xr.Dataset:
    """The runs of one ensemble of encodings: residual spectrum (encoding, seed, frequency, epoch),
    activation statistics at the recorded epochs (dim ``stat_epoch``) with the seeded pairs they
    were measured on, the target and the first seed's final output (dims ``sample``, ``channel``;
    an image's pixels are ``sample`` in row-major order of the variable ``grid_shape``)."""
    st = {k: np.stack([s[k] for s in stats], -1) for k in stats[0] if k != "epoch"}
    image = len(target.shape) == 2
    fdesc = ("radial frequency of the 2-D spectrum", "cycles per image side") if image else ("signal frequency", "cycles per unit length")
    what = "radially averaged 2-D spectrum (rms over the annulus, channels summed)" if image else "|DFT|"
    data = {
        "residual_spectrum": (("encoding", "seed", "frequency", "epoch"), spectrum,
                              io.meta(f"{what} of the residual at the frequency / the same of the target")),
        "loss": (("encoding", "seed", "epoch"), loss, io.meta("mean squared error over the grid")),
        "region_count": (("encoding", "seed", "stat_epoch"), st["regions"], io.meta("distinct activation patterns over the training inputs")),
        "dead_units": (("encoding", "seed", "stat_epoch"), st["dead"], io.meta("hidden units off for every training input")),
        "boundary_distance": (("encoding", "seed", "layer", "stat_epoch"), st["boundary"],
                              io.meta("mean over the training inputs of the distance to the nearest activation boundary "
                                   "of the layer: min over units of |pre-activation| / ||weight row||")),
        "boundary_distance_p2": (("encoding", "seed", "stat_epoch"), st["boundary_p2"],
                                 io.meta("P2's distance to the boundary: per input the minimum over all hidden layers "
                                         "of min over units |pre-activation| / ||weight row||, mean over the training inputs")),
        "hamming_local": (("encoding", "seed", "pair", "stat_epoch"), st["ham_local"], io.meta("Hamming distance of activation patterns, local pairs")),
        "hamming_global": (("encoding", "seed", "pair", "stat_epoch"), st["ham_global"], io.meta("Hamming distance of activation patterns, global pairs")),
        "confusion_local": (("encoding", "pair", "stat_epoch"), st["conf_local"], io.meta("cosine of per-example loss gradients (run of the first seed), local pairs")),
        "confusion_global": (("encoding", "pair", "stat_epoch"), st["conf_global"], io.meta("cosine of per-example loss gradients (run of the first seed), global pairs")),
        "pair_local": (("pair", "end"), np.asarray(local), io.meta("input indices of the local pairs (seeded)")),
        "pair_global": (("pair", "end"), np.asarray(far), io.meta("input indices of the global pairs (seeded)")),
        "target": (("sample", "channel"), target.values, io.meta("target value on the grid")),
        "output": (("encoding", "sample", "channel"), output, io.meta("output of the first seed's net at the last epoch")),
        "grid_shape": ("grid_axis", np.asarray(target.shape, dtype=np.int64), io.meta("grid points per axis (row-major)")),
    }
    if target.phases is not None:
        data["phase"] = ("frequency", np.asarray(target.phases), io.meta("phase of the signal's sinusoid", "rad"))
    kcoords = {}
    if kernel is not None:  # the empirical NTK on the probe sub-grid (Adam: no linear prediction is made from it)
        kdata, kcoords = kernel.variables(st, "encoding", "stat_epoch", "grid index (row-major) of each probe point")
        data.update(kdata)
    ds = xr.Dataset(
        data,
        coords={
            "encoding": ("encoding", np.asarray(group), io.meta("input encoding")),
            "seed": ("seed", np.asarray(seeds, dtype=np.int64), io.meta("initialisation seed")),
            "frequency": ("frequency", np.asarray(target.frequencies), io.meta(*fdesc)),
            "epoch": ("epoch", np.asarray(epochs), io.meta("training epoch")),
            "stat_epoch": ("stat_epoch", np.asarray([s["epoch"] for s in stats]), io.meta("epoch of the activation statistics")),
            "layer": ("layer", np.arange(1, st["boundary"].shape[2] + 1), io.meta("hidden layer, from the input")),
            **kcoords,
        },
        attrs={"inputs": int(np.prod(target.shape)), "signal_kind": target.kind,
               **({"kernel_prediction": prediction} if kernel is not None else {})},
    )
    kind = "an image" if image else "a 1-D signal"
    return io.finalize(RUNS.check(ds), f"Coordinate MLPs on {kind}, encodings {', '.join(group)}", config, "coordinate_train")


def read_runs(paths, order=None) -> list[xr.Dataset]:
    """The files of one coordinate study, one dataset per encoding (attribute ``encoding``), in the
    order of the encoding names ``order`` (the study's config order), else in file order."""
    out = {}
    for p in paths:
        ds = io.read(p)
        for enc in ds["encoding"].values:
            out[str(enc)] = ds.sel(encoding=enc).drop_vars("encoding").assign_attrs(encoding=str(enc))
    if order is None:
        return list(out.values())
    missing = set(order) ^ set(out)
    if missing:
        raise ValueError(f"coordinate runs and config disagree on encodings {sorted(missing)}")
    return [out[e] for e in order]


def learning_dataset(*, runs: list[xr.Dataset], learned: dict, medians: dict, fits: dict, config: dict) -> xr.Dataset:
    """Learning epoch per (encoding, seed, frequency) and the power-law fit of its median over seeds
    against frequency (NaN where fewer than two frequencies were learned)."""
    names = [ds.attrs["encoding"] for ds in runs]
    stack = np.stack([learned[n] for n in names])
    nan = float("nan")
    ds = xr.Dataset(
        {"learned_epoch": (("encoding", "seed", "frequency"), stack,
                           io.meta("first epoch the residual amplitude is below the threshold (-1: never, -2: run diverged)")),
         "median_learned_epoch": (("encoding", "frequency"), np.stack([medians[n] for n in names]),
                                  io.meta("median over the runs that did not diverge of the learning epoch (NaN: none learned it)")),
         "learned_count": ("encoding", np.array([int(((learned[n] >= 0).any(0)).sum()) for n in names]),
                           io.meta("frequencies learned by at least one run that did not diverge")),
         "fit_slope": ("encoding", np.array([fits[n].slope if fits[n] else nan for n in names]),
                       io.meta("slope of log(median learning epoch) vs log(frequency)")),
         "fit_intercept": ("encoding", np.array([fits[n].intercept if fits[n] else nan for n in names]),
                           io.meta("intercept of that fit (natural log of epochs)")),
         "fit_points": ("encoding", np.array([fits[n].points if fits[n] else 0 for n in names]),
                        io.meta("frequencies in that fit"))},
        coords={"encoding": ("encoding", np.asarray(names), io.meta("input encoding")),
                "seed": runs[0].seed, "frequency": runs[0].frequency},
    )
    return io.finalize(LEARNING.check(ds), "Learning epoch per frequency and encoding", config, "coordinate_analysis")

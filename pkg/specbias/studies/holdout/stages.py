"""The holdout study (config section ``holdout:``): how well a coordinate MLP generalises between the
pixels it was trained on, per input encoding and activation (the protocol of Tancik et al. 2020,
"Fourier features let networks learn high frequency functions in low dimensional domains").

An image of S × S pixels on the unit grid (coordinates v ∈ [0, 1)²) is split into the pixels with
even row and column (a quarter: the training set, a regular grid of (S/2)²) and the other three
quarters (the test set).  Every variant (an encoding, optionally the hidden activation and init)
is trained by full-batch Adam on the MSE of the training pixels; PSNR = −10 log10(MSE) (values in
[0, 1], the net's output clipped to [0, 1]) is recorded on both sets at log-spaced steps.

Stages and the keys each reads::

    train_group  image, model, train + the group's variants (train_params)
                 -> one Adam ensemble of variants x seeds: PSNR (variant, seed, step), and the
                    first seed's final image per variant                       runs_dataset
    analyse      analysis -> PSNR table per variant with the published values, claim C20
                                                                               table_dataset

Variants with the same input width, activation and init form one group (one job, one ensemble).
"""

from __future__ import annotations

import logging

import numpy as np
import torch
import xarray as xr

from ... import encodings, io, kernel_records, mlp, signals
from ...analysis import fit_power_law
from ...claims import ClaimRow
from ...common import pick_device
from ...registry import ENCODINGS
from ...train import Progress, log_spaced_steps
from . import claims as study_claims
from .layouts import PSNR, RUNS
from .plan import (  # noqa: F401 -- the plan's functions, read by the stages and by callers as stages.<name>
    typed, train_params, _group_key, variant_groups,
)

log = logging.getLogger(__name__)

SECTION = "holdout"


def split(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Row-major pixel indices of the training set (even row and column) and of the test set (the rest)."""
    r, c = np.divmod(np.arange(size * size), size)
    train = (r % 2 == 0) & (c % 2 == 0)
    return np.nonzero(train)[0], np.nonzero(~train)[0]


def psnr(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """PSNR in dB of predictions (R, n, C) clipped to [0, 1] against a target (n, C) in [0, 1]: (R,)."""
    mse = ((pred.clamp(0, 1) - target) ** 2).mean(dim=(1, 2))
    return -10 * torch.log10(mse)


def train_group(cfg: dict, group: list[str], device: str = "auto") -> xr.Dataset:
    """Train every (variant, seed) of ``group`` as one Adam ensemble on the training pixels; record
    train and test PSNR at log-spaced steps and the first seed's final image of every variant."""
    cfg = typed(cfg)
    img_cfg, model, tcfg = cfg.image, cfg.model, cfg.train
    dev = pick_device(device)
    size = img_cfg.size
    img = signals.natural_image(img_cfg.name, size)  # (S, S, C) in [0, 1]
    values = torch.tensor(img.reshape(size * size, -1), dtype=torch.float32, device=dev)
    tr, te = split(size)
    grid = torch.tensor(encodings.grid((size, size)), dtype=torch.float32)
    variants = {v: cfg.variants[v] for v in group}
    first = variants[group[0]]
    for v in group:
        enc = ENCODINGS.build(variants[v].encoding)
        enc.check_grid(size // 2, f"holdout.variants.{v}.encoding")  # the training grid must carry it
    feats = [ENCODINGS.build(variants[v].encoding).encode(grid, seed=0) for v in group]
    seeds = list(tcfg.seeds)
    V, S = len(group), len(seeds)
    x = torch.stack([f for f in feats for _ in seeds]).to(dev)  # (V*S, n, F); run r = v*S + s
    ens = mlp.init_mlp_ensemble(seeds * V, x.shape[2], list(model.hidden), values.shape[1], device=dev,
                                activation=first.activation, init=first.init)
    steps = log_spaced_steps(tcfg.steps, tcfg.records)
    x_train, x_test = x[:, tr], x[:, te]  # gathered once, not at every record
    train_psnr, test_psnr, kstats = [], [], []
    final = {}
    kernel = None
    kcfg = tcfg.kernel_records
    if kcfg.probe > 0:  # the training pixels are a regular (S/2)² grid, row-major: probe a sub-grid of it
        kernel = kernel_records.GridRecorder((size // 2, size // 2), kcfg.probe, kcfg.modes, x_train,
                                             values[tr, 0].double().cpu().numpy())
    name = "+".join(group)
    log.info("%s: %d x %d image %s, %d training and %d test pixels, %d runs, inputs of width %d, hidden %s",
             name, size, size, img_cfg.name, len(tr), len(te), V * S, x.shape[2], model.hidden)
    prog = Progress(tcfg.steps, f"train {name}")

    def record(net, step, out):
        with torch.no_grad():
            test_out = net.forward(x_test)
        train_psnr.append(psnr(out, values[tr]).double().cpu().numpy().reshape(V, S))
        test_psnr.append(psnr(test_out, values[te]).double().cpu().numpy().reshape(V, S))
        if kernel is not None:
            kstats.append(kernel(net, V, S, int(step)))
        if step == tcfg.steps:
            with torch.no_grad():
                final["image"] = net.forward(x)[::S].clamp(0, 1).double().cpu().numpy()  # first seed of each variant: (V, n, C)
        prog.update(int(step), force=step == tcfg.steps,
                    extra=f"test PSNR {np.round(test_psnr[-1].mean(1), 2).tolist()} dB")

    result = mlp.train_mlp(ens, x_train, values[tr], tcfg.lr, tcfg.steps, steps, record=record)
    return runs_dataset(variants=group, seeds=seeds, steps=result.record_steps, train_psnr=np.stack(train_psnr, -1),
                        test_psnr=np.stack(test_psnr, -1), image=final["image"], target=img, size=size,
                        config={"image": img_cfg, "model": model, "train": tcfg, "variants": variants, "device": str(dev)},
                        kernel=kernel, kernel_stats=kstats)


def read_runs(paths) -> xr.Dataset:
    """The groups' files of one study joined along ``variant``."""
    return xr.concat([io.read(p) for p in paths], dim="variant", data_vars="minimal", coords="minimal",
                     compat="override", combine_attrs="drop_conflicts")


def analyse(runs: xr.Dataset, name: str, cfg: dict) -> tuple[xr.Dataset, list[ClaimRow]]:
    """Held-out PSNR per variant (mean and spread over seeds, at the last step) beside the published
    values, and claim C20 (the configured order of variants)."""
    cfg = typed(cfg)
    acfg = cfg.analysis
    variants = [v for v in cfg.variants if v in runs.variant.values]
    runs = runs.sel(variant=variants)
    test = runs.test_psnr.isel(step=-1)
    train = runs.train_psnr.isel(step=-1)
    published = np.array([acfg.published.get(v, np.nan) for v in variants], dtype=np.float64)
    table = table_dataset(variants=variants, test_mean=test.mean("seed").values, test_sd=test.std("seed").values,
                          train_mean=train.mean("seed").values, published=published,
                          config={"analysis": acfg, "study": name, "image": cfg.image, "steps": cfg.train.steps})
    if RUNS.has(runs, "kernel_response"):
        table["kernel_response_slope"] = ("variant", np.nanmedian(response_slopes(runs), axis=1), io.meta(
            "log-log slope of the empirical kernel's response against frequency at initialisation, frequencies 1 to the "
            "probe sub-grid's Nyquist, median over seeds"))
    rows = [study_claims.claim_c20(table, name, acfg.order)] if acfg.order else []
    return table, rows


def response_slopes(runs: xr.Dataset) -> np.ndarray:
    """Per variant and seed, the log-log slope of the kernel's response against radial frequency at
    step 0 over q = 1 .. the probe sub-grid's Nyquist frequency (positive responses only): how fast
    the net's kernel at initialisation loses the image's higher frequencies."""
    resp = runs.kernel_response.isel(step=0).values  # (variant, seed, kernel_frequency)
    q = runs.kernel_frequency.values.astype(float)
    out = np.full(resp.shape[:2], np.nan)
    for idx in np.ndindex(*resp.shape[:2]):
        r = resp[idx]
        ok = (q >= 1) & (r > 0) & np.isfinite(r)
        if ok.sum() >= 2:
            out[idx] = fit_power_law(q[ok], r[ok]).slope
    return out


# ----------------------------------------------------------------------------------------------
# Datasets


def runs_dataset(*, variants, seeds, steps, train_psnr, test_psnr, image, target, size: int, config: dict,
                 kernel: kernel_records.GridRecorder | None = None, kernel_stats: list[dict] | None = None) -> xr.Dataset:
    """``kernel``: the recorder of the kernel records and ``kernel_stats`` its records, one per
    step (:class:`~specbias.kernel_records.GridRecorder`), or None."""
    kvars, kcoords = {}, {}
    if kernel is not None:
        st = {k: np.stack([s[k] for s in kernel_stats], -1) for k in kernel_stats[0]}
        kvars, kcoords = kernel.variables(st, "variant", "step", "index of each probe point among the training pixels "
                                          "(row-major on their (S/2)^2 grid)", where=" of the training pixels")
    ds = xr.Dataset(
        {
            "train_psnr": (("variant", "seed", "step"), train_psnr, io.meta("PSNR on the training pixels (even row and column)", "dB")),
            "test_psnr": (("variant", "seed", "step"), test_psnr, io.meta("PSNR on the held-out pixels (the other three quarters)", "dB")),
            "output": (("variant", "pixel", "channel"), image, io.meta("first seed's output at the last step, clipped to [0, 1], every pixel")),
            "target": (("pixel", "channel"), target.reshape(size * size, -1), io.meta("the image, values in [0, 1]")),
            **kvars,
        },
        coords={
            "variant": ("variant", np.asarray(variants, dtype=object), io.meta("encoding / activation variant")),
            "seed": ("seed", np.asarray(seeds, dtype=np.int64), io.meta("initialisation seed")),
            "step": ("step", np.asarray(steps, dtype=np.int64), io.meta("Adam step")),
            "pixel": ("pixel", np.arange(size * size), io.meta("pixel index, row-major")),
            "channel": ("channel", np.arange(target.shape[-1]), io.meta("colour channel")),
            **kcoords,
        },
        attrs={"size": size, **({"kernel_prediction": "none: Adam's steps are not kernel gradient steps; the kernel quantities "
                                                      "are recorded only"} if kernel is not None else {})},
    )
    return io.finalize(RUNS.check(ds), "Coordinate MLPs trained on a quarter of an image's pixels: train and held-out PSNR", config,
                       "holdout_train")


def table_dataset(*, variants, test_mean, test_sd, train_mean, published, config: dict) -> xr.Dataset:
    ds = xr.Dataset(
        {
            "test_psnr": ("variant", np.asarray(test_mean), io.meta("held-out PSNR at the last step, mean over seeds", "dB")),
            "test_psnr_sd": ("variant", np.asarray(test_sd), io.meta("held-out PSNR, standard deviation over seeds", "dB")),
            "train_psnr": ("variant", np.asarray(train_mean), io.meta("training PSNR at the last step, mean over seeds", "dB")),
            "published_psnr": ("variant", np.asarray(published), io.meta("published held-out PSNR (Tancik et al. 2020; NaN: none)", "dB")),
        },
        coords={"variant": ("variant", np.asarray(variants, dtype=object), io.meta("encoding / activation variant"))},
    )
    return io.finalize(PSNR.check(ds), "Held-out PSNR per encoding / activation", config, "holdout_analysis")

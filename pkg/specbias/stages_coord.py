"""Stages of P2's coordinate-MLP study on 1-D signals (config section ``coordinate:``).

train one ensemble per encoding (Adam, MSE), recording the residual's spectrum at the signal's
frequencies every epoch and the activation statistics at log-spaced epochs → analysis across
encodings (claims C12–C15) → figures.
"""

from __future__ import annotations

import logging

import numpy as np
import torch
import xarray as xr

from . import claims, encodings, io, mlp, regions, signals
from .analysis import fit_power_law, median_converged
from .claims import ClaimRow
from .train import Progress, log_spaced_steps, pick_device

log = logging.getLogger(__name__)


def input_features(enc_cfg: dict, dims: int) -> int:
    """Width of the encoded input for ``dims`` coordinates."""
    kind = enc_cfg["kind"]
    if kind == "raw":
        return dims
    if kind == "octave":
        return 2 * enc_cfg["octaves"] * dims
    if kind == "fourier":
        return 2 * enc_cfg["features"]
    raise ValueError(f"unknown encoding {kind!r}; choose one of {encodings.KINDS}")


def signal_dims(sig: dict) -> int:
    return 1 if sig.get("kind", "sines") == "sines" else 2


def encoding_groups(cfg: dict) -> dict[str, list[str]]:
    """Encodings trained as one ensemble: those with the same input width (their nets have the same
    shapes), in config order, named by joining them with '+'.  ``train.batch_encodings: false``
    gives every encoding its own job."""
    dims = signal_dims(cfg["signal"])
    groups: dict[int | str, list[str]] = {}
    for enc, ecfg in cfg["encodings"].items():
        key = input_features(ecfg, dims) if cfg["train"].get("batch_encodings", True) else enc
        groups.setdefault(key, []).append(enc)
    return {"+".join(encs): encs for encs in groups.values()}


def encoded_inputs(target: signals.Target, enc: str, enc_cfg: dict, seed: int) -> torch.Tensor:
    """The grid of ``target`` encoded as ``enc_cfg`` says (aliasing checked): (n, features)."""
    if enc_cfg["kind"] == "octave":
        lo, hi = enc_cfg.get("range", (0.0, 1.0))
        encodings.check_aliasing(enc_cfg["octaves"], target.shape[0] / (hi - lo), f"coordinate.encodings.{enc}.octaves")
    grid = torch.tensor(encodings.grid(target.shape), dtype=torch.float32)
    return encodings.encode(grid, enc_cfg, seed=seed)


def train_group(cfg: dict, group: list[str], device: str = "auto") -> xr.Dataset:
    """Train every (encoding, seed) of ``group`` as one Adam ensemble (inputs (runs, n, features));
    record the residual's spectrum every epoch and the activation statistics at log-spaced epochs."""
    sig, model, tcfg, mcfg = cfg["signal"], cfg["model"], cfg["train"], cfg["metrics"]
    dev = pick_device(device)
    target = signals.load(sig)
    xs = [encoded_inputs(target, e, cfg["encodings"][e], sig.get("seed", 0)) for e in group]
    widths = {x.shape[1] for x in xs}
    if len(widths) != 1:
        raise ValueError(f"encodings {group} have different input widths {sorted(widths)}; they cannot share one ensemble")
    seeds = list(tcfg["seeds"])
    E, S = len(group), len(seeds)
    x = torch.stack([xe for xe in xs for _ in seeds]).to(dev)  # (E*S, n, features), run r = e*S + s
    yt = torch.tensor(target.values, dtype=torch.float32, device=dev)
    ens = mlp.init_mlp_ensemble(seeds * E, x.shape[2], list(model["hidden"]), target.channels, device=dev)
    target_amp = target.spectrum(target.values)
    local = regions.local_pairs(target.shape, mcfg["pairs"], mcfg["window"], mcfg["seed"])
    far = regions.global_pairs(target.shape, mcfg["pairs"], mcfg["margin"], mcfg["seed"] + 1)
    stat_epochs = set(log_spaced_steps(tcfg["epochs"], mcfg["records"]).tolist())
    # per-example gradients only for the points that appear in a pair (not all n)
    used, inverse = np.unique(np.concatenate([local, far]).reshape(-1), return_inverse=True)
    local_pos, far_pos = inverse.reshape(-1, 2)[: len(local)], inverse.reshape(-1, 2)[len(local):]
    spectra, stats, last_out = [], [], None
    name = "+".join(group)
    prog = Progress(tcfg["epochs"], f"train {name}")

    def record(model, epoch, out):
        nonlocal last_out
        res = (out - yt).double().cpu().numpy()  # (R, n, C)
        with np.errstate(divide="ignore", invalid="ignore"):
            spectra.append((target.spectrum(res) / target_amp).reshape(E, S, -1))
        if epoch == tcfg["epochs"]:
            last_out = out[::S].double().cpu().numpy()  # first seed of every encoding, at the end
        if epoch in stat_epochs:
            pat = regions.patterns(model, x)
            conf = [[], []]
            for e in range(E):
                g = regions.per_example_gradients(model, e * S, x[e * S][used], yt[used])
                conf[0].append(regions.confusion(g, local_pos))
                conf[1].append(regions.confusion(g, far_pos))
            dist = regions.boundary_distance(model, x)  # (R, layers, n)
            stats.append(dict(epoch=epoch, regions=regions.region_count(pat).reshape(E, S),
                              boundary=dist.mean(-1).reshape(E, S, -1),
                              dead=regions.dead_units(pat).reshape(E, S),
                              ham_local=regions.hamming(pat, local).reshape(E, S, -1),
                              ham_global=regions.hamming(pat, far).reshape(E, S, -1),
                              conf_local=np.stack(conf[0]), conf_global=np.stack(conf[1])))
        prog.update(epoch)
        return None

    log.info("coordinate MLP %s on %s (%s, grid %s, %d channels): %d encodings x %d seeds = %d runs in one ensemble, "
             "input %d features, hidden %s, Adam lr %g, %d epochs%s", dev, name, target.kind, target.shape,
             target.channels, E, S, E * S, x.shape[2], model["hidden"], tcfg["lr"], tcfg["epochs"],
             f", batch {tcfg['batch']}" if tcfg.get("batch") else ", full batch")
    res = mlp.train_adam(ens, x, yt, tcfg["lr"], tcfg["epochs"], range(tcfg["epochs"] + 1), batch=tcfg.get("batch"),
                         seed=tcfg["seeds"][0], record=record)
    loss = res.loss.reshape(E, S, -1)
    bad = ~np.isfinite(loss[..., -1])
    if bad.any():
        log.warning("%d of %d runs diverged (non-finite loss); they are kept with NaN and left out of the medians",
                    int(bad.sum()), E * S)
    conf = {"encodings": {e: cfg["encodings"][e] for e in group}, **{k: cfg[k] for k in ("signal", "model", "train", "metrics")},
            "device": str(dev)}
    return io.coord_dataset(group, seeds, target, np.stack(spectra, -1), res.record_steps, loss, stats, local, far,
                            last_out, conf)


def analyse(runs: list[xr.Dataset], name: str, cfg: dict) -> tuple[xr.Dataset, list[ClaimRow]]:
    """Learning epoch per frequency and encoding with fitted slopes, and the rows C12-C15.
    Diverged runs (non-finite final loss) are reported and left out of every mean and median."""
    acfg = cfg["analysis"]
    thr = acfg["learned_threshold"]
    learned, fits, alive = {}, {}, {}
    for ds in runs:
        e = ds.attrs["encoding"]
        alive[e] = np.isfinite(ds.loss.isel(epoch=-1).values)  # (seed,)
        below = ds.residual_spectrum.values < thr  # (seed, frequency, epoch)
        first = np.where(below.any(-1), below.argmax(-1), -1)
        learned[e] = np.where(alive[e][:, None], first, -2)  # -2: diverged run
        med = median_converged(np.where(learned[e] >= 0, learned[e], -1).T[:, alive[e]])  # (frequency,)
        freqs = ds.frequency.values
        ok_f = np.isfinite(med) & (med > 0)
        fits[e] = fit_power_law(freqs[ok_f], med[ok_f]) if len(np.unique(freqs[ok_f])) >= 2 else None
        if not alive[e].all():
            log.warning("encoding %s: seeds %s diverged; left out", e, ds.seed.values[~alive[e]].tolist())
    conv = io.coord_learning_dataset(runs, learned, fits, cfg)
    return conv, claims.coordinate_rows(runs, conv, fits, alive, name, cfg)

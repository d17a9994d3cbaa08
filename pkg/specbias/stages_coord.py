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

from . import encodings, io, mlp, regions, signals
from .analysis import ClaimRow, _verdict, fit_power_law, median_converged
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
    rows = []
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
    enc = {ds.attrs["encoding"]: ds for ds in runs}
    kinds = {e: cfg["encodings"][e] for e in enc}
    raws = sorted([e for e in enc if kinds[e]["kind"] == "raw"], key=lambda e: encodings.range_width(kinds[e]))
    pes = [e for e in enc if kinds[e]["kind"] != "raw"]
    order = raws + pes

    def last(e, v):
        """Variable ``v`` at the last recorded epoch, runs that diverged left out."""
        val = enc[e][v].isel(stat_epoch=-1).values
        return val[alive[e]] if "seed" in enc[e][v].dims else val

    counts = {e: float(np.mean(last(e, "region_count"))) for e in enc}
    ranked = all(counts[a] < counts[b] for a, b in zip(raws[:-1], raws[1:])) and (
        not pes or not raws or min(counts[p] for p in pes) > counts[raws[-1]])
    rows.append(ClaimRow(name, "C12", "regions used at the end of training: raw coordinates rank by input range, every encoding above",
                         "[0,1] ~197k < [-1,1] ~219k < PE (512^2 images)",
                         ", ".join(f"{e} {counts[e]:.0f}" for e in order) + f" of {enc[order[0]].attrs['inputs']} inputs",
                         "raw increasing with range < every encoding", _verdict(ranked),
                         "mean over seeds at the last recorded epoch"))
    if raws and pes:
        ham = {e: float(np.mean(last(e, "hamming_local"))) for e in enc}
        ratio = min(ham[p] for p in pes) / max(ham[raws[0]], 1e-9)
        rows.append(ClaimRow(name, "C13", "local Hamming distance with encoding vs raw coordinates",
                             "several times (P2: ~68 raw vs 280-320 PE)",
                             ", ".join(f"{e} {ham[e]:.1f}" for e in order) + f"; ratio {ratio:.1f}",
                             f">= {acfg['hamming_ratio']:g}x", _verdict(ratio >= acfg["hamming_ratio"]),
                             "mean over local pairs and seeds, last recorded epoch"))
        spread = {e: float(np.std(last(e, "confusion_local"))) for e in enc}
        ok = max(spread[p] for p in pes) < spread[raws[0]]
        rows.append(ClaimRow(name, "C14", "local gradient confusion: spread for raw coordinates, concentrated near 0 with encoding",
                             "qualitative (P2 histograms)", ", ".join(f"{e} sd {spread[e]:.3f}" for e in order),
                             "sd(encoded) < sd(raw)", _verdict(ok),
                             "cosine of per-example gradients of run 0, last recorded epoch; at the first recorded epoch after 0: "
                             + ", ".join(f"{e} sd {float(np.std(enc[e].confusion_local.isel(stat_epoch=1).values)):.3f}" for e in order)))
        nfreq = conv.sizes["frequency"]
        n_learned = {e: int(conv.learned_count.sel(encoding=e)) for e in order}
        slope = {e: fits[e].slope if fits[e] else np.nan for e in order}
        pe_best = min(pes, key=lambda p: slope[p] if np.isfinite(slope[p]) else np.inf)
        r0 = raws[0]
        flatter = (np.isfinite(slope[pe_best]) and (not np.isfinite(slope[r0]) or slope[pe_best] < slope[r0])) or \
            n_learned[pe_best] > n_learned[r0]
        learned_any = max(n_learned.values()) > 0
        rows.append(ClaimRow(name, "C15", "learning epoch vs frequency: slope with encoding < without",
                             "PE flattens the curve (Rahaman/P2 heatmaps)",
                             ", ".join(f"{e} slope {slope[e]:.2f} ({n_learned[e]}/{nfreq} frequencies learned)" for e in order),
                             "flatter, or more frequencies learned", _verdict(bool(flatter) if learned_any else None),
                             f"a frequency is learned at the first epoch its residual amplitude drops below {thr:g} of the "
                             "target's; slope of the log-log fit of the median epoch over seeds"
                             + ("" if learned_any else "; no encoding learned any frequency, so nothing to compare")))
    return conv, rows

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


def train_encoding(cfg: dict, encoding: str, device: str = "auto") -> xr.Dataset:
    sig, enc_cfg, model, tcfg, mcfg = cfg["signal"], cfg["encodings"][encoding], cfg["model"], cfg["train"], cfg["metrics"]
    dev = pick_device(device)
    t, y, phases = signals.multi_sine(sig["length"], sig["frequencies"], sig["amplitudes"], sig["seed"])
    if enc_cfg["kind"] == "octave":
        lo, hi = enc_cfg.get("range", (0.0, 1.0))
        encodings.check_aliasing(enc_cfg["octaves"], sig["length"] / (hi - lo), f"coordinate.encodings.{encoding}.octaves")
    grid = torch.tensor(t[:, None], dtype=torch.float32)
    x = encodings.encode(grid, enc_cfg, seed=sig["seed"]).to(dev)
    yt = torch.tensor(y[:, None], dtype=torch.float32, device=dev)
    seeds = list(tcfg["seeds"])
    ens = mlp.init_mlp_ensemble(seeds, x.shape[1], list(model["hidden"]), 1, device=dev)
    freqs = np.asarray(sig["frequencies"])
    target_amp = signals.spectrum_at(y, freqs)
    n = len(t)
    local = regions.local_pairs((n,), mcfg["pairs"], mcfg["window"], mcfg["seed"])
    far = regions.global_pairs((n,), mcfg["pairs"], mcfg["margin"], mcfg["seed"] + 1)
    stat_epochs = set(log_spaced_steps(tcfg["epochs"], mcfg["records"]).tolist())
    # per-example gradients only for the points that appear in a pair (not all n)
    used, inverse = np.unique(np.concatenate([local, far]).reshape(-1), return_inverse=True)
    local_pos, far_pos = inverse.reshape(-1, 2)[: len(local)], inverse.reshape(-1, 2)[len(local):]
    spectra, stats = [], []
    prog = Progress(tcfg["epochs"], f"train {encoding}")

    def record(model, epoch, out):
        res = (out[..., 0] - yt[:, 0]).double().cpu().numpy()
        spectra.append(signals.spectrum_at(res, freqs) / target_amp)
        if epoch in stat_epochs:
            pat = regions.patterns(model, x)
            g = regions.per_example_gradients(model, 0, x[used], yt[used])
            stats.append(dict(epoch=epoch, regions=regions.region_count(pat), dead=regions.dead_units(pat),
                              ham_local=regions.hamming(pat, local), ham_global=regions.hamming(pat, far),
                              conf_local=regions.confusion(g, local_pos), conf_global=regions.confusion(g, far_pos)))
        prog.update(epoch)
        return None

    log.info("coordinate MLP %s on %s: %d runs, input %d features, hidden %s, Adam lr %g, %d epochs%s",
             dev, encoding, len(seeds), x.shape[1], model["hidden"], tcfg["lr"], tcfg["epochs"],
             f", batch {tcfg['batch']}" if tcfg.get("batch") else ", full batch")
    res = mlp.train_adam(ens, x, yt, tcfg["lr"], tcfg["epochs"], range(tcfg["epochs"] + 1), batch=tcfg.get("batch"),
                         seed=tcfg["seeds"][0], record=record)
    if not np.all(np.isfinite(res.loss)):
        log.warning("encoding %s: non-finite loss (diverged runs are kept with NaN)", encoding)
    conf = {"encoding": encoding, **{k: cfg[k] for k in ("signal", "model", "train", "metrics")}, "encoding_cfg": enc_cfg,
            "device": str(dev)}
    return io.coord_dataset(encoding, seeds, freqs, np.stack(spectra, -1), res, stats, local, far, phases, conf)


def analyse(runs: list[xr.Dataset], name: str, cfg: dict) -> tuple[xr.Dataset, list[ClaimRow]]:
    """Learning epoch per frequency and encoding, and the rows C12-C15."""
    acfg = cfg["analysis"]
    thr = acfg["learned_threshold"]
    rows = []
    learned = {}
    for ds in runs:
        spec = ds.residual_spectrum.values  # (seed, frequency, epoch)
        below = spec < thr
        first = np.where(below.any(-1), below.argmax(-1), -1)  # (seed, frequency)
        learned[ds.attrs["encoding"]] = first
    conv = io.coord_learning_dataset(runs, learned, cfg)
    enc = {ds.attrs["encoding"]: ds for ds in runs}
    kinds = {e: cfg["encodings"][e] for e in enc}
    raws = sorted([e for e in enc if kinds[e]["kind"] == "raw"], key=lambda e: kinds[e].get("range", [0, 1])[1] - kinds[e].get("range", [0, 1])[0])
    pes = [e for e in enc if kinds[e]["kind"] != "raw"]
    last = lambda ds, v: ds[v].isel(stat_epoch=-1).values  # noqa: E731
    counts = {e: float(np.mean(last(enc[e], "region_count"))) for e in enc}
    order = raws + pes
    ranked = all(counts[a] < counts[b] for a, b in zip(order[:-1], order[1:]))
    rows.append(ClaimRow(name, "C12", "regions used at the end of training rank raw [0,1) < raw [-1,1) < encoded",
                         "[0,1] ~197k < [-1,1] ~219k < PE (512^2 images)",
                         ", ".join(f"{e} {counts[e]:.0f}" for e in order) + f" of {enc[order[0]].attrs['inputs']} inputs",
                         "strict order", _verdict(ranked), "mean over seeds at the last recorded epoch"))
    if raws and pes:
        ham = {e: float(np.mean(last(enc[e], "hamming_local"))) for e in enc}
        ratio = min(ham[p] for p in pes) / max(ham[raws[0]], 1e-9)
        rows.append(ClaimRow(name, "C13", "local Hamming distance with encoding vs raw coordinates",
                             "several times (P2: ~68 raw vs 280-320 PE)",
                             ", ".join(f"{e} {ham[e]:.1f}" for e in order) + f"; ratio {ratio:.1f}",
                             f">= {acfg['hamming_ratio']:g}x", _verdict(ratio >= acfg["hamming_ratio"]),
                             "mean over local pairs and seeds, last recorded epoch"))
        spread = {e: float(np.std(last(enc[e], "confusion_local"))) for e in enc}
        ok = max(spread[p] for p in pes) < spread[raws[0]]
        rows.append(ClaimRow(name, "C14", "local gradient confusion: spread for raw coordinates, concentrated near 0 with encoding",
                             "qualitative (P2 histograms)", ", ".join(f"{e} sd {spread[e]:.3f}" for e in order),
                             "sd(encoded) < sd(raw)", _verdict(ok),
                             "cosine of per-example gradients of run 0, last recorded epoch; at the first recorded epoch after 0: "
                             + ", ".join(f"{e} sd {float(np.std(enc[e].confusion_local.isel(stat_epoch=1).values)):.3f}" for e in order)))
        slopes = {}
        freqs = conv.frequency.values
        for e in order:
            med = median_converged(learned[e].T)  # (frequency,): median over seeds
            ok_f = np.isfinite(med) & (med > 0)
            slopes[e] = (fit_power_law(freqs[ok_f], med[ok_f]).slope if ok_f.sum() >= 2 else np.nan, int(ok_f.sum()))
        raw_s, pe_s = slopes[raws[0]], min((slopes[p] for p in pes), key=lambda s: s[0] if np.isfinite(s[0]) else np.inf)
        flatter = (np.isfinite(pe_s[0]) and (not np.isfinite(raw_s[0]) or pe_s[0] < raw_s[0])) or pe_s[1] > raw_s[1]
        rows.append(ClaimRow(name, "C15", "learning epoch vs frequency: slope with encoding < without",
                             "PE flattens the curve (Rahaman/P2 heatmaps)",
                             ", ".join(f"{e} slope {s:.2f} ({k}/{len(freqs)} frequencies learned)" for e, (s, k) in slopes.items()),
                             "flatter, or more frequencies learned", _verdict(bool(flatter)),
                             f"a frequency is learned at the first epoch its residual amplitude drops below {thr:g} of the target's"))
    return conv, rows

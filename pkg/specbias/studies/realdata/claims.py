"""The real-data study's claim rows, C24–C28 (one set per entry; runs whose loss went non-finite
are left out and counted in the note)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ...claims import Claim, ClaimRow, verdict
from .layouts import TABLE, TRAIN

CLAIMS = {c.id: c for c in [
    Claim("C24", "real data: the residual on a kernel's large-eigenvalue eigenvectors is learned first "
                 "(Spearman correlation of band index and the epoch its energy halves)",
          "Rahaman et al. 2019 §5 (MNIST, Gaussian kernel): large-eigenvalue components fall first (qualitative)",
          "realdata.*.tolerances.band_order", ("realdata",)),
    Claim("C25", "filtering method: the low-frequency part's error reaches the threshold before the high-frequency part's, for every delta",
          "Xu et al. (F-Principle, MNIST/CIFAR-10): e_low converges before e_high", "realdata.*.filtering.threshold", ("realdata",)),
    Claim("C26", "real data: Hamming distance of activation patterns to the nearest points stays below that to the farthest, at every record epoch",
          "P2's real-data MLP scripts: local below global (figures)", "strict: mean near < mean far", ("realdata",)),
    Claim("C27", "real data: after training, gradients of near pairs conflict more (lower median cosine) than those of far pairs",
          "P2's real-data CNN scripts: near (different-class) and far confusion distributions differ (figures; direction ours)",
          "strict: median near < median far", ("realdata",)),
    Claim("C28", "real data, MSE and SGD: the empirical-NTK linearised prediction tracks the trained nets' band energies",
          "NTK theory (the real-data counterpart of C11)", "realdata.*.tolerances.linearised", ("realdata",)),
]}


#: C24 ranks only bands holding at least this share of the initial residual's energy (a band that
#: starts near zero, such as the constant mode under a balanced softmax, has nothing to halve)
MIN_SHARE = 0.01


def _row(name, cid, ours, tol, ok, note="") -> ClaimRow:
    c = CLAIMS[cid]
    return ClaimRow(name, cid, c.claim, c.paper, ours, tol, verdict(ok), note)


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr

    if np.all(b == b[0]):
        return float("nan")
    return float(spearmanr(a, b).statistic)


def band_order(table: xr.Dataset, name: str, ok: np.ndarray, tol: float) -> list[ClaimRow]:
    rows = []
    initial = table.band_energy.isel(epoch=0).values  # (kernel, seed, band)
    for k, kernel in enumerate(table.kernel.values):
        share = initial[k][ok] / initial[k][ok].sum(-1, keepdims=True)
        keep = share.min(axis=0) >= MIN_SHARE  # bands holding a measurable part of the residual
        half = np.median(table.band_half_epoch.values[k][ok], axis=0)[keep]
        bands = table.band.values[keep]
        rho = _spearman(bands, half)
        text = ", ".join("never" if np.isinf(h) else f"{h:g}" for h in half)
        left = [int(b) for b in table.band.values[~keep]]
        note = (f"{kernel} kernel; epoch each band halves (median over runs), largest eigenvalues first: {text}"
                + (f"; bands {left} left out (under {MIN_SHARE:.0%} of the initial residual)" if left else ""))
        ours = f"{kernel}: rho {rho:.2f}" if np.isfinite(rho) else f"{kernel}: every band halves at one record epoch"
        rows.append(_row(name, "C24", ours, f"rho >= {tol:g}", None if not np.isfinite(rho) else rho >= tol, note))
    return rows


def filtering(table: xr.Dataset, name: str, ok: np.ndarray, threshold: float) -> ClaimRow:
    low = np.median(table.e_low_epoch.values[:, ok], axis=1)
    high = np.median(table.e_high_epoch.values[:, ok], axis=1)
    decided = [not (np.isinf(lo) and np.isinf(hi)) for lo, hi in zip(low, high)]  # neither part met it: no order
    each = [lo < hi for lo, hi, d in zip(low, high, decided) if d]
    fmt = lambda v: "never" if np.isinf(v) else f"{v:g}"  # noqa: E731
    ours = "; ".join(f"delta/d2 {r:g}: low {fmt(lo)}, high {fmt(hi)}"
                     for r, lo, hi in zip(table.delta_relative.values, low, high))
    note = "epochs at which each part first meets the threshold (median over runs)"
    if not all(decided):
        note += f"; {decided.count(False)} delta(s) where neither part met it are not scored"
    return _row(name, "C25", ours, f"error <= {threshold:g}; low first for every delta", all(each) if each else None, note)


def hamming(table: xr.Dataset, name: str, ok: np.ndarray) -> ClaimRow:
    near = table.hamming_near_mean.values[:, ok].mean(1)
    far = table.hamming_far_mean.values[:, ok].mean(1)
    ours = f"near/far {near[0] / far[0]:.3f} at epoch 0, {near[-1] / far[-1]:.3f} at epoch {int(table.epoch.values[-1])}"
    return _row(name, "C26", ours, "near < far at every record", bool(np.all(near < far)),
                f"mean Hamming distance near {near[-1]:.1f}, far {far[-1]:.1f} at the end")


def confusion(table: xr.Dataset, train: xr.Dataset, name: str, ok: np.ndarray) -> ClaimRow:
    near = np.median(train.confusion_near.values[-1][ok])
    far = np.median(train.confusion_far.values[-1][ok])
    kind = "nearest of another class" if TRAIN.has(train, "near_other_index") else "nearest"
    return _row(name, "C27", f"median cosine near {near:.3f}, far {far:.3f}", "near < far", bool(near < far),
                f"near: the {kind}; at epoch {int(train.epoch.values[-1])}")


def linearised(table: xr.Dataset, name: str, ok: np.ndarray, tol: float) -> ClaimRow:
    net = table.band_energy.sel(kernel="empirical").values[:, ok]  # (epoch, seed, band)
    lin = table.linearised_band_energy.values[:, ok]
    total = net[0].sum(-1)[None, :, None]
    gap = np.abs(net - lin) / total
    return _row(name, "C28", f"largest gap {gap.max():.3f} of the initial energy", f"<= {tol:g}", bool(gap.max() <= tol),
                f"median gap {np.median(gap):.4f}; {int(ok.sum())} runs")


def rows(table: xr.Dataset, name: str, entry, train: xr.Dataset | None = None) -> list[ClaimRow]:
    from . import Realdata

    entry = Realdata.typed(entry)
    ok = table.diverged_epoch.values < 0
    tol = entry.tolerances
    if not ok.any():
        return [_row(name, cid, "every run diverged", "", None, f"{ok.size} runs diverged: lower train.lr")
                for cid in ("C24", "C25")]
    out = band_order(table, name, ok, tol.band_order)
    out.append(filtering(table, name, ok, entry.filtering.threshold))
    if TABLE.has(table, "hamming_near_mean"):
        out.append(hamming(table, name, ok))
    if train is not None and TRAIN.has(train, "confusion_near"):
        out.append(confusion(table, train, name, ok))
    if TABLE.has(table, "linearised_band_energy"):
        out.append(linearised(table, name, ok, tol.linearised))
    if not ok.all():
        for row in out:
            row.note = f"{row.note}; excluded: {int((~ok).sum())} diverged run(s) of {ok.size}"
    return out

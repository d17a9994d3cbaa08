"""Figures of the real-data study: band energy × epoch per kernel, P2's local/global Hamming
curves, confusion distributions, and the filtering method's errors per delta."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ...figures import empty, plt


def _epochs(table: xr.Dataset) -> np.ndarray:
    return np.maximum(table.epoch.values, 0.5)  # epoch 0 drawn at 0.5 on log axes


def _ok(table: xr.Dataset) -> np.ndarray:
    return table.diverged_epoch.values < 0


def band_energy(table: xr.Dataset):
    """Per kernel: the residual's energy on each band over training, relative to its initial value
    (median over the runs that did not diverge); beside the empirical kernel, linearised GD's."""
    ok = _ok(table)
    if not ok.any():
        return empty("every run diverged", "band energy")
    panels = [(k, table.band_energy_normalised.sel(kernel=k).values[:, ok]) for k in table.kernel.values]
    if "linearised_band_energy" in table:
        lin = table.linearised_band_energy.values[:, ok] / table.linearised_band_energy.values[:1, ok]
        panels.append(("linearised (empirical NTK)", lin))
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.6), constrained_layout=True, squeeze=False)
    epochs = table.epoch.values
    for ax, (title, values) in zip(axes[0], panels):
        med = np.nanmedian(values, axis=1).T  # (band, epoch)
        keep = np.isfinite(med).any(axis=1)  # the "rest" band is empty when every mode is kept
        med = med[keep]
        im = ax.imshow(np.log10(np.clip(med, 1e-4, None)), aspect="auto", origin="lower", cmap="magma", vmin=-3, vmax=0.3)
        ax.set_xticks(range(len(epochs)))
        ax.set_xticklabels([str(e) for e in epochs], fontsize=6, rotation=90)
        names = [("rest" if b < a else str(a) if a == b else f"{a}-{b}")
                 for a, b in zip(table.band_first_mode.values, table.band_last_mode.values)]
        ax.set_yticks(range(int(keep.sum())))
        ax.set_yticklabels([n for n, k in zip(names, keep) if k], fontsize=6)
        ax.set_xlabel("epoch")
        ax.set_ylabel("eigenvector modes (largest eigenvalue first)")
        ax.set_title(title, fontsize=9)
    fig.colorbar(im, ax=axes[0].tolist(), label="log10 band energy / initial")
    return fig


def hamming(table: xr.Dataset):
    """P2's figure: mean Hamming distance to the nearest and farthest points over training (± one
    spread over anchors, averaged over runs)."""
    ok = _ok(table)
    if not ok.any() or "hamming_near_mean" not in table:
        return empty("no Hamming distances recorded", "Hamming distance")
    fig, ax = plt.subplots(figsize=(5.5, 3.8), constrained_layout=True)
    e = _epochs(table)
    for key, label, colour in (("near", "local (nearest)", "C0"), ("far", "global (farthest)", "C3")):
        mean = table[f"hamming_{key}_mean"].values[:, ok].mean(1)
        std = table[f"hamming_{key}_std"].values[:, ok].mean(1)
        ax.plot(e, mean, "o-", color=colour, label=label, ms=3)
        ax.fill_between(e, mean - std, mean + std, color=colour, alpha=0.2)
    ax.set_xscale("log")
    ax.set_xlabel("epoch (0 drawn at 0.5)")
    ax.set_ylabel("Hamming distance of activation patterns")
    ax.legend(fontsize=8)
    return fig


def confusion(train: xr.Dataset):
    """Gradient confusion of near and far pairs at initialisation (dashed) and after training."""
    if "confusion_near" not in train:
        return empty("no gradient confusion recorded", "gradient confusion")
    ok = train.diverged_epoch.values < 0
    if not ok.any():
        return empty("every run diverged", "gradient confusion")
    fig, ax = plt.subplots(figsize=(5.5, 3.8), constrained_layout=True)
    bins = np.linspace(-1, 1, 81)
    near_label = "near, other class" if "near_other_index" in train else "near"
    for key, label, colour in (("near", near_label, "C0"), ("far", "far", "C3")):
        for i, style, lw in ((0, "--", 0.8), (-1, "-", 1.6)):
            v = train[f"confusion_{key}"].values[i][ok].ravel()
            v = v[np.isfinite(v)]
            hist, _ = np.histogram(v, bins=bins, density=True)
            ax.plot(0.5 * (bins[1:] + bins[:-1]), hist, style, color=colour, lw=lw,
                    label=f"{label}, epoch {int(train.epoch.values[i])}")
    ax.set_xlabel("cosine of the two per-example loss gradients")
    ax.set_ylabel("density")
    ax.legend(fontsize=7)
    return fig


def filtering(table: xr.Dataset, threshold: float):
    """e_low (solid) and e_high (dashed) against epoch, one panel per delta (each its own row of
    the sweep), median over runs."""
    ok = _ok(table)
    if not ok.any():
        return empty("every run diverged", "filtering method")
    deltas = table.delta_relative.values
    fig, axes = plt.subplots(1, len(deltas), figsize=(3.6 * len(deltas), 3.4), constrained_layout=True, squeeze=False)
    e = _epochs(table)
    for ax, i, r in zip(axes[0], range(len(deltas)), deltas):
        ax.plot(e, np.median(table.e_low.values[i][:, ok], axis=1), "C0-", label="e_low")
        ax.plot(e, np.median(table.e_high.values[i][:, ok], axis=1), "C3--", label="e_high")
        ax.axhline(threshold, color="grey", lw=0.8, ls=":")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"delta = {r:g} x median squared distance", fontsize=8)
        ax.set_xlabel("epoch (0 drawn at 0.5)")
    axes[0][0].set_ylabel("relative error")
    axes[0][0].legend(fontsize=8)
    return fig

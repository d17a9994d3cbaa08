"""Figures of the coordinate study (P2's coordinate MLPs)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ...encodings import range_width
from ...figures import label, plt


def heatmaps(runs: list[xr.Dataset], cmap: str = "magma"):
    """Rahaman-style frequency × epoch heatmaps of |residual| / |target| per encoding (seed mean)."""
    fig, axes = plt.subplots(1, len(runs), figsize=(4.2 * len(runs), 3.6), constrained_layout=True, squeeze=False)
    for ax, ds in zip(axes[0], runs):
        spec = ds.residual_spectrum.mean("seed")
        im = ax.pcolormesh(ds.epoch.values, ds.frequency.values, spec.values, cmap=cmap, vmin=0, vmax=1, shading="nearest")
        ax.set_title(f"encoding {ds.attrs['encoding']}", fontsize=9)
        ax.set_xlabel(label(ds.epoch))
        ax.set_ylabel(label(ds.frequency))
    fig.colorbar(im, ax=axes[0, -1], label="|residual| / |target| at the frequency")
    return fig


def statistics(runs: list[xr.Dataset]):
    """Regions used, Hamming distances and distance to boundary over training; distributions of
    the local/global Hamming distances and gradient confusion at the end."""
    fig, axes = plt.subplots(2, 3, figsize=(15, 7.4), constrained_layout=True)
    top = max(int(ds.hamming_global.max()) for ds in runs) + 1
    for i, ds in enumerate(runs):
        c, name = f"C{i}", ds.attrs["encoding"]
        x = ds.stat_epoch.values + 1  # log axis: epoch 0 at 1
        axes[0, 0].plot(x, ds.region_count.mean("seed"), "o-", color=c, ms=3, label=name)
        axes[0, 1].plot(x, ds.hamming_local.mean(("seed", "pair")), "o-", color=c, ms=3, label=f"{name} local")
        axes[0, 1].plot(x, ds.hamming_global.mean(("seed", "pair")), "s--", color=c, ms=3, label=f"{name} global")
        for layer in ds.layer.values:
            axes[0, 2].plot(x, ds.boundary_distance.sel(layer=layer).mean("seed"), "o-" if layer == 1 else ".:", color=c,
                            ms=3, label=f"{name} layer {layer}" if layer in (1, ds.layer.values[-1]) else None)
        bins = np.linspace(0, top, min(top, 60) + 1)
        axes[1, 0].hist(ds.hamming_local.isel(stat_epoch=-1).values.ravel(), bins=bins, histtype="step", color=c,
                        label=f"{name} local")
        axes[1, 0].hist(ds.hamming_global.isel(stat_epoch=-1).values.ravel(), bins=bins, histtype="step", color=c, ls="--",
                        label=f"{name} global")
        for ax, var, kind in ((axes[1, 1], ds.confusion_local, "local"), (axes[1, 2], ds.confusion_global, "global")):
            ax.hist(var.isel(stat_epoch=-1).values, bins=np.linspace(-1, 1, 41), histtype="step", color=c, label=f"{name} {kind}")
    axes[0, 0].set(xscale="log", xlabel="epoch + 1", ylabel="activation regions used", title="regions over the training inputs")
    axes[0, 1].set(xscale="log", xlabel="epoch + 1", ylabel="mean Hamming distance", title="activation-pattern distance")
    axes[0, 2].set(xscale="log", yscale="log", xlabel="epoch + 1", ylabel="mean distance to the nearest boundary",
                   title="distance to boundary per layer (first: solid)")
    axes[1, 0].set(xlabel="Hamming distance", ylabel="pairs", title="Hamming distance at the end (local solid, global dashed)")
    axes[1, 1].set(xlabel="cosine of per-example gradients", ylabel="pairs", title="gradient confusion, local pairs (end)")
    axes[1, 2].set(xlabel="cosine of per-example gradients", ylabel="pairs", title="gradient confusion, global pairs (end)")
    for ax in axes.flat:
        ax.legend(fontsize=6)
    return fig


def learning(learning: xr.Dataset, study: dict):
    """Learning epoch vs frequency per encoding (median over seeds), log-log, with the fitted power
    law; frequencies no run learned are drawn as open triangles above the last epoch."""
    epochs = study["train"]["epochs"]
    fig, ax = plt.subplots(figsize=(6.4, 4.4), constrained_layout=True)
    f = learning.frequency.values
    for i, enc in enumerate(learning["encoding"].values):
        c = f"C{i}"
        med = learning.median_learned_epoch.sel(encoding=enc).values
        ok = np.isfinite(med) & (med > 0)
        slope = float(learning.fit_slope.sel(encoding=enc))
        lab = f"{enc}: slope {slope:.2f}" if np.isfinite(slope) else f"{enc}: no fit"
        ax.plot(f[ok], med[ok], "o", color=c, ms=4, label=f"{lab} ({int(ok.sum())}/{len(f)} learned)")
        if (~ok).any():
            ax.plot(f[~ok], np.full((~ok).sum(), epochs * 1.25 * 1.12**i), "^", mfc="none", color=c, ms=5)  # a row each
        if np.isfinite(slope):
            ff = f[ok]
            ax.plot(ff, np.exp(float(learning.fit_intercept.sel(encoding=enc))) * ff**slope, "-", color=c, lw=1)
    ax.axhline(epochs, color="0.6", lw=0.8, ls=":")
    ax.set(xscale="log", yscale="log", xlabel=label(learning.frequency), ylabel="epoch the frequency is learned",
           title="learning epoch vs frequency (open triangles: never learned)")
    ax.legend(fontsize=7)
    return fig


def dead_units(runs: list[xr.Dataset], study: dict):
    """Dead units over training per encoding, and at the end against the width of the input range."""
    units = sum(study["model"]["hidden"])
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), constrained_layout=True)
    for i, ds in enumerate(runs):
        enc = ds.attrs["encoding"]
        ecfg = study["encodings"][enc]
        c = f"C{i}"
        alive = np.isfinite(ds.loss.isel(epoch=-1).values)
        dead = ds.dead_units.values[alive]  # (seed, stat_epoch)
        axes[0].plot(ds.stat_epoch.values + 1, dead.mean(0), "o-", color=c, ms=3, label=enc)
        end = dead[:, -1]
        marker = "o" if ecfg["kind"] == "raw" else "s"
        axes[1].errorbar([range_width(ecfg)], [end.mean()], yerr=[end.std()], fmt=marker, color=c, capsize=3,
                         label=f"{enc} ({ecfg['kind']})")
    axes[0].set(xscale="log", xlabel="epoch + 1", ylabel="dead units", title=f"units off for every input (of {units})")
    axes[1].set(xlabel="width of the input range (hi - lo)", ylabel="dead units at the end",
                title="dead units vs input range (mean, sd over seeds)")
    for ax in axes:
        ax.legend(fontsize=7)
    return fig


def reconstructions(runs: list[xr.Dataset]):
    """The target and each encoding's fit at the last epoch (first seed): images side by side, or
    1-D signals overlaid on the target."""
    shape = runs[0].grid_shape.values.tolist()
    target = runs[0].target.values
    if len(shape) == 2:
        fig, axes = plt.subplots(1, len(runs) + 1, figsize=(2.6 * (len(runs) + 1), 2.9), constrained_layout=True)
        panels = [("target", target)] + [(ds.attrs["encoding"], ds.output.values) for ds in runs]
        for ax, (title, vals) in zip(axes, panels):
            img = np.clip(vals.reshape(*shape, -1), 0, 1)
            ax.imshow(img[..., 0] if img.shape[-1] == 1 else img, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            if title != "target":
                title += f"\nMSE {float(np.mean((vals - target) ** 2)):.2g}"
            ax.set_title(title, fontsize=8)
            ax.set_axis_off()
        return fig
    fig, axes = plt.subplots(len(runs), 1, figsize=(8, 1.8 * len(runs)), sharex=True, constrained_layout=True, squeeze=False)
    t = np.arange(shape[0]) / shape[0]
    for ax, ds in zip(axes[:, 0], runs):
        ax.plot(t, target[:, 0], color="0.6", lw=1.2, label="target")
        ax.plot(t, ds.output.values[:, 0], color="C3", lw=0.8, label=f"{ds.attrs['encoding']}, last epoch")
        ax.set_ylabel("value")
        ax.legend(fontsize=7, loc="upper right")
    axes[-1, 0].set_xlabel("t")
    return fig


def kernel(runs: list[xr.Dataset], learning: xr.Dataset):
    """Per encoding (median over seeds): (a) the empirical NTK's response by radial frequency at
    initialisation (solid) and at the last record (dashed), with C23's fitted slope over the
    target's band; (b) the relative kernel change and (c) the kernel-target alignment over training."""
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), constrained_layout=True)
    top = float(runs[0].frequency.values.max())
    for i, ds in enumerate(runs):
        c, e = f"C{i % 10}", ds.attrs["encoding"]
        q = ds.kernel_frequency.values
        keep = q >= 1
        slope = float(learning.kernel_response_slope.sel(encoding=e).median()) if "kernel_response_slope" in learning else np.nan
        first = ds.kernel_response.isel(stat_epoch=0).median("seed").values
        last = ds.kernel_response.isel(stat_epoch=-1).median("seed").values
        axes[0].loglog(q[keep], first[keep], "-", color=c, label=f"{e}: slope {slope:.2f}")
        axes[0].loglog(q[keep], last[keep], "--", color=c, lw=0.8)
        epochs = np.maximum(ds.stat_epoch.values, 1)
        axes[1].plot(epochs[1:], ds.kernel_change.median("seed").values[1:], color=c, label=e)
        axes[2].plot(epochs, ds.kernel_alignment.median("seed").values, color=c, label=e)
    axes[0].axvline(top, color="0.6", lw=0.8, ls=":")
    axes[0].set_xlabel(label(runs[0].kernel_frequency))
    axes[0].set_ylabel("e_q^H K e_q")
    axes[0].set_title("(a) kernel response by frequency: init (solid), end (dashed); dotted: the target's top frequency", fontsize=8)
    for ax, title in ((axes[1], "(b) ||K_t - K_0||_F / ||K_0||_F"), (axes[2], "(c) kernel-target alignment")):
        ax.set_xscale("log")
        ax.set_xlabel(label(runs[0].stat_epoch))
        ax.set_title(title, fontsize=9)
    axes[1].set_yscale("log")
    for ax in axes:
        ax.legend(fontsize=7)
    fig.suptitle("Empirical NTK of the Adam-trained nets (output channel 0, probe sub-grid); no linearised prediction is made",
                 fontsize=10)
    return fig

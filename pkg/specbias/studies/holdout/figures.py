"""Figures of the holdout study: PSNR over training per variant, the reconstructions, and the
nets' empirical kernels by frequency."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ...figures import label, plt
from .layouts import PSNR


def psnr_curves(runs: xr.Dataset, table: xr.Dataset):
    """Held-out (solid) and training (dashed) PSNR against the Adam step, mean over seeds; the
    published held-out values as stars at the last step where the study gives them."""
    fig, ax = plt.subplots(figsize=(7, 4.6), constrained_layout=True)
    steps = runs.step.values
    for i, v in enumerate(table.variant.values):
        c = f"C{i % 10}"
        ax.plot(np.maximum(steps, 1), runs.test_psnr.sel(variant=v).mean("seed"), "-", color=c,
                label=f"{v}: held-out {float(table.test_psnr.sel(variant=v)):.2f} dB")
        ax.plot(np.maximum(steps, 1), runs.train_psnr.sel(variant=v).mean("seed"), "--", color=c, lw=0.8)
        pub = float(table.published_psnr.sel(variant=v))
        if np.isfinite(pub):
            ax.plot([steps[-1]], [pub], "*", color=c, ms=11, mec="k")
    ax.set_xscale("log")
    ax.set_xlabel(label(runs.step))
    ax.set_ylabel("PSNR [dB]")
    ax.set_title("Held-out (solid) and training (dashed) PSNR; stars: published held-out PSNR (512x512 crops)", fontsize=9)
    ax.legend(fontsize=7)
    return fig


def reconstructions(runs: xr.Dataset, table: xr.Dataset):
    """The image and every variant's output (first seed, last step) on all pixels."""
    size = int(runs.attrs["size"])
    variants = list(table.variant.values)
    cols = min(5, len(variants) + 1)
    rows = int(np.ceil((len(variants) + 1) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.8 * rows), constrained_layout=True, squeeze=False)

    def show(ax, values, title):
        img = values.reshape(size, size, -1)
        ax.imshow(img[..., 0] if img.shape[-1] == 1 else img, cmap="gray" if img.shape[-1] == 1 else None, vmin=0, vmax=1)
        ax.set_title(title, fontsize=8)
        ax.axis("off")

    show(axes.flat[0], runs.target.values, "image (training pixels: even row and column)")
    for ax, v in zip(list(axes.flat)[1:], variants):
        show(ax, runs.output.sel(variant=v).values, f"{v}: held-out {float(table.test_psnr.sel(variant=v)):.2f} dB")
    for ax in list(axes.flat)[len(variants) + 1:]:
        ax.axis("off")
    return fig


def kernel(runs: xr.Dataset, table: xr.Dataset):
    """Left: each variant's kernel response by frequency at initialisation (median over seeds,
    scaled to 1 at q = 1), with its fitted slope; right: the relative kernel change over training."""
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4.4), constrained_layout=True)
    q = runs.kernel_frequency.values
    keep = q >= 1
    for i, v in enumerate(table.variant.values):
        c = f"C{i % 10}"
        resp = runs.kernel_response.sel(variant=v).isel(step=0).median("seed").values
        slope = float(table.kernel_response_slope.sel(variant=v)) if PSNR.has(table, "kernel_response_slope") else float("nan")
        ax.plot(q[keep], resp[keep] / resp[keep][0], "o-", color=c, ms=3, label=f"{v}: slope {slope:.2f}")
        change = runs.kernel_change.sel(variant=v).median("seed")
        bx.plot(np.maximum(runs.step.values, 1), change, "-", color=c,
                label=f"{v}: held-out {float(table.test_psnr.sel(variant=v)):.2f} dB")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(label(runs.kernel_frequency))
    ax.set_ylabel("kernel response / response at q = 1")
    ax.set_title("Empirical NTK by frequency at initialisation (probe sub-grid of the training pixels)", fontsize=9)
    ax.legend(fontsize=7)
    bx.set_xscale("log")
    bx.set_xlabel(label(runs.step))
    bx.set_ylabel("||K_t - K_0||_F / ||K_0||_F (median over seeds)")
    bx.set_title("How far each net's kernel moves under Adam", fontsize=9)
    bx.legend(fontsize=7)
    return fig

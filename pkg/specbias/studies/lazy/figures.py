"""Figure of the lazy study: the empirical kernel's change and the gap to its prediction, per width."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ...figures import label, plot_recorded, plt


def kernel_change(table: xr.Dataset):
    """(a) relative kernel change against the GD step, median over seeds, one line per width;
    (b) the final change against width (every run) with the fitted power law and the m^{-1/2} slope;
    (c) the gap between the measured residual and the prediction from the kernel at step 0 (solid)
    and from the previous record's kernel (dashed)."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), constrained_layout=True)
    table = table.isel(step=slice(1, None))  # step 0: no change, no gap (log axes)
    widths = table.width.values
    colours = plt.cm.viridis(np.linspace(0, 0.85, len(widths)))
    for c, m in zip(colours, widths):
        sel = table.sel(width=m)
        plot_recorded(axes[0], sel.kernel_change, color=c, label=f"m = {m}")
        plot_recorded(axes[2], sel.kernel_prediction_error, "-", color=c, label=f"m = {m}")
        plot_recorded(axes[2], sel.kernel_relinearised_error, "--", color=c, lw=0.9)
    for ax in (axes[0], axes[2]):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(label(table.step))
        ax.legend(fontsize=7)
    axes[0].set_ylabel("||K_t - K_0||_F / ||K_0||_F")
    axes[0].set_title("(a) relative change of the empirical NTK", fontsize=9)
    w, ch = xr.broadcast(table.width, table.kernel_change_final)
    axes[1].loglog(w.values.ravel(), ch.values.ravel(), "o", ms=4, alpha=0.7, label="runs")
    if "change_slope" in table.attrs:
        grid = np.geomspace(widths.min(), widths.max(), 50)
        fit = np.exp(table.attrs["change_intercept"]) * grid ** table.attrs["change_slope"]
        axes[1].loglog(grid, fit, "k-", label=f"fit: slope {table.attrs['change_slope']:.3f}")
        mid = np.sqrt(widths.min() * widths.max())
        anchor = np.exp(table.attrs["change_intercept"]) * mid ** table.attrs["change_slope"]
        axes[1].loglog(grid, anchor * (grid / mid) ** -0.5, "r--", label="slope -1/2 (lazy training)")
    axes[1].set_xlabel(label(table.width))
    axes[1].set_ylabel("final relative kernel change")
    axes[1].set_title("(b) kernel change at the end of training vs width", fontsize=9)
    axes[1].legend(fontsize=7)
    axes[2].set_ylabel("||r_t - r_pred|| / ||r_0||")
    axes[2].set_title("(c) measured residual vs prediction from K_0 (solid), re-linearised (dashed)", fontsize=9)
    return fig

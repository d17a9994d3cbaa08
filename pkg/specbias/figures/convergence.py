"""Figures of the convergence study: steps against degree, NTK eigenvectors on S^2."""

from __future__ import annotations

import numpy as np
import xarray as xr

from . import label, plt
from ..common import STATUS


def steps_vs_degree(conv: xr.Dataset, study: dict):
    """Convergence step vs target degree (log-log): measured runs, linearised prediction, fits;
    per hemisphere when the density has two (F9), odd degrees marked (F10), deep nets (F11)."""
    fig, ax = plt.subplots(figsize=(6.2, 4.6), constrained_layout=True)
    k = conv.degree.values
    model, data = study["model"], study["data"]
    fit_min = study["analysis"]["fit_degree_min"]

    def draw(meas, pred, color, name, group):
        seeds = meas.shape[1]
        kk = np.repeat(k, seeds)
        m = meas.reshape(-1).astype(float)
        ok = m > 0
        odd = (kk % 2 == 1)
        ax.scatter(kk[ok & ~odd], m[ok & ~odd], s=16, color=color, alpha=0.7, label=f"{name}: trained (even k)")
        ax.scatter(kk[ok & odd], m[ok & odd], s=22, color=color, marker="^", alpha=0.7, label=f"{name}: trained (odd k)")
        never = ~ok & (conv.status.values.reshape(-1) != STATUS["diverged"])
        if never.any():
            top = study["train"]["max_steps"]
            ax.scatter(kk[never], np.full(never.sum(), top), marker="v", facecolors="none", edgecolors=color,
                       label=f"{name}: not converged by step {top}")
        p = np.where(pred > 0, pred, np.nan).astype(float)
        with np.errstate(all="ignore"):
            pmed = np.array([np.nanmedian(r) if np.isfinite(r).any() else np.nan for r in p])
        ax.plot(k, pmed, "s--", color=color, ms=4, alpha=0.8, label=f"{name}: linearised NTK prediction")
        if f"run_fit_{group}" in conv.attrs:  # stored by the analysis
            slope, lo, hi = conv.attrs[f"run_fit_{group}"]
            ax.plot([], [], " ", label=f"{name}: fitted slope {slope:.2f} [{lo:.2f}, {hi:.2f}] (degrees >= {fit_min})")

    if "region_converged_step" in conv:
        for j, (name, color) in enumerate([("sparse half", "C3"), ("dense half", "C0")]):
            draw(conv.region_converged_step.values[..., j], conv.predicted_region_step.values[..., j], color, name, f"region{j}")
    else:
        draw(conv.converged_step.values, conv.predicted_step.values, "C0", "all points", "all")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(label(conv.degree))
    ax.set_ylabel("convergence step [GD steps]")
    net = f"depth-{model['depth']} net, width {model['width']}" if model["kind"] == "deep" else \
        f"two-layer net, width {model['width']}, {'with' if model['bias'] else 'no'} bias"
    dens = data["density"]["kind"] + (f" ratio {data['density']['ratio']:g}" if data["density"]["kind"] == "hemispheres" else "")
    ax.set_title(f"S^{data['dim'] - 1}, {dens}: {net}", fontsize=10)
    ax.legend(fontsize=7)
    ax.text(0.01, 0.01, conv.attrs["criterion"], transform=ax.transAxes, fontsize=6, color="0.4")
    return fig


def sphere_eigenfunctions(points: xr.Dataset, modes=(1, 4, 9, 16, 25, 36)):
    """Eigenvectors of the NTK Gram matrix on S² samples, on a longitude/latitude map (F8)."""
    x = points.x.values
    lon = np.degrees(np.arctan2(x[:, 1], x[:, 0]))
    lat = np.degrees(np.arcsin(np.clip(x[:, 2], -1, 1)))
    modes = [m for m in modes if m < points.sizes["mode"]]
    fig, axes = plt.subplots(2, (len(modes) + 1) // 2, figsize=(11, 5.2), constrained_layout=True, squeeze=False)
    for ax, m in zip(axes.flat, modes):
        v = points.eigenvector.values[:, m]
        lim = np.max(np.abs(v))
        sc = ax.scatter(lon, lat, c=v, s=6, cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(f"mode {m} (eigenvalue {points.eigenvalue.values[m]:.3g})", fontsize=8)
        ax.set_xlim(-180, 180)
        ax.set_ylim(-90, 90)
        ax.axhline(0, color="0.5", lw=0.5)
        ax.set_xlabel("longitude [deg]", fontsize=7)
        ax.set_ylabel("latitude [deg]", fontsize=7)
        fig.colorbar(sc, ax=ax, shrink=0.8)
    for ax in list(axes.flat)[len(modes):]:
        ax.axis("off")
    fig.suptitle(f"NTK eigenvectors on {points.sizes['sample']} points of S2; dense half: latitude > 0", fontsize=10)
    return fig

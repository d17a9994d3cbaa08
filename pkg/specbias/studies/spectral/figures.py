"""Figures of the spectral study: eigenfunctions, local frequency, eigenvalue law, projection."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ...figures import label, plt


def _shade_regions(ax, spec: xr.Dataset):
    p = spec.region_density.values
    for j in range(spec.sizes["region_index"]):
        ax.axvspan(spec.region_start.values[j], spec.region_end.values[j], color=f"C{j}", alpha=0.07 + 0.25 * p[j] / p.max(), lw=0)


def eigenfunctions(spec: xr.Dataset, show_q=(3, 10, 20)):
    """Eigenfunctions under the density (P1 F2, F5, F13), regions shaded by density."""
    show = [q for q in show_q if q <= spec.frequency_index.max()]
    fig, axes = plt.subplots(len(show) + 1, 1, figsize=(9, 1.9 * (len(show) + 1)), sharex=True, constrained_layout=True)
    th = spec.theta.values
    axes[0].plot(th, spec.density.values, color="k")
    axes[0].set_ylabel(label(spec.density))
    _shade_regions(axes[0], spec)
    for ax, q in zip(axes[1:], show):
        mode = int(np.nonzero(spec.frequency_index.values == q)[0][0])
        ax.plot(th, spec.eigenfunction.values[:, mode], lw=0.9)
        _shade_regions(ax, spec)
        ax.set_ylabel(f"q = {q}")
    axes[-1].set_xlabel(label(spec.theta))
    fig.suptitle(f"NTK eigenfunctions under {spec.attrs['density']}: faster and smaller where p is larger")
    return fig


def local_frequency(spec: xr.Dataset, q_min: int = 1):
    """Measured local angular frequency vs q √p_j / Z, per region (P1 F3)."""
    fig, ax = plt.subplots(figsize=(5.5, 5), constrained_layout=True)
    q = spec.frequency_index.values
    sel = q >= q_min
    for j in range(spec.sizes["region_index"]):
        ax.plot(spec.predicted_local_frequency.values[sel, j], spec.local_frequency.values[sel, j], ".", ms=4,
                color=f"C{j}", label=f"region {j}: p = {spec.region_density.values[j]:.3f}")
    top = np.nanmax(spec.predicted_local_frequency.values[sel])
    ax.plot([0, top], [0, top], "k--", lw=1, label="theory q sqrt(p_j)/Z")
    ax.set_xlabel(label(spec.predicted_local_frequency))
    ax.set_ylabel(label(spec.local_frequency))
    q20 = np.nonzero(q == 20)[0]
    ours = ""
    if q20.size:
        ours = ("\nq = 20, ours: " + "/".join(f"{v:.2f}" for v in spec.local_frequency.values[q20[0]])
                + " vs theory " + "/".join(f"{v:.2f}" for v in spec.predicted_local_frequency.values[q20[0]]))
    ax.set_title("Local frequency of NTK eigenfunctions follows sqrt(p)" + ours, fontsize=10)
    ax.legend(fontsize=8)
    return fig


def eigenvalue_law(specs: dict):
    """λ_q q²/Z² vs q for several densities (P1 F4): flat at 1/π."""
    fig, ax = plt.subplots(figsize=(6.5, 4.5), constrained_layout=True)
    for i, (name, spec) in enumerate(specs.items()):
        q = spec.frequency_index.values
        sel = q >= 1
        tail = spec.eigenvalue_law.values[q >= 20]
        med = f", median q>=20: {np.median(tail):.4f}" if tail.size else ""
        ax.plot(q[sel], spec.eigenvalue_law.values[sel], ".", ms=3, color=f"C{i}", label=f"{name}: {spec.attrs['density']}{med}")
    ax.axhline(1 / np.pi, color="k", ls="--", lw=1, label="1/pi (docs/methods.md §4)")
    ax.axhline(1 / np.pi**2, color="0.5", ls=":", lw=1, label="1/pi^2 (P1 eq. 20 constant)")
    ax.set_xscale("log")
    ax.set_xlabel("eigenfunction index q")
    ax.set_ylabel("lambda_q q^2 / Z^2")
    ax.set_title("NTK eigenvalues under non-uniform densities follow Z^2/q^2")
    ax.legend(fontsize=7)
    return fig


def projection(spec: xr.Dataset):
    """|⟨target, f_k⟩_p| vs mode, with the predicted peaks 2q_j, q_j = κZ/√p_j (P1 F6)."""
    fig, ax = plt.subplots(figsize=(7, 4), constrained_layout=True)
    ax.plot(spec.mode.values, np.abs(spec.projection.values), ".-", ms=3, lw=0.6)
    for j, qj in enumerate(spec.predicted_peak.values):
        if np.isfinite(qj):
            ax.axvline(2 * qj, color=f"C{j + 1}", ls="--", lw=1, label=f"predicted, region {j} (p = {spec.region_density.values[j]:.3f}): mode {2 * qj:.1f}")
    ax.set_xlabel("mode (eigenfunction index q = mode/2)")
    ax.set_ylabel("|" + spec.projection.attrs["long_name"] + "|")
    ax.set_title(f"Target projected on the eigenfunctions ({spec.attrs['density']})")
    ax.legend(fontsize=7)
    return fig

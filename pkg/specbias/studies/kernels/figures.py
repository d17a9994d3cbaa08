"""Figure of the kernels study: eigenvalue against degree per activation, with the fitted laws."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ...duals import FLOOR
from ...figures import label, plt


def kernel_spectra(spec: xr.Dataset, fit_range):
    """λ_k / max λ against k ≥ 1 (log-log left, log-linear right): a power law is a line on the
    left, an exponential decay a line on the right; each label gives the law that fits better.
    (Not λ_k / λ_0: an odd activation such as tanh or sin has λ_0 ≈ 0, which hid its curve.)"""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), constrained_layout=True)
    k = spec.degree.values
    for i, act in enumerate(spec.activation.values):
        lam = spec.eigenvalue.sel(activation=act).values
        keep = (k >= 1) & (lam > np.abs(lam).max() * FLOOR)
        rel = lam[keep] / lam[keep].max() if keep.any() else lam[keep]
        r = spec.sel(activation=act)
        law = (f"k^{float(r.power_slope):.2f}" if float(r.power_r2) >= float(r.exp_r2)
               else f"exp(-{float(r.exp_rate):.2f} k)")
        style = "-" if int(r.homogeneous) else "--"
        for ax in axes:
            ax.plot(k[keep], rel, style, marker=".", ms=3, lw=0.8, color=f"C{i % 10}", label=f"{act} ({r.kind.item()}): {law}")
    axes[0].set(xscale="log", yscale="log", title="log-log: power laws are lines")
    axes[1].set(yscale="log", title="log-linear: exponential decays are lines")
    for ax in axes:
        ax.axvspan(*fit_range, color="0.9", zorder=0)
        ax.set_xlabel(label(spec.degree))
        ax.set_ylabel("eigenvalue / largest eigenvalue (degree >= 1)")
    axes[0].legend(fontsize=7)
    fig.suptitle(f"NTK spectra on {spec.attrs['sphere']} ({spec.attrs['model']} nets); shaded: fit range, "
                 "solid: ReLU family, dashed: smooth", fontsize=10)
    return fig

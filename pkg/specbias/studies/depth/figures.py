"""Figure of the depth study: eigenvalue decay against depth."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ...figures import label, plt
from ...deep import nonzero_degrees


def depth_spectrum(spec: xr.Dataset):
    """λ_k / λ_0 vs k for each depth (P1 F12), numerically zero eigenvalues left out."""
    fig, ax = plt.subplots(figsize=(6.5, 4.5), constrained_layout=True)
    k = spec.degree.values
    for i, d in enumerate(spec.depth.values):
        lam = spec.eigenvalue.sel(depth=d).values
        keep = np.zeros(len(k), dtype=bool)
        keep[nonzero_degrees(lam)] = True
        keep &= (k >= 1) & (lam > 0)
        ax.loglog(k[keep], lam[keep] / lam[0], ".", ms=2, color=f"C{i}", label=f"depth {int(d)}")
    ax.set_xlabel(label(spec.degree))
    ax.set_ylabel("eigenvalue / eigenvalue at degree 0")
    ax.set_title(f"Deep ReLU NTK spectrum on {spec.attrs['sphere']}: deeper is flatter at low degree")
    ax.legend(fontsize=8)
    return fig

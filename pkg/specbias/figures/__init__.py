"""Figures: one module per study, a dataset in, a matplotlib figure out; every fit, median and ratio
drawn is read from the study's analysis file, not recomputed.  Axis labels come from the NetCDF attrs.

:data:`FIGURES` (in ``workflow/scripts/figure.py``) looks a figure name up in the study modules.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import xarray as xr  # noqa: E402


def label(da: xr.DataArray) -> str:
    units = da.attrs.get("units", "")
    name = da.attrs.get("long_name", da.name)
    return f"{name} [{units}]" if units and units != "1" else str(name)


def save(fig, stem: str | Path, formats=("png", "pdf"), dpi: int = 150) -> list[Path]:
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for fmt in formats:
        path = stem.with_suffix(f".{fmt}")
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
        out.append(path)
    plt.close(fig)
    return out


def plot_recorded(ax, da: xr.DataArray, *args, dim: str = "step", **kwargs):
    """Median over seeds of ``da`` against ``dim``, drawn where it was recorded (kernel records
    leave NaN at the snapshots where the kernel was not built)."""
    med = da.median("seed", skipna=True).dropna(dim)
    return ax.plot(med[dim].values, med.values, *args, **kwargs)

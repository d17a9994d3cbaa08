"""What every figure shares: the Agg backend, axis labels from the NetCDF attrs, saving in every
configured format.  Each study draws its own figures (``specbias.studies.<section>.figures``: a
dataset in, a matplotlib figure out; every fit, median and ratio drawn is read from the study's
analysis file, not recomputed), looked up by name through its plug-in's ``figure_table``.
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

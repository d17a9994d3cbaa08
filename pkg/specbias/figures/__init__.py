"""What every figure shares: the Agg backend, axis labels from the NetCDF attrs, saving in every
configured format.  Each study draws its own figures (``specbias.studies.<section>.figures``: a
dataset in, a matplotlib figure out; every fit, median and ratio drawn is read from the study's
analysis file, not recomputed), looked up by name through its plug-in's ``figure_table``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402


def label(da: xr.DataArray) -> str:
    units = da.attrs.get("units", "")
    name = da.attrs.get("long_name", da.name)
    return f"{name} [{units}]" if units and units != "1" else str(name)


def empty(reason: str, title: str = ""):
    """A figure with nothing to draw: one panel that says why (an entry with nothing measurable
    still gets its figure, and the rest of the workflow goes on)."""
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.set_axis_off()
    ax.text(0.5, 0.5, "nothing to draw:\n" + reason, ha="center", va="center", wrap=True, fontsize=9, transform=ax.transAxes)
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def _points(artist) -> np.ndarray | None:
    """The (x, y) data of a line, a point set or a filled band, as an (n, 2) float array; None for
    an artist whose extent is its own (a mesh, an image), which the guard leaves alone."""
    from matplotlib.collections import LineCollection, PathCollection, PolyCollection

    if hasattr(artist, "get_xydata"):
        return np.asarray(artist.get_xydata(), dtype=float).reshape(-1, 2)
    if isinstance(artist, PathCollection):
        return np.asarray(artist.get_offsets(), dtype=float).reshape(-1, 2)
    if isinstance(artist, (PolyCollection, LineCollection)):
        paths = [np.asarray(p.vertices, dtype=float).reshape(-1, 2) for p in artist.get_paths()]
        return np.concatenate(paths) if paths else np.empty((0, 2))
    return None


def _drawable(xy: np.ndarray, log_x: bool, log_y: bool) -> np.ndarray:
    ok = np.isfinite(xy).all(axis=1)
    if log_x:
        ok &= xy[:, 0] > 0
    if log_y:
        ok &= xy[:, 1] > 0
    return ok


def guard_axes(fig) -> list[str]:
    """Never hide data silently: a panel with log axes and no point they can show is made linear and
    says so (instead of matplotlib failing to place ticks), and a labelled curve that the log scale
    or the axis limits leave out says so in its label.  Returns the notes written."""
    notes = []
    for ax in fig.axes:
        log_x, log_y = ax.get_xscale() == "log", ax.get_yscale() == "log"
        artists = [a for a in (*ax.lines, *ax.collections) if a.get_transform() == ax.transData]
        points = [_points(a) for a in artists]
        if ax.images or any(p is None for p in points):  # a mesh or an image sets its own extent
            points = []
            artists = []
        if (log_x or log_y) and artists and not any(_drawable(p, log_x, log_y).any() for p in points):
            ax.set_xscale("linear")
            ax.set_yscale("linear")
            note = "nothing to draw: no point with finite values" + (" above 0 for the log scale" if log_x or log_y else "")
            ax.text(0.5, 0.5, note, transform=ax.transAxes, ha="center", va="center", fontsize=8, color="0.3")
            notes.append(note)
            continue
        (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
        for line in ax.lines:
            name = line.get_label()
            if not name or name.startswith("_") or line.get_transform() != ax.transData:
                continue
            xy = _points(line)
            ok = _drawable(xy, log_x, log_y)
            inside = ok & (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
            if np.isfinite(xy).all(axis=1).any() and not inside.any():
                finite = xy[np.isfinite(xy).all(axis=1), 1]
                why = (f"values {finite.min():.3g} to {finite.max():.3g}, " +
                       ("none above 0 for the log scale" if not ok.any() else "outside the axis range"))
                line.set_label(f"{name} [not drawn: {why}]")
                notes.append(f"{name}: {why}")
        if notes and ax.get_legend() is not None:
            texts = ax.get_legend().get_texts()
            ax.legend(fontsize=texts[0].get_fontsize() if texts else 7)
    return notes


def save(fig, stem: str | Path, formats=("png", "pdf"), dpi: int = 150) -> list[Path]:
    stem = Path(stem)
    for note in guard_axes(fig):
        logging.getLogger(__name__).warning("%s: %s", stem.name, note)
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

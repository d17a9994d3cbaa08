"""One call to load a whole run: every NetCDF file under ``results/`` as one ``xarray.DataTree``,
opened lazily (values are read from disk when used), with the scorecard attached.

    >>> import specbias
    >>> tree = specbias.open_results("results")
    >>> tree["convergence/uniform_circle/analysis/convergence"].measured_step
    >>> tree["scorecard"].to_dataset().to_dataframe()

Node paths are the files' paths under ``results/`` without ``.nc``.  Files are not concatenated:
the files of one family differ in their coordinates (one κ or degree per training file), so
``xr.concat([tree[p].to_dataset() for p in ...], dim="kappa")`` is the way to stack them (no dask
needed); ``xr.open_mfdataset`` would need dask, which specbias does not otherwise use.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xarray as xr


def open_results(path: str | Path = "results") -> xr.DataTree:
    """Every ``*.nc`` file under ``path`` as a node of one DataTree (lazily), and the scorecard as
    the node ``scorecard`` (dim ``row``) when ``scorecard.csv`` exists."""
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"no results folder at {root}")
    nodes: dict[str, xr.Dataset] = {}
    for file in sorted(root.rglob("*.nc")):
        if file.name.startswith("."):
            continue  # a temporary of a writer
        key = file.relative_to(root).with_suffix("").as_posix()
        nodes[key] = xr.open_dataset(file, engine="netcdf4")
    card = root / "scorecard.csv"
    if card.exists():
        frame = pd.read_csv(card, keep_default_na=False)
        nodes["scorecard"] = xr.Dataset.from_dataframe(frame.rename_axis("row")).assign_attrs(source=str(card))
    if not nodes:
        raise FileNotFoundError(f"no NetCDF files under {root}")
    return xr.DataTree.from_dict(nodes, name=root.name)

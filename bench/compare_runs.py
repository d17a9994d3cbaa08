"""Compare two finished runs: the scorecard row by row and every NetCDF file variable by variable.

    python bench/compare_runs.py RUN_A RUN_B [--ignore-attrs]

RUN_A and RUN_B are run folders (each holding results/).  Prints every difference (rows that
differ, variables whose values differ with their largest absolute difference, files only in one
run) and exits with status 1 if there is any.  Variables and attributes that record
when, how fast or by which commit something ran (history, source, steps_per_second, ...)
are left out.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np
import xarray as xr

#: names of variables and attributes that record when, how fast or by which commit something ran,
#: not what it computed
NOT_RESULTS = ("seconds", "per_second", "wall", "elapsed", "time_s", "history", "source")


def _rows(path: Path) -> list[dict]:
    with path.open() as f:
        return list(csv.DictReader(f))


def compare_scorecards(a: Path, b: Path) -> list[str]:
    ra, rb = _rows(a), _rows(b)
    out = []
    if len(ra) != len(rb):
        out.append(f"scorecard: {len(ra)} rows vs {len(rb)}")
    for i, (x, y) in enumerate(zip(ra, rb)):
        for key in sorted(set(x) | set(y)):
            if x.get(key) != y.get(key):
                out.append(f"scorecard row {i} ({x.get('claim')} {x.get('entry')}) {key}: {x.get(key)!r} vs {y.get(key)!r}")
    return out


def _values_differ(u: np.ndarray, v: np.ndarray) -> str | None:
    if u.shape != v.shape:
        return f"shape {u.shape} vs {v.shape}"
    if u.dtype.kind in "fc":
        same = np.array_equal(u, v, equal_nan=True)
        if not same:
            diff = np.nanmax(np.abs(u.astype(np.complex128) - v.astype(np.complex128))) if u.size else 0.0
            return f"max abs difference {diff:.3g}"
        return None
    return None if np.array_equal(u, v) else "values differ"


def compare_netcdf(a: Path, b: Path, ignore_attrs: bool) -> list[str]:
    out = []
    with xr.open_dataset(a) as da, xr.open_dataset(b) as db:
        names = sorted(set(da.variables) | set(db.variables))
        for name in names:
            if name not in da.variables or name not in db.variables:
                out.append(f"{name}: only in {'A' if name in da.variables else 'B'}")
                continue
            if any(t in name for t in NOT_RESULTS):
                continue
            why = _values_differ(np.asarray(da[name].values), np.asarray(db[name].values))
            if why:
                out.append(f"{name}: {why}")
        if not ignore_attrs:
            attrs_a = {k: v for k, v in da.attrs.items() if not any(t in k for t in NOT_RESULTS)}
            attrs_b = {k: v for k, v in db.attrs.items() if not any(t in k for t in NOT_RESULTS)}
            for key in sorted(set(attrs_a) | set(attrs_b)):
                if str(attrs_a.get(key)) != str(attrs_b.get(key)):
                    out.append(f"attr {key}: {attrs_a.get(key)!r} vs {attrs_b.get(key)!r}")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--ignore-attrs", action="store_true", help="compare variables only")
    args = parser.parse_args(argv)
    ra, rb = args.a / "results", args.b / "results"
    problems = compare_scorecards(ra / "scorecard.csv", rb / "scorecard.csv")
    fa = {p.relative_to(ra) for p in ra.rglob("*.nc")}
    fb = {p.relative_to(rb) for p in rb.rglob("*.nc")}
    problems += [f"{p}: only in A" for p in sorted(fa - fb)] + [f"{p}: only in B" for p in sorted(fb - fa)]
    for rel in sorted(fa & fb):
        problems += [f"{rel}: {line}" for line in compare_netcdf(ra / rel, rb / rel, args.ignore_attrs)]
    print(f"compared the scorecard and {len(fa & fb)} NetCDF files: {len(problems)} difference(s)")
    for line in problems:
        print("  " + line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

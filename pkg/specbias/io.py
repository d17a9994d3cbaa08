"""NetCDF conventions, atomic writing and reading; each study module builds its own datasets
with :func:`meta` and :func:`finalize` (docs/methods.md §9).

Conventions (design.md):

* Dims are snake_case nouns.  Primary dims: ``sample`` (a training point), ``run`` (one
  network of an ensemble), ``seed``, ``kappa`` (target frequency), ``step`` (a GD step index;
  no time units, so xarray never decodes it as a date).
* **Derived dims are named by what they index**, never by the dim they came from:
  a Fourier transform along ``sample`` gives ``frequency`` (integer cycles per 2π); an
  eigendecomposition of a sample × sample operator gives ``mode`` (sorted by decreasing
  eigenvalue); a quadrature grid is ``grid_point``.  Spacing and units go in the coordinate's
  attrs.
* Every variable and coordinate has ``long_name`` and ``units`` (``"1"`` if dimensionless).
  Flags are stored as int8 with ``flag_values``/``flag_meanings`` (NetCDF has no bool).
* Global attrs: ``title``, ``source`` (package version and git commit), ``references``
  (arXiv ids), ``config_json`` (the parameters that produced the file, JSON), ``history``.
* Files are written to a temporary name in the same folder and renamed, so a killed job
  never leaves a half-written file at the output path.
"""

from __future__ import annotations

import datetime as _dt
import errno
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from . import REFERENCES, __version__



def meta(long_name: str, units: str = "1", **extra) -> dict:
    """Attributes for a variable or coordinate."""
    return {"long_name": long_name, "units": units, **extra}


def git_commit(path: str | os.PathLike | None = None) -> str:
    """Short commit of the checkout at ``path`` (cwd by default), ``+dirty`` if modified."""
    cwd = str(path) if path else None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=cwd, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd, capture_output=True, text=True
        ).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def source_string() -> str:
    """Package version and the commit of the package's own checkout, wherever the workflow runs
    (a copy of the workflow, another working directory); ``git unknown`` for an installed wheel."""
    return f"specbias {__version__} (git {git_commit(Path(__file__).resolve().parent)})"


def check_conventions(ds: xr.Dataset) -> None:
    """Raise ValueError naming every variable/coordinate without long_name or units."""
    missing = [
        name
        for name in list(ds.data_vars) + list(ds.coords)
        if "long_name" not in ds[name].attrs or "units" not in ds[name].attrs
    ]
    if missing:
        raise ValueError(f"variables/coordinates without long_name or units: {sorted(map(str, missing))}")
    for name in list(ds.data_vars) + list(ds.coords):
        if ds[name].dtype == bool:
            raise ValueError(f"{name!r} is boolean; store flags as int8 (NetCDF has no bool)")


def finalize(ds: xr.Dataset, title: str, config: dict, history: str = "") -> xr.Dataset:
    """Set the global attributes and check the conventions."""
    ds.attrs.update(
        title=title,
        source=source_string(),
        references=REFERENCES,
        config_json=json.dumps(config, sort_keys=True, default=_json_default),
        history=f"{_dt.datetime.now(_dt.timezone.utc).isoformat(timespec='seconds')} {history}".strip(),
        Conventions="CF-1.10",
    )
    check_conventions(ds)
    return ds


def _json_default(obj):
    if hasattr(obj, "to_dict"):  # a typed config object (specbias.settings)
        return obj.to_dict()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


class LayoutError(KeyError):
    """A dataset and its declared layout disagree (a variable missing, undeclared, or with other dims)."""

    def __str__(self):
        return str(self.args[0])


class Layout:
    """The declared layout of one kind of dataset: the variables it always holds and those an option
    adds, each with its dims.  Its builder checks what it made (:meth:`check`); a claim or figure
    asks for a variable by name (:meth:`require`, :meth:`has`), so a variable renamed on one side
    only fails loudly instead of silently dropping a claim row."""

    def __init__(self, name: str, required: dict[str, tuple[str, ...]], optional: dict[str, tuple[str, ...]] | None = None,
                 attrs: tuple[str, ...] = ()):
        self.name, self.required, self.optional, self.attrs = name, dict(required), dict(optional or {}), tuple(attrs)

    def extend(self, name: str, required: dict | None = None, optional: dict | None = None, attrs: tuple[str, ...] = ()) -> "Layout":
        """This layout with more variables (a dataset built from another kind's and added to)."""
        return Layout(name, {**self.required, **(required or {})}, {**self.optional, **(optional or {})}, self.attrs + tuple(attrs))

    def dims(self, var: str) -> tuple[str, ...]:
        if var in self.required:
            return self.required[var]
        if var in self.optional:
            return self.optional[var]
        raise LayoutError(f"{self.name}: {var!r} is not a variable of this dataset (declared: "
                          f"{', '.join(sorted({**self.required, **self.optional}))})")

    def check(self, ds: xr.Dataset) -> xr.Dataset:
        """``ds`` holds every required variable and attribute, only declared variables, each with its declared dims."""
        missing = [v for v in self.required if v not in ds.data_vars]
        if missing:
            raise LayoutError(f"{self.name}: missing {', '.join(missing)}")
        missing = [a for a in self.attrs if a not in ds.attrs]
        if missing:
            raise LayoutError(f"{self.name}: missing the attribute(s) {', '.join(missing)}")
        for var in ds.data_vars:
            if tuple(ds[var].dims) != self.dims(var):
                raise LayoutError(f"{self.name}: {var} has dims {tuple(ds[var].dims)}, declared {self.dims(var)}")
        return ds

    def has(self, ds: xr.Dataset, var: str) -> bool:
        """Whether the option that adds ``var`` was on (``var`` must be declared)."""
        self.dims(var)
        return var in ds.data_vars

    def require(self, ds: xr.Dataset, var: str) -> xr.DataArray:
        if not self.has(ds, var):
            raise LayoutError(f"{self.name}: {var} is needed here but this file has none (made without the option that adds it)")
        return ds[var]


def config_of(ds: xr.Dataset) -> dict:
    return json.loads(ds.attrs["config_json"])


def remove_stale_parts(path: Path) -> list[Path]:
    """Delete temporary files a killed writer of ``path`` left behind (``.<name>.<random>.part``).
    Snakemake runs one job per output, so no live writer of the same file can be affected."""
    stale = list(path.parent.glob(f".{path.name}.*.part"))
    for p in stale:
        p.unlink(missing_ok=True)
    return stale


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _temporary(path: Path) -> tuple[int, str]:
    """A temporary file beside ``path`` with the permissions any new file of the user gets
    (``0666`` less the umask; ``mkstemp`` alone would make it readable by its owner only)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.fchmod(fd, 0o666 & ~_umask())
    return fd, tmp


def _explain_write_error(exc: BaseException, path: Path) -> None:
    """A full disk said in words (a job would otherwise end with a bare exit status)."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        free = shutil.disk_usage(path.parent).free if path.parent.exists() else 0
        raise OSError(errno.ENOSPC, f"no space left on the device while writing {path} ({free / 1e6:.0f} MB free there): "
                      "free some space (or move results/ to a larger disk) and run the same command again") from exc


def write(ds: xr.Dataset, path: str | os.PathLike) -> None:
    """Write atomically: a temporary file in the target folder, then ``os.replace``; temporaries of
    the same file left by a killed writer are removed first."""
    check_conventions(ds)
    path = Path(path)
    fd, tmp = _temporary(path)
    os.close(fd)
    try:
        ds.to_netcdf(tmp, engine="netcdf4", encoding=_char_encoding(ds))
        os.replace(tmp, path)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.remove(tmp)
        _explain_write_error(exc, path)
        raise


def _char_encoding(ds: xr.Dataset) -> dict:
    """Text variables (labels such as ``encoding`` or ``variant``) as UTF-8 character arrays, not
    netCDF-4 variable-length strings: reading vlen strings back through netCDF4-python's bundled
    HDF5 can crash the reading process (a segfault after many files were opened in one process,
    seen in our test suite; cf. Unidata/netcdf4-python#1444).  xarray decodes the character arrays
    back to ``str``."""
    return {name: {"dtype": "S1", "char_dim_name": f"{name}_strlen"}
            for name, var in ds.variables.items()
            if var.dtype.kind == "U" or (var.dtype.kind == "O" and all(isinstance(v, str) for v in var.values.ravel()))}


class DamagedFileError(RuntimeError):
    """An input file exists but cannot be read (truncated, overwritten, not NetCDF)."""


def read(path: str | os.PathLike) -> xr.Dataset:
    """Load a whole dataset into memory and close the file; a file that exists but cannot be read
    is reported with its path and what to do (Snakemake keeps a damaged file whose date is new)."""
    try:
        return xr.load_dataset(path, engine="netcdf4")
    except FileNotFoundError:
        raise
    except (OSError, RuntimeError, ValueError, KeyError) as exc:
        if not Path(path).is_file():
            raise
        raise DamagedFileError(
            f"{path} cannot be read ({type(exc).__name__}: {exc}): the file is damaged (cut short, or written by "
            f"something else). Delete it and run the same command again (Snakemake remakes a missing file and "
            f"everything after it), or rerun its job with --forcerun <rule that makes it>") from None


# ----------------------------------------------------------------------------------------
# Pieces of the circle entries' datasets (each study module builds its own datasets).


def region_variables(density) -> dict:
    """The density's arc table (dim ``region_index``) and its constant Z."""
    return {
        "region_density": ("region_index", np.asarray(density.values), meta("mean density in the arc (the arc is the whole circle unless piecewise)", "rad-1")),
        "region_start": ("region_index", np.asarray(density.edges[:-1]), meta("start angle of the arc", "rad")),
        "region_end": ("region_index", np.asarray(density.edges[1:]), meta("end angle of the arc", "rad")),
        "sqrt_mass": ((), density.sqrt_mass(), meta("Z = (1/(2 pi)) int sqrt(p) dtheta", "rad-1/2")),
    }


def region_coordinate(density):
    return ("region_index", np.arange(density.regions), meta("arc index, counter-clockwise from -pi"))


def _atomic_text(text: str, path: str | os.PathLike) -> None:
    path = Path(path)
    fd, tmp = _temporary(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.remove(tmp)
        _explain_write_error(exc, path)
        raise


def write_text(text: str, path: str | os.PathLike) -> None:
    """Write a text file atomically."""
    _atomic_text(text, path)


def write_csv(frame, path: str | os.PathLike) -> None:
    """Write a pandas DataFrame as CSV atomically."""
    _atomic_text(frame.to_csv(index=False), path)


def read_csv(path: str | os.PathLike):
    return pd.read_csv(path, keep_default_na=False)



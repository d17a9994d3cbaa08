"""Studies as plug-ins: one folder per study, one line each in :data:`BUILTIN`.

A study is one config section; its folder ``specbias/studies/<section>/`` holds its plug-in (a
:class:`~specbias.studies.base.Study` subclass in ``__init__.py``: checks, memory estimates,
planning, figure table, summary counts), its stages (``stages.py``), claims and figures, and
``rules/<section>.smk`` its jobs.  The centre of the workflow (config checks, pre-flight, the
rules' targets, the figure script, scorecard and summary) loops over :func:`registered` and never
names a study.  A study defined outside the package registers itself with :func:`register`
(docs/extending.md).  No study imports another, except ``lazy``, which sweeps the convergence
study's own stages over width.
"""

from __future__ import annotations

import importlib

from .base import Study

#: the built-in studies, in the order the workflow plans them: module -> its plug-in class
BUILTIN = {
    "specbias.studies.convergence": "Convergence",
    "specbias.studies.spectral": "Spectral",
    "specbias.studies.depth": "Depth",
    "specbias.studies.coordinate": "Coordinate",
    "specbias.studies.kernels": "Kernels",
    "specbias.studies.holdout": "Holdout",
    "specbias.studies.lazy": "Lazy",
    "specbias.studies.realdata": "Realdata",
}

_REGISTRY: dict[str, type[Study]] = {}


def register(cls: type[Study]) -> type[Study]:
    """Add a study class (usable as a decorator); its ``section`` must be new."""
    if not cls.section:
        raise ValueError(f"{cls.__qualname__} has no section")
    if cls.section in _REGISTRY and _REGISTRY[cls.section] is not cls:
        raise ValueError(f"study section {cls.section!r} is registered twice "
                         f"({_REGISTRY[cls.section].__qualname__}, {cls.__qualname__})")
    _REGISTRY[cls.section] = cls
    return cls


def load_plugins(modules) -> None:
    """Import the modules a config names under ``plugins:`` (each registers its studies, activations,
    densities, ... when imported); a module that cannot be imported stops the run naming the key."""
    from ..config import ConfigError

    for i, module in enumerate(modules or []):
        try:
            importlib.import_module(module)
        except Exception as exc:  # noqa: BLE001 - any import failure is the user's module's
            raise ConfigError(f"config error at plugins[{i}]: cannot import {module!r} "
                              f"({type(exc).__name__}: {exc}); is it on PYTHONPATH or installed?") from None


def _load_builtins() -> None:
    for module, name in BUILTIN.items():
        cls = getattr(importlib.import_module(module), name)
        _REGISTRY.setdefault(cls.section, cls)


def registered() -> dict[str, type[Study]]:
    """Section -> study class, the built-in ones first."""
    _load_builtins()
    return dict(_REGISTRY)


def sections() -> tuple[str, ...]:
    return tuple(registered())


def bind(config: dict) -> dict[str, Study]:
    """Section -> study bound to ``config`` (what the rules and the config checks use)."""
    return {section: cls(config) for section, cls in registered().items()}


def get(section: str) -> type[Study]:
    try:
        return registered()[section]
    except KeyError:
        raise ValueError(f"unknown study {section!r}; the studies are {', '.join(registered())}") from None



def check_layouts(results) -> tuple[int, list[str]]:
    """Check every NetCDF file of a finished run (``results``: its ``results/`` folder) against the
    layout its study declares for that file (:meth:`Study.layouts`); return (files checked,
    problems: a file no study declares, or one that does not match its layout)."""
    from fnmatch import fnmatch
    from pathlib import Path

    import xarray as xr

    results, checked, problems = Path(results), 0, []
    for section, cls in registered().items():
        declared = cls.layouts()
        for path in sorted((results / section).glob("*/**/*.nc")):
            rel = path.relative_to(results / section).as_posix().split("/", 1)[1]
            match = [layout for pattern, layout in declared.items() if fnmatch(rel, pattern)]
            if len(match) != 1:
                problems.append(f"{path}: {'no' if not match else 'more than one'} declared layout matches")
                continue
            with xr.open_dataset(path) as ds:
                try:
                    match[0].check(ds)
                    checked += 1
                except KeyError as exc:  # io.LayoutError
                    problems.append(f"{path}: {exc}")
    return checked, problems

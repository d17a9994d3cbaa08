"""Modules imported on first use: ``torch = lazy("torch", globals())`` at the top of a module binds a
stand-in that imports torch the first time an attribute is read and then rebinds the module's
global to the real module, so later reads cost nothing.  Modules the workflow's own process needs
(config checks, planning the jobs) use it for torch and SciPy, which a Snakemake process that only
plans jobs then never imports (docs/speed.md)."""

from __future__ import annotations

import importlib


class _Lazy:
    def __init__(self, name: str, owner: dict, alias: str):
        self._name, self._owner, self._alias = name, owner, alias

    def __getattr__(self, attr: str):
        module = importlib.import_module(self._name)
        if self._owner.get(self._alias) is self:
            self._owner[self._alias] = module
        return getattr(module, attr)

    def __repr__(self):
        return f"<{self._name}, imported on first use>"


def lazy(name: str, owner: dict, alias: str | None = None):
    """A stand-in for module ``name``, bound in the namespace ``owner`` (a module's ``globals()``) as
    ``alias`` (default: the last part of ``name``)."""
    return _Lazy(name, owner, alias or name.rsplit(".", 1)[-1])

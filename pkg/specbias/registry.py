"""Registries from a config ``kind`` to the class that implements it (docs/methods.md §9).

Each table maps a name to a class registered with its decorator in the module that defines it::

    @MODELS.register("two_layer")
    class TwoLayer(ModelKind): ...

A new model, circle or sphere density, encoding, target or activation is one class in one module;
the schema reads the kind lists (and a kind's own keys, ``parameters``) from these tables.  The
built-in modules are imported on the first lookup, so a table is complete whichever module the
caller imported first; a class defined elsewhere (a user's module, a test) registers itself when
its module is imported.  A table whose modules import torch lists its built-in kinds by name
(``names=``), so that checking a config never imports them.
"""

from __future__ import annotations

import importlib


class Configured:
    """Base of every registered class: built from its config entry (``cfg``, the dict holding
    ``kind`` and the kind's own keys), which it keeps as ``self.cfg``.

    A kind whose config entry takes keys of its own declares them in ``parameters`` (key -> JSON
    Schema) and the ones it needs in ``required_parameters``: a schema node ``{$kinds: <registry>}``
    becomes the object of ``kind`` plus every registered kind's keys (:mod:`specbias.schema`), so a
    new kind is accepted by every study that takes its registry without editing a schema."""

    kind = ""
    parameters: dict[str, dict] = {}
    required_parameters: tuple[str, ...] = ()

    def __init__(self, cfg: dict):
        self.cfg = cfg

    @classmethod
    def from_config(cls, cfg: dict):
        return cls(cfg)


class Registry:
    """Name -> class, for one kind of extension point."""

    def __init__(self, what: str, builtins: tuple[str, ...], names: tuple[str, ...] | None = None):
        self.what = what
        self._builtins = builtins
        #: the built-in kinds, where listing them must not import their modules (a test keeps the list
        #: equal to what the modules register)
        self._declared = names
        self._loaded = False
        self._table: dict[str, type] = {}

    def register(self, name: str):
        """Class decorator: ``name`` is the config ``kind`` that selects the class (set as ``cls.kind``)."""
        def deco(cls):
            if name in self._table and self._table[name] is not cls:
                raise ValueError(f"{self.what} {name!r} is registered twice ({self._table[name].__qualname__}, {cls.__qualname__})")
            cls.kind = name
            self._table[name] = cls
            return cls
        return deco

    def _load(self):
        if not self._loaded:
            self._loaded = True
            for mod in self._builtins:
                importlib.import_module(mod)

    def names(self) -> tuple[str, ...]:
        if self._declared is not None and not self._loaded:
            return tuple(dict.fromkeys(self._declared + tuple(self._table)))
        self._load()
        return tuple(self._table)

    def __contains__(self, name) -> bool:
        self._load()
        return name in self._table

    def __getitem__(self, name: str) -> type:
        self._load()
        try:
            return self._table[name]
        except KeyError:
            raise ValueError(f"unknown {self.what} {name!r}; choose one of {sorted(self._table)}") from None

    def build(self, cfg):
        """The instance a config entry selects: ``cfg`` is a kind name, a dict with ``kind`` or a typed
        config object (:mod:`specbias.settings`) holding one."""
        if hasattr(cfg, "to_dict"):
            cfg = cfg.to_dict()
        cfg = {"kind": cfg} if isinstance(cfg, str) else dict(cfg)
        return self[cfg.get("kind")].from_config(cfg)


MODELS = Registry("model kind", ("specbias.models",), names=("two_layer", "deep"))  # models.py imports torch
CIRCLE_DENSITIES = Registry("circle density", ("specbias.sampling",))
SPHERE_DENSITIES = Registry("sphere density", ("specbias.sphere",))
ENCODINGS = Registry("encoding", ("specbias.encodings",))
CIRCLE_TARGETS = Registry("circle target", ("specbias.targets",))
SPHERE_TARGETS = Registry("sphere target", ("specbias.sphere",))
ACTIVATIONS = Registry("activation", ("specbias.activations",))

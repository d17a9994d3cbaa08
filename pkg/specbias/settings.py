"""Typed config objects: one frozen dataclass per object of a study's schema, generated from it.

The JSON Schema (``studies/<section>/schema.yaml``) is the one home of every key, type, limit and
default: Snakemake validates the user's file against it and the configuration reference is written
from it.  :func:`generate` turns a study's schema fragment into Python source, one
``@dataclass(frozen=True, kw_only=True)`` per object with typed fields and the schema's defaults,
which ``python -m specbias.settings`` writes to ``studies/<section>/settings.py`` (a test keeps
every committed file equal to a fresh generation, so the two cannot drift).  A study defined
outside the package needs no file: :func:`classes` generates its classes when first asked.

How a value is typed:

* an object with ``properties`` is a class of its own (named after its key);
* a map of names (``patternProperties``) is ``dict[str, <class>]``;
* a registry spec (an object with a ``kind`` chosen from a registry, or a ``$kinds`` node: a
  density, an encoding, an activation) stays a ``dict``: the registry's class is its typed form (``REGISTRY.build(spec)``);
* a key without a default that may be left out is ``<type> | None = None`` (and is left out again
  by :meth:`Settings.to_dict`).

A validated entry becomes a typed object with :meth:`Settings.from_dict` (``Study.settings``).  A
job's ``params`` stay plain dicts (Snakemake fingerprints them to decide what reruns); the stage
reads them as a *partial* object, ``Entry.from_dict(params, partial=True)``: a key the rule did
not pass is not silently defaulted, reading it raises naming the key, so a stage cannot depend on
a value that its job's fingerprint leaves out.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import keyword
import sys
from collections.abc import Mapping
from pathlib import Path


class _NotInJob:
    """The value of a key a partial object was not given (see :meth:`Settings.from_dict`)."""

    def __repr__(self):
        return "<not in this job's parameters>"


NOT_IN_JOB = _NotInJob()


def _error(message: str):
    from .config import ConfigError

    return ConfigError(message)


class Settings:
    """Base of the generated config classes: building from a validated dict and back."""

    def __getattribute__(self, name):
        value = object.__getattribute__(self, name)
        if value is NOT_IN_JOB:
            where = object.__getattribute__(self, "__dict__").get("_where") or type(self).__name__
            raise AttributeError(f"{where}.{name} is not among this job's parameters: the rule's params function "
                                 "leaves it out, so a change to it would not rerun the job (pass it there)")
        return value

    @classmethod
    def from_dict(cls, data, where: str = "", partial: bool = False):
        """The typed object of a validated mapping; ``where`` is its dotted config path (for errors).
        A key that is not a field, or a required key that is missing, raises ConfigError naming it;
        with ``partial`` a missing key is left unset instead (reading it raises)."""
        if isinstance(data, cls):
            return data
        if not isinstance(data, Mapping):
            raise _error(f"config error at {where or '<top level>'}: expected a mapping, got {type(data).__name__}")
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = [k for k in data if k not in fields]
        if unknown:
            at = f"{where}.{unknown[0]}" if where else str(unknown[0])
            raise _error(f"config error at {at}: not a key of {cls.__name__} (its keys: {', '.join(fields)})")
        kwargs = {}
        for name, f in fields.items():
            here = f"{where}.{name}" if where else name
            if name in data:
                kwargs[name] = _convert(f, data[name], here, partial)
            elif partial:  # an optional key without a default is absent from validated entries too
                kwargs[name] = None if f.metadata.get("omit_none") else NOT_IN_JOB
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise _error(f"config error at {here}: a required key is missing")
        obj = cls(**kwargs)
        object.__setattr__(obj, "_where", where)
        return obj

    def to_dict(self) -> dict:
        """Back to the plain mapping (what validation produced): keys a partial object was not given,
        and optional keys left out, are left out again."""
        out = {}
        for f in dataclasses.fields(self):
            value = object.__getattribute__(self, f.name)
            if value is NOT_IN_JOB or (value is None and f.metadata.get("omit_none")):
                continue
            out[f.name] = _plain(value)
        return out

    def given(self, name: str) -> bool:
        """Whether the key ``name`` holds a value (given, or defaulted by the schema)."""
        value = object.__getattribute__(self, name)
        return value is not NOT_IN_JOB and value is not None

    def __repr__(self):
        inner = ", ".join(f"{f.name}={object.__getattribute__(self, f.name)!r}" for f in dataclasses.fields(self))
        return f"{type(self).__name__}({inner})"

    def __eq__(self, other):
        return type(other) is type(self) and self.to_dict() == other.to_dict()

    __hash__ = None


def _convert(f: dataclasses.Field, value, where: str, partial: bool):
    cls, container = f.metadata.get("settings"), f.metadata.get("container")
    if cls is None or value is None:
        return copy.deepcopy(value)
    if container == "map":
        if not isinstance(value, Mapping):
            raise _error(f"config error at {where}: expected a mapping of names, got {type(value).__name__}")
        return {k: cls.from_dict(v, f"{where}.{k}", partial) for k, v in value.items()}
    return cls.from_dict(value, where, partial)


def _plain(value):
    if isinstance(value, Settings):
        return value.to_dict()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return copy.deepcopy(value)


def nested(cls, container: str | None = None, omit_none: bool = False, **kw) -> dataclasses.Field:
    """A field holding a generated class (``container="map"``: a dict of names to it; ``omit_none``:
    it may be left out, as :func:`optional`)."""
    if omit_none:
        kw["default"] = None
    return dataclasses.field(metadata={"settings": cls, "container": container, "omit_none": omit_none}, **kw)


def optional(**kw) -> dataclasses.Field:
    """A key without a default that may be left out (``None``, and left out of :meth:`Settings.to_dict`)."""
    return dataclasses.field(default=None, metadata={"omit_none": True}, **kw)


def default_of(cls, value: dict):
    """The default factory of a nested object's field: the schema's default, typed."""
    return lambda: cls.from_dict(value)


# ---- the generator --------------------------------------------------------------------------------

_SCALARS = {"integer": "int", "number": "float", "boolean": "bool", "string": "str", "null": "None",
            "array": "list", "object": "dict"}


def _camel(key: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in key.split("_") if part)


class _Generator:
    """Source text of the dataclasses of one study's schema fragment."""

    def __init__(self, study_cls):
        import yaml

        from .schema import COMMON

        self.study = study_cls
        self.fragment = yaml.safe_load(study_cls.schema_file().read_text())
        common = yaml.safe_load(COMMON.read_text())
        self.defs = {**common.get("$defs", {}), **self.fragment.get("$defs", {})}
        self.classes: list[str] = []  # class sources, dependencies first
        self.names: set[str] = set()
        self.imports: set[str] = set()

    def _name(self, key: str, parent: str) -> str:
        name = _camel(key) or "Entry"
        if name in self.names or keyword.iskeyword(name):
            name = parent + name
        self.names.add(name)
        return name

    def _deref(self, node: dict) -> tuple[dict, str | None]:
        ref = node.get("$ref")
        if ref is None:
            return node, None
        name = ref.split("/")[-1]
        return self.defs.get(name, {}), name

    def _is_spec(self, node: dict) -> bool:
        """A registry spec: a ``$kinds`` node, or an object whose required ``kind`` is chosen from a registry."""
        if "$kinds" in node:
            return True
        kind = node.get("properties", {}).get("kind", {})
        kind, _ = self._deref(kind)
        return "$registry" in kind and "kind" in node.get("required", [])

    def annotation(self, key: str, node: dict, parent: str) -> tuple[str, str | None, str | None]:
        """(type annotation, generated class or None, container or None) of one property."""
        node, ref = self._deref(node)
        if ref and ref.endswith("_entry") and ref != f"{self.study.section}_entry":
            section = ref[: -len("_entry")]
            alias = f"{_camel(section)}Entry"
            self.imports.add(f"from specbias.studies.{section}.settings import Entry as {alias}")
            return alias, alias, None
        if self._is_spec(node):  # the registry's class is its typed form
            return "dict", None, None
        for alt in ("anyOf", "oneOf"):
            if alt in node:
                types = []
                for sub in node[alt]:
                    t = self.annotation(key, sub, parent)[0]
                    types += [x for x in t.split(" | ") if x not in types]
                return " | ".join(types), None, None
        if "enum" in node or "const" in node or "$registry" in node:
            return "str", None, None
        kind = node.get("type")
        if isinstance(kind, list):
            return " | ".join(self._plain_type(k, node, key, parent) for k in kind), None, None
        if kind == "object" or "properties" in node or "patternProperties" in node:
            if "properties" in node and not self._is_spec(node):
                name = self.class_for(key, node, parent)
                return name, name, None
            pattern = next(iter(node.get("patternProperties", {}).values()), None)
            if pattern is not None:
                inner, _ = self._deref(pattern)
                if "properties" in inner and not self._is_spec(inner):
                    name = self.class_for(key[:-1] if key.endswith("s") else key + "_item", inner, parent)
                    return f"dict[str, {name}]", name, "map"
                return "dict[str, dict]", None, None
            extra = node.get("additionalProperties")
            if isinstance(extra, dict) and "type" in extra:
                return f"dict[str, {_SCALARS.get(extra['type'], 'object')}]", None, None
            return "dict", None, None
        return self._plain_type(kind, node, key, parent), None, None

    def _plain_type(self, kind, node, key, parent) -> str:
        if kind == "array":
            items = node.get("items")
            if isinstance(items, dict):
                return f"list[{self.annotation(key, items, parent)[0]}]"
            return "list"
        return _SCALARS.get(kind, "object")

    def class_for(self, key: str, node: dict, parent: str) -> str:
        name = self._name(key, parent)
        lines, required = [], set(node.get("required", []))
        for prop, sub in node.get("properties", {}).items():
            ann, cls, container = self.annotation(prop, sub, name)
            resolved, _ = self._deref(sub)
            if keyword.iskeyword(prop) or not prop.isidentifier():
                raise ValueError(f"{self.study.section}: the key {prop!r} cannot be a Python field name")
            field = prop
            desc = " ".join(str(resolved.get("description", sub.get("description", ""))).split())
            if "default" in sub or "default" in resolved:
                default = sub["default"] if "default" in sub else resolved["default"]
                value = self._default(default, cls, container)
            elif prop in required:
                value = f"nested({cls}{', container=' + repr(container) if container else ''})" if cls else None
            else:
                ann = ann if "None" in ann.split(" | ") else f"{ann} | None"
                value = (f"nested({cls}{', container=' + repr(container) if container else ''}, omit_none=True)"
                         if cls else "optional()")
            line = f"    {field}: {ann}" + (f" = {value}" if value else "")
            if desc:
                line += f"\n    \"\"\"{desc.replace(chr(92), chr(92) * 2)}\"\"\""
            lines.append(line)
        doc = " ".join(str(node.get("description", "")).split()) or f"``{key}``"
        body = "\n".join(lines) if lines else "    pass"
        self.classes.append(f"@dataclass(frozen=True, kw_only=True, eq=False, repr=False)\nclass {name}(Settings):\n"
                            f"    \"\"\"{doc}\"\"\"\n\n{body}\n")
        return name

    @staticmethod
    def _default(value, cls, container) -> str:
        if cls is not None:
            if container:
                return f"nested({cls}, container={container!r}, default_factory=dict)"
            return f"nested({cls}, default_factory=default_of({cls}, {value!r}))"
        if isinstance(value, (list, dict)):
            return f"field(default_factory=lambda: {value!r})"
        return repr(value)

    def source(self) -> str:
        self.class_for("entry", self.fragment["entry"], "")
        head = [f'"""Typed config of the ``{self.study.section}:`` section: GENERATED by `python -m specbias.settings`',
                "from the study's schema.yaml (edit that, then regenerate; a test keeps the two equal)."
                '"""', "", "from __future__ import annotations", "", "from dataclasses import dataclass, field", "",
                "from specbias.settings import Settings, default_of, nested, optional"]
        head += sorted(self.imports)
        return "\n".join(head) + "\n\n\n" + "\n\n".join(self.classes)


def generate(study_cls) -> str:
    """The source of ``studies/<section>/settings.py`` for one study class."""
    return _Generator(study_cls).source()


def settings_file(study_cls) -> Path:
    return study_cls.schema_file().with_name("settings.py")


_GENERATED: dict[type, object] = {}


def classes(study_cls):
    """The module of the study's typed config classes: its ``settings.py`` beside the plug-in, or,
    for a study without one, the classes generated from its schema now (once per process)."""
    name = f"{study_cls.__module__}.settings"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
    if study_cls not in _GENERATED:
        import types

        module = types.ModuleType(name)
        sys.modules[name] = module  # dataclasses resolve their annotations through the module
        exec(compile(generate(study_cls), f"<settings of {study_cls.section}>", "exec"), module.__dict__)  # noqa: S102
        _GENERATED[study_cls] = module
    return _GENERATED[study_cls]


def main(argv=None) -> None:
    """Write every built-in study's ``settings.py`` (``--check``: exit 1 naming those that differ)."""
    from .studies import BUILTIN, registered

    argv = sys.argv[1:] if argv is None else argv
    stale = []
    for cls in registered().values():
        if cls.__module__ not in BUILTIN:
            continue
        path, text = settings_file(cls), generate(cls)
        if path.exists() and path.read_text() == text:
            continue
        stale.append(str(path))
        if "--check" not in argv:
            path.write_text(text)
    if stale:
        print(("stale: " if "--check" in argv else "wrote: ") + ", ".join(stale))
        if "--check" in argv:
            sys.exit(1)


if __name__ == "__main__":
    main()

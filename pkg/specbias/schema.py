"""The config schema, assembled from its parts: the workflow-wide keys and shared definitions
(``schema_common.yaml``) and one fragment per registered study (``studies/<section>/schema.yaml``:
its ``description`` and the schema of one ``entry``).  Kind lists are never copied: a node
``{$registry: <name>}`` (or a list of names) becomes an ``enum`` of that registry's kinds, so a new
activation, density or encoding is accepted by the schema as soon as its class is registered.

``python -m specbias.schema [PATH]`` writes the assembled schema (``schemas/config.schema.yaml``,
the user-facing contract; a test keeps the committed file equal to the assembly), and
``python -m specbias.schema --markdown docs/config.md`` the configuration reference.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import yaml

#: the pattern of an entry name (a study's wildcard value and folder name under results/<section>/)
ENTRY_NAME = r"^[A-Za-z][A-Za-z0-9_]{0,63}$"

COMMON = Path(__file__).with_name("schema_common.yaml")


def _registries() -> dict:
    """Registry name -> its kinds (and the bundled images' names), for ``$registry`` nodes."""
    from . import signals

    return {name: table.names() for name, table in _registry_tables().items()} | {"image": tuple(signals.BUNDLED_IMAGES)}


def _registry_tables() -> dict:
    from . import registry

    return {"activation": registry.ACTIVATIONS, "encoding": registry.ENCODINGS, "circle_density": registry.CIRCLE_DENSITIES,
            "sphere_density": registry.SPHERE_DENSITIES, "circle_target": registry.CIRCLE_TARGETS,
            "sphere_target": registry.SPHERE_TARGETS, "model": registry.MODELS}


def _kind_object(node: dict) -> None:
    """Expand ``{$kinds: <registry or list>}`` in place: the object of a ``kind`` from those registries
    with every registered kind's own keys (``parameters``) and, per kind, the ones it requires
    (``required_parameters``); ``properties`` given beside ``$kinds`` amend the generated ones."""
    names = node.pop("$kinds")
    names = [names] if isinstance(names, str) else names
    tables = _registry_tables()
    props: dict = {"kind": {"$registry": names}}
    required: list = []
    for name in names:
        for kind in tables[name].names():
            cls = tables[name][kind]
            for key, sub in getattr(cls, "parameters", {}).items():
                if key in props and props[key] != sub:
                    raise ValueError(f"schema: the key {key!r} of {name} kind {kind!r} differs from another kind's")
                props[key] = copy.deepcopy(sub)
            if getattr(cls, "required_parameters", ()) and not any(c["if"]["properties"]["kind"]["const"] == kind for c in required):
                required.append({"if": {"properties": {"kind": {"const": kind}}}, "then": {"required": list(cls.required_parameters)}})
    for key, sub in node.pop("properties", {}).items():
        props[key] = {**props.get(key, {}), **sub}
    node.update(type="object", additionalProperties=False, required=["kind"], properties=props)
    if required:
        node["allOf"] = required


def _fill(node, kinds: dict):
    """Replace every ``$kinds`` node by its kind object and every ``$registry`` key by the ``enum`` of
    the kinds it names (in place)."""
    if isinstance(node, dict):
        if "$kinds" in node:
            _kind_object(node)
        if "$registry" in node:
            names = node.pop("$registry")
            names = [names] if isinstance(names, str) else names
            enum: list[str] = []
            for name in names:
                if name not in kinds:
                    raise ValueError(f"schema: unknown registry {name!r} (known: {', '.join(sorted(kinds))})")
                enum += [k for k in kinds[name] if k not in enum]
            node["enum"] = enum
        for value in node.values():
            _fill(value, kinds)
    elif isinstance(node, list):
        for value in node:
            _fill(value, kinds)
    return node


def section_schema(study_cls) -> tuple[dict, dict]:
    """(the section's property schema, the $defs it adds) of one study class."""
    fragment = yaml.safe_load(study_cls.schema_file().read_text())
    missing = {"description", "entry"} - set(fragment)
    if missing:
        raise ValueError(f"{study_cls.schema_file()}: the fragment needs {', '.join(sorted(missing))}")
    defs = {f"{study_cls.section}_entry": fragment["entry"], **fragment.get("$defs", {})}
    prop = {"description": fragment["description"], "type": "object", "default": {}, "additionalProperties": False,
            "patternProperties": {ENTRY_NAME: {"$ref": f"#/$defs/{study_cls.section}_entry"}}}
    return prop, defs


def assemble() -> dict:
    """The whole config schema, assembled anew (a plug-in imported since the last call is in it)."""
    from .studies import registered

    schema = yaml.safe_load(COMMON.read_text())
    for cls in registered().values():
        prop, defs = section_schema(cls)
        if cls.section in schema["properties"]:
            raise ValueError(f"study section {cls.section!r} clashes with a workflow-wide key")
        schema["properties"][cls.section] = prop
        for name, sub in defs.items():
            if name in schema["$defs"]:
                raise ValueError(f"schema definition {name!r} of study {cls.section!r} is defined twice")
            schema["$defs"][name] = sub
    return _fill(schema, _registries())


class _Dumper(yaml.SafeDumper):
    """Block style for nested mappings, flow style for a mapping or list of scalars (one key a line)."""


def _is_leaf(value) -> bool:
    scalars = (str, int, float, bool, type(None))
    if isinstance(value, list):
        return all(isinstance(v, scalars) for v in value)
    if isinstance(value, dict):
        return all(isinstance(v, scalars) or (isinstance(v, list) and _is_leaf(v)) for v in value.values())
    return False


def _represent_dict(dumper, data):
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=_is_leaf(data))


def _represent_list(dumper, data):
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=_is_leaf(data))


_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(list, _represent_list)


def dump(schema: dict | None = None) -> str:
    head = ("# specbias config schema: GENERATED by `python -m specbias.schema` from specbias/schema_common.yaml\n"
            "# and every study's specbias/studies/<section>/schema.yaml.  Edit those, not this file.\n")
    return head + yaml.dump(schema or assemble(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=140)


def _resolve(node: dict, schema: dict) -> dict:
    while "$ref" in node:
        ref = node["$ref"].split("/")[-1]
        node = {**schema["$defs"][ref], **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _kind(node: dict) -> str:
    if "enum" in node:
        return "one of " + ", ".join(f"`{v}`" for v in node["enum"])
    if "oneOf" in node:
        return " or ".join(_kind(n) for n in node["oneOf"])
    kind = node.get("type", "")
    if kind == "array" and isinstance(node.get("items"), dict):
        return f"list of {_kind(node['items']) or 'values'}"
    return str(kind)


def _limits(node: dict) -> str:
    parts = [f"{name} {node[key]}" for key, name in (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="),
                                                       ("exclusiveMaximum", "<"), ("minItems", "items >="),
                                                       ("maxItems", "items <=")) if key in node]
    return ", ".join(parts)


def _rows(node: dict, schema: dict, path: str, out: list, depth: int = 0) -> None:
    node = _resolve(node, schema)
    for key, sub in node.get("properties", {}).items():
        sub = _resolve(sub, schema)
        here = f"{path}.{key}" if path else key
        default = f"`{json.dumps(sub['default'])}`" if "default" in sub and not isinstance(sub["default"], dict) else ""
        desc = " ".join(str(sub.get("description", "")).split()).replace("|", "\\|")
        out.append(f"| `{here}` | {_kind(sub)} | {default} | {_limits(sub)} | {desc} |")
        if "properties" in sub and depth < 6:
            _rows(sub, schema, here, out, depth + 1)
        for pattern, item in sub.get("patternProperties", {}).items():
            _rows(item, schema, f"{here}.<name>", out, depth + 1)


def markdown(schema: dict | None = None) -> str:
    """The configuration reference: every key with its type, default, limits and description."""
    schema = schema or assemble()
    head = ["# Configuration reference", "",
            "Generated from the config schema by `python -m specbias.schema --markdown docs/config.md`; the",
            "cross-key checks each study adds are in its `checks.py`. `<name>` stands for an entry name.", ""]
    out = []
    top = {k: v for k, v in schema["properties"].items() if "patternProperties" not in v}
    out += ["## Workflow-wide keys", "", "| key | type | default | limits | description |", "|---|---|---|---|---|"]
    _rows({"properties": top}, schema, "", out)
    for section, prop in schema["properties"].items():
        if "patternProperties" not in prop:
            continue
        out += ["", f"## `{section}:`", "", " ".join(prop.get("description", "").split()), "",
                "| key | type | default | limits | description |", "|---|---|---|---|---|"]
        (entry,) = prop["patternProperties"].values()
        _rows(entry, schema, f"{section}.<name>", out)
    return "\n".join(head + out) + "\n"


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--markdown":
        text, argv = markdown(), argv[1:]
    else:
        text = dump()
    if argv:
        Path(argv[0]).write_text(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()

"""Config validation: strict YAML files, JSON Schema (with defaults filled in) plus checks a schema
cannot express.

Errors name the offending key as a dotted path, e.g.
``config error at convergence.uniform_circle.train.lr: -0.1 is less than or equal to the minimum of 0``,
or the file and line where the file itself is wrong (a duplicate key, a key that is not text,
an unknown tag, bytes that are not UTF-8).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import jsonschema
import numpy as np
import yaml

from .registry import ENCODINGS
from .sampling import DensityError, make_density


class ConfigError(ValueError):
    """A config value is wrong; the message names the key."""


#: the largest seed: every seed reaches numpy's and torch's generators (torch takes 64 bits, a
#: seed + offset must stay inside)
MAX_SEED = 2**32 - 1
#: the longest entry name (a folder name under results/<study>/, and part of every job's paths)
MAX_NAME = 64
ENTRY_NAME = re.compile(rf"[A-Za-z][A-Za-z0-9_]{{0,{MAX_NAME - 1}}}")


# ---- config files: strict YAML ------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """YAML with the mistakes YAML forgives refused: a key given twice (the last one would win
    silently), a key that is not text (``true:``, ``1:``); unknown tags fail as in SafeLoader."""


def _construct_mapping(loader, node, deep=False):
    """Each key of the mapping as written must be new; keys brought in by a merge (``<<: *anchor``)
    may be overridden by the mapping's own, as YAML defines."""
    seen: dict = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str):
            raise ConfigError(f"{key_node.start_mark.name}, line {line}: the key {key_node.value!r} is read as {type(key).__name__}, not text; "
                              f"write it in quotes if it is a name ('{key_node.value}':)")
        if key in seen:
            raise ConfigError(f"{key_node.start_mark.name}, line {line}: the key {key!r} is given twice (first at line "
                              f"{seen[key]}); YAML would keep only the last one: remove or rename one")
        seen[key] = line
    loader.flatten_mapping(node)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_config_file(path: str | Path) -> dict:
    """A config file read strictly: UTF-8 text, YAML (or JSON) without duplicate or non-text keys
    or unknown tags, a mapping at the top; raise ConfigError naming the file and line."""
    path = Path(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}, line {line}: the file is not UTF-8 text (byte 0x{raw[exc.start]:02x}); "
                          "save it as UTF-8") from None
    loader = _StrictLoader(text)
    loader.name = str(path)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}, line {mark.line + 1}" if mark else str(path)
        raise ConfigError(f"{where}: {exc.problem or exc}" + (f" ({exc.context})" if exc.context else "")) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
    finally:
        loader.dispose()
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a config file holds a mapping of sections at the top level, got {type(data).__name__}")
    return data


def check_config_files(paths) -> None:
    """Read every config file of a run strictly (Snakemake's own reading forgives duplicate keys)."""
    for path in paths:
        if path is not None and Path(path).exists():
            load_config_file(path)


def _path(error) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "<top level>"


def _with_defaults(validator_class):
    """A validator that also fills ``default`` values of missing properties (jsonschema FAQ recipe)."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for prop, sub in properties.items():
                if "default" in sub and prop not in instance:
                    instance[prop] = copy.deepcopy(sub["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


def load_schema(path: str | Path) -> dict:
    with open(path) as fh:
        return yaml.safe_load(fh)


def _strict_integers(validator_class):
    """JSON Schema counts 256.0 as an integer; a config's integers must be written as integers."""
    checker = validator_class.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool))
    return jsonschema.validators.extend(validator_class, type_checker=checker)


def validate(config: dict, schema: dict) -> dict:
    """Validate ``config`` in place (defaults filled in) and return it; raise ConfigError."""
    if isinstance(config.get("compile"), bool):  # YAML 1.1 reads a bare on/off as a boolean
        config["compile"] = "on" if config["compile"] else "off"
    check_keys(config)
    check_finite(config)
    check_seeds(config)
    prepare_studies(config)
    cls = jsonschema.validators.validator_for(schema)
    validator = _with_defaults(_strict_integers(cls))(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (len(list(e.absolute_path)), str(e.message)))
    if errors:
        # The deepest error is usually the most specific one.
        err = max(errors, key=lambda e: len(list(e.absolute_path)))
        raise ConfigError(f"config error at {_path(err)}: {err.message}")
    check_semantics(config)
    return config


def prepare_studies(config: dict) -> None:
    """Before the schema: a section or key under an old name fails with the new one (never silently
    ignored), and each study fills what it derives from other keys (its ``prepare`` hook)."""
    from .studies import registered

    for cls in registered().values():
        entries = config.get(cls.section)
        for name in entries if isinstance(entries, dict) else ():
            if isinstance(name, str) and not ENTRY_NAME.fullmatch(name):
                raise ConfigError(f"config error at {cls.section}.{name!r}: an entry name is a letter followed by up to "
                                  f"{MAX_NAME - 1} letters, digits or underscores (it names folders and jobs)")
        for old, how in cls.former_sections.items():
            if old in config:
                raise ConfigError(f"config error at {old}: this section is {how} `{cls.section}:`; move its entries under "
                                  f"`{cls.section}:` (results go to results/{cls.section}/<name>/{cls.former_note})")
        entries = config.get(cls.section)
        if isinstance(entries, dict):
            for name, entry in entries.items():
                if isinstance(entry, dict):
                    cls.prepare(name, entry)


def check_keys(node, where: str = "") -> None:
    """Every key is text; a top-level key with a dot is a ``--config a.b=...`` override, which
    Snakemake does not nest."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                raise ConfigError(f"config error at {where or '<top level>'}: the key {key!r} is not text; write it in quotes")
            if not where and "." in key:
                raise ConfigError(f"config error at {key}: `--config` sets top-level sections only ({key.split('.')[0]}: "
                                  "would need a whole mapping); put nested values in a file and pass it with --configfile")
            check_keys(value, f"{where}.{key}" if where else key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            check_keys(value, f"{where}[{i}]")


def check_seeds(node, where: str = "") -> None:
    """Every ``seed`` / ``seeds`` value is an integer in [0, MAX_SEED] (a larger one overflows a
    generator inside a job)."""
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{where}.{key}" if where else str(key)
            if key in ("seed", "seeds", "nystrom_seed"):
                for i, s in enumerate(value if isinstance(value, list) else [value]):
                    at = f"{path}[{i}]" if isinstance(value, list) else path
                    if isinstance(s, bool) or not isinstance(s, (int, float)):
                        continue  # the schema names the type
                    if not isinstance(s, int):
                        raise ConfigError(f"config error at {at}: {s} is not an integer (a seed is a whole number)")
                    if not 0 <= s <= MAX_SEED:
                        raise ConfigError(f"config error at {at}: {s} is outside [0, {MAX_SEED}]")
            else:
                check_seeds(value, path)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            check_seeds(value, f"{where}[{i}]")


def check_activation(cfg, where: str) -> None:
    """Refuse a parameter the activation kind does not take (e.g. omega0 on relu); ``cfg`` is a
    kind name or a dict with ``kind``.  A kind's parameters are its class's ``parameters``."""
    from .registry import ACTIVATIONS

    cfg = {"kind": cfg} if isinstance(cfg, str) else cfg
    takes = set(ACTIVATIONS[cfg["kind"]].parameters)
    extra = set(cfg) - {"kind"} - takes
    if extra:
        raise ConfigError(f"config error at {where}: {', '.join(sorted(extra))} does not apply to activation {cfg['kind']!r} "
                          f"(it takes {', '.join(sorted(takes)) or 'no parameters'})")


def check_finite(node, where: str = "") -> None:
    """Refuse NaN and ±inf anywhere: JSON Schema lets NaN through every ``minimum`` and +inf through
    every ``exclusiveMinimum`` (YAML spells them ``.nan`` and ``.inf``)."""
    if isinstance(node, dict):
        for key, value in node.items():
            check_finite(value, f"{where}.{key}" if where else str(key))
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            check_finite(value, f"{where}[{i}]")
    elif isinstance(node, float) and not np.isfinite(node):
        raise ConfigError(f"config error at {where}: {node} is not a finite number")


def check_semantics(config: dict) -> None:
    """Checks across keys that JSON Schema cannot express: the figure options, then every study's
    own checks (each entry, then across its entries)."""
    from .studies import bind

    cmap = config.get("figures", {}).get("cmap")
    if cmap is not None:
        import matplotlib  # here, not at the top: only this check needs it

        if cmap not in matplotlib.colormaps:
            raise ConfigError(f"config error at figures.cmap: {cmap!r} is not a matplotlib colour map "
                              "(e.g. magma, viridis, cividis)")
    studies = bind(config)
    for study in studies.values():
        for name, entry in study.entries.items():
            study.check(name, entry)
            study.settings(name)  # every entry is a typed object too (a key the classes lack is named)
        study.check_all()
    if not any(study.entries for study in studies.values()):
        raise ConfigError(f"config error: define at least one study in one of the sections {', '.join(studies)}")


def check_activation_init(act, init: str, where: str) -> None:
    """A hidden activation (``<where>.activation``) and the initialisation made for it (``<where>.init``)."""
    check_activation(act, f"{where}.activation")
    kind = act if isinstance(act, str) else act["kind"]
    if init == "siren" and kind != "sin":
        raise ConfigError(f"config error at {where}.init: siren initialisation is made for a sin activation, "
                          f"got {kind!r} (set {where}.activation: {{kind: sin, omega0: 30}})")


def check_encoding(ecfg: dict, samples_per_axis: int, at: str, grid_note: str = "") -> None:
    """An encoding's keys and its range, and whether a grid of ``samples_per_axis`` points per unit
    axis carries it (an octave at or above the grid's Nyquist frequency is refused)."""
    lo, hi = ecfg.get("range", (0.0, 1.0))
    if not hi > lo:
        raise ConfigError(f"config error at {at}.range: need lo < hi, got [{lo}, {hi}]")
    if ecfg["kind"] == "octave" and "octaves" not in ecfg:
        raise ConfigError(f"config error at {at}.octaves: the octave encoding needs its number of octaves")
    if ecfg["kind"] == "fourier" and not {"features", "sigma"} <= set(ecfg):
        raise ConfigError(f"config error at {at}: Fourier features need features and sigma")
    try:
        ENCODINGS.build(ecfg).check_grid(samples_per_axis, f"{at}.octaves")
    except ValueError as exc:
        raise ConfigError(f"config error at {exc}{grid_note}") from None


def multiplicities(dim: int, top: int):
    from .sphere import multiplicity

    return multiplicity(dim, np.arange(top + 1))


def check_range(pair, where: str) -> tuple:
    """A [lower, upper] pair with lower < upper; returns it."""
    lo, hi = pair
    if not lo < hi:
        raise ConfigError(f"config error at {where}: need lower < upper, got [{lo}, {hi}]")
    return lo, hi


def check_density(cfg: dict, where: str) -> None:
    try:
        make_density(cfg)
    except DensityError as exc:
        raise ConfigError(f"config error at {where}: {exc}") from None

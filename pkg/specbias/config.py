"""Config validation: JSON Schema (with defaults filled in) plus checks a schema cannot express.

Errors name the offending key as a dotted path, e.g.
``config error at circle.uniform_circle.train.lr: -0.1 is less than or equal to the minimum of 0``.
"""

from __future__ import annotations

import copy
from pathlib import Path

import jsonschema
import numpy as np
import yaml

from .deep import multiplicity
from .registry import ENCODINGS
from .sampling import DensityError, make_density
from .signals import natural_image_side
from .studies import STUDIES


class ConfigError(ValueError):
    """A config value is wrong; the message names the key."""


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


def validate(config: dict, schema: dict) -> dict:
    """Validate ``config`` in place (defaults filled in) and return it; raise ConfigError."""
    if isinstance(config.get("compile"), bool):  # YAML 1.1 reads a bare on/off as a boolean
        config["compile"] = "on" if config["compile"] else "off"
    check_renamed(config)
    check_finite(config)
    fill_lazy_widths(config)
    cls = jsonschema.validators.validator_for(schema)
    validator = _with_defaults(cls)(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: (len(list(e.absolute_path)), str(e.message)))
    if errors:
        # The deepest error is usually the most specific one.
        err = max(errors, key=lambda e: len(list(e.absolute_path)))
        raise ConfigError(f"config error at {_path(err)}: {err.message}")
    check_semantics(config)
    return config


#: config sections renamed or merged in the study-per-section layout: old name -> new name
RENAMED_SECTIONS = {"experiments": "convergence", "circle": "convergence", "depth_spectra": "depth"}
#: keys of a convergence entry renamed when the circle study merged into it: old path -> new key
RENAMED_KEYS = {("target", "degrees"): "kappas", ("analysis", "fit_degree_min"): "fit_kappa_min"}


def fill_lazy_widths(config: dict) -> None:
    """A ``lazy:`` entry's base model takes its width from ``widths`` (the largest), so the base
    need not name one: it is replaced by each width in turn."""
    for entry in (config.get("lazy") or {}).values():
        if isinstance(entry, dict) and isinstance(entry.get("base"), dict) and isinstance(entry.get("widths"), list) and entry["widths"]:
            model = entry["base"].setdefault("model", {})
            if isinstance(model, dict) and "width" not in model and all(isinstance(w, int) for w in entry["widths"]):
                model["width"] = max(entry["widths"])


def check_renamed(config: dict) -> None:
    """A config written for an old section or key name fails with the new name (never silently ignored)."""
    for old, new in RENAMED_SECTIONS.items():
        if old in config:
            what = "merged into" if old == "circle" else "now called"
            raise ConfigError(f"config error at {old}: this section is {what} `{new}:`; move its entries under `{new}:` "
                              f"(circle entries keep data.domain: circle, the default; results go to results/{new}/<name>/)")
    for name, entry in (config.get("convergence") or {}).items():
        for (part, key), new in RENAMED_KEYS.items():
            if isinstance(entry, dict) and isinstance(entry.get(part), dict) and key in entry[part]:
                raise ConfigError(f"config error at convergence.{name}.{part}.{key}: this key is now called `{new}` "
                                  "(one name for the target frequency on the circle and on spheres)")


#: the parameters each activation kind takes (the schema lists every parameter of every kind)
ACTIVATION_PARAMETERS = {"leaky_relu": {"negative_slope", "positive_slope"}, "sin": {"omega0"}}


def check_activation(cfg, where: str) -> None:
    """Refuse a parameter the activation kind does not take (e.g. omega0 on relu); ``cfg`` is a
    kind name or a dict with ``kind``."""
    cfg = {"kind": cfg} if isinstance(cfg, str) else cfg
    extra = set(cfg) - {"kind"} - ACTIVATION_PARAMETERS.get(cfg["kind"], set())
    if extra:
        raise ConfigError(f"config error at {where}: {', '.join(sorted(extra))} does not apply to activation {cfg['kind']!r} "
                          f"(it takes {', '.join(sorted(ACTIVATION_PARAMETERS.get(cfg['kind'], []))) or 'no parameters'})")


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
    """Checks across keys that JSON Schema cannot express."""
    cmap = config.get("figures", {}).get("cmap")
    if cmap is not None:
        import matplotlib  # here, not at the top: only this check needs it

        if cmap not in matplotlib.colormaps:
            raise ConfigError(f"config error at figures.cmap: {cmap!r} is not a matplotlib colour map "
                              "(e.g. magma, viridis, cividis)")
    for name, spec in config.get("spectral", {}).items():
        check_spectral(name, spec)
    for name, dspec in config.get("depth", {}).items():
        for key in ("large_k_range", "low_k_range"):
            _, hi = _check_range(dspec[key], f"depth.{name}.{key}")
            if hi > dspec["max_degree"]:
                raise ConfigError(f"config error at depth.{name}.{key}: upper degree {hi} exceeds max_degree {dspec['max_degree']}")
    for name, study in config.get("convergence", {}).items():
        check_convergence(name, study)
    for name, study in config.get("convergence", {}).items():
        check_comparison(name, study, config["convergence"])
    for name, study in config.get("kernels", {}).items():
        for act, acfg in study["activations"].items():
            check_activation(acfg, f"kernels.{name}.activations.{act}")
        _, hi = _check_range(study["fit_range"], f"kernels.{name}.fit_range")
        if hi > study["max_degree"]:
            raise ConfigError(f"config error at kernels.{name}.fit_range: upper degree {hi} exceeds max_degree {study['max_degree']}")
    for name, study in config.get("coordinate", {}).items():
        check_coordinate(name, study)
    for name, study in config.get("holdout", {}).items():
        check_holdout(name, study)
    for name, study in config.get("lazy", {}).items():
        check_lazy(name, study)
    if not any(config.get(section) for section in STUDIES):
        raise ConfigError(f"config error: define at least one study in one of the sections {', '.join(STUDIES)}")


def check_spectral(name: str, cfg: dict) -> None:
    where = f"spectral.{name}"
    _check_density(cfg["density"], f"{where}.density")
    _, hi = _check_range(cfg["law_q_range"], f"{where}.law_q_range")
    need = max(2 * hi + 1, 2 * max(cfg["show_q"]) + 1, 2 * cfg["local_q_min"] + 1)
    if cfg["modes"] < need:
        raise ConfigError(f"config error at {where}.modes: {cfg['modes']} modes do not reach q = {(need - 1) // 2} "
                          f"(law_q_range, show_q, local_q_min); need at least {need}")
    if cfg["modes"] > min(cfg["grid_size"], cfg["nystrom_n"]):
        raise ConfigError(f"config error at {where}.modes: {cfg['modes']} exceeds grid_size or nystrom_n")
    density = make_density(cfg["density"])
    omega = (cfg["modes"] // 2) * np.sqrt(max(density.pdf(np.linspace(-np.pi, np.pi, 4097)))) / density.sqrt_mass()
    if cfg["grid_size"] < 8 * omega:
        raise ConfigError(f"config error at {where}.grid_size: {cfg['grid_size']} points resolve the fastest eigenfunction "
                          f"(local frequency {omega:.1f} rad^-1) with fewer than 8 points per period; use >= {int(np.ceil(8 * omega))}")


def check_lazy(name: str, cfg: dict) -> None:
    """One ``lazy:`` entry: its base is a convergence entry (checked as one) with a single κ, the
    kernel records on, and a GD model whose width can change."""
    where = f"lazy.{name}.base"
    check_convergence(name, cfg["base"], where)
    if len(cfg["base"]["target"]["kappas"]) != 1:
        raise ConfigError(f"config error at {where}.target.kappas: the lazy study trains one kappa, got {cfg['base']['target']['kappas']}")
    if cfg["base"]["analysis"].get("compare_to"):
        raise ConfigError(f"config error at {where}.analysis.compare_to: the lazy study compares widths, not entries; remove it")
    if cfg["base"]["train"]["kernel_records"]["probe"] == 0:
        raise ConfigError(f"config error at {where}.train.kernel_records.probe: the lazy study needs the kernel records (probe > 0)")


def check_convergence(name: str, cfg: dict, where: str | None = None) -> None:
    """Cross-key checks of one ``convergence:`` entry (either domain): impossible combinations stop
    here; the model's ``bias``/``tau`` defaults are filled in for its kind."""
    where = where or f"convergence.{name}"
    data, model, train, target, acfg = cfg["data"], cfg["model"], cfg["train"], cfg["target"], cfg["analysis"]
    dens, domain, n = data["density"], data["domain"], data["n"]
    kappas = target["kappas"]
    if domain == "circle":
        if "dim" in data and data["dim"] != 2:
            raise ConfigError(f"config error at {where}.data.dim: the circle domain is S^1 (dim 2); use domain: sphere for S^{data['dim'] - 1}")
        if dens["kind"] == "hemispheres":
            raise ConfigError(f"config error at {where}.data.density.kind: hemispheres is a sphere density; "
                              "on the circle use uniform, piecewise or cosine (or set data.domain: sphere)")
        if "ratio" in dens:
            raise ConfigError(f"config error at {where}.data.density.ratio: only the hemispheres density takes a ratio")
        _check_density(dens, f"{where}.data.density")
        if data["sampling"] == "grid" and dens["kind"] != "uniform":
            raise ConfigError(f"config error at {where}.data.sampling: grid sampling needs the uniform density")
        target.setdefault("kind", "sin")
        if target["kind"] not in ("sin", "cos"):
            raise ConfigError(f"config error at {where}.target.kind: {target['kind']} is a sphere target; on the circle use sin or cos")
        too_high = [k for k in kappas if k >= n // 2]
        if too_high:
            raise ConfigError(f"config error at {where}.target.kappas: frequencies {too_high} cannot be resolved by "
                              f"n={n} points (need kappa < n/2 = {n // 2})")
        if train["criterion"]["kind"] == "per_region" and (dens["kind"] != "piecewise" or sum(w > 0 for w in dens["weights"]) < 2):
            raise ConfigError(f"config error at {where}.train.criterion.kind: per_region needs a piecewise density "
                              "with at least two arcs of positive density")
        if model["kind"] == "two_layer":
            _, hi = _check_range(acfg["eigen_fit_range"], f"{where}.analysis.eigen_fit_range")
            if hi > cfg["ntk"]["grid_size"] // 2:
                raise ConfigError(f"config error at {where}.analysis.eigen_fit_range: upper frequency {hi} exceeds the NTK grid's "
                                  f"Nyquist frequency {cfg['ntk']['grid_size'] // 2} (raise ntk.grid_size)")
        if acfg["law_samples"] and train["criterion"]["kind"] == "per_region" and "lr" not in train:
            raise ConfigError(f"config error at {where}.analysis.law_samples: the region law needs an absolute train.lr "
                              "(set law_samples: 0 to use lr_relative)")
    else:
        if "dim" not in data:
            raise ConfigError(f"config error at {where}.data.dim: the sphere domain needs its ambient dimension d (S^(d-1))")
        for key in ("sampling",):
            if key in data and data[key] != "random":
                raise ConfigError(f"config error at {where}.data.{key}: grid sampling is for the circle domain")
        if dens["kind"] not in ("uniform", "hemispheres"):
            raise ConfigError(f"config error at {where}.data.density.kind: {dens['kind']} is a circle density; "
                              "on a sphere use uniform or hemispheres (or set data.domain: circle)")
        stray = sorted(set(dens) - {"kind", "ratio"})
        if stray:
            raise ConfigError(f"config error at {where}.data.density: {', '.join(stray)} does not apply to a sphere density")
        if dens["kind"] == "hemispheres":
            if "ratio" not in dens:
                raise ConfigError(f"config error at {where}.data.density: hemispheres needs a ratio (dense/sparse density)")
            n_sparse = round(n / (1 + dens["ratio"]))
            if n_sparse < 1 or n - n_sparse < 1:
                raise ConfigError(f"config error at {where}.data.n: {n} points with ratio {dens['ratio']} leave a hemisphere empty")
        if train["criterion"]["kind"] == "per_region" and dens["kind"] != "hemispheres":
            raise ConfigError(f"config error at {where}.train.criterion.kind: per_region on a sphere needs the hemispheres density")
        target.setdefault("kind", "zonal")
        if target["kind"] not in ("zonal", "real"):
            raise ConfigError(f"config error at {where}.target.kind: {target['kind']} is a circle target; on a sphere use zonal or real")
        if target["kind"] == "real" and data["dim"] != 3:
            raise ConfigError(f"config error at {where}.target.kind: real spherical harmonics need dim: 3 (S^2); use zonal")
        top = max(kappas)
        harmonics = sum(int(m) for m in _multiplicities(data["dim"], top))
        if harmonics > n:
            raise ConfigError(f"config error at {where}.target.kappas: degree {top} needs {harmonics} harmonics up to it on "
                              f"S^{data['dim'] - 1}, more than the {n} points can resolve (raise data.n)")
        if train["record_spectra"] is True:
            raise ConfigError(f"config error at {where}.train.record_spectra: residual spectra are recorded on the circle domain only")
    if "ratio" in dens and dens["kind"] != "hemispheres":
        raise ConfigError(f"config error at {where}.data.density.ratio: only the hemispheres density takes a ratio")
    check_activation(model["activation"], f"{where}.model.activation")
    if model["kind"] == "deep":
        if "depth" not in model:
            raise ConfigError(f"config error at {where}.model.depth: a deep model needs its depth (>= 2)")
        if model.get("bias", False):
            raise ConfigError(f"config error at {where}.model.bias: the deep nets (P1's NTK parameterisation) are bias-free")
        if "tau" in model:
            raise ConfigError(f"config error at {where}.model.tau: deep nets draw weights N(0, 1); tau is for two_layer")
        model["bias"] = False
    elif "depth" in model:
        raise ConfigError(f"config error at {where}.model.depth: depth is for kind: deep (the two-layer net has depth 2)")
    else:
        model.setdefault("bias", True)
        model.setdefault("tau", 1.0)
    if model["kind"] == "two_layer" and model["init"] == "antisymmetric" and model["width"] % 2:
        raise ConfigError(f"config error at {where}.model.width: antisymmetric init needs an even width, got {model['width']}")
    if ("lr" in train) == ("lr_relative" in train):
        raise ConfigError(f"config error at {where}.train: give exactly one of lr (absolute) and lr_relative "
                          "(times the largest Gram eigenvalue)")
    if train.get("lr_relative", 0) >= 2:
        raise ConfigError(f"config error at {where}.train.lr_relative: {train['lr_relative']} >= 2 makes gradient descent "
                          "diverge along the top eigenvector")
    if train["snapshots"] > train["max_steps"] + 1:
        raise ConfigError(f"config error at {where}.train.snapshots: {train['snapshots']} snapshots need at least "
                          f"{train['snapshots'] - 1} steps, but max_steps is {train['max_steps']}")
    pairs = cfg["ntk"]["eigenpairs"]
    if pairs != "all" and pairs > n:
        raise ConfigError(f"config error at {where}.ntk.eigenpairs: {pairs} exceeds the {n} samples (data.n)")
    if acfg["fit_kappa_min"] > max(kappas):
        raise ConfigError(f"config error at {where}.analysis.fit_kappa_min: {acfg['fit_kappa_min']} is above every kappa in target.kappas")


def check_comparison(name: str, cfg: dict, entries: dict) -> None:
    """``analysis.compare_to`` names another entry trained on the same points, net size and kappas."""
    comp = cfg["analysis"].get("compare_to")
    if not comp:
        return
    where = f"convergence.{name}.analysis.compare_to.entry"
    other = entries.get(comp["entry"])
    if other is None or comp["entry"] == name:
        raise ConfigError(f"config error at {where}: {comp['entry']!r} is not another convergence entry "
                          f"(entries: {', '.join(sorted(set(entries) - {name}))})")
    if other["analysis"].get("compare_to"):
        raise ConfigError(f"config error at {where}: {comp['entry']!r} has a compare_to of its own; "
                          "the reference entry must not compare itself (no cycles)")
    for part, keys in (("data", None), ("target", None), ("model", ("kind", "width", "depth", "bias", "tau", "init"))):
        a = cfg[part] if keys is None else {k: cfg[part].get(k) for k in keys}
        b = other[part] if keys is None else {k: other[part].get(k) for k in keys}
        if a != b:
            raise ConfigError(f"config error at {where}: {comp['entry']!r} differs in {part} (the comparison needs the same "
                              f"{part}; only the activation may differ)")
    if cfg["model"]["activation"] == other["model"]["activation"]:
        raise ConfigError(f"config error at {where}: {comp['entry']!r} has the same activation; compare two activations")


def check_holdout(name: str, cfg: dict) -> None:
    """Cross-key checks of one ``holdout:`` entry: the image size, every variant's encoding on the
    training grid (every other pixel), activation and init, and the names the analysis uses."""
    where = f"holdout.{name}"
    img = cfg["image"]
    side = natural_image_side(img["name"])
    if img["size"] > side:
        raise ConfigError(f"config error at {where}.image.size: {img['name']} is {side} pixels across; {img['size']} would upsample it")
    if img["size"] % 2:
        raise ConfigError(f"config error at {where}.image.size: an even size is needed (training pixels: every other row and column)")
    for v, vcfg in cfg["variants"].items():
        vw = f"{where}.variants.{v}"
        check_encoding(vcfg["encoding"], img["size"] // 2, f"{vw}.encoding",
                       f" (the training pixels form a grid of {img['size'] // 2} per axis)")
        check_activation_init(vcfg["activation"], vcfg["init"], vw)
    acfg = cfg["analysis"]
    for key, names in (("order", acfg["order"]), ("published", list(acfg["published"]))):
        unknown = [v for v in names if v not in cfg["variants"]]
        if unknown:
            raise ConfigError(f"config error at {where}.analysis.{key}: {unknown} are not variants of this entry ({', '.join(cfg['variants'])})")


def check_coordinate(name: str, cfg: dict) -> None:
    """Cross-key checks of one ``coordinate:`` study, aliasing included (before any job runs)."""
    where = f"coordinate.{name}"
    check_activation_init(cfg["model"]["activation"], cfg["model"]["init"], f"{where}.model")
    sig = cfg["signal"]
    needs = {"sines": ("length", "frequencies"), "random_image": ("size",), "image": ("size", "name")}[sig["kind"]]
    missing = [k for k in needs if k not in sig]
    if missing:
        raise ConfigError(f"config error at {where}.signal: kind {sig['kind']} needs {', '.join(missing)}")
    stray = [k for k in ("length", "frequencies", "size", "channels", "name") if k in sig and k not in needs
             and not (k == "channels" and sig["kind"] == "random_image")]
    if stray:
        raise ConfigError(f"config error at {where}.signal: {', '.join(stray)} does not apply to kind {sig['kind']}")
    n = sig["length"] if sig["kind"] == "sines" else sig["size"]  # grid points per unit length along an axis
    if sig["kind"] == "sines" and max(sig["frequencies"]) >= n / 2:
        raise ConfigError(f"config error at {where}.signal.frequencies: {max(sig['frequencies'])} is not below the "
                          f"Nyquist frequency {n // 2} of a {n}-point grid")
    if sig["kind"] == "image":
        side = natural_image_side(sig["name"])
        if sig["size"] > side:
            raise ConfigError(f"config error at {where}.signal.size: image {sig['name']} has a {side}-pixel square; "
                              f"size {sig['size']} would upsample it")
    for enc, ecfg in cfg["encodings"].items():
        check_encoding(ecfg, n, f"{where}.encodings.{enc}")
    if cfg["metrics"]["window"] >= n:
        raise ConfigError(f"config error at {where}.metrics.window: {cfg['metrics']['window']} >= the grid's {n} points per axis")


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


def _multiplicities(dim: int, top: int):
    return multiplicity(dim, np.arange(top + 1))


def _check_range(pair, where: str) -> tuple:
    """A [lower, upper] pair with lower < upper; returns it."""
    lo, hi = pair
    if not lo < hi:
        raise ConfigError(f"config error at {where}: need lower < upper, got [{lo}, {hi}]")
    return lo, hi


def _check_density(cfg: dict, where: str) -> None:
    try:
        make_density(cfg)
    except DensityError as exc:
        raise ConfigError(f"config error at {where}: {exc}") from None

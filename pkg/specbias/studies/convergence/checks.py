"""Cross-key checks and memory estimates of a convergence entry (also the base of a lazy entry)."""

from __future__ import annotations

from ...config import ConfigError, check_activation, check_density, check_range, multiplicities
from ..base import F32, F64


def _one_of(names) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def check_entry(name: str, cfg: dict, where: str | None = None) -> None:
    """Cross-key checks of one ``convergence:`` entry (either domain): impossible combinations stop
    here; the model's ``bias``/``tau`` defaults are filled in for its kind."""
    where = where or f"convergence.{name}"
    if cfg["data"]["domain"] == "circle":
        _check_circle(cfg, where)
    else:
        _check_sphere(cfg, where)
    dens = cfg["data"]["density"]
    if "ratio" in dens and dens["kind"] != "hemispheres":
        raise ConfigError(f"config error at {where}.data.density.ratio: only the hemispheres density takes a ratio")
    _check_model(cfg["model"], f"{where}.model")
    _check_train(cfg, where)


def _check_circle(cfg: dict, where: str) -> None:
    """The circle domain: a circle density and target, κ below the points' Nyquist frequency."""
    from ...registry import CIRCLE_DENSITIES, CIRCLE_TARGETS

    data, target, train, acfg = cfg["data"], cfg["target"], cfg["train"], cfg["analysis"]
    dens, n = data["density"], data["n"]
    if "dim" in data and data["dim"] != 2:
        raise ConfigError(f"config error at {where}.data.dim: the circle domain is S^1 (dim 2); use domain: sphere for S^{data['dim'] - 1}")
    if dens["kind"] not in CIRCLE_DENSITIES:
        raise ConfigError(f"config error at {where}.data.density.kind: {dens['kind']} is a sphere density; "
                          f"on the circle use {_one_of(CIRCLE_DENSITIES.names())} (or set data.domain: sphere)")
    if "ratio" in dens:
        raise ConfigError(f"config error at {where}.data.density.ratio: only the hemispheres density takes a ratio")
    check_density(dens, f"{where}.data.density")
    if data["sampling"] == "grid" and dens["kind"] != "uniform":
        raise ConfigError(f"config error at {where}.data.sampling: grid sampling needs the uniform density")
    target.setdefault("kind", CIRCLE_TARGETS.names()[0])
    if target["kind"] not in CIRCLE_TARGETS:
        raise ConfigError(f"config error at {where}.target.kind: {target['kind']} is a sphere target; "
                          f"on the circle use {_one_of(CIRCLE_TARGETS.names())}")
    too_high = [k for k in target["kappas"] if k >= n // 2]
    if too_high:
        raise ConfigError(f"config error at {where}.target.kappas: frequencies {too_high} cannot be resolved by "
                          f"n={n} points (need kappa < n/2 = {n // 2})")
    if train["criterion"]["kind"] == "per_region" and (dens["kind"] != "piecewise" or sum(w > 0 for w in dens["weights"]) < 2):
        raise ConfigError(f"config error at {where}.train.criterion.kind: per_region needs a piecewise density "
                          "with at least two arcs of positive density")
    if cfg["model"]["kind"] == "two_layer":
        _, hi = check_range(acfg["eigen_fit_range"], f"{where}.analysis.eigen_fit_range")
        if hi > cfg["ntk"]["grid_size"] // 2:
            raise ConfigError(f"config error at {where}.analysis.eigen_fit_range: upper frequency {hi} exceeds the NTK grid's "
                              f"Nyquist frequency {cfg['ntk']['grid_size'] // 2} (raise ntk.grid_size)")
    if acfg["law_samples"] and train["criterion"]["kind"] == "per_region" and "lr" not in train:
        raise ConfigError(f"config error at {where}.analysis.law_samples: the region law needs an absolute train.lr "
                          "(set law_samples: 0 to use lr_relative)")


def _check_sphere(cfg: dict, where: str) -> None:
    """A sphere S^(dim-1): a sphere density and target, enough points for the harmonics up to κ."""
    from ...registry import SPHERE_DENSITIES, SPHERE_TARGETS

    data, target, train = cfg["data"], cfg["target"], cfg["train"]
    dens, n = data["density"], data["n"]
    if "dim" not in data:
        raise ConfigError(f"config error at {where}.data.dim: the sphere domain needs its ambient dimension d (S^(d-1))")
    if data["sampling"] != "random":
        raise ConfigError(f"config error at {where}.data.sampling: grid sampling is for the circle domain")
    if dens["kind"] not in SPHERE_DENSITIES:
        raise ConfigError(f"config error at {where}.data.density.kind: {dens['kind']} is a circle density; "
                          f"on a sphere use {_one_of(SPHERE_DENSITIES.names())} (or set data.domain: circle)")
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
    target.setdefault("kind", SPHERE_TARGETS.names()[0])
    if target["kind"] not in SPHERE_TARGETS:
        raise ConfigError(f"config error at {where}.target.kind: {target['kind']} is a circle target; "
                          f"on a sphere use {_one_of(SPHERE_TARGETS.names())}")
    if target["kind"] == "real" and data["dim"] != 3:
        raise ConfigError(f"config error at {where}.target.kind: real spherical harmonics need dim: 3 (S^2); use zonal")
    top = max(target["kappas"])
    harmonics = sum(int(m) for m in multiplicities(data["dim"], top))
    if harmonics > n:
        raise ConfigError(f"config error at {where}.target.kappas: degree {top} needs {harmonics} harmonics up to it on "
                          f"S^{data['dim'] - 1}, more than the {n} points can resolve (raise data.n)")
    if train["record_spectra"] is True:
        raise ConfigError(f"config error at {where}.train.record_spectra: residual spectra are recorded on the circle domain only")


def _check_model(model: dict, where: str) -> None:
    """The activation's parameters; depth, bias and tau for the model kind (defaults filled in)."""
    check_activation(model["activation"], f"{where}.activation")
    if model["kind"] == "deep":
        if "depth" not in model:
            raise ConfigError(f"config error at {where}.depth: a deep model needs its depth (>= 2)")
        if model.get("bias", False):
            raise ConfigError(f"config error at {where}.bias: the deep nets (P1's NTK parameterisation) are bias-free")
        if "tau" in model:
            raise ConfigError(f"config error at {where}.tau: deep nets draw weights N(0, 1); tau is for two_layer")
        model["bias"] = False
    elif "depth" in model:
        raise ConfigError(f"config error at {where}.depth: depth is for kind: deep (the two-layer net has depth 2)")
    else:
        model.setdefault("bias", True)
        model.setdefault("tau", 1.0)
    if model["kind"] == "two_layer" and model["init"] == "antisymmetric" and model["width"] % 2:
        raise ConfigError(f"config error at {where}.width: antisymmetric init needs an even width, got {model['width']}")


def _check_train(cfg: dict, where: str) -> None:
    """One learning rate, a stable relative one, snapshots within the steps, eigenpairs and fit range possible."""
    train, acfg, n, kappas = cfg["train"], cfg["analysis"], cfg["data"]["n"], cfg["target"]["kappas"]
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


def gd_estimates(where: str, cfg: dict) -> list[tuple[str, float, str]]:
    """(config key, bytes, what) of the largest arrays of a GD entry's jobs (``where`` is its config
    path): every array that grows with seeds R, points n, width m, depth, snapshots and kernel records."""
    data, model, train = cfg["data"], cfg["model"], cfg["train"]
    n, R, S, m = data["n"], len(train["seeds"]), train["snapshots"], model["width"]
    d = data.get("dim", 2)
    layers = model["depth"] if model["kind"] == "deep" else 1
    out = [(f"{where}.data.n", 3 * F64 * n * n, f"the NTK Gram matrix and its eigenvectors (3 x {n}^2 float64)")]
    if data["domain"] == "circle" and train["record_spectra"] is not False:
        per_snap = R * n * S * F64 * 2 + R * (n // 2 + 1) * S * F64
        out.append((f"{where}.train.snapshots", per_snap, f"residuals and their spectra at {S} snapshots ({R} runs, n = {n})"))
    else:
        out.append((f"{where}.train.snapshots", 2 * R * n * S * F64, f"residuals at {S} snapshots ({R} runs, n = {n})"))
    if model["kind"] == "deep":  # (the two-layer step works in blocks of runs and points)
        out.append((f"{where}.model.width", 3 * R * n * m * layers * F32,
                    f"activations of {R} deep nets of width {m} on {n} points"))
    out.append((f"{where}.model.width", R * m * (m * (layers - 1) + d + 2) * F32 * 3,
                f"parameters, gradients and updates of {R} nets of width {m}"))
    kcfg = train["kernel_records"]
    if kcfg["probe"] > 0:
        p = min(kcfg["probe"], n)
        out.append((f"{where}.train.kernel_records.probe", 3 * R * p * p * F64 + R * p * m * layers * F32,
                    f"the empirical NTK of {R} nets on {p} probe points (kernel, eigenvectors, previous record)"))
    return out

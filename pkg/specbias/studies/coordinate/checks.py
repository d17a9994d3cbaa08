"""Cross-key checks of a coordinate entry."""

from __future__ import annotations

from ...config import ConfigError, check_activation_init, check_encoding
from ...signals import natural_image_side


def check_entry(name: str, cfg: dict) -> None:
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

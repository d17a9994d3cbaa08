"""Cross-key checks of a spectral entry."""

from __future__ import annotations

import numpy as np

from ...config import ConfigError, check_density, check_range
from ...sampling import make_density


def check_entry(name: str, cfg: dict) -> None:
    where = f"spectral.{name}"
    check_density(cfg["density"], f"{where}.density")
    _, hi = check_range(cfg["law_q_range"], f"{where}.law_q_range")
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

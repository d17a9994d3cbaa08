"""Cross-key checks of a lazy entry: its base is a convergence entry, checked as one."""

from __future__ import annotations

from ...config import ConfigError
from ..convergence.checks import check_entry as check_convergence


def check_entry(name: str, cfg: dict) -> None:
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

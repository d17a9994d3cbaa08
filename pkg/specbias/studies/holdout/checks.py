"""Cross-key checks of a holdout entry."""

from __future__ import annotations

from ...config import ConfigError, check_activation_init, check_encoding
from ...signals import natural_image_side


def check_entry(name: str, cfg: dict) -> None:
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

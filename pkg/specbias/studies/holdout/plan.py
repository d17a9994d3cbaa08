"""The holdout study's plan: the groups of variants trained as one ensemble and what each group's
job reads.  Planning runs in every Snakemake process: no torch, no xarray here."""

from __future__ import annotations

import json

from ...registry import ENCODINGS
from .settings import Variant
from . import Holdout

SECTION = "holdout"


#: an entry or a job's params as the typed (partial) entry: a key the job was not given raises when read
typed = Holdout.typed


def train_params(cfg: dict, group: list[str]) -> dict:
    """What one group's job reads: the image, model and train settings and its own variants."""
    return {**{k: cfg[k] for k in ("image", "model", "train")}, "variants": {v: cfg["variants"][v] for v in group}}


def _group_key(vcfg: Variant) -> str:
    width = ENCODINGS.build(vcfg.encoding).width(2)
    return json.dumps([width, vcfg.activation, vcfg.init], sort_keys=True)


def variant_groups(cfg) -> dict[str, list[str]]:
    """Variants trained as one ensemble (same input width, activation and init), named by joining them with '+'."""
    groups: dict[str, list[str]] = {}
    for name, vcfg in typed(cfg).variants.items():
        groups.setdefault(_group_key(vcfg), []).append(name)
    return {"+".join(v): v for v in groups.values()}

"""The lazy study's plan: the base convergence entry at each width and what each width's job reads.
Planning runs in every Snakemake process: no torch, no xarray here."""

from __future__ import annotations

from ..convergence import plan as convergence
from . import Lazy

SECTION = "lazy"


#: an entry or a job's params as the typed (partial) entry: a key the job was not given raises when read
typed = Lazy.typed


def base_at(cfg, width: int) -> dict:
    """The base convergence entry at one width, its kernel probe holding every training input (a plain dict:
    the convergence study's params functions take it)."""
    base = typed(cfg).base
    plain = base.to_dict()
    plain["model"]["width"] = int(width)
    plain["train"]["kernel_records"]["probe"] = max(base.train.kernel_records.probe, base.data.n)
    return plain


def train_params(cfg, width: int) -> dict:
    """What one width's job reads."""
    base = base_at(cfg, width)
    return {"sample": convergence.sample_params(base, base["data"]["seed"]), "ntk": convergence.ntk_params(base),
            "train": convergence.train_params(base), "kappa": int(base["target"]["kappas"][0]), "width": int(width)}

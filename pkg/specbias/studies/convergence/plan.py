"""The convergence study's plan: which keys each stage's jobs read (the rules' ``params:``), the
point samples of an entry and the options that decide its jobs and figures.  Planning runs in
every Snakemake process, so this module imports neither torch nor xarray.

The planning functions take an entry (a validated dict or its typed :class:`~.settings.Entry`); the
``*_params`` functions return plain dicts, the jobs' params (Snakemake fingerprints them), which
each stage reads back as a partial typed entry (:func:`typed`).
"""

from __future__ import annotations

from ... import activations
from . import Convergence
from .settings import Entry

SECTION = "convergence"


# (Snakemake fingerprints them), which each stage reads back as a partial typed entry.


#: an entry or a job's params as the typed (partial) entry: a key the job was not given raises when read
typed = Convergence.typed


def _plain(cfg) -> dict:
    return cfg.to_dict() if isinstance(cfg, Entry) else cfg


def kernel_model(model: dict) -> dict:
    """The model keys the analytic NTK depends on (not the width or the initialisation)."""
    return {k: v for k, v in model.items() if k not in ("width", "init")}


def sample_params(cfg, data_seed: int) -> dict:
    """The ``data`` keys of one point sample (not ``replicates``), with its data seed."""
    cfg = _plain(cfg)
    return {"data": {**{k: v for k, v in cfg["data"].items() if k != "replicates"}, "seed": int(data_seed)}}


def ntk_params(cfg) -> dict:
    cfg = _plain(cfg)
    return {"model": kernel_model(cfg["model"]), "ntk": cfg["ntk"]}


def train_params(cfg) -> dict:
    """Everything that shapes a run except the kappa list, so a new kappa trains only itself."""
    cfg = _plain(cfg)
    return {"model": cfg["model"], "target": {k: v for k, v in cfg["target"].items() if k != "kappas"}, "train": cfg["train"]}


def law_params(cfg) -> dict:
    """Only what the NTK-only law depends on, so a new tolerance or replicate does not rerun it."""
    cfg = _plain(cfg)
    return {"data": {k: v for k, v in cfg["data"].items() if k != "replicates"},
            "target": cfg["target"],
            "analysis": {k: cfg["analysis"][k] for k in ("law_samples", "law_delta_factors")},
            "model": kernel_model(cfg["model"]),
            "train": {k: cfg["train"][k] for k in ("lr", "max_steps", "criterion") if k in cfg["train"]}}


def analysis_params(cfg) -> dict:
    cfg = _plain(cfg)
    return {k: cfg[k] for k in ("analysis", "model", "data")} | {"train": {"max_steps": cfg["train"]["max_steps"]}}


def data_seeds(cfg) -> list[int]:
    """The point samples: data.seed, data.seed + 1, ... (data.replicates of them)."""
    data = typed(cfg).data
    return [data.seed + r for r in range(data.replicates)]


def per_region(cfg) -> bool:
    return typed(cfg).train.criterion.kind == "per_region"


def has_law(cfg) -> bool:
    cfg = typed(cfg)
    return per_region(cfg) and cfg.data.domain == "circle" and bool(cfg.analysis.law_samples)


def records_spectra_on(domain: str, setting) -> bool:
    """Whether runs on ``domain`` store the residual's frequency x step tensor: on the circle unless
    ``train.record_spectra`` is false (a sphere has no angle to take the spectrum over)."""
    return domain == "circle" and setting in ("auto", True)


def records_spectra(cfg) -> bool:
    cfg = typed(cfg)
    return records_spectra_on(cfg.data.domain, cfg.train.record_spectra)


def relative_lr(cfg) -> bool:
    """The learning rate is ``lr_relative`` / the largest Gram eigenvalue: training needs the NTK file."""
    return typed(cfg).train.given("lr_relative")


def relu_two_layer(model) -> bool:
    model = typed({"model": model}).model
    return model.kind == "two_layer" and activations.of(model.activation).relu_closed_forms


def has_operator_spectrum(cfg) -> bool:
    """Two-layer ReLU nets on the circle domain get the closed-form and grid operator spectra (claim C3)."""
    cfg = typed(cfg)
    return cfg.data.domain == "circle" and relu_two_layer(cfg.model)


def arc_step_applies(cfg) -> bool:
    """Only two-layer ReLU nets on S¹ can take the arc step; other runs do not depend on ``circle_step``."""
    cfg = typed(cfg)
    return (cfg.data.domain == "circle" or cfg.data.dim == 2) and relu_two_layer(cfg.model)


def comparison(cfg) -> str | None:
    """The entry this one's activation is compared with (``analysis.compare_to.entry``), if any."""
    comp = typed(cfg).analysis.compare_to
    return comp.entry if comp else None

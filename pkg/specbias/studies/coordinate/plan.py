"""The coordinate study's plan: the groups of encodings trained as one ensemble and what each
group's job reads.  Planning runs in every Snakemake process: no torch, no xarray here."""

from __future__ import annotations

from ...registry import ENCODINGS
from . import Coordinate

SECTION = "coordinate"


#: an entry or a job's params as the typed (partial) entry: a key the job was not given raises when read
typed = Coordinate.typed


def train_params(cfg: dict, group: list[str]) -> dict:
    """What one group's training job reads: the signal, model, train and metrics settings and its
    own encodings (so adding an encoding of another width leaves this group's job alone)."""
    return {**{k: cfg[k] for k in ("signal", "model", "train", "metrics")}, "encodings": {e: cfg["encodings"][e] for e in group}}


def input_features(enc_cfg: dict, dims: int) -> int:
    """Width of the encoded input for ``dims`` coordinates."""
    return ENCODINGS.build(enc_cfg).width(dims)


def signal_dims(sig: dict) -> int:
    return 1 if sig["kind"] == "sines" else 2


def encoding_groups(cfg: dict) -> dict[str, list[str]]:
    """Encodings trained as one ensemble: those with the same input width (their nets have the same
    shapes), in config order, named by joining them with '+'.  ``train.batch_encodings: false``
    gives every encoding its own job."""
    dims = signal_dims(cfg["signal"])
    groups: dict[int | str, list[str]] = {}
    for enc, ecfg in cfg["encodings"].items():
        key = input_features(ecfg, dims) if cfg["train"]["batch_encodings"] else enc
        groups.setdefault(key, []).append(enc)
    return {"+".join(encs): encs for encs in groups.values()}

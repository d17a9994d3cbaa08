"""The scorecard's building blocks: a claim (:class:`Claim`), a row (:class:`ClaimRow`), one verdict,
and the table that joins every study's rows.

Each study declares the claims its rows test in ``specbias/studies/<section>/claims.py`` (a
``CLAIMS`` dict of :class:`Claim`: statement, the papers' value, the config key of our tolerance)
and computes its rows there; :func:`registry` (and ``claims.CLAIMS``) gathers every registered
study's claims, ordered by number.  :func:`verdict` turns a test outcome into ``pass``, ``fail``
or ``not_evaluated`` (docs/extending.md: how to add a claim).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from .common import STATUS


@dataclass(frozen=True)
class Claim:
    """One claim of the papers: what is claimed, their value, and where our tolerance is set."""

    id: str
    claim: str
    paper: str
    tolerance: str  # the config key(s) holding our tolerance
    studies: tuple[str, ...]  # config sections whose analysis produces rows for it


def registry() -> dict[str, Claim]:
    """Every registered study's claims (each study's ``claims.CLAIMS``), ordered by number."""
    from .studies import registered

    out: dict[str, Claim] = {}
    for cls in registered().values():
        for claim in cls.claims():
            if claim.id in out and out[claim.id] != claim:
                raise ValueError(f"claim {claim.id} is declared twice")
            out[claim.id] = claim
    return dict(sorted(out.items(), key=lambda kv: int(kv[0][1:])))


def __getattr__(name):
    if name == "CLAIMS":  # assembled from the studies on use (they import this module)
        return registry()
    raise AttributeError(name)


def exclusions(status: np.ndarray) -> str:
    """How many runs of a set a claim was computed from were left out: diverged ones always, runs
    that never met the criterion wherever a step is measured ('' when none)."""
    status = np.asarray(status)
    div = int((status == STATUS["diverged"]).sum())
    never = int((status == STATUS["not_converged"]).sum())
    if not (div or never):
        return ""
    return f"excluded: {div} diverged and {never} not-converged run(s) of {status.size}"


def note_exclusions(rows: list["ClaimRow"], status: np.ndarray) -> list["ClaimRow"]:
    """Append :func:`exclusions` to every row's note (rows computed from one study's runs)."""
    text = exclusions(status)
    if text:
        for row in rows:
            if text not in row.note:
                row.note = f"{row.note}; {text}" if row.note else text
    return rows


def verdict(ok: bool | None) -> str:
    """``pass``, ``fail``, or ``not_evaluated`` when the test could not be made (``ok`` is None)."""
    return "not_evaluated" if ok is None else ("pass" if ok else "fail")


@dataclass
class ClaimRow:
    entry: str
    claim: str
    statement: str
    paper_value: str
    our_value: str
    tolerance: str
    verdict: str  # pass | fail | not_evaluated
    note: str


def claims_frame(rows: list[ClaimRow]) -> pd.DataFrame:
    return pd.DataFrame([asdict(r) for r in rows])


def sort_claims(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows ordered by claim number (C1, C3, …, C11), then study and entry."""
    number = frame["claim"].str.extract(r"(\d+)", expand=False).astype(int)
    keys = ["_n", *(["study"] if "study" in frame else []), "entry"]
    return frame.assign(_n=number).sort_values(keys, kind="stable").drop(columns="_n").reset_index(drop=True)


def scorecard_markdown(frame: pd.DataFrame) -> str:
    """The scorecard as a Markdown table (claims sorted by id, then study and entry)."""
    frame = sort_claims(frame)
    cols = [c for c in COLUMNS if c in frame]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, row in frame.iterrows():
        lines.append("| " + " | ".join(str(row[c]).replace("|", "\\|") for c in cols) + " |")
    counts = frame["verdict"].value_counts().to_dict()
    summary = ", ".join(f"{counts.get(v, 0)} {v}" for v in ("pass", "fail", "not_evaluated"))
    return "# specbias scorecard\n\n" + summary + "\n\n" + "\n".join(lines) + "\n"


#: the scorecard's columns, in order (``study`` and ``entry`` name a row together)
COLUMNS = ["claim", "study", "entry", "statement", "paper_value", "our_value", "tolerance", "verdict", "note"]


def scorecard(frames: dict[str, list[pd.DataFrame]] | list[pd.DataFrame]) -> tuple[pd.DataFrame, str]:
    """Every study's claim rows in one table, sorted by claim, and its Markdown rendering; given as
    study -> its claim tables, every row carries its study (an entry name alone can be shared)."""
    if isinstance(frames, dict):
        frames = [f.assign(study=study) for study, fs in frames.items() for f in fs]
    frame = sort_claims(pd.concat(frames, ignore_index=True))
    return frame[[c for c in COLUMNS if c in frame]], scorecard_markdown(frame)


def scorecard_html(frame: pd.DataFrame) -> str:
    """The scorecard as a standalone HTML page (the report shows it as a table), verdicts coloured."""
    frame = sort_claims(frame)
    cols = [c for c in COLUMNS if c in frame]
    counts = frame["verdict"].value_counts().to_dict()
    summary = ", ".join(f"{counts.get(v, 0)} {v}" for v in ("pass", "fail", "not_evaluated"))
    colour = {"pass": "#dff0d8", "fail": "#f2dede", "not_evaluated": "#fcf8e3"}
    styled = frame[cols].style.hide(axis="index").apply(
        lambda r: [f"background-color: {colour.get(r.verdict, '')}"] * len(r), axis=1)
    table = styled.to_html()
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>specbias scorecard</title>"
            "<style>body{font-family:sans-serif;font-size:13px} table{border-collapse:collapse} "
            "td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top;text-align:left}</style></head><body>"
            f"<h1>specbias scorecard</h1><p>{summary} (docs/methods.md §2)</p>{table}</body></html>\n")

"""The coordinate study's claim rows: C12-C15 and C23."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ... import encodings

from ...claims import Claim, ClaimRow, verdict
from .layouts import LEARNING
from . import Coordinate


#: the claims this study's rows test (the scorecard's registry gathers every study's)
CLAIMS = {c.id: c for c in [
    Claim("C12", "PE raises the number of activation regions used", "[0,1] < [-1,1] < PE, PE saturating",
          "- (ordering)", ("coordinate",)),
    Claim("C13", "PE raises local Hamming distance", "several times the coordinate value",
          "coordinate.*.analysis.hamming_ratio", ("coordinate",)),
    Claim("C14", "confusion: coordinates spread, PE concentrated near 0 (local pairs)", "qualitative, by spread",
          "- (sd(encoded) < sd(raw))", ("coordinate",)),
    Claim("C15", "PE flattens convergence time vs frequency", "slope with PE < slope without",
          "coordinate.*.analysis.learned_threshold", ("coordinate",)),
    Claim("C23", "encoded inputs give coordinate MLPs a kernel whose response falls more slowly with frequency than raw "
          "coordinates do (the mechanism behind C15)", "flatter (NTK view of Fourier features, Tancik et al. 2020)",
          "- (every encoding's slope above every raw one's)", ("coordinate",)),
]}


def coordinate_rows(runs: list[xr.Dataset], conv: xr.Dataset, fits: dict, alive: dict, name: str, cfg) -> list[ClaimRow]:
    """C12-C15 and C23 for one coordinate-MLP study: ``runs`` one dataset per encoding, ``conv`` the
    learning table, ``fits`` the learning-epoch power law per encoding (or None), ``alive`` which
    seeds did not diverge per encoding (those that did are left out of every mean and median)."""
    enc = {ds.attrs["encoding"]: ds for ds in runs}
    cfg = Coordinate.typed(cfg)
    kinds = {e: cfg.encodings[e] for e in enc}
    raws = sorted([e for e in enc if kinds[e]["kind"] == "raw"], key=lambda e: encodings.range_width(kinds[e]))
    pes = [e for e in enc if kinds[e]["kind"] != "raw"]
    order = raws + pes

    def last(e, v):
        """Variable ``v`` at the last recorded epoch, runs that diverged left out."""
        val = enc[e][v].isel(stat_epoch=-1).values
        return val[alive[e]] if "seed" in enc[e][v].dims else val

    regions_note = enc[order[0]].attrs.get("activation_regions", "defined")
    rows = [_claim_c12(enc, last, raws, pes, order, name, regions_note)]
    if raws and pes:
        rows.append(_claim_c13(enc, last, raws, pes, order, name, regions_note, cfg.analysis.hamming_ratio))
        rows.append(_claim_c14(enc, last, raws, pes, order, name))
        rows.append(_claim_c15(conv, fits, raws, pes, order, name, cfg.analysis.learned_threshold))
    if raws and pes and LEARNING.has(conv, "kernel_response_slope"):
        rows.append(claim_c23(conv, name, raws, pes, order))
    diverged = {e: int((~alive[e]).sum()) for e in alive if not alive[e].all()}
    if diverged:
        text = "excluded: diverged runs " + ", ".join(f"{e} {n} of {alive[e].size}" for e, n in diverged.items())
        for row in rows:
            row.note = f"{row.note}; {text}" if row.note else text
    return rows


def _claim_c12(enc, last, raws, pes, order, name, regions_note) -> ClaimRow:
    """C12: regions used at the end of training rank raw inputs by range, every encoding above."""
    if regions_note != "defined":
        return ClaimRow(name, "C12", "regions used at the end of training", "[0,1] < [-1,1] < PE", "-",
                        "raw increasing with range < every encoding", "not_evaluated", f"activation regions {regions_note}")
    counts = {e: float(np.mean(last(e, "region_count"))) for e in enc}
    ranked = all(counts[a] < counts[b] for a, b in zip(raws[:-1], raws[1:])) and (
        not pes or not raws or min(counts[p] for p in pes) > counts[raws[-1]])
    return ClaimRow(name, "C12", "regions used at the end of training: raw coordinates rank by input range, every encoding above",
                    "[0,1] ~197k < [-1,1] ~219k < PE (512^2 images)",
                    ", ".join(f"{e} {counts[e]:.0f}" for e in order) + f" of {enc[order[0]].attrs['inputs']} inputs",
                    "raw increasing with range < every encoding", verdict(ranked),
                    "mean over seeds at the last recorded epoch")


def _claim_c13(enc, last, raws, pes, order, name, regions_note, hamming_ratio: float) -> ClaimRow:
    """C13: the local Hamming distance with an encoding is several times the raw coordinates'."""
    if regions_note != "defined":
        return ClaimRow(name, "C13", "local Hamming distance with encoding vs raw coordinates", "several times", "-",
                        f">= {hamming_ratio:g}x", "not_evaluated", f"activation regions {regions_note}")
    ham = {e: float(np.mean(last(e, "hamming_local"))) for e in enc}
    ratio = min(ham[p] for p in pes) / max(ham[raws[0]], 1e-9)
    return ClaimRow(name, "C13", "local Hamming distance with encoding vs raw coordinates",
                    "several times (P2: ~68 raw vs 280-320 PE)",
                    ", ".join(f"{e} {ham[e]:.1f}" for e in order) + f"; ratio {ratio:.1f}",
                    f">= {hamming_ratio:g}x", verdict(ratio >= hamming_ratio),
                    "mean over local pairs and seeds, last recorded epoch")


def _claim_c14(enc, last, raws, pes, order, name) -> ClaimRow:
    """C14: local gradient confusion spreads for raw coordinates, concentrates near 0 with an encoding."""
    spread = {e: float(np.std(last(e, "confusion_local"))) for e in enc}
    ok = max(spread[p] for p in pes) < spread[raws[0]]
    return ClaimRow(name, "C14", "local gradient confusion: spread for raw coordinates, concentrated near 0 with encoding",
                    "qualitative (P2 histograms)", ", ".join(f"{e} sd {spread[e]:.3f}" for e in order),
                    "sd(encoded) < sd(raw)", verdict(ok),
                    "cosine of per-example gradients of run 0, last recorded epoch; at the first recorded epoch after 0: "
                    + ", ".join(f"{e} sd {float(np.std(enc[e].confusion_local.isel(stat_epoch=1).values)):.3f}" for e in order))


def _claim_c15(conv, fits, raws, pes, order, name, thr: float) -> ClaimRow:
    """C15: the learning epoch grows more slowly with frequency with an encoding (or more are learned)."""
    nfreq = conv.sizes["frequency"]
    n_learned = {e: int(conv.learned_count.sel(encoding=e)) for e in order}
    slope = {e: fits[e].slope if fits[e] else np.nan for e in order}
    pe_best = min(pes, key=lambda p: slope[p] if np.isfinite(slope[p]) else np.inf)
    r0 = raws[0]
    flatter = (np.isfinite(slope[pe_best]) and (not np.isfinite(slope[r0]) or slope[pe_best] < slope[r0])) or \
        n_learned[pe_best] > n_learned[r0]
    learned_any = max(n_learned.values()) > 0
    return ClaimRow(name, "C15", "learning epoch vs frequency: slope with encoding < without",
                    "PE flattens the curve (Rahaman/P2 heatmaps)",
                    ", ".join(f"{e} slope {slope[e]:.2f} ({n_learned[e]}/{nfreq} frequencies learned)" for e in order),
                    "flatter, or more frequencies learned", verdict(bool(flatter) if learned_any else None),
                    f"a frequency is learned at the first epoch its residual amplitude drops below {thr:g} of the "
                    "target's; slope of the log-log fit of the median epoch over seeds"
                    + ("" if learned_any else "; no encoding learned any frequency, so nothing to compare"))


def claim_c23(conv: xr.Dataset, name: str, raws: list[str], pes: list[str], order: list[str]) -> ClaimRow:
    """C23: the log-log slope of the empirical NTK's response against frequency at initialisation
    (median over seeds) is higher (flatter) for every encoding than for every raw-coordinate input."""
    slope = {e: float(conv.kernel_response_slope.sel(encoding=e).median(skipna=True)) for e in order}
    ok = all(np.isfinite(v) for v in slope.values())
    flatter = ok and min(slope[p] for p in pes) > max(slope[r] for r in raws)
    return ClaimRow(name, "C23", "kernel response vs frequency at initialisation: flatter with encoding than raw",
                    CLAIMS["C23"].paper, ", ".join(f"{e} {slope[e]:.2f}" for e in order),
                    "every encoding's slope > every raw one's", verdict(flatter if ok else None),
                    "log-log slope of e_q^H K e_q (empirical NTK of output channel 0 on the probe sub-grid, per radial "
                    "frequency q from 1 to the target's highest analysed frequency) at epoch 0, median over seeds; "
                    "Adam-trained, so no linearised prediction is made")

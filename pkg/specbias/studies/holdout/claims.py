"""The holdout study's claim row: C20."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ...claims import Claim, ClaimRow, verdict

from ...io import config_of
from .layouts import PSNR


#: the claims this study's rows test (the scorecard's registry gathers every study's)
CLAIMS = {c.id: c for c in [
    Claim("C20", "held-out PSNR of coordinate MLPs on an image rises with the encoding: none < basic < positional < Gaussian",
          "19.32 < 21.72 < 24.95 < 25.57 dB (Tancik et al. 2020, 512^2 DIV2K crops)", "- (strict order of the means)",
          ("holdout",)),
]}



def claim_c20(table: xr.Dataset, name: str, order: list[str]) -> ClaimRow:
    """C20: the mean held-out PSNR rises strictly along ``order`` (e.g. none < basic < octave <
    Gaussian σ = 10); the published values are shown beside ours, and every variant's number is
    in the note (absolute values depend on the image and its size)."""
    ours = {str(v): float(p) for v, p in zip(table.variant.values, table.test_psnr.values)}
    pub = {str(v): float(p) for v, p in zip(table.variant.values, table.published_psnr.values)}
    missing = [v for v in order if v not in ours]
    statement = "held-out PSNR rises along " + " < ".join(order)
    if missing:
        return ClaimRow(name, "C20", statement, CLAIMS["C20"].paper, f"variants {missing} not trained", "strict order",
                        verdict(None), "")
    vals = [ours[v] for v in order]
    ok = all(b > a for a, b in zip(vals, vals[1:]))
    paper = " < ".join(f"{v} {pub[v]:.2f}" if np.isfinite(pub.get(v, np.nan)) else f"{v} -" for v in order) + " dB"
    image = config_of(table)["image"]
    note = ("every variant: " + ", ".join(f"{v} {p:.2f}" for v, p in ours.items()) +
            f" dB; {image['name']} at {image['size']}x{image['size']}, trained on a quarter of its pixels; the published "
            "values are for 512x512 DIV2K crops, so only the order carries over, not the absolute values")
    if PSNR.has(table, "kernel_response_slope"):  # the mechanism: how fast each net's kernel falls with frequency at initialisation
        note += "; kernel response slope at init: " + ", ".join(
            f"{v} {s:.2f}" for v, s in zip(table.variant.values, table.kernel_response_slope.values))
    return ClaimRow(name, "C20", statement, paper, " < ".join(f"{v} {ours[v]:.2f}" for v in order) + " dB", "strict order",
                    verdict(ok), note)

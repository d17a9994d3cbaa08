"""The depth study's claim rows: C3 on S^1, C4 on S^2, C10 (the low-frequency slope against depth)."""

from __future__ import annotations

import xarray as xr

from ...analysis import degree_slope
from ...claims import Claim, ClaimRow, verdict
from . import Depth
from .settings import Entry


#: the claims this study's rows test (the scorecard's registry gathers every study's)
CLAIMS = {c.id: c for c in [
    Claim("C4", "same on S^2", "-3", "depth.*.slope_tolerance", ("depth",)),
    Claim("C10", "deep NTK low-frequency slope flattens monotonically with depth", "flattens monotonically",
          "- (strictly increasing)", ("depth",)),
]}



# docs/methods.md §5: local slope over k = 1..10 on S1 for depths 3, 5, 10, 20, 50
REFERENCE_LOW_SLOPES_S1 = {3: -2.38, 5: -1.93, 10: -1.39, 20: -0.98, 50: -0.61}


def depth_claim_rows(spec: xr.Dataset, name: str, cfg: Entry) -> list[ClaimRow]:
    cfg = Depth.typed(cfg)
    dim = int(cfg.dim)
    k = spec.degree.values
    depths = spec.depth.values
    lo, hi = cfg.large_k_range
    large = {int(d): degree_slope(k, spec.eigenvalue.sel(depth=d).values, lo, hi) for d in depths}
    expect = -float(dim)
    claim = {2: "C3", 3: "C4"}.get(dim)
    rows = []
    if claim:
        tol = cfg.slope_tolerance
        ok = all(abs(v - expect) <= tol for v in large.values())
        paper = "-2 (P1 fits 1.94 from k = 50)" if dim == 2 else "-3 (P1 fits 2.80 from k = 10; 2019: 2.87)"
        rows.append(ClaimRow(name, claim, f"deep ReLU NTK eigenvalue slope at large k on S^{dim - 1}, depths {depths.tolist()}",
                             paper, ", ".join(f"D={d}: {v:.3f}" for d, v in large.items()), f"|slope - ({expect:g})| <= {tol:g} for every depth",
                             verdict(ok), f"Funk-Hecke eigenvalues, fit over k in [{lo}, {hi}]; bias-free depth 2 has zero odd eigenvalues (left out)"))
    llo, lhi = cfg.low_k_range
    deep_only = [int(d) for d in depths if d >= 3]
    low = {d: degree_slope(k, spec.eigenvalue.sel(depth=d).values, llo, lhi) for d in deep_only}
    if len(low) >= 2:
        vals = [low[d] for d in deep_only]
        mono = all(b > a for a, b in zip(vals, vals[1:]))
        ref = ""
        if dim == 2:
            common = [d for d in deep_only if d in REFERENCE_LOW_SLOPES_S1]
            ref = "; docs/methods.md §5 values " + ", ".join(f"D={d}: {REFERENCE_LOW_SLOPES_S1[d]}" for d in common)
        rows.append(ClaimRow(name, "C10", f"deep NTK low-frequency slope (k in [{llo}, {lhi}]) flattens with depth on S^{dim - 1}",
                             "flattens monotonically (P1 F12); our derivation, docs/methods.md §5: S1 -2.38, -1.93, -1.39, -0.98, -0.61 for D = 3, 5, 10, 20, 50",
                             ", ".join(f"D={d}: {v:.3f}" for d, v in low.items()), "strictly increasing with depth",
                             verdict(mono), f"depths >= 3 (depth 2 without bias has zero odd eigenvalues){ref}"))
    return rows

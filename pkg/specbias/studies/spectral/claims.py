"""The spectral study's claim rows: C7 (local eigenfunction frequency across regions), C8 (the eigenvalue law)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ...claims import Claim, ClaimRow, verdict


#: the claims this study's rows test (the scorecard's registry gathers every study's)
CLAIMS = {c.id: c for c in [
    Claim("C7", "local eigenfunction frequency ratio across regions", "sqrt(p_i/p_j)", "spectral.*.ratio_tolerance",
          ("spectral",)),
    Claim("C8", "eigenvalues vs Z^2/q^2 law", "shape matches; lambda q^2/Z^2 -> 1/pi", "spectral.*.law_tolerance",
          ("spectral",)),
]}



def claim_c7(spec: xr.Dataset, name: str, q_min: int, q_max: int, tolerance: float) -> ClaimRow | None:
    """C7: local eigenfunction frequency ratio across regions equals √(p_i/p_j) (densest region as reference)."""
    p = spec.region_density.values
    if (p > 0).sum() < 2:
        return None
    ref = int(np.argmax(p))
    q = spec.frequency_index.values
    sel = (q >= q_min) & (q <= q_max)
    measured = spec.local_frequency.values[sel] / spec.local_frequency.values[sel][:, [ref]]
    predicted = np.sqrt(p / p[ref])[None, :]
    err = np.abs(measured / predicted - 1)
    err = np.delete(err, ref, axis=1)
    finite = err[np.isfinite(err)]
    if finite.size == 0:
        return ClaimRow(name, "C7", "local eigenfunction frequency ratio across regions", "sqrt(p_i/p_j)",
                        "no measurable modes", f"<= {tolerance:g}", "not_evaluated", "")
    worst, med = float(finite.max()), float(np.median(finite))
    q20 = np.nonzero(q == max(q_min, 20))[0]
    example = ""
    if q20.size:
        lf = spec.local_frequency.values[q20[0]]
        pf = spec.predicted_local_frequency.values[q20[0]]
        example = (f"; at q = {int(q[q20[0]])}: measured " + "/".join(f"{v:.2f}" for v in lf)
                   + " vs predicted " + "/".join(f"{v:.2f}" for v in pf))
    return ClaimRow(name, "C7", f"local eigenfunction frequency ratio across regions ({spec.attrs['density']})",
                    "sqrt(p_i/p_j); P1 at q = 20 on 1:2:4: 13.5/19.5/27.0 vs 13.6/19.2/27.2",
                    f"max relative error {worst:.4f} (median {med:.4f})", f"max |ratio / sqrt(p_i/p_j) - 1| <= {tolerance:g} over q in [{q_min}, {q_max}]",
                    verdict(worst <= tolerance),
                    f"zero-crossing frequencies on a {spec.sizes['grid_point']}-point quadrature grid, {int(sel.sum())} modes{example}")


def claim_c8(spec: xr.Dataset, name: str, q_range, tolerance: float) -> ClaimRow:
    """C8: eigenvalues follow Z²/q² with λ q²/Z² → 1/π (P1's normalisation; eq. 20's constant differs)."""
    lo, hi = q_range
    q = spec.frequency_index.values
    sel = (q >= lo) & (q <= hi)
    law = spec.eigenvalue_law.values[sel]
    med = float(np.median(law))
    spread = float((law.max() - law.min()) / med)
    ok = abs(med * np.pi - 1) <= tolerance and spread <= 2 * tolerance
    nys = spec.nystrom_eigenvalue.values[sel] / spec.eigenvalue.values[sel]
    return ClaimRow(name, "C8", f"eigenvalues vs the Z^2/q^2 law ({spec.attrs['density']})",
                    "shape Z^2/q^2; lambda q^2/Z^2 -> 1/pi = 0.3183 (P1 eq. 20's constant is off, docs/methods.md §4)",
                    f"median lambda q^2/Z^2 = {med:.4f} (x pi = {med * np.pi:.4f})",
                    f"|median x pi - 1| <= {tolerance:g} and spread <= {2 * tolerance:g}", verdict(ok),
                    f"q in [{lo}, {hi}], spread (max-min)/median = {spread:.4f}; Z = {float(spec.sqrt_mass):.4f}; "
                    f"Nystrom/quadrature eigenvalue ratio {np.median(nys):.3f} (range {nys.min():.3f}-{nys.max():.3f})")

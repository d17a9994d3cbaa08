"""The lazy study's claim row: C22 (the kernel change against width)."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ... import analysis
from ...claims import Claim, ClaimRow, verdict

#: the claims this study's rows test (the scorecard's registry gathers every study's)
CLAIMS = {c.id: c for c in [
    Claim("C22", "the empirical NTK moves less in wider nets: final relative kernel change ~ width^-1/2",
          "log-log slope -1/2 (lazy-training theory)", "lazy.*.slope_tolerance", ("lazy",)),
]}
CLAIM = CLAIMS["C22"]


def claim_c22(table: xr.Dataset, name: str, tolerance: float):
    """C22: log-log slope of the final relative kernel change against width (every run that did
    not diverge), within ``tolerance`` of −1/2."""
    w, change = xr.broadcast(table.width, table.kernel_change_final)
    ok = np.isfinite(change.values) & (change.values > 0)
    if len(np.unique(w.values[ok])) < 2:
        return ClaimRow(name, "C22", CLAIM.claim, CLAIM.paper, "fewer than two widths with a kernel change",
                        f"|slope + 0.5| <= {tolerance:g}", verdict(None), ""), None
    fit = analysis.fit_power_law(w.values[ok].astype(float), change.values[ok])
    med = table.kernel_change_final.median("seed").values
    pred = table.prediction_error_max.median("seed").values
    note = ("median final change per width: " + ", ".join(f"m={m} {c:.4f}" for m, c in zip(table.width.values, med))
            + "; largest gap to the K_0 prediction (median): " + ", ".join(f"{p:.3f}" for p in pred)
            + f"; fit over {int(ok.sum())} runs")
    return ClaimRow(name, "C22", CLAIM.claim, CLAIM.paper,
                    f"{fit.slope:.3f} (95% CI {fit.ci_low:.3f} to {fit.ci_high:.3f})", f"|slope + 0.5| <= {tolerance:g}",
                    verdict(abs(fit.slope + 0.5) <= tolerance), note), fit

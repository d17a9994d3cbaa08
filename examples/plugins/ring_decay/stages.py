"""The ring_decay stage: the operator eigenvalues of a two-layer NTK on the circle (one real FFT of
the circulant Gram row), their power-law fit, and the example claim row."""

from __future__ import annotations

import numpy as np
import xarray as xr

from specbias import claims, duals, io, ntk
from specbias.analysis import fit_power_law
from specbias.registry import ACTIVATIONS

from . import RingDecay
from .claims import CLAIMS

#: the entry as its typed config object (the classes are generated from schema.yaml)
typed = RingDecay.typed


def spectrum(entry) -> xr.Dataset:
    entry = typed(entry)
    act = ACTIVATIONS.build(entry.activation)
    n = entry.grid_size
    lam = ntk.circulant_operator_spectrum(lambda c: duals.two_layer_ntk(c, act), n, n // 2)
    lo, hi = entry.fit_range
    q = np.arange(len(lam))
    fit = fit_power_law(q[lo : hi + 1], np.abs(lam[lo : hi + 1]))
    ds = xr.Dataset(
        {"eigenvalue": ("frequency", lam, io.meta("operator eigenvalue of the two-layer NTK (uniform measure)"))},
        coords={"frequency": ("frequency", q, io.meta("frequency q of cos/sin(q theta)"))},
        attrs={"activation": act.kind, "slope": fit.slope, "slope_ci": [fit.ci_low, fit.ci_high]},
    )
    return io.finalize(ds, "Two-layer NTK eigenvalues on the circle", entry, "ring_decay spectrum")


def claim_rows(spec: xr.Dataset, name: str, entry):
    c = CLAIMS["X1"]
    slope, tol = float(spec.attrs["slope"]), typed(entry).tolerance
    row = claims.ClaimRow(name, c.id, c.claim, c.paper, f"{slope:.3f}", f"|slope + 2| <= {tol:g}",
                          claims.verdict(abs(slope + 2) <= tol), f"activation {spec.attrs['activation']}")
    return claims.claims_frame([row])

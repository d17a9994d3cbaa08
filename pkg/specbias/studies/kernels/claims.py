"""The kernels study's claim rows: C16, C17."""

from __future__ import annotations

import xarray as xr

from ...claims import Claim, ClaimRow, verdict
from . import Kernels
from .settings import Entry


#: the claims this study's rows test (the scorecard's registry gathers every study's)
CLAIMS = {c.id: c for c in [
    Claim("C16", "ReLU-family NTK spectra on S^(d-1) decay as k^-d (any depth)", "k^-d",
          "kernels.*.power_tolerance", ("kernels",)),
    Claim("C17", "NTK spectra of smooth activations decay faster than any power of k", "faster than any power",
          "- (the exponential fit beats the power-law fit)", ("kernels",)),
]}



def kernel_claim_rows(spec: xr.Dataset, name: str, cfg: Entry) -> list[ClaimRow]:
    """C16: every positively homogeneous activation's spectrum follows k^-d (power law, slope within
    ``power_tolerance`` of -d); C17: every smooth one decays faster than any power (the exponential
    fit explains log λ better than the power-law fit over ``fit_range``)."""
    cfg = Kernels.typed(cfg)
    dim, lo_hi = cfg.dim, cfg.fit_range
    model = cfg.model
    net = (f"two-layer (tau {model.tau:g}, {'with' if model.bias else 'no'} bias)" if model.kind == "two_layer"
           else f"depth {model.depth}")
    rows = []
    hom = spec.activation.values[spec.homogeneous.values == 1]
    smooth = spec.activation.values[spec.homogeneous.values == 0]
    if len(hom):
        slopes = {str(a): float(spec.power_slope.sel(activation=a)) for a in hom}
        laws = {str(a): float(spec.power_r2.sel(activation=a)) >= float(spec.exp_r2.sel(activation=a)) for a in hom}
        ok = all(abs(v + dim) <= cfg.power_tolerance for v in slopes.values()) and all(laws.values())
        rows.append(ClaimRow(name, "C16", f"ReLU-family NTK spectrum on S^{dim - 1}, {net}: eigenvalues ~ k^-{dim}",
                             f"slope -{dim}", ", ".join(f"{a} {v:.3f}" for a, v in slopes.items()),
                             f"|slope + {dim}| <= {cfg.power_tolerance:g} and the power law fits better",
                             verdict(ok), f"log-log fit over degrees {lo_hi[0]}-{lo_hi[1]} (numerically zero degrees left out)"))
    if len(smooth):
        parts, ok = [], True
        for a in smooth:
            r2p, r2e = float(spec.power_r2.sel(activation=a)), float(spec.exp_r2.sel(activation=a))
            ok &= r2e > r2p
            parts.append(f"{a} rate {float(spec.exp_rate.sel(activation=a)):.3f} (R^2 exp {r2e:.4f} vs power {r2p:.4f})")
        rows.append(ClaimRow(name, "C17", f"smooth-activation NTK spectra on S^{dim - 1}, {net}: faster than any power",
                             "faster than any power of k", "; ".join(parts), "exponential fit R^2 > power-law fit R^2",
                             verdict(ok), f"fits over degrees {lo_hi[0]}-{lo_hi[1]}, eigenvalues above 1e-10 of the largest"))
    return rows

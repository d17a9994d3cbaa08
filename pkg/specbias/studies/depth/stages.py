"""The depth study (config section ``depth:``): eigenvalues of the bias-free deep ReLU NTK against
depth on S^{dim−1} by the Funk–Hecke integral, no training (P1 F12; docs/methods.md §5).

Stages::

    spectrum    one entry of the section (every key)       -> spectrum.nc      depth_spectrum_dataset
    claim_rows  every entry's spectrum + its config        -> claims C3 (S^1), C4 (S^2), C10
"""

from __future__ import annotations

import logging

import numpy as np
import xarray as xr

from ... import claims, deep, io
from . import claims as study_claims
from .layouts import SPECTRUM
from . import Depth

log = logging.getLogger(__name__)

SECTION = "depth"


#: an entry or a job's params as the typed (partial) entry: a key the job was not given raises when read
typed = Depth.typed


def spectrum(cfg) -> xr.Dataset:
    """Funk–Hecke eigenvalues of the bias-free deep ReLU NTK on S^{dim−1} for every depth (P1 F12)."""
    cfg = typed(cfg)
    dim, kmax = cfg.dim, cfg.max_degree
    lam = np.stack([deep.funk_hecke_eigenvalues(lambda c, d=d: deep.relu_ntk(c, d), dim, kmax) for d in cfg.depths])
    log.info("depth spectrum on S^%d: depths %s, degrees 0..%d", dim - 1, cfg.depths, kmax)
    return depth_spectrum_dataset(lam=lam, config=cfg)


def claim_rows(specs: dict[str, xr.Dataset], cfgs: dict[str, dict]):
    """C3 (S¹) / C4 (S²) large-degree slopes for every depth, C10 low-degree flattening."""
    rows = []
    for name, spec in specs.items():
        rows += study_claims.depth_claim_rows(spec, name, typed(cfgs[name]))
    return claims.claims_frame(rows)


# ----------------------------------------------------------------------------------------------
# Datasets


def depth_spectrum_dataset(*, lam, config: dict) -> xr.Dataset:
    dim = config.dim
    k = np.arange(lam.shape[1])
    ds = xr.Dataset(
        {
            "eigenvalue": (("depth", "degree"), lam, io.meta("eigenvalue of the deep ReLU NTK operator (uniform probability measure)")),
            "multiplicity": ("degree", deep.multiplicity(dim, k), io.meta("number of degree-k spherical harmonics")),
        },
        coords={
            "depth": ("depth", np.asarray(config.depths), io.meta("network depth (weight layers; depth - 1 hidden ReLU layers)")),
            "degree": ("degree", k, io.meta("spherical-harmonic degree (frequency on S1)")),
        },
        attrs={"sphere": f"S^{dim - 1} in R^{dim}", "method": "Funk-Hecke integral, Gauss-Legendre quadrature in the angle"},
    )
    return io.finalize(SPECTRUM.check(ds), f"Deep ReLU NTK eigenvalues vs depth on S^{dim - 1}", config, "depth_spectrum")

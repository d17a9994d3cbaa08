"""The spectral study (config section ``spectral:``): eigenfunctions of the two-layer NTK under a
circle density, no training (P1 §4; docs/methods.md §4).

Stages::

    eigen       one entry of the section (every key)       -> spectral.nc      spectral_dataset
    claim_rows  every entry's eigen file + its config      -> claims C7, C8
"""

from __future__ import annotations

import logging

import numpy as np
import xarray as xr

from ... import claims, io, ntk, sampling
from ... import eigenfunctions as ef
from . import claims as study_claims
from .layouts import SPECTRUM
from . import Spectral

log = logging.getLogger(__name__)

SECTION = "spectral"


#: an entry or a job's params as the typed (partial) entry: a key the job was not given raises when read
typed = Spectral.typed


def eigen(cfg) -> xr.Dataset:
    """NTK eigenfunctions under a density (docs/methods.md §4): quadrature and Nyström discretisations,
    local frequency and amplitude per region, the eigenvalue law, and an optional projection."""
    cfg = typed(cfg)
    density = sampling.make_density(cfg.density)
    kern = lambda c: ntk.p1_kernel(c, cfg.bias)  # noqa: E731 -- P1's normalisation (docs/methods.md §3)
    theta, w, lam, f = ef.quadrature_eigen(kern, density, cfg.grid_size, cfg.modes)
    samples = sampling.sample_circle(cfg.nystrom_n, cfg.nystrom_seed, cfg.density)
    nys_lam, _ = ef.nystrom_eigen(kern, samples, cfg.modes)
    modes = np.arange(len(lam))
    q = ef.frequency_index(modes)
    local = ef.local_frequencies(theta, f, density, cfg.region_margin)
    pred = ef.predicted_local_frequencies(q, density)
    amps = ef.region_amplitudes(theta, f, density, cfg.region_margin)
    z = density.sqrt_mass()
    law = np.where(q > 0, lam * q.astype(float) ** 2 / z**2, np.nan)
    proj = peaks = None
    if cfg.projection_kappa:
        kappa = cfg.projection_kappa
        proj = ef.projection(w, f, np.sin(kappa * theta))
        peaks = ef.predicted_peaks(kappa, density)
    log.info("spectral %s: Z = %.4f, law lambda q^2/Z^2 median %.4f (1/pi = %.4f)", density.describe(), z,
             float(np.nanmedian(law[q >= cfg.law_q_range[0]])), 1 / np.pi)
    return spectral_dataset(theta=theta, w=w, density=density, lam=lam, nys_lam=nys_lam, f=f, q=q, local=local, pred=pred,
                            amps=amps, law=law, proj=proj, peaks=peaks, config=cfg)


def claim_rows(specs: dict[str, xr.Dataset], cfgs: dict[str, dict]):
    """C7 and C8 rows for every spectral entry."""
    rows = []
    for name, spec in specs.items():
        cfg = typed(cfgs[name])
        c7 = study_claims.claim_c7(spec, name, cfg.local_q_min, cfg.law_q_range[1], cfg.ratio_tolerance)
        if c7 is not None:
            rows.append(c7)
        rows.append(study_claims.claim_c8(spec, name, cfg.law_q_range, cfg.law_tolerance))
    for row in rows:
        log.info("%s %s: ours %s -> %s", row.claim, row.entry, row.our_value, row.verdict)
    return claims.claims_frame(rows)


# ----------------------------------------------------------------------------------------------
# Datasets


def spectral_dataset(*, theta, w, density, lam, nys_lam, f, q, local, pred, amps, law, proj, peaks, config: dict) -> xr.Dataset:
    """Eigenfunctions of the two-layer NTK (P1's normalisation) under a density."""
    modes = np.arange(len(lam))
    data = {
        "density": ("grid_point", density.pdf(theta), io.meta("density w.r.t. arc length", "rad-1")),
        "weight": ("grid_point", np.asarray(w), io.meta("quadrature weight p(theta_i) 2 pi / N")),
        "region": ("grid_point", density.region_of(theta), io.meta("index of the density's arc holding the grid point")),
        "eigenvalue": ("mode", lam, io.meta("operator eigenvalue, quadrature discretisation (P1's kernel normalisation)")),
        "nystrom_eigenvalue": ("mode", nys_lam, io.meta("operator eigenvalue, Nystrom estimate K/n on samples of p")),
        "eigenfunction": (("grid_point", "mode"), f, io.meta("eigenfunction, normalised int f^2 p = 1")),
        "frequency_index": ("mode", q, io.meta("eigenfunction index q (modes 2q-1 and 2q)")),
        "local_frequency": (("mode", "region_index"), local, io.meta("local angular frequency from zero crossings", "rad-1")),
        "predicted_local_frequency": (("mode", "region_index"), pred, io.meta("q sqrt(p_j) / Z", "rad-1")),
        "region_amplitude": (("mode", "region_index"), amps, io.meta("max |f| inside the arc")),
        "eigenvalue_law": ("mode", law, io.meta("lambda_q q^2 / Z^2 (docs/methods.md §4: tends to 1/pi)")),
        **io.region_variables(density),
    }
    if proj is not None:
        data["projection"] = ("mode", proj, io.meta(f"coefficient <sin({config.projection_kappa} theta), f_k>_p"))
        data["predicted_peak"] = ("region_index", peaks, io.meta("eigenfunction index q = kappa Z / sqrt(p_j) where the projection should peak"))
    ds = xr.Dataset(
        data,
        coords={
            "grid_point": ("grid_point", np.arange(len(theta)), io.meta("quadrature grid point")),
            "theta": ("grid_point", np.asarray(theta), io.meta("angle on the circle", "rad")),
            "mode": ("mode", modes, io.meta("eigenpair index, decreasing eigenvalue")),
            "region_index": io.region_coordinate(density),
        },
        attrs={"density": density.describe(), "kernel": "P1's two-layer NTK normalisation (docs/methods.md §3)"},
    )
    return io.finalize(SPECTRUM.check(ds), "NTK eigenfunctions under a non-uniform density on the circle", config, "spectral")

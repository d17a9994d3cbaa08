"""The kernels study (config section ``kernels:``): the NTK of a net with any activation on
S^{d−1}, its Funk–Hecke spectrum and its decay law, no training (docs/methods.md §11).

Stages and the keys each reads::

    spectrum    one entry (every key)              -> eigenvalue (activation, degree) and the
                                                      fitted decay laws           spectrum_dataset
    claim_rows  every entry's spectrum + its config -> claims C16 (ReLU family: k^-d),
                                                      C17 (smooth activations: faster than any power)

An entry names a sphere (``dim``), a model (``two_layer`` with ``tau`` and ``bias``, or ``deep``
with ``depth``) and the activations to compare (``activations: {name: {kind: ..., params}}``).
"""

from __future__ import annotations

import logging

import numpy as np
import xarray as xr

from ... import claims, deep, duals, io
from ...registry import ACTIVATIONS
from . import claims as study_claims
from .layouts import SPECTRUM
from . import Kernels

log = logging.getLogger(__name__)

SECTION = "kernels"


#: an entry or a job's params as the typed (partial) entry: a key the job was not given raises when read
typed = Kernels.typed


def kernel_of(act, model):
    """The NTK of ``model`` (the entry's typed ``model``) with activation ``act`` as a function of the inner product."""
    if model.kind == "two_layer":
        return lambda t: duals.two_layer_ntk(t, act, tau=model.tau, bias=model.bias)
    return lambda t: duals.deep_ntk(t, act, model.depth)


def spectrum(cfg) -> xr.Dataset:
    """Funk–Hecke eigenvalues of every activation's NTK and their decay laws."""
    cfg = typed(cfg)
    dim, kmax, model = cfg.dim, cfg.max_degree, cfg.model
    names = list(cfg.activations)
    lam, laws = [], []
    k = np.arange(kmax + 1)
    for name in names:
        act = ACTIVATIONS.build(cfg.activations[name])
        lam.append(deep.funk_hecke_eigenvalues(kernel_of(act, model), dim, kmax))
        laws.append(duals.decay_law(k, lam[-1], cfg.fit_range))
        log.info("%s: %s law (power slope %.3f, R^2 %.4f; exponential rate %.4f, R^2 %.4f)", name, laws[-1]["law"],
                 laws[-1]["power_slope"], laws[-1]["power_r2"], laws[-1]["exp_rate"], laws[-1]["exp_r2"])
    return spectrum_dataset(names=names, lam=np.stack(lam), laws=laws, config=cfg)


def claim_rows(specs: dict[str, xr.Dataset], cfgs: dict[str, dict]):
    rows = []
    for name, spec in specs.items():
        rows += study_claims.kernel_claim_rows(spec, name, typed(cfgs[name]))
    return claims.claims_frame(rows)


# ----------------------------------------------------------------------------------------------
# Datasets


def spectrum_dataset(*, names: list[str], lam: np.ndarray, laws: list[dict], config: dict) -> xr.Dataset:
    dim = config.dim
    k = np.arange(lam.shape[1])
    kinds = [config.activations[n]["kind"] for n in names]
    homogeneous = [int(ACTIVATIONS[kd].homogeneous) for kd in kinds]
    law = lambda key: np.array([x[key] for x in laws], dtype=np.float64)  # noqa: E731
    ds = xr.Dataset(
        {
            "eigenvalue": (("activation", "degree"), lam,
                           io.meta("eigenvalue of the NTK operator (uniform probability measure on the sphere)")),
            "multiplicity": ("degree", deep.multiplicity(dim, k), io.meta("number of degree-k spherical harmonics")),
            "kind": ("activation", np.asarray(kinds), io.meta("activation kind (specbias.activations)")),
            "homogeneous": ("activation", np.asarray(homogeneous, dtype=np.int8),
                            io.meta("positively homogeneous (ReLU family)", flag_values=np.arange(2, dtype=np.int8),
                                    flag_meanings="no yes")),
            "power_slope": ("activation", law("power_slope"), io.meta("slope of log eigenvalue vs log k over fit_range")),
            "power_r2": ("activation", law("power_r2"), io.meta("R^2 of the power-law fit")),
            "exp_rate": ("activation", law("exp_rate"), io.meta("rate r of eigenvalue ~ exp(-r k) over fit_range")),
            "exp_r2": ("activation", law("exp_r2"), io.meta("R^2 of the exponential fit")),
        },
        coords={
            "activation": ("activation", np.asarray(names), io.meta("activation (config name)")),
            "degree": ("degree", k, io.meta("spherical-harmonic degree (frequency on S1)")),
        },
        attrs={"sphere": f"S^{dim - 1} in R^{dim}", "model": config.model.kind,
               "method": "Funk-Hecke integral of the kernel from the dual activations (docs/methods.md §11)"},
    )
    return io.finalize(SPECTRUM.check(ds), f"NTK spectra of several activations on S^{dim - 1}", config, "kernels_spectrum")

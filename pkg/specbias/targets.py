"""Target functions on the circle."""

from __future__ import annotations

import numpy as np

KINDS = ("sin", "cos")
NORMALISATIONS = ("unit_norm", "none")


def harmonic(theta: np.ndarray, kappa: int, kind: str = "sin", normalise: str = "unit_norm") -> np.ndarray:
    """``sin(κθ)`` or ``cos(κθ)`` at the sample angles.

    ``unit_norm`` scales the vector of values to ‖y‖₂ = 1 over the samples (Basri et al. 2019,
    arXiv:1906.00425, whose criterion ½‖y − f‖² < 0.05 assumes it); ``none`` keeps amplitude 1.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown target kind {kind!r}; choose one of {KINDS}")
    if normalise not in NORMALISATIONS:
        raise ValueError(f"unknown normalisation {normalise!r}; choose one of {NORMALISATIONS}")
    fn = np.sin if kind == "sin" else np.cos
    y = fn(kappa * np.asarray(theta, dtype=np.float64))
    if normalise == "unit_norm":
        norm = np.linalg.norm(y)
        if norm == 0:
            raise ValueError(f"target {kind}({kappa}θ) vanishes on every sample; cannot normalise")
        y = y / norm
    return y

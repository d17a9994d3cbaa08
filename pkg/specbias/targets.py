"""Target functions on the circle: one class per config ``target.kind``
(:data:`~specbias.registry.CIRCLE_TARGETS`), each a harmonic family indexed by the frequency κ."""

from __future__ import annotations

import numpy as np

from .registry import CIRCLE_TARGETS, Configured

NORMALISATIONS = ("unit_norm", "none")


class CircleTarget(Configured):
    """``values(θ, κ)``: the target of frequency κ at the sample angles, before normalisation."""


    def values(self, theta: np.ndarray, kappa: int) -> np.ndarray:
        raise NotImplementedError


@CIRCLE_TARGETS.register("sin")
class Sin(CircleTarget):
    def values(self, theta, kappa):
        return np.sin(kappa * np.asarray(theta, dtype=np.float64))


@CIRCLE_TARGETS.register("cos")
class Cos(CircleTarget):
    def values(self, theta, kappa):
        return np.cos(kappa * np.asarray(theta, dtype=np.float64))


def harmonic(theta: np.ndarray, kappa: int, kind: str = "sin", normalise: str = "unit_norm") -> np.ndarray:
    """The target ``kind`` of frequency κ (``sin(κθ)``, ``cos(κθ)``) at the sample angles.

    ``unit_norm`` scales the vector of values to ‖y‖₂ = 1 over the samples (Basri et al. 2019,
    arXiv:1906.00425, whose criterion ½‖y − f‖² < 0.05 assumes it); ``none`` keeps amplitude 1.
    """
    if normalise not in NORMALISATIONS:
        raise ValueError(f"unknown normalisation {normalise!r}; choose one of {NORMALISATIONS}")
    y = CIRCLE_TARGETS.build({"kind": kind}).values(theta, kappa)
    if normalise == "unit_norm":
        norm = np.linalg.norm(y)
        if norm == 0:
            raise ValueError(f"target {kind}({kappa}θ) vanishes on every sample; cannot normalise")
        y = y / norm
    return y

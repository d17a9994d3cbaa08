"""Sampling points on the circle S¹ (x = (cos θ, sin θ), θ ∈ [−π, π)).

Densities are with respect to arc length and integrate to 1 (uniform: p = 1/(2π), as in P1,
arXiv:2003.04560).
"""

from __future__ import annotations

import numpy as np

DENSITIES = ("uniform",)
METHODS = ("random", "grid")


def density_pdf(kind: str, theta: np.ndarray) -> np.ndarray:
    """Density p(θ) with respect to arc length."""
    if kind == "uniform":
        return np.full(np.shape(theta), 1.0 / (2 * np.pi))
    raise ValueError(f"unknown density {kind!r}; choose one of {DENSITIES}")


def sample_circle(n: int, seed: int, density: str = "uniform", method: str = "random") -> np.ndarray:
    """n angles in [−π, π), sorted.

    ``random``: i.i.d. draws from the density with ``numpy.random.default_rng(seed)``;
    ``grid``: evenly spaced angles ``−π + 2πj/n`` (only for the uniform density).
    """
    if n < 2:
        raise ValueError(f"need at least 2 points, got n={n}")
    if density not in DENSITIES:
        raise ValueError(f"unknown density {density!r}; choose one of {DENSITIES}")
    if method == "grid":
        return -np.pi + 2 * np.pi * np.arange(n) / n
    if method != "random":
        raise ValueError(f"unknown sampling method {method!r}; choose one of {METHODS}")
    rng = np.random.default_rng(seed)
    return np.sort(rng.uniform(-np.pi, np.pi, size=n))


def embed(theta: np.ndarray) -> np.ndarray:
    """Unit vectors (n, 2) for angles θ."""
    theta = np.asarray(theta, dtype=np.float64)
    return np.stack([np.cos(theta), np.sin(theta)], axis=-1)

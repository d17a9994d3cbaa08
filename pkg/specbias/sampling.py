"""Densities on the circle S¹ and exact, seeded samplers.

Points are x = (cos θ, sin θ), θ ∈ [−π, π).  Densities are with respect to arc length and
integrate to 1 (uniform: p = 1/(2π), as in P1, arXiv:2003.04560).

* ``uniform``.
* ``piecewise``: arcs of relative ``lengths`` starting at θ = −π, with relative densities
  ``weights``; normalised for the user so that ∫p = 1.  Region j is the j-th arc.
* ``cosine``: p(θ) = (1 + a cos(kθ + φ)) / (2π) with |a| < 1.  P1's F5 density
  (3 cos(2θ + π) + 4.5)/(9π) is a = 2/3, k = 2, φ = π.

Every density also gives Z = (1/2π) ∫ √p dθ, the constant of P1's local-frequency law
(docs/methods.md §4): an eigenfunction of index q oscillates locally at angular frequency q √p / Z.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .registry import CIRCLE_DENSITIES

METHODS = ("random", "grid")


class DensityError(ValueError):
    """A density that is not a valid probability density on the circle."""


@dataclass(frozen=True)
class Density:
    """A probability density on S¹ w.r.t. arc length: one subclass per config ``kind``
    (:data:`~specbias.registry.CIRCLE_DENSITIES`), built by :meth:`from_config`.

    The base class is a density constant on arcs: ``edges`` (regions + 1 angles from −π to π) and
    ``values`` (the density on each arc).  A subclass whose density varies inside an arc overrides
    :meth:`pdf`, :meth:`sample` and :meth:`sqrt_mass`; region labels always come from ``edges``."""

    edges: tuple[float, ...] = (-math.pi, math.pi)  # region boundaries, len = regions + 1
    values: tuple[float, ...] = (1 / (2 * math.pi),)  # density in each region (its mean for a varying one)

    kind = ""

    @classmethod
    def from_config(cls, cfg: dict) -> "Density":
        raise NotImplementedError

    @property
    def regions(self) -> int:
        return len(self.values)

    def pdf(self, theta) -> np.ndarray:
        return np.asarray(self.values)[self.region_of(theta)]

    def region_of(self, theta) -> np.ndarray:
        """Index of the arc holding each angle (0 for densities without regions)."""
        wrapped = np.mod(np.asarray(theta, dtype=np.float64) + math.pi, 2 * math.pi) - math.pi
        idx = np.searchsorted(np.asarray(self.edges[1:-1]), wrapped, side="right")
        return idx.astype(np.int64)

    def sqrt_mass(self) -> float:
        """Z = (1/2π) ∫ √p(θ) dθ."""
        lengths = np.diff(self.edges)
        return float(np.sum(lengths * np.sqrt(self.values)) / (2 * math.pi))

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n i.i.d. angles drawn exactly from the density."""
        lengths = np.diff(self.edges)
        mass = lengths * np.asarray(self.values)
        region = rng.choice(len(mass), size=n, p=mass / mass.sum())
        return np.asarray(self.edges)[region] + rng.uniform(0, 1, size=n) * lengths[region]

    def describe(self) -> str:
        raise NotImplementedError


@CIRCLE_DENSITIES.register("uniform")
@dataclass(frozen=True)
class Uniform(Density):
    """p = 1/(2π)."""

    @classmethod
    def from_config(cls, cfg: dict) -> "Uniform":
        return cls()

    def describe(self) -> str:
        return "uniform p = 1/(2 pi)"


@CIRCLE_DENSITIES.register("piecewise")
@dataclass(frozen=True)
class Piecewise(Density):
    """Arcs of relative ``lengths`` from θ = −π with relative densities ``weights``, normalised."""

    parameters = {
        "lengths": {"description": "piecewise - relative arc lengths, counter-clockwise from -pi", "type": "array", "minItems": 1,
                    "items": {"type": "number", "exclusiveMinimum": 0}},
        "weights": {"description": "piecewise - relative densities of the arcs (>= 0, not all 0)", "type": "array", "minItems": 1,
                    "items": {"type": "number", "minimum": 0}},
    }
    required_parameters = ("lengths", "weights")

    @classmethod
    def from_config(cls, cfg: dict) -> "Piecewise":
        lengths = np.asarray(cfg.get("lengths", []), dtype=np.float64)
        weights = np.asarray(cfg.get("weights", []), dtype=np.float64)
        if lengths.size == 0 or lengths.shape != weights.shape:
            raise DensityError(f"piecewise density needs as many lengths as weights, got {lengths.size} and {weights.size}")
        if not np.all(np.isfinite(lengths)) or np.any(lengths <= 0):
            raise DensityError(f"piecewise density: arc lengths must be positive and finite, got {lengths.tolist()}")
        if not np.all(np.isfinite(weights)) or np.any(weights < 0):
            raise DensityError(f"piecewise density: weights must be non-negative and finite, got {weights.tolist()}")
        arcs = 2 * math.pi * lengths / lengths.sum()
        total = float(np.sum(arcs * weights))
        if not (total > 0 and math.isfinite(total)):
            raise DensityError(f"piecewise density does not integrate to a positive finite number (weights {weights.tolist()})")
        edges = np.concatenate([[-math.pi], -math.pi + np.cumsum(arcs)])
        edges[-1] = math.pi
        return cls(tuple(edges.tolist()), tuple((weights / total).tolist()))

    def describe(self) -> str:
        ratio = np.asarray(self.values) / min(v for v in self.values if v > 0)
        return "piecewise constant, density ratio " + ":".join(f"{r:.3g}" for r in ratio)


@CIRCLE_DENSITIES.register("cosine")
@dataclass(frozen=True)
class Cosine(Density):
    """p(θ) = (1 + a cos(kθ + φ)) / (2π), |a| < 1: one region, mean 1/(2π)."""

    modulation: float = 0.0  # a
    harmonic: int = 1  # k
    phase: float = 0.0  # φ

    parameters = {
        "modulation": {"description": "cosine - a in (1 + a cos(k theta + phi))/(2 pi)", "type": "number",
                       "exclusiveMinimum": -1, "exclusiveMaximum": 1},
        "harmonic": {"description": "cosine - k", "type": "integer", "minimum": 1},
        "phase": {"description": "cosine - phi in radians (default 0)", "type": "number"},
    }
    required_parameters = ("modulation", "harmonic")

    @classmethod
    def from_config(cls, cfg: dict) -> "Cosine":
        a = float(cfg.get("modulation", 0.0))
        if not abs(a) < 1:
            raise DensityError(f"cosine density needs |modulation| < 1 to stay positive, got {a}")
        k = int(cfg.get("harmonic", 1))
        if k < 1:
            raise DensityError(f"cosine density needs harmonic >= 1, got {k}")
        return cls(modulation=a, harmonic=k, phase=float(cfg.get("phase", 0.0)))

    def pdf(self, theta) -> np.ndarray:
        theta = np.asarray(theta, dtype=np.float64)
        return (1 + self.modulation * np.cos(self.harmonic * theta + self.phase)) / (2 * math.pi)

    def sqrt_mass(self) -> float:
        t = -math.pi + 2 * math.pi * (np.arange(8192) + 0.5) / 8192
        return float(np.mean(np.sqrt(self.pdf(t))))

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        out = np.empty(0)
        bound = (1 + abs(self.modulation)) / (2 * math.pi)
        while out.size < n:  # rejection sampling under the constant envelope
            t = rng.uniform(-math.pi, math.pi, size=2 * (n - out.size) + 16)
            keep = rng.uniform(0, bound, size=t.size) < self.pdf(t)
            out = np.concatenate([out, t[keep]])
        return out[:n]

    def describe(self) -> str:
        return f"p = (1 + {self.modulation:g} cos({self.harmonic} theta + {self.phase:g}))/(2 pi)"


def make_density(cfg) -> Density:
    """Build a density from its config: a kind name or a dict ``{kind: ..., ...}``."""
    try:
        return CIRCLE_DENSITIES.build(cfg)
    except ValueError as exc:
        if isinstance(exc, DensityError):
            raise
        raise DensityError(str(exc)) from None


def density_pdf(kind, theta: np.ndarray) -> np.ndarray:
    """Density p(θ) w.r.t. arc length, for a density config (kind name or dict)."""
    return make_density(kind).pdf(theta)


def sample_circle(n: int, seed: int, density="uniform", method: str = "random") -> np.ndarray:
    """n angles in [−π, π), sorted.

    ``random``: i.i.d. draws from the density with ``numpy.random.default_rng(seed)``;
    ``grid``: evenly spaced angles ``−π + 2πj/n`` (only for the uniform density).
    """
    if n < 2:
        raise ValueError(f"need at least 2 points, got n={n}")
    dens = make_density(density)
    if method == "grid":
        if not isinstance(dens, Uniform):
            raise ValueError("grid sampling is only defined for the uniform density; use method 'random'")
        return -np.pi + 2 * np.pi * np.arange(n) / n
    if method != "random":
        raise ValueError(f"unknown sampling method {method!r}; choose one of {METHODS}")
    return np.sort(dens.sample(n, np.random.default_rng(seed)))


def embed(theta: np.ndarray) -> np.ndarray:
    """Unit vectors (n, 2) for angles θ."""
    theta = np.asarray(theta, dtype=np.float64)
    return np.stack([np.cos(theta), np.sin(theta)], axis=-1)

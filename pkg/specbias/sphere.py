"""Points on the sphere S^{d−1} (d = 2, 3, ...), hemisphere densities, zonal harmonic targets, and
the analytic NTK Gram matrix of either model family on those points.

Hemisphere density with ratio r (P1 §7 F9): the half x_d ≥ 0 ("dense", region 1) carries r times
the density of the half x_d < 0 ("sparse", region 0).  With n points, round(n/(1+r)) are drawn
uniformly on the sparse half and the rest on the dense half (P1 placed 300 and 300·r points), so
the empirical ratio is exact up to rounding.  The density w.r.t. the uniform probability measure
on the sphere is 2/(1+r) on the sparse half and 2r/(1+r) on the dense half.

Targets are zonal harmonics P_k^{(d)}(x·e) about the axis e = (1, 0, ..., 0), which lies in the
plane that splits the hemispheres, so the target looks the same on both halves.  P_k^{(d)} is the
Gegenbauer polynomial normalised to P_k(1) = 1: cos(kθ) on S¹, the Legendre polynomial on S².
"""

from __future__ import annotations

import numpy as np
from .lazy_import import lazy
from .registry import Configured, MODELS, SPHERE_DENSITIES, SPHERE_TARGETS

special = lazy("scipy.special", globals())  # the config checks read the classes and multiplicities only

class SphereDensity(Configured):
    """A density on S^{d−1}: one subclass per config ``kind`` (:data:`~specbias.registry.SPHERE_DENSITIES`).
    :meth:`draw` returns the points, their region labels and the density at each point relative to
    the uniform probability measure."""


    def draw(self, n: int, dim: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        raise NotImplementedError


def _uniform_points(n: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    x = rng.standard_normal((n, dim))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


@SPHERE_DENSITIES.register("uniform")
class UniformSphere(SphereDensity):
    """The uniform probability measure; every point in region 0."""

    def draw(self, n, dim, rng):
        return _uniform_points(n, dim, rng), np.zeros(n, dtype=np.int64), np.ones(n)


@SPHERE_DENSITIES.register("hemispheres")
class Hemispheres(SphereDensity):
    """Density ``ratio`` times higher on x_d ≥ 0 (region 1) than on x_d < 0 (region 0)."""

    parameters = {"ratio": {"description": "hemispheres: dense/sparse density ratio", "type": "number", "exclusiveMinimum": 0}}
    required_parameters = ("ratio",)

    def draw(self, n, dim, rng):
        r = float(self.cfg["ratio"])
        if not (np.isfinite(r) and r > 0):
            raise ValueError(f"hemisphere density ratio must be positive and finite, got {r}")
        n_sparse = int(round(n / (1.0 + r)))
        if n_sparse < 1 or n - n_sparse < 1:
            raise ValueError(f"n={n} with ratio {r} leaves a hemisphere without points")
        x = _uniform_points(n, dim, rng)
        region = np.zeros(n, dtype=np.int64)
        region[n_sparse:] = 1
        x[:, -1] = np.where(region == 1, np.abs(x[:, -1]), -np.abs(x[:, -1]))
        pdf = np.where(region == 1, 2 * r / (1 + r), 2 / (1 + r))
        return x, region, pdf


def sample(n: int, dim: int, seed: int, density: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points (n, dim) on S^{dim−1}, region labels (0 sparse / 1 dense; all 0 for uniform) and the
    density at each point relative to the uniform probability measure."""
    if dim < 2:
        raise ValueError(f"the sphere S^(d-1) needs d >= 2, got dim={dim}")
    if n < 2:
        raise ValueError(f"need at least 2 points, got n={n}")
    return SPHERE_DENSITIES.build({"kind": "uniform", **density}).draw(n, dim, np.random.default_rng(seed))


def gegenbauer(t: np.ndarray, k: int, dim: int) -> np.ndarray:
    """P_k^{(dim)}(t), normalised to P_k(1) = 1, by the three-term recurrence (stable at large k)."""
    t = np.asarray(t, dtype=np.float64)
    a = (dim - 2) / 2
    p_prev, p = np.ones_like(t), t.copy()
    if k == 0:
        return p_prev
    for j in range(1, k):
        p_prev, p = p, 2 * (j + a) / (j + 2 * a) * t * p - j / (j + 2 * a) * p_prev
    return p


def zonal_target(x: np.ndarray, k: int, normalise: str = "unit_norm") -> np.ndarray:
    """P_k(x·e) with e the first axis; ``unit_norm`` scales the sample vector to ‖y‖ = 1."""
    y = gegenbauer(x[:, 0], k, x.shape[1])
    if normalise == "unit_norm":
        norm = np.linalg.norm(y)
        if norm == 0:
            raise ValueError(f"zonal harmonic of degree {k} vanishes on every sample")
        y = y / norm
    elif normalise != "none":
        raise ValueError(f"unknown normalisation {normalise!r}")
    return y


def real_spherical_harmonic(x: np.ndarray, k: int, m: int) -> np.ndarray:
    """Real spherical harmonic Y_{k,m} on S² (orthonormal w.r.t. surface measure), |m| ≤ k:
    √2 (−1)^m Re Y_k^m for m > 0, Y_k^0 for m = 0, √2 (−1)^m Im Y_k^{|m|} for m < 0, with polar angle
    measured from the third axis."""
    if x.shape[1] != 3:
        raise ValueError(f"real spherical harmonics are defined here on S^2 (3 coordinates), got {x.shape[1]}")
    if abs(m) > k:
        raise ValueError(f"order m={m} must satisfy |m| <= degree {k}")
    polar = np.arccos(np.clip(x[:, 2], -1.0, 1.0))
    azimuth = np.arctan2(x[:, 1], x[:, 0])
    y = special.sph_harm_y(k, abs(m), polar, azimuth)
    if m == 0:
        return y.real
    sign = (-1.0) ** abs(m)
    return np.sqrt(2.0) * sign * (y.real if m > 0 else y.imag)


def _unit_norm(y: np.ndarray, normalise: str, what: str) -> np.ndarray:
    if normalise == "unit_norm":
        norm = np.linalg.norm(y)
        if norm == 0:
            raise ValueError(f"{what} vanishes on every sample")
        y = y / norm
    return y


class SphereTarget(Configured):
    """A target family indexed by degree k on S^{d−1}: one subclass per config ``target.kind``
    (:data:`~specbias.registry.SPHERE_TARGETS`)."""


    def values(self, x: np.ndarray, k: int) -> np.ndarray:
        raise NotImplementedError


@SPHERE_TARGETS.register("zonal")
class Zonal(SphereTarget):
    """P_k(x·e), e the first axis, any d."""

    def values(self, x, k):
        return zonal_target(x, k, self.cfg["normalise"])


@SPHERE_TARGETS.register("real")
class RealHarmonic(SphereTarget):
    """Y_{k,m} with m = min(order, k), on S² only."""

    def values(self, x, k):
        y = real_spherical_harmonic(x, k, min(int(self.cfg.get("order", 0)), k))
        return _unit_norm(y, self.cfg["normalise"], f"spherical harmonic of degree {k}")


def target(x: np.ndarray, k: int, cfg: dict) -> np.ndarray:
    """The configured target of degree k: ``zonal`` (P_k(x·e), any d) or ``real`` (Y_{k,m} with
    m = min(order, k) on S²), normalised as ``cfg['normalise']`` says."""
    return SPHERE_TARGETS.build({"kind": "zonal", **cfg}).values(x, k)


def gram(x: np.ndarray, model: dict, device=None) -> np.ndarray:
    """Analytic NTK Gram matrix (float64) of the configured model on unit vectors x
    (:meth:`specbias.models.ModelKind.gram` of the model's kind)."""
    return MODELS.build(model).gram(x, device)


def zonal_eigenvalues(model: dict, dim: int, max_degree: int) -> np.ndarray:
    """Operator eigenvalue per degree under the uniform measure (Funk–Hecke), for reference."""
    return MODELS.build(model).zonal_eigenvalues(dim, max_degree)


def multiplicity(dim: int, k) -> np.ndarray:
    """Dimension N(d, k) of the degree-k spherical harmonics on S^{d−1}."""
    k = np.asarray(k)
    if dim == 2:
        return np.where(k == 0, 1, 2)
    return np.round(special.comb(k + dim - 1, dim - 1) - special.comb(k + dim - 3, dim - 1)).astype(np.int64)

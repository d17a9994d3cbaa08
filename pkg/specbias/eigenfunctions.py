"""Eigenfunctions of a zonal kernel under a non-uniform density on the circle (docs/methods.md §4).

The operator ``(T f)(x) = ∫ k(x, z) f(z) p(z) dz`` is discretised two ways:

* **quadrature**: midpoints θ_i of an even grid with weights ``w_i = p(θ_i) 2π/N``; the
  symmetric matrix ``diag(√w) K diag(√w)`` has the eigenvalues of T and eigenvectors
  ``g = √w f``.  Eigenfunctions are evaluated everywhere by the Nyström extension
  ``f(θ_i) = Σ_j K_ij √w_j g_j / λ`` (well defined also where p = 0), normalised so that
  ``∫ f² p ≈ Σ_i w_i f_i² = 1``.
* **Nyström on samples**: for n samples of p, ``K / n`` estimates T.

For piecewise-constant p (P1, arXiv:2003.04560, section 4) eigenfunction index q (modes
2q − 1 and 2q, sorted by decreasing eigenvalue; mode 0 is q = 0) oscillates inside region j at
the local angular frequency ``q √p_j / Z``, ``Z = (1/2π) ∫ √p``, and ``λ_q q² / Z² → 1/π``
in P1's kernel normalisation (docs/methods.md §4: P1's eq. 20 has another constant).
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

from .sampling import Density


def frequency_index(mode) -> np.ndarray:
    """q of a mode sorted by decreasing eigenvalue: 0, 1, 1, 2, 2, …"""
    return (np.asarray(mode) + 1) // 2


def grid(n_grid: int) -> np.ndarray:
    """Midpoint grid on [−π, π): never on a region boundary of an arc split at grid edges."""
    return -np.pi + 2 * np.pi * (np.arange(n_grid) + 0.5) / n_grid


def _top_eigh(matrix: np.ndarray, modes: int):
    n = matrix.shape[0]
    modes = min(modes, n)
    evals, evecs = linalg.eigh(matrix, subset_by_index=[n - modes, n - 1], driver="evr")
    return evals[::-1], evecs[:, ::-1]


def quadrature_eigen(kernel_of_cos, density: Density, n_grid: int, modes: int):
    """Top ``modes`` eigenpairs of T on a weighted midpoint grid.

    Returns (theta (N,), weights (N,), eigenvalues (modes,), eigenfunctions (N, modes))."""
    theta = grid(n_grid)
    w = density.pdf(theta) * 2 * np.pi / n_grid
    kmat = kernel_of_cos(np.cos(theta[:, None] - theta[None, :]))
    s = np.sqrt(w)
    evals, g = _top_eigh(s[:, None] * kmat * s[None, :], modes)
    f = kmat @ (s[:, None] * g) / evals[None, :]
    f *= _sign_fix(f)
    return theta, w, evals, f


def nystrom_eigen(kernel_of_cos, theta_samples: np.ndarray, modes: int):
    """Top eigenpairs of K/n on samples: (eigenvalues (modes,), eigenfunctions (n, modes)),
    eigenfunctions scaled so that (1/n) Σ f² = 1 (the Monte-Carlo ∫ f² p = 1)."""
    theta = np.asarray(theta_samples, dtype=np.float64)
    n = len(theta)
    kmat = kernel_of_cos(np.cos(theta[:, None] - theta[None, :])) / n
    evals, v = _top_eigh(kmat, modes)
    f = v * np.sqrt(n)
    return evals, f * _sign_fix(f)


def _sign_fix(f: np.ndarray) -> np.ndarray:
    """Make each eigenfunction's largest-magnitude value positive (eigenvectors have no sign)."""
    idx = np.argmax(np.abs(f), axis=0)
    return np.sign(f[idx, np.arange(f.shape[1])])


def _interior(theta, start, end, margin):
    length = end - start
    return (theta >= start + margin * length) & (theta <= end - margin * length)


def local_frequencies(theta, f, density: Density, margin: float = 0.05) -> np.ndarray:
    """Local angular frequency of each eigenfunction in each region: (mode, region).

    From the zero crossings (linearly interpolated) inside the region, away from its ends by
    ``margin`` of its length: ω = π (c − 1) / (z_last − z_first) for c ≥ 2 crossings, NaN
    otherwise."""
    out = np.full((f.shape[1], density.regions), np.nan)
    for j in range(density.regions):
        inside = _interior(theta, density.edges[j], density.edges[j + 1], margin)
        t = theta[inside]
        for m in range(f.shape[1]):
            v = f[inside, m]
            flips = np.nonzero(np.signbit(v[:-1]) != np.signbit(v[1:]))[0]
            if len(flips) < 2:
                continue
            z = t[flips] - v[flips] * (t[flips + 1] - t[flips]) / (v[flips + 1] - v[flips])
            out[m, j] = np.pi * (len(z) - 1) / (z[-1] - z[0])
    return out


def predicted_local_frequencies(q, density: Density) -> np.ndarray:
    """``q √p_j / Z`` for each q and region: (q, region)."""
    return np.asarray(q, dtype=np.float64)[:, None] * np.sqrt(np.asarray(density.values))[None, :] / density.sqrt_mass()


def region_amplitudes(theta, f, density: Density, margin: float = 0.05) -> np.ndarray:
    """max |f| inside each region (away from its ends): (mode, region)."""
    out = np.full((f.shape[1], density.regions), np.nan)
    for j in range(density.regions):
        inside = _interior(theta, density.edges[j], density.edges[j + 1], margin)
        if inside.any():
            out[:, j] = np.max(np.abs(f[inside]), axis=0)
    return out


def projection(weights, f, y) -> np.ndarray:
    """Coefficients ⟨y, f_k⟩_p = Σ_i w_i y_i f_k(θ_i) of a target on the eigenfunctions."""
    return (np.asarray(weights) * np.asarray(y)) @ f


def predicted_peaks(kappa: float, density: Density) -> np.ndarray:
    """Eigenfunction index q whose local frequency in region j equals κ: q = κ Z / √p_j."""
    p = np.asarray(density.values)
    with np.errstate(divide="ignore"):
        return np.where(p > 0, kappa * density.sqrt_mass() / np.sqrt(p), np.nan)

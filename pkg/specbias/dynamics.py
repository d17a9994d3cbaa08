"""Linearised gradient-descent dynamics in the NTK eigenbasis (docs/methods.md §6).

For full-batch GD on ``Φ = ½ Σ (y − f)²`` with learning rate η and Gram matrix H (eigenpairs
Λ_i, v_i), the linearised residual is ``r_t = (I − ηH)^t r_0``: its component on v_i is
multiplied by ``(1 − ηΛ_i)`` every step (Arora et al. 2019, arXiv:1901.08584; P1 §5).

When only the k largest eigenpairs are known (``ntk.eigenpairs: k``), the part of r_0 outside
their span is carried along unchanged, as if its eigenvalues were 0.  The modes left out all
have eigenvalues ≤ Λ_k, so this is accurate while η Λ_k t ≪ 1 (they have barely decayed by step
t), and never optimistic: it can only delay the predicted convergence.
"""

from __future__ import annotations

import numpy as np

from .criteria import Criterion


def decay_factors(evals: np.ndarray, lr: float) -> np.ndarray:
    """Per-mode multiplier ``1 − ηΛ_i``."""
    return 1.0 - lr * np.asarray(evals, dtype=np.float64)


def stability(evals: np.ndarray, lr: float) -> tuple[bool, float]:
    """GD on the linear model is stable iff ``|1 − ηΛ| < 1`` for every positive Λ.

    Returns ``(stable, η Λ_max)``; η Λ_max ≥ 2 means the top mode grows (divergence).
    """
    top = float(np.max(evals)) * lr
    return top < 2.0, top


def project(evecs: np.ndarray, r0: np.ndarray) -> np.ndarray:
    """Coefficients of residuals ``r0`` (run, sample) on the eigenvectors: (run, mode)."""
    return np.asarray(r0, dtype=np.float64) @ evecs


def complement(evecs: np.ndarray, r0: np.ndarray) -> np.ndarray:
    """Part of ``r0`` (run, sample) outside the span of the eigenvectors (zero when they are all known)."""
    r0 = np.asarray(r0, dtype=np.float64)
    if evecs.shape[1] >= evecs.shape[0]:
        return np.zeros_like(r0)
    return r0 - project(evecs, r0) @ evecs.T


def predict_residuals(evals, evecs, r0, lr: float, steps) -> np.ndarray:
    """Linearised residuals at the given steps: array (run, sample, step)."""
    coeff = project(evecs, r0)  # (run, mode)
    steps = np.asarray(steps, dtype=np.float64)
    rho = decay_factors(evals, lr)
    # (mode, step): rho^t, with 0^0 = 1
    powers = np.power(rho[:, None], steps[None, :])
    # r_t[run, sample] = Σ_mode V[sample, mode] coeff[run, mode] rho[mode]^t
    out = np.einsum("sm,rm,mt->rst", evecs, coeff, powers, optimize=True)
    return out + complement(evecs, r0)[:, :, None]


def predict_convergence_step(evals, evecs, r0, y, lr: float, criterion: Criterion, max_steps: int):
    """First step at which the linearised residual satisfies ``criterion`` (−1 if not by max_steps).

    Uses that ``‖r_t‖² = Σ_i c_i² (1 − ηΛ_i)^{2t}`` (V orthonormal) is non-increasing when
    GD is stable, so a bisection over integer t is exact.  Unstable cases return −1.
    """
    coeff2 = project(evecs, r0) ** 2  # (run, mode)
    rest2 = np.sum(complement(evecs, r0) ** 2, axis=1)  # (run,)
    rho2 = decay_factors(evals, lr) ** 2
    y = np.atleast_2d(np.asarray(y, dtype=np.float64))
    out = np.full(coeff2.shape[0], -1, dtype=np.int64)
    stable, _ = stability(evals, lr)
    if not stable:
        return out
    for run in range(coeff2.shape[0]):

        def sq_norm(t: int) -> float:
            return float(np.sum(coeff2[run] * rho2**t) + rest2[run])

        yr = y[run if y.shape[0] > 1 else 0]
        if not criterion.holds_sq_norm(sq_norm(max_steps), yr):
            continue
        lo, hi = -1, max_steps  # invariant: criterion fails at lo (or lo = −1), holds at hi
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if criterion.holds_sq_norm(sq_norm(mid), yr):
                hi = mid
            else:
                lo = mid
        out[run] = hi
    return out


def predict_region_convergence(evals, evecs, r0, regions, limits, lr: float, max_steps: int, grid_points: int = 256):
    """First step at which each region's linearised residual meets its bound: (run, region), −1 if never.

    ``limits[j]`` bounds ``Σ_{i∈R_j} r_t(i)²`` (see :meth:`Criterion.region_limits`).  A region's
    residual is not exactly monotone in t, so the first crossing is bracketed on a log-spaced grid
    of steps and refined by bisection inside the bracket.
    """
    coeff = project(evecs, r0)  # (run, mode)
    rest = complement(evecs, r0)  # (run, sample)
    rho = decay_factors(evals, lr)
    regions = np.asarray(regions)
    n_regions = len(limits)
    onehot = np.eye(n_regions)[regions]  # (n, J)
    grid = np.unique(np.concatenate([[0], np.round(np.geomspace(1, max_steps, grid_points)).astype(np.int64)]))
    out = np.full((coeff.shape[0], n_regions), -1, dtype=np.int64)
    if not stability(evals, lr)[0]:
        return out

    def region_sq(run, steps):
        resid = evecs @ (coeff[run][:, None] * np.power(rho[:, None], np.asarray(steps, dtype=np.float64)[None, :]))
        resid = resid + rest[run][:, None]
        return (resid**2).T @ onehot  # (steps, J)

    for run in range(coeff.shape[0]):
        ok = region_sq(run, grid) < np.asarray(limits)[None, :]  # (T, J)
        for j in range(n_regions):
            hits = np.nonzero(ok[:, j])[0]
            if hits.size == 0:
                continue
            k = hits[0]
            if k == 0:
                out[run, j] = 0
                continue
            lo, hi = int(grid[k - 1]), int(grid[k])  # fails at lo, holds at hi
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if region_sq(run, [mid])[0, j] < limits[j]:
                    hi = mid
                else:
                    lo = mid
            out[run, j] = hi
    return out

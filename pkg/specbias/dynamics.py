"""Linearised gradient-descent dynamics in the NTK eigenbasis (science.md §5).

For full-batch GD on ``Φ = ½ Σ (y − f)²`` with learning rate η and Gram matrix H (eigenpairs
Λ_i, v_i), the linearised residual is ``r_t = (I − ηH)^t r_0``: its component on v_i is
multiplied by ``(1 − ηΛ_i)`` every step (Arora et al. 2019, arXiv:1901.08584; P1 §5).
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


def predict_residuals(evals, evecs, r0, lr: float, steps) -> np.ndarray:
    """Linearised residuals at the given steps: array (run, sample, step)."""
    coeff = project(evecs, r0)  # (run, mode)
    steps = np.asarray(steps, dtype=np.float64)
    rho = decay_factors(evals, lr)
    # (mode, step): rho^t, with 0^0 = 1
    powers = np.power(rho[:, None], steps[None, :])
    # r_t[run, sample] = Σ_mode V[sample, mode] coeff[run, mode] rho[mode]^t
    return np.einsum("sm,rm,mt->rst", evecs, coeff, powers, optimize=True)


def predict_convergence_step(evals, evecs, r0, y, lr: float, criterion: Criterion, max_steps: int):
    """First step at which the linearised residual satisfies ``criterion`` (−1 if not by max_steps).

    Uses that ``‖r_t‖² = Σ_i c_i² (1 − ηΛ_i)^{2t}`` (V orthonormal) is non-increasing when
    GD is stable, so a bisection over integer t is exact.  Unstable cases return −1.
    """
    coeff2 = project(evecs, r0) ** 2  # (run, mode)
    rho2 = decay_factors(evals, lr) ** 2
    y = np.atleast_2d(np.asarray(y, dtype=np.float64))
    out = np.full(coeff2.shape[0], -1, dtype=np.int64)
    stable, _ = stability(evals, lr)
    if not stable:
        return out
    for run in range(coeff2.shape[0]):

        def sq_norm(t: int) -> float:
            return float(np.sum(coeff2[run] * rho2**t))

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

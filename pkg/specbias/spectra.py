"""Fourier amplitudes of functions sampled on the circle.

For samples θ_i drawn from a density p (or a uniform grid, p = 1/(2π)), the amplitude of
frequency q ≥ 1 of a function v is estimated by the Monte-Carlo (or, on a grid, exact)
quadrature

    A_q = | (1/(π n)) Σ_i v(θ_i) e^{−iqθ_i} / p(θ_i) |,     A_0 = | (1/(2π n)) Σ_i v(θ_i) / p(θ_i) |,

so that ``v = A sin(qθ + φ)`` gives A_q = A.  Naming rule: the dim produced by a Fourier
transform along ``sample`` is ``frequency`` (see :mod:`specbias.io`).
"""

from __future__ import annotations

import numpy as np


def harmonic_amplitudes(theta, values, frequencies, pdf) -> np.ndarray:
    """Amplitudes A_q of ``values`` (..., sample[, extra]) at integer ``frequencies``.

    ``values`` has the sample axis second-to-last if 3-D (run, sample, step) — the layout of
    residual snapshots — or last otherwise.  Returns (..., frequency[, step]) accordingly.
    """
    theta = np.asarray(theta, dtype=np.float64)
    q = np.asarray(frequencies, dtype=np.float64)
    weights = 1.0 / (len(theta) * np.asarray(pdf, dtype=np.float64))
    phase = q[:, None] * theta[None, :]
    # the real and imaginary parts as two real products: numpy's real-by-complex product is
    # not BLAS and was ~30x slower for a (8, 256) x (256, 129) case
    basis = np.concatenate([np.cos(phase), np.sin(phase)]) * weights[None, :]  # (2Q, n)
    scale = np.where(q == 0, 1 / (2 * np.pi), 1 / np.pi)
    v = np.asarray(values, dtype=np.float64)
    Q = len(q)
    if v.ndim == 3:  # (run, sample, step) -> (run, frequency, step)
        coeff = np.einsum("qs,rst->rqt", basis, v, optimize=True)
        return np.hypot(coeff[:, :Q], coeff[:, Q:]) * scale[None, :, None]
    coeff = v @ basis.T
    return np.hypot(coeff[..., :Q], coeff[..., Q:]) * scale


def dominant_frequency(theta, vectors, pdf, max_frequency: int) -> tuple[np.ndarray, np.ndarray]:
    """Frequency with the largest amplitude for each column of ``vectors`` (sample, mode).

    Returns (frequency, fraction): the fraction is that frequency's share of Σ_q A_q² (how
    pure the mode is; near 1 for a clean harmonic).
    """
    q = np.arange(max_frequency + 1)
    vt = np.asarray(vectors).T
    # frequency blocks keep the (frequency, sample) basis small when n is large
    amps = np.concatenate([harmonic_amplitudes(theta, vt, q[i : i + 256], pdf) for i in range(0, len(q), 256)], axis=1)
    power = amps**2 * np.where(q == 0, 2.0, 1.0)  # A_0² counts twice in Parseval
    best = np.argmax(power, axis=1)
    frac = power[np.arange(len(best)), best] / np.maximum(power.sum(axis=1), 1e-300)
    return q[best], frac

"""Signals for coordinate MLPs (P2 G1, Rahaman et al. 2019): a 1-D sum of sinusoids on a grid.

``y(t) = Σ_k A_k sin(2π k t + φ_k)`` on t = i/N, i = 0..N−1 (N = ``length``), with phases drawn
from a seeded generator.  On this grid the DFT of y has modulus A_k N / 2 at bin k, so the
residual's spectrum normalised by the target's is |R_k| / |Y_k| (1 before training, → 0 once
frequency k is learned).
"""

from __future__ import annotations

import numpy as np


def multi_sine(length: int, frequencies, amplitudes, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grid t (N,), signal y (N,) and phases (K,)."""
    freqs = np.asarray(frequencies, dtype=np.int64)
    amps = np.broadcast_to(np.asarray(amplitudes, dtype=np.float64), freqs.shape)
    if length < 2 or freqs.min() < 1 or freqs.max() >= length / 2:
        raise ValueError(f"frequencies must lie in [1, {length // 2 - 1}] for a {length}-point grid, got {freqs.tolist()}")
    phases = np.random.default_rng(seed).uniform(0, 2 * np.pi, len(freqs))
    t = np.arange(length) / length
    y = (amps[:, None] * np.sin(2 * np.pi * freqs[:, None] * t[None, :] + phases[:, None])).sum(0)
    return t, y, phases


def spectrum_at(values: np.ndarray, frequencies) -> np.ndarray:
    """|DFT| of ``values`` (..., N) at integer frequencies: (..., K)."""
    return np.abs(np.fft.rfft(values, axis=-1)[..., np.asarray(frequencies)])

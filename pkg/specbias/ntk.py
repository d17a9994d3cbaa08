"""Neural tangent kernels of the two-layer ReLU net on the circle, and their spectra.

Conventions (keep them in mind when comparing with papers):

* The network of docs/methods.md §3 (P1, arXiv:2003.04560, section 3) is
  ``f(x) = m^{-1/2} Σ_r a_r ReLU(w_rᵀx + b_r)`` with ``w ~ N(0, τ²I)``, ``b = 0`` at
  initialisation, ``a_r = ±1`` fixed.  Its gradient-descent Gram matrix (the NTK that
  actually drives training of ``Φ = ½Σ(y − f)²``) is, for unit-norm ``x`` and angle θ,
  ``H(θ) = (cos θ + β) (π − |θ|) / (2π)``, β = 1 with bias, 0 without.

  The indicator ``1[wᵀx > 0]`` does not depend on τ, so neither does H.

* P1 writes the kernel *with bias* as ``(1 + cos θ)(π − |θ|)/(4π)``: the same net fed the
  lifted unit vector ``(x, 1)/√2``.  That is exactly half of H.  Without bias the two agree.
  Basri et al. 2019 (arXiv:1906.00425) use the unscaled ``[x; 1]``, i.e. H itself.
  :func:`p1_kernel` returns P1's normalisation, :func:`two_layer_ntk` the network's, and
  :data:`NETWORK_OVER_P1` is the ratio between them.

* The integral operator ``(T f)(x) = ∫ k(x, z) f(z) p(z) dz`` with uniform ``p = 1/(2π)``
  has eigenvalues ``λ_0 = c_0`` and ``λ_q = c_q / 2`` (twice, cos and sin) for q ≥ 1, where
  ``k(θ) = Σ_q c_q cos(qθ)``.  The n × n Gram matrix on n samples of p has eigenvalues
  ``≈ n λ``.
"""

from __future__ import annotations

import numpy as np

from .lazy_import import lazy

torch = lazy("torch", globals())  # the pre-flight's kernel bound is numpy; only a GPU solve needs torch
linalg = lazy("scipy.linalg", globals())
sparse_linalg = lazy("scipy.sparse.linalg", globals(), "sparse_linalg")

#: H(θ) of the trained network divided by P1's printed kernel (docs/methods.md §3).
NETWORK_OVER_P1 = {True: 2.0, False: 1.0}


def _angle(cos_angle: np.ndarray) -> np.ndarray:
    # Clip before arccos: rounding can push |cos| a hair above 1.
    return np.arccos(np.clip(cos_angle, -1.0, 1.0))


def two_layer_ntk(cos_angle, bias: bool = True) -> np.ndarray:
    """NTK (GD Gram kernel) of the two-layer net of docs/methods.md §3 as implemented.

    ``H = (cos θ + β)(π − θ)/(2π)`` with β = 1 with bias, 0 without; θ ∈ [0, π].
    """
    c = np.asarray(cos_angle, dtype=np.float64)
    theta = _angle(c)
    return (np.clip(c, -1.0, 1.0) + (1.0 if bias else 0.0)) * (np.pi - theta) / (2 * np.pi)


def p1_kernel(cos_angle, bias: bool = True) -> np.ndarray:
    """P1's normalisation of the two-layer NTK (docs/methods.md §3).

    with bias: ``(1 + cos θ)(π − θ)/(4π)``; without bias: ``cos θ (π − θ)/(2π)``.
    """
    return two_layer_ntk(cos_angle, bias) / NETWORK_OVER_P1[bool(bias)]


def p1_cosine_coefficients(q, bias: bool = True) -> np.ndarray:
    """Closed-form cosine-series coefficients c_q of :func:`p1_kernel` (docs/methods.md §3 table).

    ``k(θ) = Σ_{q ≥ 0} c_q cos(qθ)``.
    """
    q = np.asarray(q)
    if np.any(q < 0) or np.any(q != np.round(q)):
        raise ValueError("frequencies q must be non-negative integers")
    q = q.astype(np.int64)
    qf = q.astype(np.float64)
    pi2 = np.pi**2
    out = np.zeros(q.shape, dtype=np.float64)
    even = (q % 2 == 0) & (q >= 2)
    odd = (q % 2 == 1) & (q >= 3)
    with np.errstate(divide="ignore", invalid="ignore"):
        if bias:
            out = np.where(q == 0, 1 / (2 * pi2) + 1 / 8, out)
            out = np.where(q == 1, 1 / pi2 + 1 / 8, out)
            out = np.where(even, (qf**2 + 1) / (pi2 * (qf**2 - 1) ** 2), out)
            out = np.where(odd, 1 / (pi2 * qf**2), out)
        else:
            out = np.where(q == 0, 1 / pi2, out)
            out = np.where(q == 1, 1 / 4, out)
            out = np.where(even, 2 * (qf**2 + 1) / (pi2 * (qf**2 - 1) ** 2), out)
            # odd q >= 3: exactly zero (never learned without bias)
    return out


def two_layer_ntk_cosine_coefficients(q, bias: bool = True) -> np.ndarray:
    """Cosine coefficients of :func:`two_layer_ntk` (the network's convention)."""
    return NETWORK_OVER_P1[bool(bias)] * p1_cosine_coefficients(q, bias)


def uniform_operator_eigenvalues(q, coefficients: np.ndarray) -> np.ndarray:
    """Eigenvalue of ``f ↦ ∫ k f p`` for uniform p = 1/(2π): c_0 at q = 0, c_q/2 for q ≥ 1."""
    q = np.asarray(q)
    return np.where(q == 0, coefficients, coefficients / 2)


def circle_gram(theta: np.ndarray, bias: bool = True, rows: int = 512) -> np.ndarray:
    """Gram matrix ``H(x_i, x_j)`` of the network's NTK on angles θ_i (float64).

    Filled in blocks of ``rows`` rows, so the only n × n array is the result itself (the
    temporaries of one block are rows × n)."""
    theta = np.asarray(theta, dtype=np.float64)
    n = len(theta)
    out = np.empty((n, n))
    for i in range(0, n, rows):
        out[i : i + rows] = two_layer_ntk(np.cos(theta[i : i + rows, None] - theta[None, :]), bias)
    return out


def eigendecompose(gram: np.ndarray, count: int | None = None, overwrite: bool = False, seed: int = 0, device=None):
    """Eigenpairs of a symmetric Gram matrix in float64, sorted by decreasing eigenvalue.

    ``count=None``: all n pairs by LAPACK's divide-and-conquer ``syevd`` (workspace about 2n²
    doubles besides the matrix).  ``count=k``: the k largest by implicitly restarted Lanczos
    (ARPACK), which needs only matrix-vector products and O(nk) memory; the start vector is
    seeded, so reruns agree.  ``overwrite`` lets LAPACK destroy ``gram`` instead of copying it.
    ``device`` (a torch device, e.g. CUDA): the dense solve runs there with ``torch.linalg.eigh``
    in float64 instead (the stages pass the GPU when there is one).
    """
    gram = np.asarray(gram, dtype=np.float64)
    if gram.ndim != 2 or gram.shape[0] != gram.shape[1]:
        raise ValueError(f"Gram matrix must be square, got shape {gram.shape}")
    n = gram.shape[0]
    if not np.all(np.isfinite(gram)):
        raise ValueError("Gram matrix has non-finite entries")
    if count is not None and not 1 <= count <= n:
        raise ValueError(f"eigenpair count must lie in [1, {n}], got {count}")
    if device is not None and (count is None or count >= n - 1):
        evals, evecs = torch.linalg.eigh(torch.from_numpy(gram).to(device=device, dtype=torch.float64))
        evals, evecs = evals.flip(0)[:count].cpu().numpy(), evecs.flip(1)[:, :count].cpu().numpy()
        return np.ascontiguousarray(evals), np.ascontiguousarray(evecs)
    if count is None or count >= n - 1:  # ARPACK needs k < n
        # A symmetric C-ordered matrix is its own Fortran-ordered transpose: no copy needed.
        evals, evecs = linalg.eigh(gram.T, driver="evd", overwrite_a=overwrite, check_finite=False)
        evals, evecs = evals[::-1], evecs[:, ::-1]
        if count is not None:
            evals, evecs = evals[:count], evecs[:, :count]
        return np.ascontiguousarray(evals), np.ascontiguousarray(evecs)
    v0 = np.random.default_rng(seed).standard_normal(n)
    evals, evecs = sparse_linalg.eigsh(gram, k=count, which="LA", v0=v0)
    order = np.argsort(evals)[::-1]
    return evals[order], np.ascontiguousarray(evecs[:, order])


def circulant_operator_spectrum(kernel_of_cos, n_grid: int, max_frequency: int) -> np.ndarray:
    """Operator eigenvalues λ_q, q = 0..max_frequency, of a zonal kernel on the circle.

    On ``n_grid`` evenly spaced angles the Gram matrix is circulant, so one real FFT of its
    first row gives every eigenvalue; dividing by ``n_grid`` gives the eigenvalues of
    ``f ↦ ∫ k f p`` for the uniform density (the trapezoidal rule).  It is *not* spectrally
    accurate here: the ReLU kernel has a kink, its coefficients fall only as q^{−2}, and the FFT
    folds every frequency q + j·n_grid onto q, lifting λ_q by a relative (q/n_grid)²-order amount
    (+0.05% at q = 50, +5% at q = 500, +136% at q = 2000 on 4096 points, against the closed form).
    Fits of the decay use the closed-form (or Funk–Hecke) eigenvalues; this is the cross-check.
    """
    if max_frequency > n_grid // 2:
        raise ValueError(
            f"max_frequency={max_frequency} exceeds the grid's Nyquist frequency {n_grid // 2}"
        )
    angles = 2 * np.pi * np.arange(n_grid) / n_grid
    row = kernel_of_cos(np.cos(angles))
    eig = np.fft.rfft(row).real / n_grid
    return eig[: max_frequency + 1]

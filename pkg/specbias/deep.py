"""Deep ReLU networks in the NTK parameterisation: analytic NTK, empirical NTK, spectra on S^{d−1}.

Convention (science.md §4; Jacot et al. 2018, Arora et al. 2019 arXiv:1904.11955, P1 eq. 6):
inputs on the unit sphere, no bias, every layer after the first scaled by √(c_σ/fan_in) with
c_σ = 2, weights N(0, 1), all layers trained, linear read-out.  A net of **depth D** has D − 1 hidden
ReLU layers and D weight matrices (depth 2 is the two-layer net with both layers trained).
With ρ = Σ^{(h−1)}(x, x'):

    Σ^{(0)} = xᵀx',  Θ^{(0)} = Σ^{(0)}
    Σ^{(h)} = (ρ (π − arccos ρ) + √(1 − ρ²)) / π
    Σ̇^{(h)} = (π − arccos ρ) / π
    Θ^{(h)} = Θ^{(h−1)} Σ̇^{(h)} + Σ^{(h)}

and the NTK of depth D is Θ^{(D−1)}.  (P1's printed Σ̇ carries an extra factor ρ/2: a typo.)
ρ is clipped to [−1, 1] before arccos.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy import special


def relu_ntk(cos_angle, depth: int) -> np.ndarray:
    """Analytic NTK Θ^{(depth−1)} of a bias-free ReLU net of the given depth (float64)."""
    if depth < 2:
        raise ValueError(f"depth must be >= 2 (one hidden layer at least), got {depth}")
    sigma = np.clip(np.asarray(cos_angle, dtype=np.float64), -1.0, 1.0)
    theta = sigma.copy()
    for _ in range(depth - 1):
        rho = np.clip(sigma, -1.0, 1.0)
        angle = np.arccos(rho)
        sigma_dot = (np.pi - angle) / np.pi
        sigma = (rho * (np.pi - angle) + np.sqrt(np.maximum(1.0 - rho * rho, 0.0))) / np.pi
        theta = theta * sigma_dot + sigma
    return theta


# ---------------------------------------------------------------------------------------------
# Finite nets and their empirical NTK


def init_mlp(dim: int, width: int, depth: int, seed: int, dtype=torch.float64) -> list[torch.Tensor]:
    """Weights N(0, 1) of a bias-free MLP: depth − 1 hidden layers of ``width``, scalar output."""
    gen = torch.Generator().manual_seed(int(seed))
    sizes = [dim] + [width] * (depth - 1) + [1]
    return [torch.randn(sizes[i + 1], sizes[i], generator=gen, dtype=dtype) for i in range(depth)]


def _scale(layer: int, w: torch.Tensor) -> float:
    # first layer unscaled: inputs are unit vectors, so Σ^{(0)} = xᵀx' needs pre-activations W x
    return 1.0 if layer == 0 else math.sqrt(2.0 / w.shape[1])


def mlp_forward(weights: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """f(x) for inputs (n, d): layer i computes √(c_i/fan_in) W_i h_prev, ReLU on hidden layers.

    The first layer is unscaled (unit-norm inputs, so Σ^{(0)} = xᵀx'); every layer that reads
    ReLU outputs, the read-out included, is scaled by √(c_σ/fan_in) with c_σ = 2 (so the output
    kernel is Σ^{(D−1)}, as in the recursion)."""
    h = x
    for i, w in enumerate(weights):
        last = i == len(weights) - 1
        h = h @ w.T * _scale(i, w)
        if not last:
            h = torch.relu(h)
    return h[:, 0]


def empirical_ntk(weights: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Empirical NTK Σ_l ⟨∂f(x_i)/∂W_l, ∂f(x_j)/∂W_l⟩ by the layer-wise Gram form.

    For layer l with input a_{l−1} (n, fan_in) and back-propagated signal g_l = ∂f/∂(pre-activation)
    (n, fan_out), ∂f/∂W_l = s_l g_l a_{l−1}ᵀ per sample, so its contribution is
    s_l² (G_l G_lᵀ) ⊙ (A_{l−1} A_{l−1}ᵀ): two n × n products per layer, no Jacobian is formed.
    """
    acts, scales, masks = [x], [], []
    h = x
    for i, w in enumerate(weights):
        last = i == len(weights) - 1
        s = _scale(i, w)
        pre = h @ w.T * s
        scales.append(s)
        if not last:
            masks.append((pre > 0).to(x.dtype))
            h = torch.relu(pre)
            acts.append(h)
    n = x.shape[0]
    g = torch.ones(n, 1, dtype=x.dtype, device=x.device)  # ∂f/∂(output pre-activation)
    kernel = torch.zeros(n, n, dtype=x.dtype, device=x.device)
    for layer in range(len(weights) - 1, -1, -1):
        a = acts[layer]
        kernel += scales[layer] ** 2 * (g @ g.T) * (a @ a.T)
        if layer > 0:
            g = (g @ weights[layer]) * scales[layer] * masks[layer - 1]
    return kernel


def empirical_ntk_jacobian(weights: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Reference: the same kernel from full per-sample Jacobians (``torch.func.jacrev``)."""
    from torch.func import jacrev

    params = tuple(weights)
    jac = jacrev(lambda *ws: mlp_forward(list(ws), x), argnums=tuple(range(len(params))))(*params)
    flat = torch.cat([j.reshape(x.shape[0], -1) for j in jac], dim=1)
    return flat @ flat.T


# ---------------------------------------------------------------------------------------------
# Spectra of zonal kernels on S^{d−1}


def funk_hecke_eigenvalues(kernel_of_cos, dim: int, max_degree: int, nodes: int | None = None) -> np.ndarray:
    """Eigenvalue λ_k (k = 0..max_degree) of ``f ↦ ∫ k(xᵀz) f(z) dσ(z)`` for the uniform probability
    measure σ on S^{dim−1}, each of multiplicity N(dim, k), by the Funk–Hecke formula

        λ_k = (|S^{d−2}| / |S^{d−1}|) ∫_0^π k(cos θ) P_k^{(d)}(cos θ) sin^{d−2} θ dθ,

    with P_k^{(d)} the Gegenbauer polynomial normalised to P_k(1) = 1 (Chebyshev T_k for d = 2,
    Legendre for d = 3).  Gauss–Legendre quadrature in θ (the integrand is smooth in θ even where
    the kernel has a kink in xᵀz).  For d = 2 this equals c_0 and c_k/2 of the cosine series.
    """
    if dim < 2:
        raise ValueError(f"dim must be >= 2, got {dim}")
    nodes = nodes or max(4 * max_degree + 64, 512)
    u, w = special.roots_legendre(nodes)
    theta = (u + 1) * np.pi / 2
    w = w * np.pi / 2
    t = np.cos(theta)
    weight = w * np.sin(theta) ** (dim - 2) * kernel_of_cos(t)
    ratio = math.exp(math.lgamma(dim / 2) - math.lgamma((dim - 1) / 2)) / math.sqrt(math.pi)  # |S^{d-2}|/|S^{d-1}|
    ks = np.arange(max_degree + 1)
    out = np.empty(max_degree + 1)
    # Gegenbauer recurrence (index a = (d-2)/2) for P_k = C_k^a / C_k^a(1):
    # P_{k+1} = 2(k+a)/(k+2a) t P_k - k/(k+2a) P_{k-1}; no factorials, so no overflow at large k.
    a = (dim - 2) / 2
    p_prev, p = np.ones_like(t), t.copy()
    out[0] = ratio * np.sum(weight * p_prev)
    if max_degree >= 1:
        out[1] = ratio * np.sum(weight * p)
    for k in range(1, max_degree):
        p_prev, p = p, 2 * (k + a) / (k + 2 * a) * t * p - k / (k + 2 * a) * p_prev
        out[k + 1] = ratio * np.sum(weight * p)
    return out[ks]


def multiplicity(dim: int, k) -> np.ndarray:
    """Dimension N(d, k) of the degree-k spherical harmonics on S^{d−1}."""
    k = np.asarray(k)
    if dim == 2:
        return np.where(k == 0, 1, 2)
    return np.round(special.comb(k + dim - 1, dim - 1) - special.comb(k + dim - 3, dim - 1)).astype(np.int64)


def nonzero_degrees(lam: np.ndarray, rel: float = 1e-10) -> np.ndarray:
    """Degrees whose eigenvalue is not numerically zero (bias-free depth 2 has λ_k = 0 for odd k ≥ 3)."""
    return np.nonzero(np.abs(lam) > rel * np.max(np.abs(lam)))[0]

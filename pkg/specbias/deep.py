"""Deep ReLU networks in the NTK parameterisation: analytic NTK, empirical NTK, spectra on S^{d−1}.

Convention (docs/methods.md §5; Jacot et al. 2018, Arora et al. 2019 arXiv:1904.11955, P1 eq. 6):
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

from . import accel
from .sphere import multiplicity  # noqa: F401 -- N(d, k), used by the kernels and depth studies as deep.multiplicity


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


def _ntk_rows(block: torch.Tensor, depth: int) -> torch.Tensor:
    """The recursion of :func:`relu_ntk` on a block of cosines (torch, float64, in place on copies)."""
    sigma = block.clamp(-1.0, 1.0)
    theta = sigma.clone()
    for _ in range(depth - 1):
        rest = torch.arccos(sigma).neg_().add_(math.pi)  # π − arccos ρ
        root = (sigma * sigma).neg_().add_(1.0).clamp_min_(0.0).sqrt_()  # √(1 − ρ²)
        theta.mul_(rest / math.pi)  # Θ Σ̇
        sigma.mul_(rest).add_(root).div_(math.pi).clamp_(-1.0, 1.0)  # Σ, rounded as relu_ntk rounds it
        theta.add_(sigma)
    return theta


def relu_ntk_gram(cos_angle: np.ndarray, depth: int, out: np.ndarray | None = None, rows: int | None = None,
                  device=None) -> np.ndarray:
    """:func:`relu_ntk` on an n × n matrix of cosines, in row blocks with torch's threaded kernels.

    ``out`` may be ``cos_angle`` itself: the kernel then overwrites the cosines, and the build
    needs no n × n array besides it (a block's temporaries are rows × n).  ``device`` (a CUDA
    device, say): each block is computed there, in larger blocks, and copied back.  About 4× the plain
    numpy recursion on a 2-core CPU (bench/results), and rounded like it: near ρ = ±1 the
    recursion amplifies a last-bit difference in Σ through √(1 − ρ²) to ~1e-8.
    """
    if depth < 2:
        raise ValueError(f"depth must be >= 2 (one hidden layer at least), got {depth}")
    cos_angle = np.asarray(cos_angle, dtype=np.float64)
    n = cos_angle.shape[0]
    out = np.empty_like(cos_angle) if out is None else out
    on_cpu = device is None or torch.device(device).type == "cpu"
    # CPU: a 1 MB block, so the passes stay in L2; GPU: ~256 MB blocks
    rows = rows or max(1, (1 << (17 if on_cpu else 25)) // max(cos_angle.shape[1], 1))
    src, dst = torch.from_numpy(cos_angle), torch.from_numpy(out)
    for i in range(0, n, rows):
        block = src[i : i + rows] if on_cpu else src[i : i + rows].to(device)
        dst[i : i + rows] = _ntk_rows(block, depth).cpu()
    return out


# ---------------------------------------------------------------------------------------------
# Finite nets and their empirical NTK


def init_mlp(dim: int, width: int, depth: int, seed: int, dtype=torch.float64) -> list[torch.Tensor]:
    """Weights N(0, 1) of a bias-free MLP: depth − 1 hidden layers of ``width``, scalar output."""
    gen = torch.Generator().manual_seed(int(seed))
    sizes = [dim] + [width] * (depth - 1) + [1]
    return [torch.randn(sizes[i + 1], sizes[i], generator=gen, dtype=dtype) for i in range(depth)]


def _scale(layer: int, w: torch.Tensor, c: float = 2.0) -> float:
    # first layer unscaled: inputs are unit vectors, so Σ^{(0)} = xᵀx' needs pre-activations W x;
    # the others √(c/fan_in), c the weight variance of the activation (2 for ReLU)
    return 1.0 if layer == 0 else math.sqrt(c / w.shape[1])


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


class DeepEnsemble:
    """R bias-free deep nets (ReLU, or any activation via :meth:`set_activation`) (the convention of :func:`mlp_forward`) as batched tensors:
    ``weights[l]`` is (R, fan_out, fan_in).  Gradients are back-propagated by hand, one batched
    product per layer and direction, so a GD step is 3 × depth ``bmm`` calls: compute-bound at
    width ≥ 256, where the step runs near the machine's matmul rate (bench/results)."""

    def __init__(self, weights: list[torch.Tensor]):
        self.weights = weights
        self.scales = [_scale(i, w[0]) for i, w in enumerate(weights)]
        self.activation = None  # None: ReLU, weight variance 2; else an activations.Activation

    def set_activation(self, act, c: float) -> None:
        """Any activation σ, the layers after the first scaled by √(c/fan_in) (c = 1/E[σ(z)²] keeps
        every layer's variance at 1, as the kernel recursion assumes; ReLU: c = 2)."""
        self.activation = act
        self.scales = [_scale(i, w[0], c) for i, w in enumerate(self.weights)]

    def _sigma(self, h: torch.Tensor) -> torch.Tensor:
        return torch.relu(h) if self.activation is None else self.activation(h)

    @property
    def runs(self) -> int:
        return self.weights[0].shape[0]

    @property
    def parameters(self) -> int:
        return sum(w[0].numel() for w in self.weights)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for i, (w, s) in enumerate(zip(self.weights, self.scales)):
            h = torch.matmul(h, w.transpose(1, 2)) * s
            if i < len(self.weights) - 1:
                h = self._sigma(h)
        return h[..., 0]

    def plan(self, n: int, compile: str = "auto"):
        """One block (the step is a chain of large matrix products); keeps freed temporaries."""
        if self.weights[0].device.type == "cpu":
            accel.keep_freed_memory()
        return None

    def residual_and_grad(self, x: torch.Tensor, y: torch.Tensor, plan=None):
        """Residual f − y (R, n) and ∂(½Σ(f − y)²)/∂W_l for every layer (list of (R, out, in)).

        The layer scales are folded into the (small) weight matrices, ReLU is applied in place and
        its backward is one fused pass, so besides the products there are two elementwise passes
        per hidden layer."""
        ws = [w * s for w, s in zip(self.weights, self.scales)]
        acts = [x]  # the shared input stays 2-D: a broadcast product is ~3x a batched one at fan_in = d
        slopes = [None]  # σ′ at each hidden pre-activation (any activation but ReLU)
        h = x
        last = len(ws) - 1
        for i, w in enumerate(ws):
            h = torch.matmul(h, w.transpose(1, 2))
            if i < last:
                if self.activation is None:
                    h = torch.relu_(h)
                else:
                    slopes.append(self.activation.derivative(h))
                    h = self.activation(h)
                acts.append(h)
        r = h[..., 0] - y
        g = r[:, :, None]  # ∂Φ/∂(pre-activation of the read-out)
        grads = [None] * len(ws)
        for i in range(last, -1, -1):
            if i == 0:  # (xᵀ g)ᵀ reads g row by row: ~5x faster than gᵀ x for d = 2, 3
                grads[i] = torch.matmul(x.T, g).transpose(1, 2).mul_(self.scales[i])
            else:
                grads[i] = torch.matmul(g.transpose(1, 2), acts[i]).mul_(self.scales[i])
            if i > 0:
                back = torch.matmul(g, ws[i])
                g = torch.ops.aten.threshold_backward(back, acts[i], 0) if self.activation is None else back * slopes[i]
        return r, grads

    def empirical_ntk(self, x: torch.Tensor) -> torch.Tensor:
        """The current nets' NTK on inputs x (p, d) by the layer-wise Gram form (no Jacobian):
        Σ_l s_l² (G_l G_lᵀ) ⊙ (A_{l−1} A_{l−1}ᵀ), G_l = ∂f/∂(pre-activation of layer l): (R, p, p)."""
        with torch.no_grad():
            ws = [w * s for w, s in zip(self.weights, self.scales)]
            acts, slopes = [x.expand(self.runs, *x.shape)], []
            h = x
            for i, w in enumerate(ws[:-1]):
                pre = torch.matmul(h, w.transpose(1, 2))
                slopes.append((pre > 0).to(x.dtype) if self.activation is None else self.activation.derivative(pre))
                h = self._sigma(pre)
                acts.append(h)
            g = torch.ones(self.runs, x.shape[0], 1, dtype=x.dtype, device=x.device)
            kernel = torch.zeros(self.runs, x.shape[0], x.shape[0], dtype=x.dtype, device=x.device)
            for i in range(len(ws) - 1, -1, -1):
                a = acts[i]
                kernel += self.scales[i] ** 2 * torch.matmul(g, g.transpose(1, 2)) * torch.matmul(a, a.transpose(1, 2))
                if i > 0:
                    g = torch.matmul(g, ws[i]) * slopes[i - 1]
            return kernel

    def update(self, grads, lr: float, keep: torch.Tensor) -> None:
        """θ ← θ − η∇Φ for the runs where ``keep`` (R,) holds; the others stay frozen."""
        k = keep[:, None, None]
        self.weights = [torch.where(k, w - lr * g, w) for w, g in zip(self.weights, grads)]


def init_deep_ensemble(seeds, dim: int, width: int, depth: int, dtype=torch.float32, device="cpu") -> DeepEnsemble:
    """One net per seed, each drawn exactly as :func:`init_mlp` draws it (on the CPU, float64)."""
    if depth < 2 or width < 1 or dim < 1:
        raise ValueError(f"need depth >= 2, width >= 1, dim >= 1; got depth={depth}, width={width}, dim={dim}")
    nets = [init_mlp(dim, width, depth, seed) for seed in seeds]
    return DeepEnsemble([torch.stack(ws).to(device=device, dtype=dtype) for ws in zip(*nets)])


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


def nonzero_degrees(lam: np.ndarray, rel: float = 1e-10) -> np.ndarray:
    """Degrees whose eigenvalue is not numerically zero (bias-free depth 2 has λ_k = 0 for odd k ≥ 3)."""
    return np.nonzero(np.abs(lam) > rel * np.max(np.abs(lam)))[0]

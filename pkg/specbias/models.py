"""Two-layer network of P1 (arXiv:2003.04560, section 3), as a batched ensemble.

``f(x) = m^{-1/2} Σ_r a_r σ(w_rᵀx + b_r)`` with ``w_r ~ N(0, τ²I)``, ``b_r = 0`` at
initialisation (the kernel of :mod:`specbias.ntk` assumes it), ``a_r ∈ {±1}`` fixed; only w
and b are trained.  σ is ReLU (P1's net, with its fused and arc steps) or any activation of
:mod:`specbias.activations` (``model.activation``; the kernel then comes from the duals).  An ensemble of R runs is held as tensors with a leading run dimension:
``wb = [w | b]`` (R, m, d + 1) and ``a`` (R, m).  Gradients are written out by hand (and tested
against autograd) so that one GD step is a handful of batched tensor operations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
import torch

from . import accel, activations, arcstep, deep, duals
from .gram import Rows, cosines, ntk_rows, symmetric_gram
from .registry import Configured, MODELS

INITS = ("independent", "antisymmetric")


@runtime_checkable
class Ensemble(Protocol):
    """What :func:`specbias.train.train_gd` needs from a trainable model: R networks held as batched
    tensors with a leading run dimension.  Optional extras a study uses when present:
    ``supports_arc_step`` (the exact S¹ step of :mod:`specbias.arcstep`) and an activation
    pattern (``preactivation(x)``, (R, n, units), whose signs are the pattern)."""

    @property
    def runs(self) -> int: ...

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Outputs (R, n) for shared inputs x (n, d)."""

    def plan(self, n: int, compile: str = "auto") -> Any:
        """Whatever :meth:`residual_and_grad` needs to run a step on n points (or None)."""

    def residual_and_grad(self, x: torch.Tensor, y: torch.Tensor, plan: Any = None) -> tuple[torch.Tensor, Any]:
        """Residual f − y (R, n) and the gradient of ½Σ(f − y)² in the form :meth:`update` takes."""

    def update(self, grad: Any, lr: float, keep: torch.Tensor) -> None:
        """θ ← θ − η∇Φ for the runs where ``keep`` (R,) holds; the others stay frozen."""


class ModelKind(Configured):
    """A model family from config (``model.kind``): one subclass per kind, registered in
    :data:`~specbias.registry.MODELS`.  It builds the trainable ensemble and gives the analytic NTK
    as a function of the inner product of unit vectors, from which the Gram matrix and the
    Funk–Hecke eigenvalues on S^{d−1} follow (a kind whose Gram matrix is not zonal overrides
    :meth:`gram`)."""


    def ensemble(self, seeds, dim: int, dtype=torch.float32, device="cpu") -> Ensemble:
        raise NotImplementedError

    def kernel(self, cos: np.ndarray) -> np.ndarray:
        """Analytic NTK Θ(xᵀx') (float64), elementwise on an array of cosines."""
        raise NotImplementedError

    def rows(self) -> Rows:
        """The kernel as a block function for :func:`specbias.gram.symmetric_gram` (a torch
        float64 block of cosines to the kernel there); by default :meth:`kernel` through numpy."""
        return lambda block: torch.from_numpy(self.kernel(block.cpu().numpy()))

    def gram(self, x: np.ndarray, device=None) -> np.ndarray:
        """Analytic NTK Gram matrix (float64) on unit vectors x (n, d): the upper triangle by
        :meth:`rows`, mirrored."""
        cos = cosines(x)
        return symmetric_gram(cos, self.rows(), out=cos, device=device)

    def circle_gram(self, theta: np.ndarray, device=None) -> np.ndarray:
        """Gram matrix on the circle points (cos θ, sin θ), from the angles (a kind with an exact
        angle route overrides this)."""
        theta = np.asarray(theta, dtype=np.float64)
        return self.gram(np.stack([np.cos(theta), np.sin(theta)], axis=-1), device)

    def zonal_eigenvalues(self, dim: int, max_degree: int) -> np.ndarray:
        """Operator eigenvalue per degree under the uniform probability measure on S^{dim−1} (Funk–Hecke)."""
        return deep.funk_hecke_eigenvalues(lambda c: self.kernel(np.asarray(c, dtype=np.float64)), dim, max_degree)


@MODELS.register("two_layer")
class TwoLayer(ModelKind):
    """P1's two-layer ReLU net, first layer trained (``width``, ``bias``, ``tau``, ``init``):
    H = (xᵀx' + β)(π − θ)/(2π) in any dimension (docs/methods.md §3)."""

    def ensemble(self, seeds, dim, dtype=torch.float32, device="cpu"):
        c = self.cfg
        ens = init_two_layer(seeds, c["width"], dim, c["tau"], c["bias"], c["init"], dtype, device)
        ens.activation = activations.of(c.get("activation")).ensemble_activation()
        return ens

    def kernel(self, cos):
        return activations.of(self.cfg.get("activation")).two_layer_ntk(cos, self.cfg.get("tau", 1.0), self.cfg["bias"])

    def rows(self):
        return ntk_rows(activations.of(self.cfg.get("activation")), None, tau=self.cfg.get("tau", 1.0), bias=self.cfg["bias"])

    def circle_gram(self, theta, device=None):
        """From the angle differences θ_i − θ_j where the activation has that form (ReLU)."""
        gram = activations.of(self.cfg.get("activation")).circle_gram(theta, self.cfg["bias"])
        return gram if gram is not None else super().circle_gram(theta, device)


@MODELS.register("deep")
class Deep(ModelKind):
    """Bias-free deep ReLU net in the NTK parameterisation (``width``, ``depth``; docs/methods.md §5)."""

    def ensemble(self, seeds, dim, dtype=torch.float32, device="cpu"):
        ens = deep.init_deep_ensemble(seeds, dim, self.cfg["width"], self.cfg["depth"], dtype, device)
        act = activations.of(self.cfg.get("activation"))
        if act.ensemble_activation() is not None:
            ens.set_activation(act, duals.weight_variance(act))
        return ens

    def kernel(self, cos):
        return activations.of(self.cfg.get("activation")).deep_ntk(cos, self.cfg["depth"])

    def rows(self):
        return ntk_rows(activations.of(self.cfg.get("activation")), self.cfg["depth"])


@dataclass
class TwoLayerEnsemble:
    """Parameters of R two-layer nets.  ``wb`` holds ``[w | b]``: (R, m, d + 1) with bias,
    (R, m, d) without, so that the preactivation is one batched product with ``[x | 1]``."""

    wb: torch.Tensor  # (R, m, d + bias)
    a: torch.Tensor  # (R, m), ±1, fixed
    bias: bool
    activation: Any = None  # None: ReLU (fused and arc steps); else an activations.Activation

    @property
    def supports_arc_step(self) -> bool:
        """On S¹ :func:`specbias.train.make_plan` may run the exact arc step (ReLU only)."""
        return self.activation is None

    def sigma(self, pre: torch.Tensor) -> torch.Tensor:
        return torch.relu(pre) if self.activation is None else self.activation(pre)

    @property
    def runs(self) -> int:
        return self.wb.shape[0]

    @property
    def width(self) -> int:
        return self.wb.shape[1]

    @property
    def scale(self) -> float:
        return 1.0 / math.sqrt(self.width)

    @property
    def w(self) -> torch.Tensor:
        return self.wb[..., : self.wb.shape[-1] - int(self.bias)]

    @property
    def b(self) -> torch.Tensor:
        return self.wb[..., -1] if self.bias else torch.zeros_like(self.wb[..., 0])

    def augment(self, x: torch.Tensor) -> torch.Tensor:
        """``[x | 1]`` with bias, ``x`` without: (n, d + bias)."""
        if not self.bias:
            return x
        return torch.cat([x, torch.ones_like(x[:, :1])], dim=1)

    def preactivation(self, x: torch.Tensor) -> torch.Tensor:
        """``wᵀx + b`` for inputs x (n, d): (R, n, m)."""
        return torch.matmul(self.augment(x), self.wb.transpose(1, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Outputs (R, n)."""
        return torch.matmul(self.sigma(self.preactivation(x)), self.a[:, :, None])[..., 0] * self.scale

    def plan(self, n: int, compile: str = "auto", block_elements: int | None = None) -> "StepPlan":
        """How one GD step is cut into blocks of (runs, samples), and which block function runs.

        A block's temporaries are (runs, samples, m); they are sized to ``block_elements``
        (cache on the CPU, memory on a GPU), runs first: fewer, wider blocks cost less Python
        overhead.  Compiled, pre-activation, ReLU and both reductions become two fused loop nests
        (the block's pre-activations are stored once, in cache, between them); eager, the block
        is three batched matrix products.
        """
        device = self.wb.device
        if self.activation is None:
            block = accel.MaybeCompiled(_block_unrolled, _block_matmul, compile, device, "two-layer GD step")
        else:
            block = _ActivationBlock(self.activation)
        if device.type == "cpu":
            accel.keep_freed_memory()
        # the activation block is memory-bound elementwise work: larger blocks, less Python per step
        target = block_elements or (accel.block_elements(device, block.is_compiled) if self.activation is None else 1 << 21)
        per_run = max(1, min(n, 64)) * self.width
        run_chunk = int(max(1, min(self.runs, target // per_run)))
        sample_chunk = int(max(1, min(n, target // (run_chunk * self.width))))
        return StepPlan(run_chunk, sample_chunk, block)

    def residual_and_grad(self, x: torch.Tensor, y: torch.Tensor, plan: "StepPlan | None" = None):
        """Residual ``f − y`` (R, n) and the gradient of ``½Σ(f − y)²`` w.r.t. ``wb``.

        ``∂Φ/∂wb_r = (a_r/√m) Σ_i r_i 1[pre_ir > 0] [x_i | 1]``.  A sample's residual needs only
        its own row, so one pass over blocks of (runs, samples) gives both; the block size keeps
        the (runs, samples, m) temporaries in cache.
        """
        if isinstance(plan, arcstep.ArcPlan):
            return plan.residual_and_grad(self, y)
        xa = self.augment(x)
        n = xa.shape[0]
        plan = plan or self.plan(n, compile="off")
        wt = self.wb.transpose(1, 2).contiguous()  # (R, K, m): unit index contiguous for the blocks
        grad = torch.zeros_like(wt)
        r = torch.empty_like(y)
        rc, sc = plan.run_chunk, plan.sample_chunk
        for j in range(0, self.runs, rc):
            w, a = wt[j : j + rc], self.a[j : j + rc]
            for i in range(0, n, sc):
                rr, gg = plan.block(w, a, xa[i : i + sc], y[j : j + rc, i : i + sc], self.scale)
                r[j : j + rc, i : i + sc] = rr
                grad[j : j + rc] += gg
        return r, grad.transpose(1, 2) * (self.a * self.scale)[:, :, None]

    def update(self, grad: torch.Tensor, lr: float, keep: torch.Tensor) -> None:
        """θ ← θ − η∇Φ for the runs where ``keep`` (R,) holds; the others stay frozen."""
        self.wb = torch.where(keep[:, None, None], self.wb - lr * grad, self.wb)

    def empirical_ntk(self, x: torch.Tensor) -> torch.Tensor:
        """The current nets' GD Gram matrix on inputs x (p, d), layer-wise: ∂f(x)/∂w_r =
        (a_r/√m) σ′(pre_r) [x | 1], so K = (1/m) (σ′ σ′ᵀ) ⊙ ([x | 1][x | 1]ᵀ): (R, p, p)."""
        with torch.no_grad():
            pre = self.preactivation(x)
            d = (pre > 0).to(x.dtype) if self.activation is None else self.activation.derivative(pre)
            xa = self.augment(x)
            return torch.matmul(d, d.transpose(1, 2)) / self.width * (xa @ xa.T)


@dataclass
class StepPlan:
    run_chunk: int
    sample_chunk: int
    block: "accel.MaybeCompiled"


def _block_matmul(wt, a, xa, y, scale: float):
    """Eager block.  ``wt`` (r, K, m) holds [w | b] transposed, ``xa`` (c, K) the inputs [x | 1].

    Returns the residual (r, c) and Σ_i r_i 1[pre_i > 0] [x_i | 1] as (r, K, m)."""
    pre = torch.matmul(xa, wt)  # (r, c, m)
    res = torch.matmul(torch.relu(pre), a[:, :, None])[..., 0] * scale - y
    grad = torch.matmul((res[:, :, None] * xa).transpose(1, 2), (pre > 0).to(xa.dtype))
    return res, grad


class _ActivationBlock:
    """The eager block for any activation σ: residual and Σ_i r_i σ′(pre_i) [x_i | 1]."""

    is_compiled = False

    def __init__(self, act):
        self.act = act

    def __call__(self, wt, a, xa, y, scale: float):
        pre = torch.matmul(xa, wt)  # (r, c, m)
        res = torch.matmul(self.act(pre), a[:, :, None])[..., 0] * scale - y
        grad = torch.matmul((res[:, :, None] * xa).transpose(1, 2), self.act.derivative(pre))
        return res, grad


def _block_unrolled(wt, a, xa, y, scale: float):
    """The same block with the K = d + 1 ≤ 4 inner products unrolled into elementwise ops, so
    that the compiler fuses pre-activation, ReLU and both reductions into two loop nests whose
    inner loop runs over contiguous units."""
    K = xa.shape[1]
    pre = xa[None, :, 0, None] * wt[:, None, 0, :]
    for k in range(1, K):
        pre = pre + xa[None, :, k, None] * wt[:, None, k, :]
    res = (torch.relu(pre) * a[:, None, :]).sum(-1) * scale - y
    masked = torch.where(pre > 0, res[:, :, None], 0.0)
    grad = torch.stack([(masked * xa[None, :, k, None]).sum(1) for k in range(K)], 1)
    return res, grad


def init_two_layer(
    seeds,
    width: int,
    dim: int,
    tau: float,
    bias: bool = True,
    init: str = "independent",
    dtype=torch.float32,
    device="cpu",
) -> TwoLayerEnsemble:
    """One network per seed, drawn on the CPU from ``torch.Generator().manual_seed(seed)``.

    Drawing on the CPU makes a seed give the same network on every device.
    ``init="antisymmetric"`` pairs unit r with a twin of the same (w, b) and opposite a, so
    that f ≡ 0 at initialisation (the NTK is unchanged in expectation); width must be even.
    """
    if width <= 0 or dim <= 0:
        raise ValueError(f"width and dim must be positive, got width={width}, dim={dim}")
    if not tau > 0:
        raise ValueError(f"init scale tau must be positive, got {tau}")
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; choose one of {INITS}")
    if init == "antisymmetric" and width % 2:
        raise ValueError(f"antisymmetric init needs an even width, got {width}")
    ws, as_ = [], []
    for seed in seeds:
        gen = torch.Generator().manual_seed(int(seed))
        if init == "independent":
            w = torch.randn(width, dim, generator=gen, dtype=torch.float64) * tau
            a = torch.randint(0, 2, (width,), generator=gen).to(torch.float64) * 2 - 1
        else:
            half = torch.randn(width // 2, dim, generator=gen, dtype=torch.float64) * tau
            w = torch.cat([half, half])
            a = torch.cat([torch.ones(width // 2), -torch.ones(width // 2)]).to(torch.float64)
        ws.append(w)
        as_.append(a)
    w = torch.stack(ws)
    if bias:  # b = 0 at initialisation (docs/methods.md §3)
        w = torch.cat([w, torch.zeros_like(w[..., :1])], dim=-1)
    return TwoLayerEnsemble(
        wb=w.to(device=device, dtype=dtype), a=torch.stack(as_).to(device=device, dtype=dtype), bias=bias
    )

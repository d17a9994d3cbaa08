"""Coordinate MLPs of P2 (arXiv:2301.05816): plain MLPs (ReLU unless configured otherwise) with biases, PyTorch's default
initialisation, trained by Adam on the mean squared error, as a batched ensemble of R runs.

``weights[l]`` is (R, fan_out, fan_in) and ``biases[l]`` (R, fan_out); layer l < L−1 applies ReLU.
Default init (``torch.nn.Linear``): W, b ~ U(−1/√fan_in, 1/√fan_in).  Adam is elementwise, so
one Adam over the stacked parameters is exactly R independent Adams, and the loss Σ_r MSE_r
gives every run its own gradient.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from . import accel
from .activations import Activation, ReLU
from .registry import ACTIVATIONS


@dataclass
class MLPEnsemble:
    weights: list[torch.Tensor]
    biases: list[torch.Tensor]
    activation: Callable[[torch.Tensor], torch.Tensor] = torch.relu  # hidden layers (:mod:`specbias.activations`)

    @property
    def runs(self) -> int:
        return self.weights[0].shape[0]

    @property
    def hidden_sizes(self) -> list[int]:
        return [w.shape[1] for w in self.weights[:-1]]

    def parameters(self) -> list[torch.Tensor]:
        return [*self.weights, *self.biases]

    def preactivations(self, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        """Hidden pre-activations per layer (R, n, width) and the output (R, n, out)."""
        h = x
        pres = []
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = torch.matmul(h, w.transpose(1, 2)) + b[:, None, :]
            if i < last:
                pres.append(h)
                h = self.activation(h)
        return pres, h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.preactivations(x)[1]

    def empirical_ntk(self, x: torch.Tensor, channel: int = 0) -> torch.Tensor:
        """Empirical NTK of output ``channel`` over every weight and bias, (R, p, p), layer-wise:
        Σ_l (G_l G_lᵀ) ⊙ (A_{l−1} A_{l−1}ᵀ + 1), A_{l−1} the layer's input (x for the first) and
        G_l the derivative of the output with respect to the layer's pre-activations; no Jacobian
        is formed.  ``x``: (p, in) or (R, p, in)."""
        with torch.no_grad():
            inputs, pres = [], []
            h = x if x.dim() == 3 else x.expand(self.runs, *x.shape)
            last = len(self.weights) - 1
            for i, (w, b) in enumerate(zip(self.weights, self.biases)):
                inputs.append(h)
                if i < last:
                    z = torch.matmul(h, w.transpose(1, 2)) + b[:, None, :]
                    pres.append(z)
                    h = self.activation(z)
            g = torch.ones(self.runs, h.shape[1], 1, dtype=h.dtype, device=h.device)  # d out / d out
            kernel = torch.zeros(self.runs, h.shape[1], h.shape[1], dtype=h.dtype, device=h.device)
            for i in range(last, -1, -1):
                a = inputs[i]
                kernel += (g @ g.transpose(1, 2)) * (a @ a.transpose(1, 2) + 1)
                if i > 0:
                    w = self.weights[i] if i < last else self.weights[i][:, channel : channel + 1]
                    g = (g @ w) * self.activation.derivative(pres[i - 1])
            return kernel


INITS = ("default", "siren")


def weight_bound(layer: int, fan_in: int, init: str, omega0: float = 30.0) -> float:
    """Half-width of the uniform weight draw: ``default`` 1/√n (torch.nn.Linear); ``siren``
    (Sitzmann et al. 2020) 1/n for the first layer and √(6/n)/ω₀ for the others, n = fan-in."""
    if init == "default":
        return 1.0 / math.sqrt(fan_in)
    if init == "siren":
        return 1.0 / fan_in if layer == 0 else math.sqrt(6.0 / fan_in) / omega0
    raise ValueError(f"unknown init {init!r}; choose one of {INITS}")


def init_mlp_ensemble(seeds, in_dim: int, hidden: list[int], out_dim: int, dtype=torch.float32, device="cpu",
                      activation: str | dict = "relu", init: str = "default") -> MLPEnsemble:
    """One net per seed, drawn on the CPU in float64: weights and biases U(−1/√n, 1/√n) as
    torch.nn.Linear draws them (``init: default``), or SIREN's weights (``siren``, ω₀ from a sin
    activation; biases as default); ``activation``: a registered activation for the hidden layers."""
    if in_dim < 1 or out_dim < 1 or not hidden or min(hidden) < 1:
        raise ValueError(f"bad MLP shape: in {in_dim}, hidden {hidden}, out {out_dim}")
    act = ACTIVATIONS.build(activation)
    omega0 = getattr(act, "w", 30.0)
    sizes = [in_dim, *hidden, out_dim]
    ws, bs = [[] for _ in sizes[1:]], [[] for _ in sizes[1:]]
    for seed in seeds:
        gen = torch.Generator().manual_seed(int(seed))
        for l, (fi, fo) in enumerate(zip(sizes[:-1], sizes[1:])):
            bound = 1.0 / math.sqrt(fi)
            ws[l].append((torch.rand(fo, fi, generator=gen, dtype=torch.float64) * 2 - 1) * weight_bound(l, fi, init, omega0))
            bs[l].append((torch.rand(fo, generator=gen, dtype=torch.float64) * 2 - 1) * bound)
    return MLPEnsemble([torch.stack(w).to(device=device, dtype=dtype) for w in ws],
                       [torch.stack(b).to(device=device, dtype=dtype) for b in bs], act)


@dataclass
class AdamResult:
    record_steps: np.ndarray  # (S,) epochs at which ``record`` was called
    loss: np.ndarray  # (R, S) full-data MSE at those epochs
    records: list  # what ``record`` returned at each recorded epoch


OPTIMIZERS = ("adam", "gd")


def _forward_saved(ens: MLPEnsemble, x: torch.Tensor):
    """The forward pass with what the hand-written backward needs: each layer's input and the
    hidden pre-activations (ReLU keeps only its outputs: σ′ = [σ(z) > 0])."""
    relu = isinstance(ens.activation, ReLU)
    last = len(ens.weights) - 1
    inputs, pres, h = [], [], x
    for i, (w, b) in enumerate(zip(ens.weights, ens.biases)):
        inputs.append(h)
        z = torch.baddbmm(b[:, None, :], h, w.transpose(1, 2)) if h.dim() == 3 else torch.matmul(h, w.transpose(1, 2)) + b[:, None, :]
        if i < last:
            h = torch.relu_(z) if relu else ens.activation(z)
            pres.append(None if relu else z)
        else:
            h = z
    return h, inputs, pres


def _mse_backward(ens: MLPEnsemble, out: torch.Tensor, y: torch.Tensor, inputs, pres) -> None:
    """Gradients of Σ_r mean_{n,c} (out_r − y)² into every weight's and bias's ``.grad``, by the
    chain rule written out (no autograd graph): g ← 2(out − y)/(n c); ∂W_l = gᵀ a_{l−1},
    ∂b_l = Σ_n g; g ← (g W_l) ⊙ σ′(z_{l−1})."""
    relu = isinstance(ens.activation, ReLU)
    g = (out - y) * (2.0 / (out.shape[1] * out.shape[2]))
    for i in range(len(ens.weights) - 1, -1, -1):
        ens.weights[i].grad = torch.matmul(g.transpose(1, 2), inputs[i])
        ens.biases[i].grad = g.sum(1)
        if i > 0:
            g = torch.bmm(g, ens.weights[i])
            g = torch.ops.aten.threshold_backward(g, inputs[i], 0.0) if relu else g.mul_(ens.activation.derivative(pres[i - 1]))


def hand_backward(ens) -> bool:
    """Whether :func:`train_mlp` can take the hand-written backward: an :class:`MLPEnsemble` whose
    hidden activation is a registered one (it knows σ′)."""
    return isinstance(ens, MLPEnsemble) and isinstance(ens.activation, Activation)


def _checked_records(record_steps, epochs: int, lr: float, optimizer: str) -> np.ndarray:
    """The record epochs, sorted and unique; a bad learning rate, epoch or optimizer is refused."""
    if not (lr > 0 and math.isfinite(lr)):
        raise ValueError(f"learning rate must be positive and finite, got {lr}")
    record_steps = np.asarray(sorted(set(int(s) for s in record_steps)), dtype=np.int64)
    if record_steps.min() < 0 or record_steps.max() > epochs:
        raise ValueError(f"record steps must lie in [0, {epochs}]")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    return record_steps


@accel.one_blas_thread
def train_mlp(ens: MLPEnsemble, x: torch.Tensor, y: torch.Tensor, lr: float, epochs: int, record_steps,
              batch: int | None = None, seed: int = 0, record=None, progress=None, optimizer: str = "adam") -> AdamResult:
    """Adam (``optimizer: adam``) or plain gradient descent (``gd``: θ ← θ − lr ∇, torch's SGD
    without momentum) on MSE for ``epochs`` epochs; full batch, or fixed minibatches of ``batch``
    samples in a seeded order drawn once (the same batches every epoch).  ``x``: (n, in) shared by all runs, or
    (R, n, in), an input per run (encodings of one grid); ``y``: (n, out) shared by all runs.
    ``record(ens, epoch, out)`` is called at each epoch in ``record_steps`` (0 = before training)
    with ``out`` = the ensemble's outputs on x (R, n, out), the forward pass the loss was taken from.

    The step is a forward pass that keeps what the backward needs and the chain rule written out
    (:func:`_mse_backward`; autograd only for ensembles without a registered activation), and
    torch's Adam on the stacked parameters, one Adam for all runs.  Full batch, the step's own
    forward pass is the recorded one (same parameters), so recording costs no extra pass."""
    record_steps = _checked_records(record_steps, epochs, lr, optimizer)
    manual = hand_backward(ens)
    params = [p.requires_grad_(not manual) for p in ens.parameters()]
    opt = torch.optim.Adam(params, lr=lr) if optimizer == "adam" else torch.optim.SGD(params, lr=lr)
    n = x.shape[-2]
    order = torch.randperm(n, generator=torch.Generator().manual_seed(int(seed))).to(x.device) if batch else None
    batches = [order[i : i + batch] for i in range(0, n, batch)] if batch else [None]
    losses, records = [], []
    want = set(record_steps.tolist())

    def keep(epoch, out):
        losses.append(((out - y) ** 2).mean(dim=(1, 2)).double().cpu().numpy())
        records.append(record(ens, epoch, out) if record else None)
        if progress:
            progress(epoch)

    for epoch in range(epochs + 1):
        full_pass = epoch in want and (batch or epoch == epochs or not manual)
        if full_pass:  # a pass of its own: minibatches, the end, or the autograd route
            with torch.no_grad():
                out = ens.forward(x)
            keep(epoch, out)
        if epoch == epochs:
            break
        for idx in batches:
            xb, yb = (x, y) if idx is None else (x[..., idx, :], y[idx])
            if manual:
                with torch.no_grad():
                    out, inputs, pres = _forward_saved(ens, xb)
                if idx is None and epoch in want and not full_pass:
                    keep(epoch, out)  # the parameters are those of this epoch until opt.step()
                with torch.no_grad():
                    _mse_backward(ens, out, yb, inputs, pres)
            else:
                opt.zero_grad(set_to_none=True)
                loss = ((ens.forward(xb) - yb) ** 2).mean(dim=(1, 2)).sum()
                loss.backward()
            opt.step()
    for p in params:
        p.requires_grad_(False)
        p.grad = None
    return AdamResult(record_steps, np.stack(losses, axis=1), records)

"""Activation functions, one class per config ``activation`` kind
(:data:`~specbias.registry.ACTIVATIONS`), with what their kernels need (docs/methods.md §11).

Each gives σ for torch (``__call__``: the nets) and σ, σ′ for numpy (``f``, ``df``: the
quadrature of :mod:`specbias.duals`), whether it is positively homogeneous (the ReLU family: its
duals are integrated exactly over the angle), and closed forms of its duals E[σ(u)σ(v)] and
E[σ′(u)σ′(v)] for (u, v) ~ N(0, S) where they exist.  Every net takes any of them: the coordinate
MLPs, the two-layer and deep GD ensembles all back-propagate through ``derivative`` (σ′ in torch).
"""

from __future__ import annotations

import math

import numpy as np

from .lazy_import import lazy
from .registry import ACTIVATIONS, Configured

torch = lazy("torch", globals())  # the config checks read the classes; only the nets need torch
special = lazy("scipy.special", globals())


def _ns(x):
    """The array namespace of ``x``: the closed forms below run on numpy arrays and on torch
    tensors alike (the Gram builder of :mod:`specbias.duals` passes tensors, s11 and s22 as
    floats)."""
    return torch if type(x).__module__.startswith("torch") else np  # no torch import to tell a numpy array


def _relu_j(s11, s12, s22):
    """J₀ = P(u > 0, v > 0) and J₁ = E[ReLU u ReLU v] (arc-cosine kernels of degree 0 and 1)."""
    xp = _ns(s12)
    root = (s11 * s22) ** 0.5
    zero = root == 0  # then s12 = 0 too: ρ = 0
    rho = xp.clip(s12 / (root + zero), -1.0, 1.0)
    theta = xp.arccos(rho)
    j0 = (math.pi - theta) / (2 * math.pi)
    j1 = root * (xp.sqrt(1 - rho * rho) + (math.pi - theta) * rho) / (2 * math.pi)
    return j0, j1


class Activation(Configured):
    """σ with its derivative and (optionally) the closed forms of its duals."""

    homogeneous = False  # positively homogeneous of degree 1 (σ(cz) = c σ(z), c > 0)
    has_closed_form = False
    #: P1's ReLU closed forms apply: the two-layer kernel (x.x' + b)(pi - theta)/(2 pi) on angle
    #: differences, the deep arc-cosine recursion, the exact arc step on S^1 and the ensembles' fused
    #: ReLU blocks (ensembles then keep ``activation = None``).  Only :class:`ReLU` sets it.
    relu_closed_forms = False
    #: the config keys this kind takes beside ``kind``, each with its JSON Schema (the config
    #: schema's activation definition is the union of every registered kind's)
    parameters: dict[str, dict] = {}
    piecewise_linear = False  # activation regions (P2's metrics) are defined

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def f(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def df(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, x: torch.Tensor) -> torch.Tensor:
        """σ′ for torch (the hand-written backward passes of the GD ensembles): by autograd of the
        elementwise σ unless a kind gives its own."""
        with torch.enable_grad():
            z = x.detach().requires_grad_(True)
            (g,) = torch.autograd.grad(self(z).sum(), z)
        return g

    def dual(self, s11, s12, s22) -> np.ndarray:
        raise NotImplementedError

    def derivative_dual(self, s11, s12, s22) -> np.ndarray:
        raise NotImplementedError

    def dual_pair(self, s11, s12, s22):
        """(E[σσ], E[σ′σ′]) at once: a kind whose two closed forms share work overrides this."""
        return self.dual(s11, s12, s22), self.derivative_dual(s11, s12, s22)

    # ---- the NTKs of nets with this activation (a kind with closed forms overrides them) ---------

    def two_layer_ntk(self, cos, tau: float = 1.0, bias: bool = True) -> np.ndarray:
        """The two-layer NTK (first layer trained, w ~ N(0, tau^2)) at inner products ``cos``."""
        from . import duals

        return duals.two_layer_ntk(cos, self, tau, bias)

    def deep_ntk(self, cos, depth: int) -> np.ndarray:
        """The NTK of a bias-free deep net of ``depth`` weight layers at inner products ``cos``."""
        from . import duals

        return duals.deep_ntk(cos, self, depth)

    def circle_gram(self, theta, bias: bool = True):
        """The two-layer Gram matrix on angles θ from their differences, or None where no such form
        exists (the caller then builds it from the points' inner products)."""
        return None

    def ensemble_activation(self):
        """What an ensemble stores: None for its fused ReLU path, else this object."""
        return None if self.relu_closed_forms else self


@ACTIVATIONS.register("leaky_relu")
class LeakyReLU(Activation):
    """σ(z) = a min(z, 0) + b max(z, 0) (``negative_slope`` a, ``positive_slope`` b); with
    J₀, J₁ the arc-cosine kernels: E[σσ] = (a − b)² J₁ + ab s12, E[σ′σ′] = (a − b)² J₀ + ab."""

    homogeneous = True
    has_closed_form = True
    piecewise_linear = True
    parameters = {"negative_slope": {"description": "leaky_relu: slope a for z < 0 (default 0.01)", "type": "number"},
                  "positive_slope": {"description": "leaky_relu: slope b for z > 0 (default 1)", "type": "number"}}

    def __init__(self, cfg: dict):
        super().__init__(cfg)
        self.a = float(cfg.get("negative_slope", 0.01))
        self.b = float(cfg.get("positive_slope", 1.0))
        self.ab, self.d2 = self.a * self.b, (self.a - self.b) * (self.a - self.b)  # (no pow: compiled Gram blocks)

    def __call__(self, x):
        return self.a * torch.clamp(x, max=0) + self.b * torch.clamp(x, min=0)

    def f(self, z):
        return self.a * np.minimum(z, 0) + self.b * np.maximum(z, 0)

    def df(self, z):
        return np.where(z > 0, self.b, self.a)

    def derivative(self, x):
        return self.a + (self.b - self.a) * (x > 0).to(x.dtype)

    def dual(self, s11, s12, s22):
        _, j1 = _relu_j(s11, s12, s22)
        return self.d2 * j1 + self.ab * s12

    def derivative_dual(self, s11, s12, s22):
        j0, _ = _relu_j(s11, s12, s22)
        return self.d2 * j0 + self.ab

    def dual_pair(self, s11, s12, s22):
        j0, j1 = _relu_j(s11, s12, s22)  # one arccos for both
        return self.d2 * j1 + self.ab * s12, self.d2 * j0 + self.ab


@ACTIVATIONS.register("relu")
class ReLU(LeakyReLU):
    """max(0, z): a = 0, b = 1; P1's closed forms for its kernels (the fast path of this class)."""

    parameters = {}
    relu_closed_forms = True

    def two_layer_ntk(self, cos, tau: float = 1.0, bias: bool = True) -> np.ndarray:
        from . import ntk  # (x.x' + b)(pi - theta)/(2 pi): independent of tau (ReLU is homogeneous)

        return ntk.two_layer_ntk(cos, bias)

    def deep_ntk(self, cos, depth: int) -> np.ndarray:
        from . import deep

        return deep.relu_ntk(cos, depth)

    def circle_gram(self, theta, bias: bool = True):
        from . import ntk  # from θ_i − θ_j: no arccos of a rounded inner product

        return ntk.circle_gram(theta, bias)

    def __init__(self, cfg: dict):
        super().__init__({**cfg, "negative_slope": 0.0, "positive_slope": 1.0})

    def __call__(self, x):
        return torch.relu(x)


@ACTIVATIONS.register("abs")
class Abs(LeakyReLU):
    """|z|: a = −1, b = 1."""

    parameters = {}

    def __init__(self, cfg: dict):
        super().__init__({**cfg, "negative_slope": -1.0, "positive_slope": 1.0})

    def __call__(self, x):
        return torch.abs(x)


@ACTIVATIONS.register("erf")
class Erf(Activation):
    """erf z: E[σσ] = (2/π) arcsin(2 s12 / √((1 + 2 s11)(1 + 2 s22))), E[σ′σ′] = (4/π) det(I + 2S)^{−1/2}."""

    has_closed_form = True

    def __call__(self, x):
        return torch.erf(x)

    def f(self, z):
        return special.erf(z)

    def df(self, z):
        return 2 / math.sqrt(math.pi) * np.exp(-z * z)

    def derivative(self, x):
        return (2 / math.sqrt(math.pi)) * torch.exp(-x * x)

    def dual(self, s11, s12, s22):
        xp = _ns(s12)
        return 2 / math.pi * xp.arcsin(xp.clip(2 * s12 / ((1 + 2 * s11) * (1 + 2 * s22)) ** 0.5, -1, 1))

    def derivative_dual(self, s11, s12, s22):
        return 4 / math.pi / _ns(s12).sqrt((1 + 2 * s11) * (1 + 2 * s22) - 4 * s12 * s12)


@ACTIVATIONS.register("sin")
class Sin(Activation):
    """sin(ω₀ z) (``omega0``, default 1): E[σσ] = e^{−ω₀²(s11+s22)/2} sinh(ω₀² s12),
    E[σ′σ′] = ω₀² e^{−ω₀²(s11+s22)/2} cosh(ω₀² s12)."""

    has_closed_form = True
    parameters = {"omega0": {"description": "sin: frequency omega_0 of sin(omega_0 z) (default 1)", "type": "number",
                             "exclusiveMinimum": 0, "maximum": 100}}

    def __init__(self, cfg: dict):
        super().__init__(cfg)
        self.w = float(cfg.get("omega0", 1.0))

    def __call__(self, x):
        return torch.sin(self.w * x)

    def f(self, z):
        return np.sin(self.w * z)

    def df(self, z):
        return self.w * np.cos(self.w * z)

    def derivative(self, x):
        return self.w * torch.cos(self.w * x)

    def dual(self, s11, s12, s22):
        w2 = self.w * self.w
        return np.exp(-w2 * (s11 + s22) / 2) * _ns(s12).sinh(w2 * s12)

    def derivative_dual(self, s11, s12, s22):
        w2 = self.w * self.w
        return w2 * np.exp(-w2 * (s11 + s22) / 2) * _ns(s12).cosh(w2 * s12)


@ACTIVATIONS.register("gaussian")
class Gaussian(Activation):
    """e^{−z²/2}: E[σσ] = det(I + S)^{−1/2}, E[σ′σ′] = s12 det(I + S)^{−3/2}."""

    has_closed_form = True

    def __call__(self, x):
        return torch.exp(-0.5 * x * x)

    def f(self, z):
        return np.exp(-0.5 * z * z)

    def df(self, z):
        return -z * np.exp(-0.5 * z * z)

    def derivative(self, x):
        return -x * torch.exp(-0.5 * x * x)

    def dual(self, s11, s12, s22):
        return 1 / _ns(s12).sqrt((1 + s11) * (1 + s22) - s12 * s12)

    def derivative_dual(self, s11, s12, s22):
        r = 1 / _ns(s12).sqrt((1 + s11) * (1 + s22) - s12 * s12)
        return s12 * (r * r * r)

    def dual_pair(self, s11, s12, s22):
        r = 1 / _ns(s12).sqrt((1 + s11) * (1 + s22) - s12 * s12)
        return r, s12 * (r * r * r)


@ACTIVATIONS.register("tanh")
class Tanh(Activation):
    """tanh z (duals by quadrature)."""

    def __call__(self, x):
        return torch.tanh(x)

    def f(self, z):
        return np.tanh(z)

    def df(self, z):
        return 1 / np.cosh(z) ** 2

    def derivative(self, x):
        return 1 - torch.tanh(x) ** 2


@ACTIVATIONS.register("gelu")
class GELU(Activation):
    """z Φ(z) (duals by quadrature)."""

    def __call__(self, x):
        return torch.nn.functional.gelu(x)

    def f(self, z):
        return z * special.ndtr(z)

    def df(self, z):
        return special.ndtr(z) + z * np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)

    def derivative(self, x):
        return 0.5 * (1 + torch.erf(x / math.sqrt(2))) + x * torch.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def describe(spec) -> str:
    """A config entry's activation in words: ``tanh``, ``sin (omega0 6)``."""
    if isinstance(spec, str):
        return spec
    params = ", ".join(f"{k} {v:g}" for k, v in spec.items() if k != "kind")
    return spec["kind"] + (f" ({params})" if params else "")


def of(spec) -> Activation:
    """The activation a config entry names (a name, a dict with ``kind``, or None: the default ReLU)."""
    return ACTIVATIONS.build(spec if spec is not None else "relu")

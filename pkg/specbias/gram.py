"""NTK Gram matrices of nets with any activation, built fast (docs/methods.md §11).

A dot-product kernel Θ(xᵀx') gives a symmetric Gram matrix, so only its upper triangle is
computed, in row blocks of torch's threaded elementwise kernels, and mirrored.  A block function
maps a block of cosines (torch, float64) to the kernel there; two routes give one:

* **closed form**: the layer recursion of :func:`specbias.duals.deep_ntk` (or the two-layer
  kernel) run on the block with the activation's closed-form duals, which accept torch tensors;
* **tabulated quadrature**: Θ on a uniform grid of the *angle* θ ∈ [0, π] from the quadrature
  duals (any activation), evaluated on the block by 4-point Lagrange interpolation in θ.  The
  kernels are smooth functions of θ (the ReLU family's √(1 − t²) is sin θ), so the interpolation
  error falls like h⁴: with the default 8193 nodes it is below 1e-12 of the kernel (against
  40-digit values of the ReLU NTK; the closed-form recursion itself loses up to ~1e-9 near
  t = ±1, where arccos amplifies the last bit).  Cost per entry: one arccos and a few multiply-adds, whatever the
  depth, so the route is about as fast as the closed forms.

Both routes agree with :func:`specbias.duals.deep_ntk` elementwise (tests/test_gram.py); the bench
(`make bench`, group "NTK Gram") times them against neural-tangents.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch

from . import accel, deep, duals

#: from this many points on, ``compile="auto"`` fuses each row block into one compiled kernel (its
#: first compilation costs 5-20 s on a 2-core CPU, the eager build of n = 16384 about 4 s)
COMPILE_MIN_POINTS = 16384

#: grid nodes in θ ∈ [0, π] of the tabulated route (interpolation error ~ (π/nodes)⁴ Θ⁗/128)
TABLE_NODES = 8193

Rows = Callable[[torch.Tensor], torch.Tensor]


def _store_rows(dst: torch.Tensor, i: int, j: int, val: torch.Tensor) -> None:
    """Write the upper-triangle rows i..j (``val``: rows i..j, columns i..n) and their mirror; the
    diagonal block's lower triangle is taken from its upper one, so the matrix is exactly symmetric."""
    dst[i:j, i:] = val
    dst[j:, i:j] = val[:, j - i :].T
    diag = dst[i:j, i:j]
    diag.copy_(torch.triu(diag) + torch.triu(diag, 1).T)


def symmetric_gram(cos: np.ndarray, rows_fn: Rows, out: np.ndarray | None = None, rows: int | None = None,
                   device=None) -> np.ndarray:
    """Θ(cos) for a symmetric n × n matrix of cosines: the upper triangle in row blocks, mirrored.

    ``out`` may be ``cos`` itself (the kernel overwrites the cosines; a later block reads only
    entries on or above the diagonal of rows not yet written).  ``device``: blocks computed there
    (a CUDA device, say) and copied back."""
    cos = np.asarray(cos, dtype=np.float64)
    n = cos.shape[0]
    if cos.shape != (n, n):
        raise ValueError(f"symmetric_gram needs a square matrix of cosines, got shape {cos.shape}")
    out = np.empty_like(cos) if out is None else out
    on_cpu = device is None or torch.device(device).type == "cpu"
    rows = rows or max(1, (1 << (17 if on_cpu else 25)) // max(n, 1))  # CPU: ~1 MB blocks stay in L2
    src, dst = torch.from_numpy(cos), torch.from_numpy(out)
    for i in range(0, n, rows):
        j = min(i + rows, n)
        block = src[i:j, i:] if on_cpu else src[i:j, i:].to(device)
        val = rows_fn(block).cpu()
        _store_rows(dst, i, j, val)
    return out


def deep_rows(act, depth: int, c: float | None = None) -> Rows:
    """Block function of the deep NTK (:func:`specbias.duals.deep_ntk`) from the closed-form duals."""
    if depth < 2:
        raise ValueError(f"depth must be >= 2 (one hidden layer at least), got {depth}")
    if not act.has_closed_form:
        raise ValueError(f"activation {act.kind!r} has no closed-form duals; use the tabulated quadrature")
    c = duals.weight_variance(act) if c is None else float(c)
    if act.kind == "relu" and c == 2.0:
        return lambda block: deep._ntk_rows(block, depth)  # fused, in place
    # the layers' shared diagonal q_h, a scalar recursion done once
    qs = [1.0]
    for _ in range(depth - 1):
        qs.append(float(c * act.dual(qs[-1], qs[-1], qs[-1])))

    def fn(block: torch.Tensor) -> torch.Tensor:
        sigma = block.clamp(-1.0, 1.0)
        theta = sigma.clone()
        for h in range(depth - 1):
            q, q_next = qs[h], qs[h + 1]
            dual, dual_dot = act.dual_pair(q, sigma, q)
            sigma = dual.mul_(c).clamp_(-q_next, q_next)
            theta = theta.mul_(dual_dot).mul_(c).add_(sigma)
        return theta

    return fn


def two_layer_rows(act, tau: float = 1.0, bias: bool = True) -> Rows:
    """Block function of the two-layer NTK (:func:`specbias.duals.two_layer_ntk`), closed form."""
    if not act.has_closed_form:
        raise ValueError(f"activation {act.kind!r} has no closed-form duals; use the tabulated quadrature")
    s, beta = float(tau) ** 2, 1.0 if bias else 0.0

    def fn(block: torch.Tensor) -> torch.Tensor:
        t = block.clamp(-1.0, 1.0)
        return act.derivative_dual(s, t * s, s) * (t + beta)

    return fn


class KernelTable:
    """Θ(t) tabulated on a uniform grid of θ = arccos t and evaluated by 4-point Lagrange
    interpolation in θ (the tabulated-quadrature route)."""

    def __init__(self, kernel_of_cos: Callable[[np.ndarray], np.ndarray], nodes: int = TABLE_NODES):
        if nodes < 4:
            raise ValueError(f"a kernel table needs at least 4 nodes, got {nodes}")
        self.nodes = int(nodes)
        self.step = math.pi / (self.nodes - 1)
        grid = np.linspace(0.0, math.pi, self.nodes)
        values = np.asarray(kernel_of_cos(np.cos(grid)), dtype=np.float64)
        if not np.all(np.isfinite(values)):
            raise ValueError("the kernel is not finite on the whole grid of angles")
        self.values = torch.from_numpy(values)

    def __call__(self, block: torch.Tensor) -> torch.Tensor:
        values = self.values.to(block.device)
        u = torch.arccos(block.clamp(-1.0, 1.0)).div_(self.step)
        i = u.floor().clamp_(1, self.nodes - 3)
        s = u.sub_(i)  # in [−1, 2]: nodes i − 1 .. i + 2
        i = i.long()
        sp, sm, s2 = s + 1, s - 1, s - 2
        out = torch.take(values, i - 1).mul_(s * sm * s2).div_(-6.0)
        out.addcmul_(torch.take(values, i), sp * sm * s2, value=0.5)
        out.addcmul_(torch.take(values, i + 1), sp * s * s2, value=-0.5)
        out.addcmul_(torch.take(values, i + 2), sp * s * sm, value=1.0 / 6.0)
        return out


def ntk_rows(act, depth: int | None = None, *, tau: float = 1.0, bias: bool = True, c: float | None = None,
             method: str = "auto", nodes: int = TABLE_NODES) -> Rows:
    """Block function of the deep (``depth``) or two-layer (``depth`` None) NTK with activation
    ``act``: ``closed`` form, ``quadrature`` (tabulated), or ``auto`` (closed where it exists)."""
    if method not in ("auto", "closed", "quadrature"):
        raise ValueError(f"method must be auto, closed or quadrature, got {method!r}")
    closed = method == "closed" or (method == "auto" and act.has_closed_form)
    if closed:
        return two_layer_rows(act, tau, bias) if depth is None else deep_rows(act, depth, c)
    if depth is None:
        return KernelTable(lambda t: duals.two_layer_ntk(t, act, tau, bias, method="quadrature"), nodes)
    return KernelTable(lambda t: duals.deep_ntk(t, act, depth, c, method="quadrature"), nodes)


def cosines(x: np.ndarray) -> np.ndarray:
    """xxᵀ clipped to [−1, 1] (float64), by torch's threaded product (numpy's is ~5× slower for d = 3)."""
    t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64))
    return (t @ t.T).clamp_(-1.0, 1.0).numpy()


def points_gram(x: np.ndarray, rows_fn: Rows, device=None, compile: str = "auto", rows: int | None = None) -> np.ndarray:
    """Θ(xxᵀ) on unit vectors x (n, d), float64.  Eager: :func:`symmetric_gram` on the cosines.
    Compiled (``compile`` on, or auto from :data:`COMPILE_MIN_POINTS` points where a compiler
    exists): each row block of the upper triangle computes its cosines and the kernel in one
    fused kernel (``torch.compile``, dynamic shapes: one compilation for every block), so the
    n × n matrix is written once and mirrored; 2-6× the eager blocks on a 2-core CPU once compiled
    (bench/results, group "NTK Gram")."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    n = x.shape[0]
    dev = torch.device(device) if device is not None else torch.device("cpu")
    if compile not in accel.COMPILE_MODES:
        raise ValueError(f"compile must be one of {accel.COMPILE_MODES}, got {compile!r}")
    if compile == "off" or (compile == "auto" and n < COMPILE_MIN_POINTS):
        cos = cosines(x)
        return symmetric_gram(cos, rows_fn, out=cos, device=device)

    def tile(xb: torch.Tensor, xt: torch.Tensor) -> torch.Tensor:
        return rows_fn((xb @ xt).clamp(-1.0, 1.0))

    fn = accel.MaybeCompiled(tile, tile, compile, dev, "NTK Gram block", dynamic=True)
    rows = rows or (256 if dev.type == "cpu" else 4096)
    pts = torch.from_numpy(x).to(dev)
    cols = pts.T.contiguous()
    out = np.empty((n, n))
    dst = torch.from_numpy(out)
    for i in range(0, n, rows):
        j = min(i + rows, n)
        val = fn(pts[i:j], cols[:, i:]).cpu()
        _store_rows(dst, i, j, val)
    return out


def ntk_gram(x: np.ndarray, act, depth: int | None = None, *, tau: float = 1.0, bias: bool = True,
             c: float | None = None, method: str = "auto", device=None, compile: str = "auto") -> np.ndarray:
    """The NTK Gram matrix (float64) on unit vectors x (n, d): see :func:`ntk_rows` and
    :func:`points_gram`."""
    return points_gram(x, ntk_rows(act, depth, tau=tau, bias=bias, c=c, method=method), device, compile)

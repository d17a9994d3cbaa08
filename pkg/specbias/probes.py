"""Measurements of any ``torch.nn.Module`` on real data (docs/realdata.md, docs/methods.md §12).

* **Pairs** (P2's protocol): seeded anchors; their k nearest training points in input space
  (optionally only those of a different class, searched among the ``search`` nearest) and their k
  farthest.
* **Activation patterns and Hamming distances**: the sign of the input of every ReLU-family module
  (``nn.ReLU``, ``nn.LeakyReLU``, ``nn.PReLU``), captured by forward hooks.
* **Gradient confusion**: the cosine of two per-example loss gradients over every parameter;
  per-example gradients by ``vmap(grad)`` over anchor groups, in blocks of rows.
* **Empirical NTK** Θ(x, x') = (1/C) Σ_c ⟨∂f_c(x)/∂θ, ∂f_c(x')/∂θ⟩ in row blocks: a linear layer
  applied once to a vector contributes (a·a′)(g·g′) (its input and the gradient at its output),
  so its weights' Jacobian is never formed; every other parameter's per-example Jacobian is formed
  by ``vmap(jacrev)`` one block at a time.  Memory is bounded by the block size.
* **Kernels on inputs**: a Gaussian kernel exp(−‖x − x′‖²/2σ²) and the analytic NTK of a ReLU MLP
  (NTK parameterisation, inputs of any norm, Σ⁰ = x·x′/d + σ_b²).
* **Band energies**: a residual's energy on groups of a kernel's eigenvectors (largest
  eigenvalues first), and linearised GD's prediction of it for the MSE loss.
* **Filtering** (F-Principle): low/high-frequency parts by a normalised Gaussian smoother and their
  relative errors.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, grad, jacrev, vmap

RELU_FAMILY = (nn.ReLU, nn.LeakyReLU, nn.PReLU)


# ---- pairs ----------------------------------------------------------------------------------------

def pairs(x: torch.Tensor, labels: np.ndarray, anchors: int, k: int, seed: int, search: int | None = None,
          different_class: bool = False) -> dict[str, np.ndarray]:
    """P2's pairs: ``anchor`` (A,), ``near`` (A, k) nearest, ``far`` (A, k) farthest (Euclidean
    distance of the flattened inputs), and ``near_other`` (A, k): the nearest of a different class
    among the ``search`` nearest (when ``different_class``).  Anchors are drawn with ``seed``."""
    flat = x.reshape(len(x), -1).double()
    n = len(flat)
    if anchors > n or 2 * k + 1 > n:
        raise ValueError(f"{anchors} anchors with {k} near and {k} far points need more than {n} points")
    anchor = np.sort(np.random.default_rng(seed).choice(n, size=anchors, replace=False))
    dist = torch.cdist(flat[anchor], flat).cpu().numpy()
    dist[np.arange(anchors), anchor] = np.inf  # never its own neighbour
    order = np.argsort(dist, axis=1, kind="stable")
    out = {"anchor": anchor, "near": order[:, :k]}
    dist[np.arange(anchors), anchor] = -np.inf
    out["far"] = np.argsort(-dist, axis=1, kind="stable")[:, :k]
    if different_class:
        window = order[:, : min(search or n, n - 1)]
        other = labels[window] != labels[anchor][:, None]
        if (other.sum(1) < k).any():
            raise ValueError(f"fewer than {k} points of another class among the {window.shape[1]} nearest of an anchor")
        out["near_other"] = np.stack([w[o][:k] for w, o in zip(window, other)])
    return out


# ---- activation patterns --------------------------------------------------------------------------

def relu_modules(net: nn.Module) -> list[nn.Module]:
    return [m for m in net.modules() if isinstance(m, RELU_FAMILY)]


def patterns(net: nn.Module, params: dict, x: torch.Tensor, block: int = 1024) -> torch.Tensor:
    """On/off state of every ReLU-family unit (input > 0) for each input: (n, units), bool."""
    mods = relu_modules(net)
    if not mods:
        raise ValueError("the model has no nn.ReLU / nn.LeakyReLU / nn.PReLU module: activation patterns are undefined")
    out = []
    for i in range(0, len(x), block):
        seen: list[torch.Tensor] = []
        hooks = [m.register_forward_hook(lambda _m, inp, _o: seen.append((inp[0] > 0).flatten(1))) for m in mods]
        try:
            with torch.no_grad():
                functional_call(net, params, (x[i : i + block],))
        finally:
            for h in hooks:
                h.remove()
        out.append(torch.cat(seen, dim=1))
    return torch.cat(out)


def hamming(pat: torch.Tensor, anchor: np.ndarray, partner: np.ndarray) -> np.ndarray:
    """Hamming distance between each anchor's pattern and its partners' (A, k)."""
    a = pat[torch.as_tensor(anchor)][:, None, :]
    b = pat[torch.as_tensor(partner)]
    return (a != b).sum(-1).cpu().numpy()


# ---- per-example gradients and confusion ----------------------------------------------------------

def _partition(net: nn.Module, state: dict) -> tuple[dict, dict]:
    """A module's state for ``functional_call`` split into (parameters, buffers): gradients are taken
    with respect to the parameters only (batch norm's running statistics are state, not weights)."""
    names = {name for name, _ in net.named_parameters()}
    params = {k: v.detach().requires_grad_(True) for k, v in state.items() if k in names}
    return params, {k: v.detach() for k, v in state.items() if k not in names}


def example_loss(net: nn.Module, loss: str):
    """The loss of one example as a function of (parameters, x, t) for ``torch.func``: ``t`` is the
    class index (cross-entropy) or the one-hot row (MSE, see :func:`loss_targets`)."""
    def fn(params, xi, ti):
        out = functional_call(net, params, (xi[None],))[0]
        if loss == "cross_entropy":
            return nn.functional.cross_entropy(out[None], ti[None])
        return 0.5 * ((out - ti) ** 2).sum()
    return fn


def loss_targets(net: nn.Module, params: dict, x: torch.Tensor, target: torch.Tensor, loss: str) -> torch.Tensor:
    """What :func:`example_loss` takes per example: class indices, or one-hot rows for MSE."""
    if loss == "cross_entropy":
        return target
    with torch.no_grad():
        classes = functional_call(net, params, (x[:1],)).shape[-1]
    return nn.functional.one_hot(target, classes).to(x.dtype)


def per_example_gradients(net: nn.Module, params: dict, x: torch.Tensor, target: torch.Tensor, loss: str) -> torch.Tensor:
    """Flattened loss gradients of each example over every parameter: (n, P); one ``vmap(grad)``."""
    t = loss_targets(net, params, x, target, loss)
    g = vmap(grad(example_loss(net, loss)), in_dims=(None, 0, 0))(params, x, t)
    return torch.cat([v.reshape(len(x), -1) for v in g.values()], dim=1)


def confusion(net: nn.Module, params: dict, x: torch.Tensor, target: torch.Tensor, anchor: np.ndarray,
              partner: np.ndarray, loss: str, block: int = 256, eps: float = 1e-30) -> np.ndarray:
    """Cosine between each anchor's loss gradient and each of its partners' (A, k).  The gradients
    of whole anchor groups (the anchor and its k partners, ``block`` rows at a time) are kept
    factored (:class:`_Features`): a linear layer's weight gradient g aᵀ enters every inner product
    as (g·g′)(a·a′), so no per-example vector of all the weights is formed."""
    params, buffers = _partition(net, params)
    layers, other = _split(net, params, x, buffers)
    head = _loss_head(loss)
    A, k = partner.shape
    per = max(1, block // (k + 1))
    out = np.empty((A, k))
    for i in range(0, A, per):
        rows = np.concatenate([anchor[i : i + per, None], partner[i : i + per]], axis=1)  # (a, k + 1)
        idx = torch.as_tensor(rows.reshape(-1), device=x.device)
        t = loss_targets(net, {**params, **buffers}, x[idx], target[idx], loss)
        f = _Features(net, params, x[idx], t, layers, other, head, buffers)
        a = torch.arange(len(rows), device=x.device).repeat_interleave(k) * (k + 1)
        b = (torch.arange(len(rows), device=x.device) * (k + 1))[:, None] + torch.arange(1, k + 1, device=x.device)
        b = b.reshape(-1)
        dot, na, nb = f.pairs(a, b), f.pairs(a, a), f.pairs(b, b)
        out[i : i + per] = (dot / (na.clamp_min(0).sqrt() * nb.clamp_min(0).sqrt() + eps)).view(len(rows), k).detach().cpu().numpy()
    return out


def confusion_loop(net: nn.Module, x: torch.Tensor, target: torch.Tensor, anchor, partner, loss: str) -> np.ndarray:
    """The reference: one backward pass per example of every pair, as P2's scripts do (bench, tests)."""
    fn = nn.functional.cross_entropy if loss == "cross_entropy" else None
    out = np.empty(partner.shape)

    def flat_grad(i):
        net.zero_grad(set_to_none=True)
        o = net(x[i : i + 1])
        if fn is not None:
            value = fn(o, target[i : i + 1])
        else:
            value = 0.5 * ((o - nn.functional.one_hot(target[i : i + 1], o.shape[-1]).to(o.dtype)) ** 2).sum()
        value.backward()
        return torch.cat([p.grad.reshape(-1) for p in net.parameters()])

    for a in range(partner.shape[0]):
        for j in range(partner.shape[1]):
            ga, gb = flat_grad(int(anchor[a])), flat_grad(int(partner[a, j]))
            out[a, j] = float(ga @ gb / (ga.norm() * gb.norm() + 1e-30))
    return out


# ---- empirical NTK --------------------------------------------------------------------------------

def _conv_ok(m: nn.Module) -> bool:
    return (isinstance(m, nn.Conv2d) and m.groups == 1 and m.padding_mode == "zeros"
            and not isinstance(m.padding, str))


def _structured_layers(net: nn.Module, params: dict, x: torch.Tensor) -> tuple[list[str], list[str]]:
    """Names of the nn.Linear modules applied exactly once to a batch of vectors, and of the
    nn.Conv2d modules (groups 1, zero or no padding) applied exactly once to a batch of images:
    the layers whose per-example gradients are built from their inputs and output gradients."""
    calls: dict[str, list[int]] = {}
    mods = [(name, m) for name, m in net.named_modules() if isinstance(m, nn.Linear) or _conv_ok(m)]
    hooks = [m.register_forward_hook(lambda _m, inp, _o, name=name: calls.setdefault(name, []).append(inp[0].dim()))
             for name, m in mods]
    try:
        with torch.no_grad():
            functional_call(net, params, (x[:2],))
    finally:
        for h in hooks:
            h.remove()
    kinds = dict(mods)
    linear = [n for n, dims in calls.items() if dims == [2] and isinstance(kinds[n], nn.Linear)]
    convs = [n for n, dims in calls.items() if dims == [4] and isinstance(kinds[n], nn.Conv2d)]
    return linear, convs


def _unfold(m: nn.Conv2d, inp: torch.Tensor) -> torch.Tensor:
    """A convolution's input patches (b, Cin·k·k, positions)."""
    return nn.functional.unfold(inp, m.kernel_size, dilation=m.dilation, padding=m.padding, stride=m.stride)


def _conv_parts(m: nn.Conv2d, inp: torch.Tensor, g: torch.Tensor):
    """A convolution's share of the per-example gradients, from its input (b, Cin, H, W) and the
    gradient at its output (b, heads, Cout, H', W').  The weight's gradient is Σ_positions g ⊗ patch;
    where positions are few (L² (heads·Cout + Cin·k²) < heads·Cout·Cin·k²) it stays factored as
    (patches, g), else it is formed (b, heads·P).  Returns (explicit blocks, factored pair or None)."""
    patches = _unfold(m, inp)
    b, h = g.shape[:2]
    gl = g.reshape(b, h, g.shape[2], -1)  # (b, heads, Cout, L)
    L, cin = patches.shape[2], patches.shape[1]
    explicit = [gl.sum(-1).reshape(b, -1)] if m.bias is not None else []
    if L * L * (h * gl.shape[2] + cin) < h * gl.shape[2] * cin:
        return explicit, (patches, gl)
    return explicit + [torch.einsum("bhol,bil->bhoi", gl, patches).reshape(b, -1)], None


def _outputs_head(out, _t):
    """Every output channel (the NTK's scalars): (b, C)."""
    return out


def _loss_head(loss: str):
    """The per-example loss (confusion's scalar): (b, 1); ``t`` as :func:`loss_targets` gives it."""
    def head(out, t):
        if loss == "cross_entropy":
            return nn.functional.cross_entropy(out, t, reduction="none")[:, None]
        return 0.5 * ((out - t) ** 2).sum(-1, keepdim=True)
    return head


class _Features:
    """The gradients of ``head(f(x), t)`` (b, H) with respect to every parameter for one block of
    inputs, kept factored: for each structured linear layer its input a (b, in) and the gradient g
    (b, H, out) at its output (its weight's gradient is g aᵀ, never formed); a structured
    convolution's per-example gradients from its unfolded input and output gradient; every other
    parameter's per-example Jacobian (b, H, P_other) by ``vmap(jacrev)``."""

    def __init__(self, net, params, x, t, layers, other, head, buffers=None):
        buffers = buffers or {}
        linear, convs = layers
        mods = dict(net.named_modules())
        inputs, outputs = {}, {}

        def hook(name):
            def fn(_m, inp, out):
                inputs[name], outputs[name] = inp[0].detach(), out
            return fn

        hooks = [mods[name].register_forward_hook(hook(name)) for name in linear + convs]
        try:
            h = head(functional_call(net, {**params, **buffers}, (x,)), t)
        finally:
            for hk in hooks:
                hk.remove()
        self.inputs = [inputs[name] for name in linear]
        self.has_bias = [mods[name].bias is not None for name in linear]
        outs = [outputs[name] for name in linear + convs]
        grads = []
        if outs:  # examples are independent: the batch sum splits per example; every head in one batched pass
            eye = torch.eye(h.shape[1], dtype=h.dtype, device=h.device)[:, None, :].expand(-1, len(x), -1)
            per_head = torch.autograd.grad(h, outs, grad_outputs=eye, is_grads_batched=True, retain_graph=bool(other))
            grads = [g.detach().movedim(0, 1) for g in per_head]  # (b, H, out...)
        self.grads = grads[: len(linear)]
        self.heads = h.shape[1]
        jacs, self.factored = [], []
        for name, g in zip(convs, grads[len(linear):]):
            explicit, factored = _conv_parts(mods[name], inputs[name], g)
            jacs += explicit
            if factored is not None:
                self.factored.append(factored)
        if other:
            fixed = {**{k: v.detach() for k, v in params.items() if k not in other}, **buffers}

            def fn(p, xi, ti):
                return head(functional_call(net, {**fixed, **p}, (xi[None],)), ti[None])[0]
            j = vmap(jacrev(fn), in_dims=(None, 0, 0))({k: params[k].detach() for k in other}, x, t)
            jacs += [v.reshape(len(x), h.shape[1], -1) for v in j.values()]
        self.jac = [j.reshape(len(x), -1) for j in jacs]  # per layer (b, H·P): kept apart, never concatenated

    def gram(self, other: "_Features") -> torch.Tensor:
        """Σ_h ⟨∂h(x_i)/∂θ, ∂h(x_j)/∂θ⟩ for every pair of the two blocks: (b_i, b_j)."""
        out = 0
        for a, b, ga, gb, bias in zip(self.inputs, other.inputs, self.grads, other.grads, self.has_bias):
            gg = torch.einsum("iho,jho->ij", ga, gb)
            out = out + (a @ b.T) * gg + (gg if bias else 0)
        for a, b in zip(self.jac, other.jac):
            out = out + a @ b.T
        for (pa, ga), (pb, gb) in zip(self.factored, other.factored):
            out = out + (torch.einsum("ihol,jhom->ijlm", ga, gb) * torch.einsum("icl,jcm->ijlm", pa, pb)).sum((-1, -2))
        return out

    def pairs(self, i: torch.Tensor, j: torch.Tensor) -> torch.Tensor:
        """The same inner product for the rows paired by the index vectors ``i`` and ``j``: (len(i),)."""
        out = 0
        for a, g, bias in zip(self.inputs, self.grads, self.has_bias):
            gg = (g[i] * g[j]).sum((-1, -2))
            out = out + (a[i] * a[j]).sum(-1) * gg + (gg if bias else 0)
        for a in self.jac:
            out = out + (a[i] * a[j]).sum(-1)
        for p, g in self.factored:
            out = out + (torch.einsum("khol,khom->klm", g[i], g[j]) * torch.einsum("kcl,kcm->klm", p[i], p[j])).sum((-1, -2))
        return out


def _split(net: nn.Module, params: dict, x: torch.Tensor, buffers=None) -> tuple[list[str], list[str]]:
    """((structured linear layers, structured convolutions), the other parameters' names)."""
    linear, convs = _structured_layers(net, {**params, **(buffers or {})}, x)
    structured = {f"{name}.{p}" for name in linear + convs for p in ("weight", "bias")}
    return (linear, convs), [k for k in params if k not in structured]


def empirical_ntk(net: nn.Module, params: dict, x: torch.Tensor, block: int = 256, dtype=None) -> torch.Tensor:
    """Θ(x_i, x_j) = (1/C) Σ_c ⟨∂f_c(x_i)/∂θ, ∂f_c(x_j)/∂θ⟩ over every parameter: (n, n), computed
    block × block (each block's features recomputed, so memory is O(block · (Σ widths + P_other)))."""
    if dtype is not None:  # a copy of the module in that dtype, so its buffers (batch norm) follow
        net = copy.deepcopy(net).to(dtype)
        params = {k: v.detach().to(dtype) if v.is_floating_point() else v for k, v in params.items()}
        x = x.to(dtype)
    params, buffers = _partition(net, params)
    layers, other = _split(net, params, x, buffers)
    n = len(x)
    none = torch.zeros(n, device=x.device)
    out = torch.empty(n, n, dtype=x.dtype, device=x.device)
    for i in range(0, n, block):
        fi = _Features(net, params, x[i : i + block], none[i : i + block], layers, other, _outputs_head, buffers)
        for j in range(i, n, block):
            fj = fi if j == i else _Features(net, params, x[j : j + block], none[j : j + block], layers, other,
                                             _outputs_head, buffers)
            kij = fi.gram(fj) / fi.heads
            out[i : i + block, j : j + block] = kij
            out[j : j + block, i : i + block] = kij.T
    return out


def empirical_ntk_jacrev(net: nn.Module, params: dict, x: torch.Tensor) -> torch.Tensor:
    """The reference: the full per-example Jacobian by ``vmap(jacrev)``, contracted (tests, bench)."""
    params = {k: v.detach() for k, v in params.items()}
    j = vmap(jacrev(lambda p, xi: functional_call(net, p, (xi[None],))[0]), in_dims=(None, 0))(params, x)
    jac = torch.cat([v.reshape(len(x), v.shape[1], -1) for v in j.values()], dim=2)
    return torch.einsum("icp,jcp->ij", jac, jac) / jac.shape[1]


# ---- kernels on inputs ----------------------------------------------------------------------------

def gaussian_kernel(x: torch.Tensor, sigma: float) -> np.ndarray:
    """exp(−‖x_i − x_j‖² / 2σ²) on the flattened inputs (float64)."""
    flat = x.reshape(len(x), -1).double()
    return torch.exp(-torch.cdist(flat, flat).pow(2) / (2 * sigma * sigma)).cpu().numpy()


def relu_mlp_ntk(x: torch.Tensor, depth: int, bias_variance: float = 0.0) -> np.ndarray:
    """The analytic NTK of a ReLU MLP with ``depth`` hidden layers in NTK parameterisation (weight
    variance 2 after the first layer, bias variance σ_b²) on inputs of any norm:
    Σ⁰ = x·x′/d + σ_b², Σ^{l+1} = 2 J₁(Σ^l) + σ_b², Σ̇^{l+1} = 2 J₀(Σ^l), Θ^{l+1} = Θ^l Σ̇^{l+1} + Σ^{l+1}."""
    flat = x.reshape(len(x), -1).double()
    d = flat.shape[1]
    sigma = (flat @ flat.T / d + bias_variance).cpu().numpy()
    theta = sigma.copy()
    for _ in range(depth):
        diag = np.diag(sigma).copy()
        root = np.sqrt(np.outer(diag, diag))
        rho = np.clip(sigma / np.where(root > 0, root, 1.0), -1.0, 1.0)
        angle = np.arccos(rho)
        j0 = (math.pi - angle) / (2 * math.pi)
        j1 = root * (np.sqrt(1 - rho * rho) + (math.pi - angle) * rho) / (2 * math.pi)
        sigma = 2 * j1 + bias_variance
        theta = theta * 2 * j0 + sigma
    return theta


# ---- bands, linearised prediction, filtering ------------------------------------------------------

def band_edges(modes: int, bands: int) -> np.ndarray:
    """Mode indices where bands start (``bands + 1`` edges, log-spaced: the large eigenvalues, few
    and dominant, get narrow bands)."""
    edges = np.unique(np.round(np.geomspace(1, modes + 1, bands + 1)).astype(int) - 1)
    edges[-1] = modes
    return edges


def band_energy(evecs: np.ndarray, edges: np.ndarray, residual: np.ndarray) -> np.ndarray:
    """Energy of residuals on each band of eigenvectors, summed over output channels:
    ``residual`` (..., n, C) → (..., bands + 1); the last band is what the top modes miss
    (zero when every eigenvector is kept)."""
    coef = np.einsum("nm,...nc->...mc", evecs, residual)
    per_mode = (coef ** 2).sum(-1)
    bands = np.stack([per_mode[..., a:b].sum(-1) for a, b in zip(edges[:-1], edges[1:])], axis=-1)
    rest = np.maximum((residual ** 2).sum((-1, -2)) - per_mode.sum(-1), 0.0)
    return np.concatenate([bands, rest[..., None]], axis=-1)


def linearised_residual(evals: np.ndarray, evecs: np.ndarray, r0: np.ndarray, lr: float, steps: np.ndarray,
                        n: int) -> np.ndarray:
    """Linearised GD on ½ mean_i ‖f(x_i) − y_i‖²: r_t = (I − η Θ/n)^t r_0 in the kernel's
    eigenbasis (each class channel alike); ``r0`` (n, C), ``steps`` (T,) → (T, n, C).  Modes the
    eigenbasis leaves out keep their initial residual."""
    coef = evecs.T @ r0  # (m, C)
    rest = r0 - evecs @ coef
    factor = 1.0 - lr * evals / n
    with np.errstate(over="ignore", invalid="ignore"):
        decay = np.power(factor[None, :], np.asarray(steps, dtype=float)[:, None])  # (T, m)
    return np.einsum("nm,tm,mc->tnc", evecs, decay, coef) + rest[None]


def squared_distances(x: torch.Tensor) -> torch.Tensor:
    """‖x_i − x_j‖² of the flattened inputs (float64), computed once for every δ of a sweep."""
    flat = x.reshape(len(x), -1).double()
    return torch.cdist(flat, flat).pow(2)


def smoother(x: torch.Tensor, delta: float, d2: torch.Tensor | None = None) -> np.ndarray:
    """Row-normalised Gaussian weights G_δ(x_i − x_j) = exp(−‖x_i − x_j‖²/2δ) / Σ_j (float64);
    ``d2``: the inputs' :func:`squared_distances` when already computed."""
    d2 = squared_distances(x) if d2 is None else d2
    w = torch.exp(-(d2 - d2.min(dim=1, keepdim=True).values) / (2 * delta))  # stable: each row's max is 1
    return (w / w.sum(dim=1, keepdim=True)).cpu().numpy()


def filtered_errors(weights: np.ndarray, y: np.ndarray, f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """e_low = ‖y^low − f^low‖/‖y^low‖ and e_high likewise for the high parts y − y^low;
    ``y`` (n, C), ``f`` (..., n, C) → two arrays (...)."""
    y_low = weights @ y
    f_low = np.einsum("ij,...jc->...ic", weights, f)
    y_high, f_high = y - y_low, f - f_low
    e_low = np.sqrt(((y_low - f_low) ** 2).sum((-1, -2))) / np.sqrt((y_low ** 2).sum())
    e_high = np.sqrt(((y_high - f_high) ** 2).sum((-1, -2))) / np.sqrt((y_high ** 2).sum())
    return e_low, e_high

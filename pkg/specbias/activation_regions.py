"""Activation regions, Hamming distances, dead units, distance to boundary and gradient
confusion of ReLU MLPs (P2's definitions, docs/methods.md §8).

* activation pattern: the on/off state of every hidden ReLU, all layers concatenated;
* region count: distinct patterns over the given inputs (regions the data uses);
* Hamming distance between the patterns of a pair of inputs;
* dead unit: off for every input;
* distance to boundary: per layer, min over units of |pre-activation| / ‖w_row‖;
* gradient confusion: cosine similarity of the per-example loss gradients (all weights and
  biases, residual factor included) of a pair of inputs.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.func import grad, vmap

from .mlp import MLPEnsemble


def patterns(ens: MLPEnsemble, x: torch.Tensor) -> torch.Tensor:
    """Activation patterns (R, n, total hidden units), bool."""
    with torch.no_grad():
        pres, _ = ens.preactivations(x)
    return torch.cat([p > 0 for p in pres], dim=2)


def region_count(pat: torch.Tensor, chunk: int = 1 << 14) -> np.ndarray:
    """Number of distinct patterns per run: (R,).  Each pattern is packed on its device into
    int64 words of 62 bits (rows in chunks, so a 512² image with 1024 units stays small), and
    the distinct rows of words are counted with torch.unique."""
    R, n, H = pat.shape
    words = -(-H // 62)
    weights = 2 ** torch.arange(62, dtype=torch.int64, device=pat.device)
    out = []
    for r in range(R):
        keys = []
        for i in range(0, n, chunk):
            bits = torch.nn.functional.pad(pat[r, i : i + chunk].to(torch.int64), (0, words * 62 - H))
            keys.append((bits.view(-1, words, 62) * weights).sum(-1))
        out.append(torch.unique(torch.cat(keys), dim=0).shape[0])
    return np.array(out)


def hamming(pat: torch.Tensor, pairs: np.ndarray) -> np.ndarray:
    """Hamming distance of each pair (P, 2) of input indices, per run: (R, P)."""
    pairs = torch.as_tensor(np.asarray(pairs), device=pat.device)
    return (pat[:, pairs[:, 0]] != pat[:, pairs[:, 1]]).sum(-1).cpu().numpy()


def dead_units(pat: torch.Tensor) -> np.ndarray:
    """Units off for every input, per run: (R,)."""
    return (~pat.any(dim=1)).sum(-1).cpu().numpy()


def boundary_distance(ens: MLPEnsemble, x: torch.Tensor) -> np.ndarray:
    """Per run, layer and input: min over units of |pre-activation| / ‖w_row‖: (R, layers, n)."""
    with torch.no_grad():
        pres, _ = ens.preactivations(x)
        out = [(p.abs() / ens.weights[i].norm(dim=2)[:, None, :]).min(dim=2).values for i, p in enumerate(pres)]
    return torch.stack(out, dim=1).cpu().numpy()


def boundary_distance_p2(dist: np.ndarray) -> np.ndarray:
    """P2's summary of :func:`boundary_distance` (R, layers, n): per input the minimum over every
    hidden layer, then the mean over inputs: (R,).  It cannot be recovered from per-layer means."""
    return np.asarray(dist).min(axis=1).mean(axis=-1)


def per_example_gradients(ens: MLPEnsemble, run: int, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Gradient of the per-example loss (f(x_i) − y_i)² w.r.t. every weight and bias of one run,
    flattened: (n, parameters).  ``torch.func.vmap(grad)``: one batched pass, no Python loop."""
    params = [p[run].detach() for p in ens.parameters()]
    L = len(ens.weights)
    act = ens.activation

    def loss(ps, xi, yi):
        h = xi
        for i in range(L):
            h = ps[i] @ h + ps[L + i]
            if i < L - 1:
                h = act(h)
        return ((h - yi) ** 2).sum()

    g = vmap(grad(loss), in_dims=(None, 0, 0))(params, x, y)
    return torch.cat([gi.reshape(x.shape[0], -1) for gi in g], dim=1)


def pair_confusion(ens: MLPEnsemble, run: int, x: torch.Tensor, y: torch.Tensor, pair_sets: list[np.ndarray],
                   eps: float = 1e-30) -> list[np.ndarray]:
    """Gradient confusion of every pair in each of ``pair_sets`` ((P, 2) indices into x), for one
    run, without forming a gradient.  The per-example loss gradient of layer l is δ_l a_{l−1}ᵀ
    (weights) and δ_l (bias), δ_l the backpropagated 2(f(x) − y) and a_{l−1} the layer's input, so
    ⟨g_i, g_j⟩ = Σ_l ⟨δ_l(x_i), δ_l(x_j)⟩ (⟨a_{l−1}(x_i), a_{l−1}(x_j)⟩ + 1): the layer-wise
    identity of the empirical NTK, with the residual folded in.  Equals :func:`confusion` of
    :func:`per_example_gradients` (tested); costs one forward and backward on x."""
    with torch.no_grad():
        ws = [w[run] for w in ens.weights]
        bs = [b[run] for b in ens.biases]
        last = len(ws) - 1
        inputs, pres, h = [], [], x
        for i, (w, b) in enumerate(zip(ws, bs)):
            inputs.append(h)
            h = h @ w.T + b
            if i < last:
                pres.append(h)
                h = ens.activation(h)
        g = 2.0 * (h - y)  # (n, out): ∂ (f − y)² / ∂f
        sets = [torch.as_tensor(np.asarray(p), device=x.device) for p in pair_sets]
        sq = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
        dots = [torch.zeros(len(p), dtype=x.dtype, device=x.device) for p in sets]
        for i in range(last, -1, -1):
            a = inputs[i]
            sq += (g * g).sum(1) * ((a * a).sum(1) + 1)
            for d, p in zip(dots, sets):
                d += (g[p[:, 0]] * g[p[:, 1]]).sum(1) * ((a[p[:, 0]] * a[p[:, 1]]).sum(1) + 1)
            if i > 0:
                g = (g @ ws[i]) * ens.activation.derivative(pres[i - 1])
        norm = sq.sqrt()
        return [(d / (norm[p[:, 0]] * norm[p[:, 1]]).clamp_min(eps)).cpu().numpy() for d, p in zip(dots, sets)]


def confusion(grads: torch.Tensor, pairs: np.ndarray, eps: float = 1e-30) -> np.ndarray:
    """Cosine similarity of the gradients of each pair (P, 2): (P,)."""
    pairs = torch.as_tensor(np.asarray(pairs), device=grads.device)
    a, b = grads[pairs[:, 0]], grads[pairs[:, 1]]
    cos = (a * b).sum(1) / (a.norm(dim=1) * b.norm(dim=1)).clamp_min(eps)
    return cos.cpu().numpy()


def local_pairs(shape: tuple[int, ...], count: int, window: int, seed: int) -> np.ndarray:
    """``count`` pairs of grid points at most ``window`` apart along every axis (distinct points)."""
    rng = np.random.default_rng(seed)
    shape = tuple(shape)
    a = np.stack([rng.integers(0, s, count) for s in shape], 1)
    off = rng.integers(-window, window + 1, (count, len(shape)))
    zero = ~off.any(1)
    off[zero, 0] = 1  # never pair a point with itself
    b = np.clip(a + off, 0, np.array(shape) - 1)
    same = (a == b).all(1)
    b[same, 0] = np.where(a[same, 0] > 0, a[same, 0] - 1, 1)
    return np.stack([np.ravel_multi_index(a.T, shape), np.ravel_multi_index(b.T, shape)], 1)


def global_pairs(shape: tuple[int, ...], count: int, margin: float, seed: int) -> np.ndarray:
    """``count`` pairs far apart: one point in the first ``margin`` fraction of every axis, the
    other in the last (opposite ends of a signal, opposite corners of an image)."""
    rng = np.random.default_rng(seed)
    lo = np.stack([rng.integers(0, max(1, int(s * margin)), count) for s in shape], 1)
    hi = np.stack([rng.integers(s - max(1, int(s * margin)), s, count) for s in shape], 1)
    return np.stack([np.ravel_multi_index(lo.T, shape), np.ravel_multi_index(hi.T, shape)], 1)


def local_pairs_p2(shape: tuple[int, ...], count: int, patch: int, seed: int) -> np.ndarray:
    """P2's local pairs: one seeded patch of ``patch`` points per axis (placed uniformly inside the
    grid), and ``count`` pairs whose two ends are drawn independently and uniformly inside it, so a
    pair may be a point with itself (Hamming distance 0)."""
    rng = np.random.default_rng(seed)
    shape = tuple(shape)
    side = [min(patch, s) for s in shape]
    corner = np.array([rng.integers(0, s - w + 1) for s, w in zip(shape, side)])
    a = corner + np.stack([rng.integers(0, w, count) for w in side], 1)
    b = corner + np.stack([rng.integers(0, w, count) for w in side], 1)
    return np.stack([np.ravel_multi_index(a.T, shape), np.ravel_multi_index(b.T, shape)], 1)


def global_pairs_p2(shape: tuple[int, ...], count: int, seed: int) -> np.ndarray:
    """P2's global pairs: the grid cut into halves along every axis (quadrant-sized corner blocks of
    an image, the two halves of a signal); a pair joins a uniform point of one block to a uniform
    point of the diagonally opposite block, both diagonals of an image used in turn."""
    rng = np.random.default_rng(seed)
    shape = np.array(shape)
    half = np.maximum(shape // 2, 1)
    start = rng.integers(0, 2, (count, len(shape)))  # which corner block the first end lies in
    if len(shape) == 2:  # alternate the diagonals: (0,0)<->(1,1) and (0,1)<->(1,0)
        diag = np.arange(count) % 2
        start[:, 1] = np.where(diag == 0, start[:, 0], 1 - start[:, 0])
    end = 1 - start
    def draw(block):
        lo = block * (shape - half)
        return lo + np.stack([rng.integers(0, h, count) for h in half], 1)
    a, b = draw(start), draw(end)
    return np.stack([np.ravel_multi_index(a.T, tuple(shape)), np.ravel_multi_index(b.T, tuple(shape))], 1)


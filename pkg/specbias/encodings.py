"""Input encodings of coordinate MLPs (P2, arXiv:2301.05816 §5; Tancik et al. 2020).

* ``raw``: the coordinate itself, mapped from the unit grid [0, 1) to a chosen range [lo, hi).
* ``octave``: γ(x) = ⊕_{l=0}^{L−1} [sin(2^l π x), cos(2^l π x)] per coordinate, L = ``octaves``
  (the number of octaves, counted from l = 0; P2's 1-D scripts call 4 octaves "L=3").  2·L·d
  features, no raw coordinate.  Base frequency π: octave l has 2^{l−1} cycles per unit length.
* ``fourier``: Gaussian Fourier features γ(v) = [cos(2π Bv), sin(2π Bv)], B ~ N(0, σ²) of shape
  (features, d), drawn from a seed.

:func:`check_aliasing` rejects an octave encoding whose top octave the sampling grid cannot
resolve (docs/methods.md §7: on a 64-pixel axis over [0, 1), L = 7 puts the top octave at
Nyquist, where its sine is zero on the grid, and L ≥ 8 aliases).
"""

from __future__ import annotations

import math

import numpy as np

from .lazy_import import lazy
from .registry import ENCODINGS, Configured

torch = lazy("torch", globals())  # the config checks ask an encoding its width; only encoding needs torch



def raw(x: torch.Tensor, lo: float = 0.0, hi: float = 1.0) -> torch.Tensor:
    """Unit-grid coordinates x ∈ [0, 1)^d mapped affinely to [lo, hi)^d."""
    if not hi > lo:
        raise ValueError(f"coordinate range needs lo < hi, got [{lo}, {hi})")
    return lo + (hi - lo) * x


def octave(x: torch.Tensor, octaves: int) -> torch.Tensor:
    """[sin(2^l π x_j), cos(2^l π x_j)] for l = 0..octaves−1 and every coordinate j: (n, 2·L·d)."""
    if octaves < 1:
        raise ValueError(f"the octave encoding needs at least one octave, got {octaves}")
    freqs = math.pi * 2.0 ** torch.arange(octaves, dtype=x.dtype, device=x.device)  # (L,)
    arg = x[:, :, None] * freqs  # (n, d, L)
    return torch.cat([torch.sin(arg), torch.cos(arg)], dim=2).reshape(x.shape[0], -1)


def gaussian_matrix(dim: int, features: int, sigma: float, seed: int, dtype=None) -> torch.Tensor:
    """B ~ N(0, σ²) of shape (features, dim), from its own seeded generator."""
    if features < 1 or not sigma > 0:
        raise ValueError(f"Fourier features need features >= 1 and sigma > 0, got {features}, {sigma}")
    gen = torch.Generator().manual_seed(int(seed))
    return (torch.randn(features, dim, generator=gen, dtype=torch.float64) * sigma).to(torch.float32 if dtype is None else dtype)


def fourier(x: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """[cos(2π Bx), sin(2π Bx)]: (n, 2·features)."""
    arg = 2 * math.pi * x @ B.T.to(x)
    return torch.cat([torch.cos(arg), torch.sin(arg)], dim=1)


def top_octave_cycles(octaves: int) -> float:
    """Cycles per unit length of the highest octave, l = L − 1: 2^{L−1}π/(2π) = 2^{L−2}."""
    return 2.0 ** (octaves - 2)


def check_aliasing(octaves: int, samples_per_unit: float, where: str = "octaves") -> None:
    """Raise if the top octave reaches the Nyquist frequency of the sampling grid (at Nyquist its
    sine column vanishes on the grid; above, it aliases).

    ``samples_per_unit``: grid points per unit length of the *encoded* coordinate (a 64-pixel
    axis on [0, 1) has 64; on [−1, 1) it has 32)."""
    nyquist = samples_per_unit / 2
    top = top_octave_cycles(octaves)
    if top >= nyquist:
        lmax = int(math.ceil(math.log2(nyquist))) + 1 if nyquist > 0.25 else 0
        what = "sits at the Nyquist frequency (its sine is zero on every grid point)" if top == nyquist else "aliases"
        raise ValueError(
            f"{where}: {octaves} octaves put {top:g} cycles per unit length on a grid of {samples_per_unit:g} samples per "
            f"unit (Nyquist {nyquist:g}): the top octave {what}; use at most {lmax} octaves"
        )


class Encoding(Configured):
    """An input map of unit-grid coordinates: one class per config ``kind`` (:data:`ENCODINGS`).

    A subclass sets how wide its output is for ``dims`` coordinates (:meth:`width`), how it maps a
    grid (:meth:`encode`), and may refuse a grid it cannot represent (:meth:`check_grid`)."""

    def __init__(self, cfg: dict):
        super().__init__(cfg)
        lo, hi = cfg.get("range", (0.0, 1.0))
        self.lo, self.hi = float(lo), float(hi)

    @property
    def range_width(self) -> float:
        return self.hi - self.lo

    def width(self, dims: int) -> int:
        raise NotImplementedError

    def encode(self, x: torch.Tensor, seed: int = 0) -> torch.Tensor:
        raise NotImplementedError

    def check_grid(self, samples_per_axis: int, where: str) -> None:
        """Raise (naming ``where``) if a grid of ``samples_per_axis`` points per axis cannot carry the encoding."""


@ENCODINGS.register("raw")
class Raw(Encoding):
    def width(self, dims: int) -> int:
        return dims

    def encode(self, x, seed=0):
        return raw(x, self.lo, self.hi)


@ENCODINGS.register("octave")
class Octave(Encoding):
    def width(self, dims: int) -> int:
        return 2 * self.cfg["octaves"] * dims

    def encode(self, x, seed=0):
        return octave(raw(x, self.lo, self.hi), self.cfg["octaves"])

    def check_grid(self, samples_per_axis, where):
        check_aliasing(self.cfg["octaves"], samples_per_axis / self.range_width, where)


@ENCODINGS.register("basic")
class Basic(Encoding):
    """[cos 2πv, sin 2πv] per coordinate (Tancik et al. 2020's "basic" mapping): one period over the unit grid."""

    def width(self, dims: int) -> int:
        return 2 * dims

    def encode(self, x, seed=0):
        v = 2 * math.pi * x
        return torch.cat([torch.cos(v), torch.sin(v)], dim=-1)


@ENCODINGS.register("fourier")
class Fourier(Encoding):
    def width(self, dims: int) -> int:
        return 2 * self.cfg["features"]

    def encode(self, x, seed=0):
        return fourier(x, gaussian_matrix(x.shape[1], self.cfg["features"], self.cfg["sigma"], self.cfg.get("seed", seed), x.dtype))


def encode(x: torch.Tensor, cfg: dict, seed: int = 0) -> torch.Tensor:
    """Encode unit-grid coordinates as ``cfg`` says: {kind: raw, range: [lo, hi]},
    {kind: octave, octaves: L, range: [lo, hi]} or {kind: fourier, features, sigma}."""
    return ENCODINGS.build(cfg).encode(x, seed)


def range_width(cfg: dict) -> float:
    """Width hi − lo of an encoding's coordinate range (default [0, 1))."""
    lo, hi = cfg.get("range", (0.0, 1.0))
    return hi - lo


def grid(shape: tuple[int, ...]) -> np.ndarray:
    """Unit-grid coordinates of a 1-D signal or an image: (prod(shape), len(shape)) in [0, 1)."""
    axes = [np.arange(s) / s for s in shape]
    mesh = np.meshgrid(*axes, indexing="ij")
    return np.stack([m.reshape(-1) for m in mesh], axis=1)

"""Targets of coordinate MLPs (P2 G1–G3, Rahaman et al. 2019): a 1-D sum of sinusoids, a seeded
random image, or a natural image that scikit-image ships; and the spectra the residual is
measured with.

* 1-D: ``y(t) = Σ_k A_k sin(2π k t + φ_k)`` on t = i/N, i = 0..N−1 (N = ``length``), with phases
  drawn from a seeded generator.  On this grid the DFT of y has modulus A_k N / 2 at bin k, so
  the residual's spectrum normalised by the target's is |R_k| / |Y_k| (1 before training, → 0
  once frequency k is learned).
* 2-D: an S × S image with C channels in [0, 1] on the pixel grid (i/S, j/S).  Its radially
  averaged spectrum at radial frequency k (cycles per image side) is
  ``S(k) = sqrt(mean over FFT bins with round(√(u² + v²)) = k of Σ_c |F_c(u, v)|²)``,
  k = 1..S/2, so that Parseval reads Σ_k count_k S(k)² + (DC and corners) = S² Σ |image|².
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

# Images that scikit-image keeps inside its wheel (skimage/data/*.png|jpg): loading them never
# touches the network.
# Side of each one's largest centred square (a test loads them all and checks).
BUNDLED_IMAGES = {"astronaut": 512, "camera": 512, "coffee": 400, "chelsea": 300, "rocket": 427, "coins": 303,
                  "moon": 512, "brick": 512, "grass": 512, "gravel": 512}
SIGNAL_KINDS = ("sines", "random_image", "image")


def multi_sine(length: int, frequencies, amplitudes, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grid t (N,), signal y (N,) and phases (K,)."""
    freqs = np.asarray(frequencies, dtype=np.int64)
    amps = np.broadcast_to(np.asarray(amplitudes, dtype=np.float64), freqs.shape)
    if length < 2 or freqs.min() < 1 or freqs.max() >= length / 2:
        raise ValueError(f"frequencies must lie in [1, {length // 2 - 1}] for a {length}-point grid, got {freqs.tolist()}")
    phases = np.random.default_rng(seed).uniform(0, 2 * np.pi, len(freqs))
    t = np.arange(length) / length
    y = (amps[:, None] * np.sin(2 * np.pi * freqs[:, None] * t[None, :] + phases[:, None])).sum(0)
    return t, y, phases


def spectrum_at(values: np.ndarray, frequencies) -> np.ndarray:
    """|DFT| of ``values`` (..., N) at integer frequencies: (..., K)."""
    return np.abs(np.fft.rfft(values, axis=-1)[..., np.asarray(frequencies)])


def random_image(size: int, channels: int, seed: int) -> np.ndarray:
    """P2's G2: i.i.d. uniform pixels in [0, 1), (S, S, C), from a seeded generator."""
    if size < 4 or channels < 1:
        raise ValueError(f"a random image needs size >= 4 and channels >= 1, got {size}, {channels}")
    return np.random.default_rng(seed).random((size, size, channels))


def natural_image(name: str, size: int) -> np.ndarray:
    """P2's G3 with a bundled image: the largest centred square, resized to (S, S) with
    anti-aliasing (skimage.transform.resize), values in [0, 1], shape (S, S, C)."""
    if name not in BUNDLED_IMAGES:
        raise ValueError(f"image {name!r} is not one scikit-image ships; choose one of {tuple(BUNDLED_IMAGES)}")
    import skimage.data
    from skimage.transform import resize
    from skimage.util import img_as_float

    img = img_as_float(getattr(skimage.data, name)())
    if img.ndim == 2:
        img = img[:, :, None]
    img = img[:, :, :3]
    h, w = img.shape[:2]
    side = min(h, w)
    if size > side:
        raise ValueError(f"image {name!r} is {h}x{w}; size {size} would upsample it (at most {side})")
    top, left = (h - side) // 2, (w - side) // 2
    img = img[top : top + side, left : left + side]
    return np.clip(resize(img, (size, size), anti_aliasing=True, order=1), 0.0, 1.0)


def natural_image_side(name: str) -> int:
    """Side of the largest centred square of a bundled image (without loading it)."""
    if name not in BUNDLED_IMAGES:
        raise ValueError(f"image {name!r} is not one scikit-image ships; choose one of {tuple(BUNDLED_IMAGES)}")
    return BUNDLED_IMAGES[name]


@functools.lru_cache(maxsize=8)
def radial_index(size: int) -> np.ndarray:
    """Integer radial frequency round(√(u² + v²)) of every bin of an (S, S) FFT: (S, S)."""
    f = np.fft.fftfreq(size, d=1.0 / size)
    idx = np.rint(np.hypot(f[:, None], f[None, :])).astype(np.int64)
    idx.flags.writeable = False  # cached: shared by every call
    return idx


def radial_spectrum(images: np.ndarray, kmax: int | None = None) -> np.ndarray:
    """Radially averaged spectrum of square images (..., S, S, C) at k = 1..kmax (default S/2):
    (..., kmax), the root-mean power over each annulus, summed over channels."""
    size = images.shape[-2]
    if images.shape[-3] != size:
        raise ValueError(f"radial spectra need square images, got {images.shape[-3]}x{size}")
    kmax = kmax or size // 2
    power = (np.abs(np.fft.fft2(images, axes=(-3, -2))) ** 2).sum(-1)  # (..., S, S)
    idx = radial_index(size).reshape(-1)
    keep = idx <= kmax
    idx = idx[keep]
    rows = power.reshape(-1, size * size)[:, keep]
    # one bincount per image: O(S²) memory (a dense annulus matrix would be S² x S/2, 0.5 GB at 512²)
    sums = np.stack([np.bincount(idx, weights=r, minlength=kmax + 1) for r in rows])
    counts = np.bincount(idx, minlength=kmax + 1)
    return np.sqrt(sums[:, 1:] / counts[1:]).reshape(*power.shape[:-2], kmax)


@dataclass
class Target:
    """What a coordinate MLP fits: values (n, C) on a grid of ``shape``, and how the residual's
    spectrum is measured at ``frequencies``."""

    kind: str
    shape: tuple[int, ...]  # (N,) for a signal, (S, S) for an image
    values: np.ndarray  # (prod(shape), C)
    frequencies: np.ndarray  # (K,)
    phases: np.ndarray | None  # the sinusoids' phases (1-D), else None

    @property
    def channels(self) -> int:
        return self.values.shape[1]

    def spectrum(self, values: np.ndarray) -> np.ndarray:
        """Spectrum of values (..., n, C) on the grid at ``frequencies``: (..., K)."""
        if len(self.shape) == 1:
            return spectrum_at(values[..., 0], self.frequencies)
        img = values.reshape(*values.shape[:-2], *self.shape, self.channels)
        return radial_spectrum(img)[..., self.frequencies - 1]


def load(cfg: dict) -> Target:
    """The target a ``coordinate.<study>.signal`` section describes."""
    kind = cfg.get("kind", "sines")
    if kind == "sines":
        _, y, phases = multi_sine(cfg["length"], cfg["frequencies"], cfg.get("amplitudes", 1.0), cfg.get("seed", 0))
        return Target(kind, (cfg["length"],), y[:, None], np.asarray(cfg["frequencies"], dtype=np.int64), phases)
    if kind == "random_image":
        img = random_image(cfg["size"], cfg.get("channels", 3), cfg.get("seed", 0))
    elif kind == "image":
        img = natural_image(cfg["name"], cfg["size"])
    else:
        raise ValueError(f"unknown signal kind {kind!r}; choose one of {SIGNAL_KINDS}")
    s = img.shape[0]
    return Target(kind, (s, s), img.reshape(s * s, -1), np.arange(1, s // 2 + 1), None)

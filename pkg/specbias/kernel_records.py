"""The empirical NTK of GD-trained nets, recorded at the training snapshots (log-spaced steps) on a
fixed, seeded probe subset of the training inputs (docs/methods.md §13).

Per record and run: the kernel's top eigenvalues, on the circle the dominant frequency of each top
eigenvector, the relative change ‖K_t − K_0‖_F / ‖K_0‖_F and the kernel–target alignment
yᵀKy / (‖K‖_F ‖y‖²).  The kernel comes from the ensemble's own ``empirical_ntk`` (layer-wise: no
Jacobian is formed); :func:`jacobian_ntk` is the generic ``torch.func`` route it is tested against.
"""

from __future__ import annotations

import numpy as np
import torch

from . import spectra
from .io import meta


def probe_indices(n: int, size: int, seed: int = 0) -> np.ndarray:
    """A seeded subset of ``size`` of the n training inputs, sorted (all of them when n ≤ size)."""
    if size >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


def jacobian_ntk(forward, params: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Reference NTK J Jᵀ of one net from its full Jacobian (``torch.func.jacrev``): ``forward(params, x)``
    returns the outputs (p,); every parameter counts."""
    jac = torch.func.jacrev(forward)(params, x)
    flat = torch.cat([j.reshape(x.shape[0], -1) for j in jac], dim=1)
    return flat @ flat.T


class KernelRecorder:
    """Called by :func:`specbias.train.train_gd` at every snapshot (``on_snapshot``)."""

    def __init__(self, x: torch.Tensor, y: np.ndarray, probe: np.ndarray, snapshots: int, runs: int, modes: int,
                 theta: np.ndarray | None = None, density: np.ndarray | None = None):
        self.x = x[torch.as_tensor(probe, device=x.device)]
        self.y = np.asarray(y, dtype=np.float64)[probe]
        self.probe, self.theta = probe, None if theta is None else np.asarray(theta)[probe]
        self.density = None if density is None else np.asarray(density)[probe]
        self.modes = min(modes, len(probe))
        self.eigenvalue = np.full((runs, self.modes, snapshots), np.nan)
        self.dominant = np.full((runs, self.modes, snapshots), -1, dtype=np.int64)
        self.change = np.full((runs, snapshots), np.nan)
        self.alignment = np.full((runs, snapshots), np.nan)
        self.k0 = None
        self.initial = None  # (R, p, p) float64, kept for the comparison with the analytic kernel

    def __call__(self, i: int, step: int, model) -> None:
        kt = model.empirical_ntk(self.x).double()
        k = kt.cpu().numpy()  # (R, p, p)
        if self.k0 is None:
            self.k0, self.initial = k, k
        ev, vec = torch.linalg.eigh(kt)  # (numpy's batched eigh was ~50x slower on this CPU)
        evals, evecs = ev.cpu().numpy(), vec.cpu().numpy()
        order = np.argsort(-evals, axis=1)[:, : self.modes]
        self.eigenvalue[:, :, i] = np.take_along_axis(evals, order, 1)
        if self.theta is not None:
            for r in range(k.shape[0]):
                vecs = evecs[r][:, order[r]]
                self.dominant[r, :, i] = spectra.dominant_frequency(self.theta, vecs, self.density, len(self.theta) // 2)[0]
        self.change[:, i] = np.linalg.norm(k - self.k0, axis=(1, 2)) / np.linalg.norm(self.k0, axis=(1, 2))
        y = self.y
        self.alignment[:, i] = np.einsum("i,rij,j->r", y, k, y) / (np.linalg.norm(k, axis=(1, 2)) * (y @ y))

    def variables(self, analytic: np.ndarray | None = None) -> tuple[dict, dict]:
        """Dataset variables and coordinates (dims seed, kernel_mode, step, probe); ``analytic``:
        the model's analytic Gram matrix on the probe points, compared with the nets at step 0."""
        data = {
            "kernel_eigenvalue": (("seed", "kernel_mode", "step"), self.eigenvalue,
                                  meta("eigenvalue of the empirical NTK on the probe inputs (NaN: not recorded)")),
            "kernel_change": (("seed", "step"), self.change, meta("relative kernel change ||K_t - K_0||_F / ||K_0||_F")),
            "kernel_alignment": (("seed", "step"), self.alignment,
                                 meta("kernel-target alignment y^T K y / (||K||_F ||y||^2) on the probe inputs")),
        }
        if self.theta is not None:
            data["kernel_dominant_frequency"] = (("seed", "kernel_mode", "step"), self.dominant,
                                                 meta("dominant frequency of the empirical kernel's eigenvector (-1: not recorded)",
                                                      "cycles per 2 pi"))
        if analytic is not None and self.initial is not None:
            err = np.linalg.norm(self.initial - analytic, axis=(1, 2)) / np.linalg.norm(analytic)
            data["kernel_init_error"] = ("seed", err, meta("||K_0 - K_analytic||_F / ||K_analytic||_F on the probe inputs"))
        coords = {"kernel_mode": ("kernel_mode", np.arange(self.modes), meta("eigenpair of the empirical kernel, decreasing")),
                  "probe": ("probe", np.asarray(self.probe, dtype=np.int64), meta("training-input index of each probe point"))}
        return data, coords

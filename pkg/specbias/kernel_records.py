"""The empirical NTK of GD-trained nets, recorded at the training snapshots (log-spaced steps) on a
fixed, seeded probe subset of the training inputs (docs/methods.md §13).

Per record and run: the kernel's top eigenvalues, on the circle the dominant frequency of each top
eigenvector, the share of the target's and of the current residual's energy on the top eigenvectors
(cumulative over modes), the relative change ‖K_t − K_0‖_F / ‖K_0‖_F and the kernel–target
alignment yᵀKy / (‖K‖_F ‖y‖²).  When the probe holds every training input, the records also
predict: the linearised residual from the empirical kernel at initialisation,
r̂_t = (I − ηK_0)^t r_0, and the *re-linearised* one from the kernel of the previous record,
(I − ηK_{t'})^{t − t'} r_{t'} started at the measured r_{t'}; each is compared with the measured
residual (‖r_t − r̂_t‖ / ‖r_0‖), and the first record where the K_0 prediction is off by more than
``tolerance`` is where linearisation stops predicting.  The kernel comes from the ensemble's own ``empirical_ntk`` (layer-wise: no
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


def propagate(evals: np.ndarray, evecs: np.ndarray, r: np.ndarray, rate: float, steps: int) -> np.ndarray:
    """(I − rate·K)^steps r for each run, K = V diag(λ) Vᵀ (evals (R, p), evecs (R, p, p), r (R, p)):
    the linearised GD residual."""
    decay = (1.0 - rate * evals) ** steps
    return np.einsum("rpk,rk->rp", evecs, decay * np.einsum("rpk,rp->rk", evecs, r))


def record_indices(snapshots: int, records: int | None) -> set[int]:
    """``records`` log-spaced indices among ``snapshots`` (all of them when None or enough), the
    first and the last included."""
    if records is None or records >= snapshots:
        return set(range(snapshots))
    picks = np.unique(np.rint(np.geomspace(1, snapshots, max(records, 2))).astype(int) - 1)
    return set(picks.tolist()) | {0, snapshots - 1}


class KernelRecorder:
    """Called by :func:`specbias.train.train_gd` at every snapshot (``on_snapshot``)."""

    def __init__(self, x: torch.Tensor, y: np.ndarray, probe: np.ndarray, snapshots: int, runs: int, modes: int,
                 theta: np.ndarray | None = None, density: np.ndarray | None = None, lr: float | None = None,
                 tolerance: float = 0.1, records: int | None = None):
        self.x = x[torch.as_tensor(probe, device=x.device)]
        self.y = np.asarray(y, dtype=np.float64)[probe]
        #: predictions need every training input in the probe (the dynamics couple all of them) and lr
        self.full = lr is not None and len(probe) == len(y)
        self.lr, self.tolerance = lr, float(tolerance)
        self.steps = np.full(snapshots, -1, dtype=np.int64)
        #: snapshots at which the kernel itself is built (log-spaced, the first and last among them);
        #: at the others only the cheap prediction from K_0 is evaluated
        self.kernel_at = record_indices(snapshots, records)
        self.target_energy = np.full((runs, min(modes, len(probe)), snapshots), np.nan)
        self.residual_energy = np.full_like(self.target_energy, np.nan)
        if self.full:
            self.predicted = np.full((runs, len(probe), snapshots), np.nan)  # r̂_t from K_0
            self.pred_error = np.full((runs, snapshots), np.nan)
            self.relin_error = np.full((runs, snapshots), np.nan)
            self.lr_lambda_max = np.full(runs, np.nan)
            self.start = self.prev = None  # (eigenvalues, eigenvectors, residual, step) at step 0 / the last record
        self.probe, self.theta = probe, None if theta is None else np.asarray(theta)[probe]
        self.density = None if density is None else np.asarray(density)[probe]
        self.modes = min(modes, len(probe))
        self.eigenvalue = np.full((runs, self.modes, snapshots), np.nan)
        self.dominant = np.full((runs, self.modes, snapshots), -1, dtype=np.int64)
        self.change = np.full((runs, snapshots), np.nan)
        self.alignment = np.full((runs, snapshots), np.nan)
        self.k0 = None
        self.initial = None  # (R, p, p) float64, kept for the comparison with the analytic kernel

    def __call__(self, i: int, step: int, model, residual: torch.Tensor) -> None:
        r = residual.double().cpu().numpy()[:, self.probe]  # (R, p)
        self.steps[i] = step
        if i not in self.kernel_at:
            if self.full and self.start is not None:
                self._predict_from_start(i, step, r)
            return
        kt = model.empirical_ntk(self.x).double()
        k = kt.cpu().numpy()  # (R, p, p)
        if self.k0 is None:
            self.k0, self.initial = k, k
        ev, vec = torch.linalg.eigh(kt)  # (numpy's batched eigh was ~50x slower on this CPU)
        evals, evecs = ev.cpu().numpy(), vec.cpu().numpy()
        order = np.argsort(-evals, axis=1)[:, : self.modes]
        self.eigenvalue[:, :, i] = np.take_along_axis(evals, order, 1)
        top = np.take_along_axis(evecs, order[:, None, :], 2)  # (R, p, modes)
        for name, vec in (("target_energy", np.broadcast_to(self.y, r.shape)), ("residual_energy", r)):
            share = np.einsum("rpm,rp->rm", top, vec) ** 2 / np.sum(vec * vec, axis=1, keepdims=True)
            getattr(self, name)[:, :, i] = np.cumsum(share, axis=1)
        if self.full:
            self._predict(i, step, evals, evecs, r)
        if self.theta is not None:
            for r in range(k.shape[0]):
                vecs = evecs[r][:, order[r]]
                self.dominant[r, :, i] = spectra.dominant_frequency(self.theta, vecs, self.density, len(self.theta) // 2)[0]
        self.change[:, i] = np.linalg.norm(k - self.k0, axis=(1, 2)) / np.linalg.norm(self.k0, axis=(1, 2))
        y = self.y
        self.alignment[:, i] = np.einsum("i,rij,j->r", y, k, y) / (np.linalg.norm(k, axis=(1, 2)) * (y @ y))

    def _propagate(self, evals, evecs, r, steps):
        return propagate(evals, evecs, r, self.lr, steps)

    def _predict_from_start(self, i, step, r):
        e0, v0, r0, s0 = self.start
        self.predicted[:, :, i] = self._propagate(e0, v0, r0, step - s0)
        self.pred_error[:, i] = np.linalg.norm(r - self.predicted[:, :, i], axis=1) / np.linalg.norm(r0, axis=1)

    def _predict(self, i, step, evals, evecs, r):
        if self.start is None:
            self.start = (evals, evecs, r, step)
            self.lr_lambda_max = self.lr * evals.max(axis=1)
        self._predict_from_start(i, step, r)
        norm0 = np.linalg.norm(self.start[2], axis=1)
        if self.prev is not None:
            ep, vp, rp, sp = self.prev
            self.relin_error[:, i] = np.linalg.norm(r - self._propagate(ep, vp, rp, step - sp), axis=1) / norm0
        else:
            self.relin_error[:, i] = 0.0
        self.prev = (evals, evecs, r, step)

    def break_steps(self) -> np.ndarray:
        """Per run, the first recorded step where the K_0 prediction is off by more than the
        tolerance (−1: never)."""
        off = self.pred_error > self.tolerance
        first = np.argmax(off, axis=1)
        return np.where(off.any(axis=1), self.steps[first], -1)

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
        data["kernel_target_energy"] = (("seed", "kernel_mode", "step"), self.target_energy,
                                        meta("share of the target's energy on the kernel's top eigenvectors, cumulative over modes"))
        data["kernel_residual_energy"] = (("seed", "kernel_mode", "step"), self.residual_energy,
                                          meta("share of the current residual's energy on the kernel's top eigenvectors, cumulative over modes"))
        if self.full:
            data["kernel_prediction_error"] = (("seed", "step"), self.pred_error, meta(
                "||r_t - (I - lr K_0)^t r_0|| / ||r_0||: measured residual vs the empirical-kernel prediction from step 0"))
            data["kernel_relinearised_error"] = (("seed", "step"), self.relin_error, meta(
                "||r_t - (I - lr K_t')^(t - t') r_t'|| / ||r_0||: the prediction restarted at the previous record t' with its kernel"))
            data["kernel_predicted_residual"] = (("seed", "probe", "step"), self.predicted,
                                                 meta("residual predicted from the empirical kernel at step 0"))
            data["kernel_lr_lambda_max"] = ("seed", self.lr_lambda_max,
                                            meta("lr x largest eigenvalue of the empirical kernel at step 0 (linearised GD is stable below 2)"))
            data["linearisation_break_step"] = ("seed", self.break_steps(), meta(
                "first recorded step where the empirical-kernel prediction is off by more than the tolerance (-1: never)",
                tolerance=self.tolerance))
        if analytic is not None and self.initial is not None:
            err = np.linalg.norm(self.initial - analytic, axis=(1, 2)) / np.linalg.norm(analytic)
            data["kernel_init_error"] = ("seed", err, meta("||K_0 - K_analytic||_F / ||K_analytic||_F on the probe inputs"))
        coords = {"kernel_mode": ("kernel_mode", np.arange(self.modes), meta("eigenpair of the empirical kernel, decreasing")),
                  "probe": ("probe", np.asarray(self.probe, dtype=np.int64), meta("training-input index of each probe point"))}
        return data, coords


# ---------------------------------------------------------------------------------------------
# Coordinate MLPs (grids in [0, 1)^dims): a regular sub-grid probe and the kernel by frequency


def run_variables() -> dict[str, tuple[str, ...]]:
    """The variables :meth:`KernelRecorder.variables` may add to a training dataset, with their dims."""
    per_mode, per_step = ("seed", "kernel_mode", "step"), ("seed", "step")
    return {"kernel_eigenvalue": per_mode, "kernel_change": per_step, "kernel_alignment": per_step,
            "kernel_dominant_frequency": per_mode, "kernel_target_energy": per_mode, "kernel_residual_energy": per_mode,
            "kernel_prediction_error": per_step, "kernel_relinearised_error": per_step,
            "kernel_predicted_residual": ("seed", "probe", "step"), "kernel_lr_lambda_max": ("seed",),
            "linearisation_break_step": ("seed",), "kernel_init_error": ("seed",)}


def grid_variables(group: str, time: str) -> dict[str, tuple[str, ...]]:
    """The variables :meth:`GridRecorder.variables` may add, dims (``group``, seed, ..., ``time``)."""
    return {"kernel_eigenvalue": (group, "seed", "kernel_mode", time), "kernel_dominant_frequency": (group, "seed", "kernel_mode", time),
            "kernel_response": (group, "seed", "kernel_frequency", time), "kernel_change": (group, "seed", time),
            "kernel_alignment": (group, "seed", time), "kernel_probe": ("probe",),
            "kernel_prediction_error": (group, "seed", time), "kernel_lr_lambda_max": (group, "seed")}


def probe_grid(shape: tuple[int, ...], size: int) -> tuple[np.ndarray, tuple[int, ...]]:
    """A regular sub-grid of the row-major grid ``shape`` with at most ``size`` points (every
    stride-th point along each axis, the same stride on every axis): its flat indices and its shape.
    Regular, so that the kernel on it can be read by frequency with a DFT."""
    dims = len(shape)
    side = max(1, int(np.floor(size ** (1.0 / dims) + 1e-9)))
    stride = max(1, int(np.ceil(max(shape) / side)))
    axes = [np.arange(0, n, stride) for n in shape]
    mesh = np.meshgrid(*axes, indexing="ij")
    flat = np.ravel_multi_index([m.ravel() for m in mesh], shape)
    return flat, tuple(len(a) for a in axes)


class FourierProbe:
    """The DFT basis of a regular probe grid (1-D or 2-D), with each mode's radial frequency in
    cycles per unit length (the grid spans [0, 1) along each axis)."""

    def __init__(self, shape: tuple[int, ...]):
        self.shape = shape
        qs = [np.fft.fftfreq(n, 1.0 / n) for n in shape]  # signed integer frequencies per axis
        mesh = np.meshgrid(*qs, indexing="ij")
        self.radial = np.rint(np.sqrt(sum(m.ravel() ** 2 for m in mesh))).astype(np.int64)
        self.frequencies = np.arange(min(shape) // 2 + 1)
        basis = 1.0
        for n in shape:
            f = np.exp(2j * np.pi * np.outer(np.arange(n), np.arange(n)) / n) / np.sqrt(n)  # unitary, columns = modes
            basis = np.kron(basis, f)
        self.basis = basis  # (P, P)
        # real and imaginary parts apart: numpy's real-by-complex products are not BLAS (~30x slower)
        self.re, self.im = np.ascontiguousarray(basis.real), np.ascontiguousarray(basis.imag)
        self.bins = [self.radial == q for q in self.frequencies]

    def response(self, kernel: np.ndarray) -> np.ndarray:
        """e_qᴴ K e_q per DFT mode, averaged over the modes of each radial frequency: (..., frequency).
        For a stationary kernel on a periodic grid these are its eigenvalues by frequency.  K is
        real symmetric, so e_qᴴ K e_q = Re e_qᵀ K Re e_q + Im e_qᵀ K Im e_q."""
        quad = (self.re * (kernel @ self.re)).sum(-2) + (self.im * (kernel @ self.im)).sum(-2)  # diag(Bᴴ K B)
        return np.stack([quad[..., b].mean(-1) for b in self.bins], -1)

    def dominant(self, vectors: np.ndarray) -> np.ndarray:
        """Radial frequency with the most energy of each column of ``vectors`` (..., P, modes)."""
        power = (self.re.T @ vectors) ** 2 + (self.im.T @ vectors) ** 2  # |Bᴴ v|² (..., P modes, vectors)
        per = np.stack([power[..., b, :].sum(-2) for b in self.bins], -2)  # (..., frequency, modes)
        return self.frequencies[np.argmax(per, axis=-2)]


class GridRecorder:
    """The empirical NTK (output channel 0) of an MLP ensemble on a regular probe sub-grid of a
    row-major input grid, read by frequency: the coordinate and holdout studies' kernel records.

    ``x``: the inputs on the grid (R, n, F) or (n, F); ``y``: the target's channel 0 on the grid
    (n,).  :meth:`predict_from_start` turns on the residual prediction from the step-0 kernel
    (full-batch GD on the mean squared error: the linearised step is r ← (I − rate K) r)."""

    def __init__(self, shape: tuple[int, ...], size: int, modes: int, x: torch.Tensor, y: np.ndarray):
        self.probe, probe_shape = probe_grid(shape, size)
        self.fourier = FourierProbe(probe_shape)
        self.modes = min(modes, len(self.probe))
        self.xp = x[..., torch.as_tensor(self.probe, device=x.device), :]
        self.y = np.asarray(y, dtype=np.float64)[self.probe]
        self.k0 = None
        self.rate = self.start = None

    def predict_from_start(self, rate: float) -> None:
        self.rate = rate

    def __call__(self, model, E: int, S: int, step: int, residual: np.ndarray | None = None) -> dict:
        """One record for the R = E·S runs, each value shaped (E, S, ...): top eigenvalues (``k_eig``),
        their eigenvectors' dominant frequency (``k_dom``), the response by frequency (``k_resp``),
        the change since the first record (``k_change``), the alignment with the target
        (``k_align``); with a prediction, the gap between the measured residual (R, n) and the one
        predicted from the first record's kernel (``k_pred``) and rate × λ_max(K_0) (``k_lrlam``)."""
        k = model.empirical_ntk(self.xp).double()
        full_ev, full_vec = (a.cpu().numpy() for a in torch.linalg.eigh(k))  # ascending
        extra = {}
        if self.rate is not None:
            if self.start is None:
                self.start = (full_ev, full_vec, residual, step)
            ev0, vec0, r0, s0 = self.start
            pred = propagate(ev0, vec0, r0, self.rate, step - s0)
            extra = dict(k_pred=(np.linalg.norm(residual - pred, axis=1) / np.linalg.norm(r0, axis=1)).reshape(E, S),
                         k_lrlam=(self.rate * ev0.max(axis=1)).reshape(E, S))
        ev, vec = full_ev[:, ::-1][:, : self.modes], full_vec[:, :, ::-1][:, :, : self.modes]
        k = k.cpu().numpy()
        if self.k0 is None:
            self.k0 = k
        y = self.y
        fro = np.linalg.norm(k, axis=(1, 2))
        return dict(k_eig=ev.reshape(E, S, -1), k_dom=self.fourier.dominant(vec).reshape(E, S, -1),
                    k_resp=self.fourier.response(k).reshape(E, S, -1),
                    k_change=(np.linalg.norm(k - self.k0, axis=(1, 2)) / np.linalg.norm(self.k0, axis=(1, 2))).reshape(E, S),
                    k_align=(np.einsum("i,rij,j->r", y, k, y) / (fro * (y @ y))).reshape(E, S), **extra)

    def variables(self, st: dict, group: str, time: str, probe_meaning: str, where: str = "") -> tuple[dict, dict]:
        """Dataset variables and coordinates of the stacked records ``st`` (each value with ``time``
        last), dims (``group``, seed, …, ``time``)."""
        data = {
            "kernel_eigenvalue": ((group, "seed", "kernel_mode", time), st["k_eig"],
                                  meta(f"eigenvalue of the empirical NTK (output channel 0) on the probe sub-grid{where}")),
            "kernel_dominant_frequency": ((group, "seed", "kernel_mode", time), st["k_dom"],
                                          meta("radial frequency with most of the eigenvector's energy", "cycles per unit length")),
            "kernel_response": ((group, "seed", "kernel_frequency", time), st["k_resp"],
                                meta("e_q^H K e_q of the empirical NTK per Fourier mode of the probe sub-grid, mean over each radial frequency")),
            "kernel_change": ((group, "seed", time), st["k_change"], meta("relative kernel change ||K_t - K_0||_F / ||K_0||_F")),
            "kernel_alignment": ((group, "seed", time), st["k_align"],
                                 meta("kernel-target alignment y^T K y / (||K||_F ||y||^2), output channel 0, probe sub-grid")),
            "kernel_probe": ("probe", np.asarray(self.probe, dtype=np.int64), meta(probe_meaning)),
        }
        if "k_pred" in st:
            data["kernel_prediction_error"] = ((group, "seed", time), st["k_pred"], meta(
                "||r_t - (I - lr 2/n K_0)^t r_0|| / ||r_0||: measured residual vs the prediction from the nets' own kernel at step 0"))
            data["kernel_lr_lambda_max"] = ((group, "seed"), st["k_lrlam"][..., 0],
                                            meta("lr x 2/n x largest eigenvalue of the empirical kernel at step 0 (stable below 2)"))
        coords = {"kernel_mode": ("kernel_mode", np.arange(st["k_eig"].shape[2]), meta("eigenpair of the empirical kernel, decreasing")),
                  "kernel_frequency": ("kernel_frequency", np.asarray(self.fourier.frequencies),
                                       meta("radial frequency on the probe sub-grid", "cycles per unit length"))}
        return data, coords

"""The real-data study's analysis: band energies of the residual over training for every kernel,
the linearised prediction (MSE, SGD, every training point a kernel point), the filtering method's
errors, P2's pair-metric summaries; the claim rows come from :mod:`.claims`."""

from __future__ import annotations

import numpy as np
import xarray as xr

from ... import io, probes
from .stages import TITLE, pair_median, tensors, typed
from .layouts import KERNELS as LAYOUT_KERNELS, TABLE, TRAIN

KERNELS = ("gaussian", "analytic", "empirical")


def targets_on_points(ds: xr.Dataset, points: np.ndarray) -> np.ndarray:
    """One-hot targets on the kernel points (n, C)."""
    return np.eye(ds.sizes["class_label"])[ds.target.values[points]]


def prediction(output: np.ndarray, loss: str) -> np.ndarray:
    """What the residual is taken of: the outputs (MSE) or their softmax probabilities (cross-entropy)."""
    if loss == "mse":
        return output
    z = output - output.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


def kernels_of(kern: xr.Dataset) -> list[str]:
    return [k for k in KERNELS if LAYOUT_KERNELS.has(kern, f"{k}_eigenvalue")]


def band_energies(entry, kern: xr.Dataset, residual: np.ndarray) -> xr.Dataset:
    """Energy of the residual (epoch, seed, point, C) on each kernel's bands: (kernel, epoch, seed, band)."""
    modes = kern.sizes["mode"]
    edges = probes.band_edges(modes, min(typed(entry).kernels.bands, modes))
    out = []
    for name in kernels_of(kern):
        vecs = kern[f"{name}_eigenvector"].values
        if vecs.ndim == 3:  # one basis per seed
            e = np.stack([probes.band_energy(vecs[s], edges, residual[:, s]) for s in range(residual.shape[1])], axis=1)
        else:
            e = probes.band_energy(vecs, edges, residual)
        out.append(e)
    band = np.arange(len(edges))
    return xr.Dataset(
        {"band_energy": (("kernel", "epoch", "seed", "band"), np.stack(out), io.meta("residual energy on the band's eigenvectors"))},
        coords={"kernel": ("kernel", kernels_of(kern), io.meta("kernel whose eigenvectors form the bands")),
                "band": ("band", band, io.meta("band of eigenvectors, largest eigenvalues first (the last: modes not kept)")),
                "band_first_mode": ("band", np.append(edges[:-1], modes), io.meta("first mode of the band")),
                "band_last_mode": ("band", np.append(edges[1:], modes) - 1, io.meta("last mode of the band"))})


def half_epoch(normalised: np.ndarray, epochs: np.ndarray) -> np.ndarray:
    """First record epoch at which a normalised energy (…, epoch axis first) is at most 1/2 (inf: never)."""
    below = normalised <= 0.5
    first = np.argmax(below, axis=0)
    return np.where(below.any(axis=0), epochs[first], np.inf)


def linearised(entry, kern: xr.Dataset, train: xr.Dataset, r0: np.ndarray, n_train: int) -> np.ndarray | None:
    """Linearised GD's residual at the record epochs from each seed's empirical NTK, or None where it
    does not apply (not MSE with SGD, or the kernel points are not the whole training set)."""
    tc = typed(entry).train
    if not (LAYOUT_KERNELS.has(kern, "empirical_eigenvalue") and tc.loss == "mse" and tc.optimizer == "sgd"
            and kern.sizes["point"] == n_train and kern.sizes["mode"] == n_train):
        return None
    steps = train.epoch.values * int(np.ceil(n_train / tc.batch))
    out = [probes.linearised_residual(kern.empirical_eigenvalue.values[s], kern.empirical_eigenvector.values[s],
                                      r0[s], tc.lr, steps, n_train) for s in range(r0.shape[0])]
    return np.stack(out, axis=1)  # (epoch, seed, point, C)


def filtering(entry, ds: xr.Dataset, points: np.ndarray, y: np.ndarray, f: np.ndarray) -> xr.Dataset:
    """e_low and e_high (delta, epoch, seed) for each δ (multiples of the median squared distance)."""
    x, _ = tensors(ds, "cpu")
    xk = x[points]
    dist2 = probes.squared_distances(xk)  # once for the median and every δ
    d2 = pair_median(dist2)  # the median squared distance
    rel = np.asarray(typed(entry).filtering.deltas, dtype=float)
    lows, highs = [], []
    for r in rel:
        lo, hi = probes.filtered_errors(probes.smoother(xk, r * d2, dist2), y, f)
        lows.append(lo)
        highs.append(hi)
    return xr.Dataset({
        "e_low": (("delta", "epoch", "seed"), np.stack(lows), io.meta("relative error of the low-frequency part")),
        "e_high": (("delta", "epoch", "seed"), np.stack(highs), io.meta("relative error of the high-frequency part")),
    }, coords={"delta": ("delta", rel * d2, io.meta("smoother width delta (squared input distance)")),
               "delta_relative": ("delta", rel, io.meta("delta / median squared distance between points"))})


def threshold_epoch(err: np.ndarray, epochs: np.ndarray, threshold: float) -> np.ndarray:
    """First record epoch at which an error (epoch axis 1 of (delta, epoch, seed)) is at most the threshold."""
    below = err <= threshold
    return np.where(below.any(axis=1), epochs[np.argmax(below, axis=1)], np.inf)


def pair_summary(train: xr.Dataset) -> xr.Dataset:
    """Mean and spread over anchors and neighbours of every pair metric, per epoch and seed."""
    out = xr.Dataset()
    for key in ("hamming_near", "hamming_far", "confusion_near", "confusion_far"):
        if TRAIN.has(train, key):
            v = train[key]
            out[f"{key}_mean"] = v.mean(("anchor", "neighbour")).assign_attrs(io.meta(f"mean {v.attrs['long_name']}"))
            out[f"{key}_std"] = v.std(("anchor", "neighbour")).assign_attrs(io.meta(f"spread of the {v.attrs['long_name']}"))
    return out


def analyse(entry, name: str, ds: xr.Dataset, kern: xr.Dataset, train: xr.Dataset):
    """The entry's table and its claim rows."""
    from . import claims

    entry = typed(entry)
    loss = entry.train.loss
    points = kern.point.values
    y = targets_on_points(ds, points)
    f = prediction(train.output.values, loss)  # (epoch, seed, point, C)
    residual = y[None, None] - f
    table = band_energies(entry, kern, residual)
    table["band_energy_normalised"] = (table.band_energy / table.band_energy.isel(epoch=0)).assign_attrs(
        io.meta("band energy / its value at epoch 0"))
    table["band_half_epoch"] = (("kernel", "seed", "band"), half_epoch(table.band_energy_normalised.values.transpose(1, 0, 2, 3),
                                                                         train.epoch.values),
                                io.meta("first record epoch with the band's energy at most half its initial value", "epoch"))
    lin = linearised(entry, kern, train, residual[0], ds.sizes["sample"])
    if lin is not None:
        pred = band_energies(entry, kern.drop_vars([v for v in kern.data_vars if not v.startswith("empirical")]), lin)
        table["linearised_band_energy"] = (("epoch", "seed", "band"), pred.band_energy.values[0],
                                           io.meta("band energy of linearised GD's residual (empirical NTK at initialisation)"))
    table = table.merge(filtering(entry, ds, points, y, f))
    table["e_low_epoch"] = (("delta", "seed"), threshold_epoch(table.e_low.values, train.epoch.values, entry.filtering.threshold),
                            io.meta("first record epoch with e_low at most the threshold", "epoch"))
    table["e_high_epoch"] = (("delta", "seed"), threshold_epoch(table.e_high.values, train.epoch.values, entry.filtering.threshold),
                             io.meta("first record epoch with e_high at most the threshold", "epoch"))
    table = table.merge(pair_summary(train))
    table["diverged_epoch"] = train.diverged_epoch
    table = table.assign_coords(epoch=train.epoch, seed=train.seed)
    rows = claims.rows(table, name, entry, train)
    return io.finalize(TABLE.check(table), f"{TITLE}: analysis", entry), rows

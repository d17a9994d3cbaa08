"""The real-data study's stages: data → kernels → train → analysis (docs/realdata.md).

* :func:`data`: the entry's images once, as NetCDF (``image (sample, channel, row, col)``, labels);
* :func:`kernels`: on the kernel points, a Gaussian kernel, the analytic NTK (``p2_mlp``) and each
  seed's empirical NTK at initialisation, with their eigenpairs (``mode`` by decreasing eigenvalue);
* :func:`train`: the seeded ensemble, with at every record epoch the outputs on the kernel points
  and P2's pair metrics (Hamming distances, gradient confusion);
* :func:`analyse` (in :mod:`.analysis`): band energies, linearised prediction, filtering, claims.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import torch
import xarray as xr

from ... import datasets, io, probes, realnets
from ...common import pick_device
from ...ntk import eigendecompose
from .layouts import DATA, KERNELS, TRAIN
from . import Realdata

log = logging.getLogger(__name__)
TITLE = "specbias real data"


#: an entry or a job's params as the typed (partial) entry: a key the job was not given raises when read
typed = Realdata.typed


def data(entry) -> xr.Dataset:
    entry = typed(entry)
    ds = datasets.load(entry.data.to_dict())
    log.info(f"{entry.data.source}: {ds.sizes['sample']} images {tuple(ds.image.shape[1:])}, "
             f"classes {ds.class_label.values.tolist()}")
    return io.finalize(DATA.check(ds), f"{TITLE}: images", entry)


def tensors(ds: xr.Dataset, device) -> tuple[torch.Tensor, torch.Tensor]:
    return (torch.as_tensor(ds.image.values, device=device),
            torch.as_tensor(ds.target.values.astype(np.int64), device=device))


def kernel_points(entry, n: int) -> np.ndarray:
    """Indices (into the training set) of the points the kernels and the filtering use."""
    entry = typed(entry)
    m = entry.kernels.points
    if m is None or m >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng([entry.data.seed, 1]).choice(n, size=m, replace=False))


def pair_median(d: torch.Tensor) -> float:
    """The median over pairs i < j of a symmetric matrix of pairwise values."""
    return float(d[torch.triu(torch.ones_like(d, dtype=torch.bool), 1)].median())


def median_distance(x: torch.Tensor) -> float:
    flat = x.reshape(len(x), -1).double()
    return pair_median(torch.cdist(flat, flat))


def _eig(gram: np.ndarray, count, what: str, device):
    start = time.perf_counter()
    evals, evecs = eigendecompose(gram, count, overwrite=True, device=device if device.type == "cuda" else None)
    log.info(f"{what}: {len(evals)} eigenpairs of a {len(gram)}² kernel in {time.perf_counter() - start:.1f} s")
    return evals, evecs


def kernels(entry, ds: xr.Dataset, device: str = "auto") -> xr.Dataset:
    """Every kernel of the entry on its kernel points, and its eigenpairs."""
    entry = typed(entry)
    dev = pick_device(device)
    x, _ = tensors(ds, dev)
    idx = kernel_points(entry, len(x))
    xk, kc = x[torch.as_tensor(idx, device=dev)], entry.kernels
    count = kc.eigenpairs if kc.eigenpairs is not None and kc.eigenpairs < len(idx) else None
    sigma = kc.sigma if kc.sigma is not None else median_distance(xk)
    out = xr.Dataset(coords={"point": ("point", idx, io.meta("index of the kernel point in the training set"))})
    grams = {"gaussian": probes.gaussian_kernel(xk, sigma)}
    if kc.analytic and entry.model.kind == "p2_mlp":
        grams["analytic"] = probes.relu_mlp_ntk(xk, entry.model.depth, kc.bias_variance)
    for name, gram in grams.items():
        evals, evecs = _eig(gram, count, f"{name} kernel", dev)
        out[f"{name}_eigenvalue"] = ("mode", evals, io.meta(f"eigenvalue of the {name} kernel"))
        out[f"{name}_eigenvector"] = (("point", "mode"), evecs, io.meta(f"eigenvector of the {name} kernel (unit norm)"))
    if kc.empirical:
        _empirical(entry, ds, xk, count, dev, out)
    out.attrs["gaussian_sigma"] = sigma
    return io.finalize(KERNELS.check(out), f"{TITLE}: kernels and eigenpairs", entry)


def _empirical(entry, ds, xk, count, dev, out) -> None:
    """Each seed's empirical NTK at initialisation (the same net the train job starts from)."""
    seeds, classes = entry.train.seeds, ds.sizes["class_label"]
    dtype = torch.float64 if entry.kernels.float64 else torch.float32
    vals, vecs = [], []
    for seed in seeds:
        net = realnets.build(entry.model.to_dict(), tuple(ds.image.shape[1:]), classes, seed).to(dev).eval()
        params = {**dict(net.named_parameters()), **dict(net.named_buffers())}
        start = time.perf_counter()
        gram = probes.empirical_ntk(net, params, xk, entry.kernels.block, dtype).double().cpu().numpy()
        log.info(f"seed {seed}: empirical NTK on {len(xk)} points in {time.perf_counter() - start:.1f} s")
        evals, evecs = _eig(gram, count, f"seed {seed} empirical NTK", dev)
        vals.append(evals)
        vecs.append(evecs)
    out["empirical_eigenvalue"] = (("seed", "mode"), np.stack(vals), io.meta("eigenvalue of the empirical NTK at initialisation"))
    out["empirical_eigenvector"] = (("seed", "point", "mode"), np.stack(vecs), io.meta("eigenvector of the empirical NTK at initialisation"))
    out.coords["seed"] = ("seed", np.asarray(seeds), io.meta("seed of the net"))


# ---- training -------------------------------------------------------------------------------------

class _Recorder:
    """What is measured at every record epoch: outputs on the kernel points and the pair metrics."""

    def __init__(self, entry, ens, x, target, labels, points):
        self.entry, self.ens, self.x, self.target = entry, ens, x, target
        self.points = torch.as_tensor(np.array(points), device=x.device)
        rc = entry.regions
        self.pairs = probes.pairs(x, labels, rc.anchors, rc.neighbours, rc.seed, rc.search,
                                  rc.confusion and rc.different_class) if (rc.hamming or rc.confusion) else {}
        self.rows: list[dict] = []

    def __call__(self, epoch: int) -> None:
        with self.ens.evaluating():
            self.record(epoch)

    def record(self, epoch: int) -> None:
        rc, row = self.entry.regions, {"epoch": epoch}
        row["output"] = self.ens.outputs(self.x[self.points]).cpu().numpy()
        for r in range(self.ens.runs):
            params = self.ens.member(r)
            if rc.hamming:  # patterns of the paired points only, not of the whole training set
                used = np.unique(np.concatenate([self.pairs[k].ravel() for k in ("anchor", "near", "far")]))
                pat = probes.patterns(self.ens.skeleton, params, self.x[torch.as_tensor(used, device=self.x.device)])
                where = {k: np.searchsorted(used, self.pairs[k]) for k in ("anchor", "near", "far")}
                for kind in ("near", "far"):
                    row.setdefault(f"hamming_{kind}", []).append(probes.hamming(pat, where["anchor"], where[kind]))
                row.setdefault("units", []).append(pat.shape[1])
            if rc.confusion:
                near = "near_other" if rc.different_class else "near"
                for kind, key in (("near", near), ("far", "far")):
                    row.setdefault(f"confusion_{kind}", []).append(probes.confusion(
                        self.ens.skeleton, params, self.x, self.target,
                        self.pairs["anchor"], self.pairs[key], self.entry.train.loss, rc.block))
        self.rows.append(row)


def train(entry, ds: xr.Dataset, kern: xr.Dataset, device: str = "auto") -> xr.Dataset:
    entry = typed(entry)
    dev = pick_device(device)
    x, target = tensors(ds, dev)
    tc = entry.train
    ens = realnets.Ensemble(entry.model.to_dict(), tuple(ds.image.shape[1:]), ds.sizes["class_label"], tc.seeds, dev)
    epochs = realnets.record_epochs(tc.epochs, tc.records, tc.spacing)
    rec = _Recorder(entry, ens, x, target, ds.label.values, kern.point.values)
    log.info(f"{ens.runs} nets ({sum(v[0].numel() for v in ens.params.values())} parameters each, "
             f"{'vectorised' if ens.vectorised else 'one by one'}), {tc.epochs} epochs, records at {epochs.tolist()}")
    result = realnets.train(ens, x, target, tc.to_dict(), epochs, rec)
    return io.finalize(TRAIN.check(_train_dataset(entry, ds, kern, rec, result, epochs)), f"{TITLE}: training records", entry)


def _train_dataset(entry, ds, kern, rec, result, epochs) -> xr.Dataset:
    seeds = entry.train.seeds
    stack = {key: np.stack([np.asarray(row[key]) for row in rec.rows]) for key in rec.rows[0] if key != "epoch"}
    out = xr.Dataset(coords={
        "epoch": ("epoch", epochs, io.meta("training epochs completed")),
        "seed": ("seed", np.asarray(seeds), io.meta("seed of the net")),
        "point": ("point", kern.point.values, io.meta("index of the kernel point in the training set")),
        "class_label": ds.class_label,
    })
    out["output"] = (("epoch", "seed", "point", "class_label"), stack["output"], io.meta("network output (logit) on the kernel points"))
    out["loss"] = (("epoch_all", "seed"), result["loss"], io.meta("training loss over the epoch (epoch_all 0: none)"))
    out["diverged_epoch"] = ("seed", result["diverged_epoch"], io.meta("first epoch with a non-finite loss (-1: none)"))
    if rec.pairs:
        out["anchor"] = ("anchor", rec.pairs["anchor"], io.meta("training index of the anchor"))
    for key in ("near", "far", "near_other"):
        if key in rec.pairs:
            out[f"{key}_index"] = (("anchor", "neighbour"), rec.pairs[key], io.meta(f"training index of the {key.replace('_', ' ')} point"))
    for key, what in (("hamming_near", "Hamming distance to the nearest points"), ("hamming_far", "Hamming distance to the farthest points"),
                      ("confusion_near", "gradient confusion with the nearest points"), ("confusion_far", "gradient confusion with the farthest points")):
        if key in stack:
            out[key] = (("epoch", "seed", "anchor", "neighbour"), stack[key].astype(np.float32), io.meta(what))
    if "units" in stack:
        out.attrs["relu_units"] = int(stack["units"][0][0])
    return out

"""The declared layouts of the real-data study's datasets."""

from ... import io

#: the images of an entry (``data.nc``)
DATA = io.Layout("real-data images", required={
    "image": ("sample", "channel", "row", "col"), "label": ("sample",), "target": ("sample",), "index": ("sample",),
})

#: the kernels on the kernel points and their eigenpairs (``kernels.nc``)
KERNELS = io.Layout("real-data kernels", required={
    "gaussian_eigenvalue": ("mode",), "gaussian_eigenvector": ("point", "mode"),
}, optional={
    "analytic_eigenvalue": ("mode",), "analytic_eigenvector": ("point", "mode"),  # p2_mlp with kernels.analytic
    "empirical_eigenvalue": ("seed", "mode"), "empirical_eigenvector": ("seed", "point", "mode"),  # kernels.empirical
})

_PAIR = ("epoch", "seed", "anchor", "neighbour")

#: the training records (``train.nc``)
TRAIN = io.Layout("real-data training", required={
    "output": ("epoch", "seed", "point", "class_label"), "loss": ("epoch_all", "seed"), "diverged_epoch": ("seed",),
}, optional={  # the pair metrics (regions.hamming, regions.confusion)
    "near_index": ("anchor", "neighbour"), "far_index": ("anchor", "neighbour"), "near_other_index": ("anchor", "neighbour"),
    "hamming_near": _PAIR, "hamming_far": _PAIR, "confusion_near": _PAIR, "confusion_far": _PAIR,
})

#: the analysis table (``analysis/realdata.nc``)
TABLE = io.Layout("real-data analysis", required={
    "band_energy": ("kernel", "epoch", "seed", "band"), "band_energy_normalised": ("kernel", "epoch", "seed", "band"),
    "band_half_epoch": ("kernel", "seed", "band"), "e_low": ("delta", "epoch", "seed"), "e_high": ("delta", "epoch", "seed"),
    "e_low_epoch": ("delta", "seed"), "e_high_epoch": ("delta", "seed"), "diverged_epoch": ("seed",),
}, optional={
    **{f"{m}_{k}_{s}": ("epoch", "seed") for m in ("hamming", "confusion") for k in ("near", "far") for s in ("mean", "std")},
    "linearised_band_energy": ("epoch", "seed", "band"),  # MSE with SGD, every training point a kernel point
})

"""The declared layouts of the coordinate study's datasets."""

from ... import io, kernel_records

#: the learning table of an entry (``analysis/learning.nc``)
LEARNING = io.Layout("coordinate learning table", required={
    "learned_epoch": ("encoding", "seed", "frequency"), "median_learned_epoch": ("encoding", "frequency"),
    "learned_count": ("encoding",), "fit_slope": ("encoding",), "fit_intercept": ("encoding",), "fit_points": ("encoding",),
}, optional={
    "kernel_response_slope": ("encoding", "seed"),  # the kernel records (train.kernel_records.probe > 0)
})


#: one group of encodings trained as one ensemble (``train/<group>.nc``)
RUNS = io.Layout("coordinate runs", required={
    "residual_spectrum": ("encoding", "seed", "frequency", "epoch"), "loss": ("encoding", "seed", "epoch"),
    "region_count": ("encoding", "seed", "stat_epoch"), "dead_units": ("encoding", "seed", "stat_epoch"),
    "boundary_distance": ("encoding", "seed", "layer", "stat_epoch"), "boundary_distance_p2": ("encoding", "seed", "stat_epoch"),
    "hamming_local": ("encoding", "seed", "pair", "stat_epoch"), "hamming_global": ("encoding", "seed", "pair", "stat_epoch"),
    "confusion_local": ("encoding", "pair", "stat_epoch"), "confusion_global": ("encoding", "pair", "stat_epoch"),
    "pair_local": ("pair", "end"), "pair_global": ("pair", "end"), "target": ("sample", "channel"),
    "output": ("encoding", "sample", "channel"), "grid_shape": ("grid_axis",),
}, optional={
    "phase": ("frequency",),  # 1-D sines
    **kernel_records.grid_variables("encoding", "stat_epoch"),  # train.kernel_records.probe > 0
})

"""The declared layouts of the coordinate study's datasets."""

from ... import io

#: the learning table of an entry (``analysis/learning.nc``)
LEARNING = io.Layout("coordinate learning table", required={
    "learned_epoch": ("encoding", "seed", "frequency"), "median_learned_epoch": ("encoding", "frequency"),
    "learned_count": ("encoding",), "fit_slope": ("encoding",), "fit_intercept": ("encoding",), "fit_points": ("encoding",),
}, optional={
    "kernel_response_slope": ("encoding", "seed"),  # the kernel records (train.kernel_records.probe > 0)
})

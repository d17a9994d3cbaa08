"""The declared layouts of the holdout study's datasets."""

from ... import io, kernel_records

#: the PSNR table of an entry (``analysis/psnr.nc``)
PSNR = io.Layout("holdout PSNR table", required={
    "test_psnr": ("variant",), "test_psnr_sd": ("variant",), "train_psnr": ("variant",), "published_psnr": ("variant",),
}, optional={
    "kernel_response_slope": ("variant",),  # the kernel records (train.kernel_records.probe > 0)
})


#: one group of variants trained as one ensemble (``train/<group>.nc``)
RUNS = io.Layout("holdout runs", required={
    "train_psnr": ("variant", "seed", "step"), "test_psnr": ("variant", "seed", "step"),
    "output": ("variant", "pixel", "channel"), "target": ("pixel", "channel"),
}, optional=kernel_records.grid_variables("variant", "step"))  # train.kernel_records.probe > 0

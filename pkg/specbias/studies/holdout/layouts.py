"""The declared layouts of the holdout study's datasets."""

from ... import io

#: the PSNR table of an entry (``analysis/psnr.nc``)
PSNR = io.Layout("holdout PSNR table", required={
    "test_psnr": ("variant",), "test_psnr_sd": ("variant",), "train_psnr": ("variant",), "published_psnr": ("variant",),
}, optional={
    "kernel_response_slope": ("variant",),  # the kernel records (train.kernel_records.probe > 0)
})

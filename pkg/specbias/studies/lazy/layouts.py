"""The declared layouts of the lazy study's datasets."""

from ... import io
from ..convergence.layouts import TRAIN

#: one width's ensemble (``train/width_<m>.nc``): a convergence training file whose records cover every input
RUNS = TRAIN.extend("lazy runs", required={
    "kernel_change": ("seed", "step"), "kernel_prediction_error": ("seed", "step"),
    "kernel_relinearised_error": ("seed", "step"), "kernel_lr_lambda_max": ("seed",), "linearisation_break_step": ("seed",),
    "kernel_init_error": ("seed",),
}, optional={"analytic_predicted_spectrum": ("seed", "frequency", "step")})

#: the width table (``analysis/lazy.nc``)
TABLE = io.Layout("lazy width table", required={
    name: ("width", "seed", "step") for name in ("kernel_change", "kernel_prediction_error", "kernel_relinearised_error")
} | {name: ("width", "seed") for name in ("kernel_change_final", "prediction_error_max", "relinearised_error_max",
                                           "kernel_lr_lambda_max", "linearisation_break_step", "kernel_init_error",
                                           "converged_step", "status")})

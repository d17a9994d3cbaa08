"""The declared layouts of the convergence study's datasets (their builders check them, their
readers ask them for variables by name)."""

from ... import io

#: the analysis table of an entry (``analysis/convergence.nc``): one value per kappa and run
ANALYSIS = io.Layout("convergence analysis", required={
    "measured_step": ("kappa", "run"), "predicted_step": ("kappa", "run"), "status": ("kappa", "run"),
}, optional={
    # the residual spectra (train.record_spectra) and the empirical-kernel records (kernel_records.probe > 0)
    "spectrum_error": ("kappa", "run"), "kernel_spectrum_error": ("kappa", "run"), "kernel_residual_error": ("kappa", "run"),
    "kernel_change_final": ("kappa", "run"), "kernel_lr_lambda_max": ("kappa", "run"), "linearisation_break_step": ("kappa", "run"),
    # a per-region criterion
    "region_density": ("region_index",), "region_measured_step": ("kappa", "run", "region_index"),
    "region_predicted_step": ("kappa", "run", "region_index"), "region_time_ratio_measured": ("region_index",),
    "region_time_ratio_predicted": ("region_index",),
})

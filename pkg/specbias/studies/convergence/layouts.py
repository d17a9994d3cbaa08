"""The declared layouts of the convergence study's datasets (their builders check them, their
readers ask them for variables by name)."""

from ... import io, kernel_records

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


#: one point sample (``data/sample_d<seed>.nc``): points, density, region labels, the density's arc table
POINTS = io.Layout("convergence points", required={
    "x": ("sample", "component"), "density": ("sample",), "region": ("sample",), "region_density": ("region_index",),
}, optional={
    "theta": ("sample",),  # the circle domain
    "region_start": ("region_index",), "region_end": ("region_index",), "sqrt_mass": (),  # a circle density's arcs
}, attrs=("domain", "density"))

#: the analytic NTK on one sample (``ntk/ntk_d<seed>.nc``)
NTK = io.Layout("convergence NTK eigenpairs", required={
    "eigenvalue": ("mode",), "eigenvector": ("sample", "mode"), "x": ("sample", "component"),
}, optional={
    "dominant_frequency": ("mode",), "dominant_fraction": ("mode",),  # the circle domain
    "operator_eigenvalue": ("frequency",), "closed_form_eigenvalue": ("frequency",),  # two-layer ReLU nets on the circle
}, attrs=("domain", "kernel"))

#: one kappa's ensemble on one sample (``train/kappa_<k>_d<seed>.nc``)
TRAIN = io.Layout("convergence training", required={
    "target": ("sample",), "density": ("sample",), "x": ("sample", "component"), "loss": ("seed", "step"),
    "initial_residual": ("seed", "sample"), "converged_step": ("seed",), "diverged_step": ("seed",), "status": ("seed",),
    "lr": (), "steps_per_second": (), "region": ("sample",), "region_density": ("region_index",),
}, optional={
    "residual": ("seed", "sample", "step"), "residual_spectrum": ("seed", "frequency", "step"),  # train.record_spectra
    "region_converged_step": ("seed", "region_index"),  # a per-region criterion
    **kernel_records.run_variables(),  # train.kernel_records.probe > 0
    "kernel_predicted_spectrum": ("seed", "frequency", "step"),  # with spectra and every input in the probe
}, attrs=("criterion", "domain"))

#: the linearised prediction of one training file (``predict/kappa_<k>_d<seed>.nc``)
PREDICT = io.Layout("convergence prediction", required={
    "converged_step": ("seed",), "lr_times_max_eigenvalue": (), "stable": (),
}, optional={
    "residual": ("seed", "sample", "step"), "residual_spectrum": ("seed", "frequency", "step"),
    "region_converged_step": ("seed", "region_index"),
}, attrs=("criterion", "lr"))

#: the NTK-only region law (``analysis/region_law.nc``)
REGION_LAW = io.Layout("convergence region law", required={
    "region_predicted_step": ("data_seed", "delta_factor", "kappa", "region_index"), "region_density": ("region_index",),
    "region_start": ("region_index",), "region_end": ("region_index",), "sqrt_mass": (),
})

"""Rules figure_*: one figure, every configured format."""
from specbias.runtime import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821

from pathlib import Path  # noqa: E402

from specbias import figures, io  # noqa: E402
from specbias.figures import convergence, coordinate, depth, holdout, kernels, lazy, spectral  # noqa: E402
from specbias.studies import coordinate as coordinate_study  # noqa: E402
from specbias.studies import holdout as holdout_study  # noqa: E402

sm = snakemake  # noqa: F821
kind = sm.params.kind


def coordinate_runs():
    return coordinate_study.read_runs(sm.input.runs, list(sm.params.study["encodings"]))


def read_all(paths):
    return [io.read(p) for p in paths]


# figure name -> how its inputs are read and which plotting function draws it
FIGURES = {
    "convergence_steps": lambda: convergence.steps(io.read(sm.input.convergence)),
    "convergence_heatmap": lambda: convergence.heatmap(read_all(sm.input.runs), read_all(sm.input.predictions), sm.params.figures["cmap"]),
    "convergence_kernel": lambda: convergence.kernel(read_all(sm.input.runs)),
    "convergence_region_convergence": lambda: convergence.region_convergence(io.read(sm.input.convergence),
                                                                             io.read(sm.input.law[0]) if sm.input.law else None),
    "convergence_ntk_spectrum": lambda: convergence.ntk_spectrum(io.read(sm.input.eigen), io.read(sm.input.convergence)),
    "spectral_eigenfunctions": lambda: spectral.eigenfunctions(io.read(sm.input.spectrum), sm.params.study["show_q"]),
    "spectral_local_frequency": lambda: spectral.local_frequency(io.read(sm.input.spectrum), sm.params.study["local_q_min"]),
    "spectral_projection": lambda: spectral.projection(io.read(sm.input.spectrum)),
    "spectral_eigenvalue_law": lambda: spectral.eigenvalue_law(dict(zip(sm.params.names, read_all(sm.input.spectra)))),
    "depth_spectrum": lambda: depth.depth_spectrum(io.read(sm.input.spectrum)),
    "convergence_sphere_eigenfunctions": lambda: convergence.sphere_eigenfunctions(io.read(sm.input.eigen)),
    "coordinate_heatmaps": lambda: coordinate.heatmaps(coordinate_runs(), sm.params.figures["cmap"]),
    "coordinate_statistics": lambda: coordinate.statistics(coordinate_runs()),
    "coordinate_learning": lambda: coordinate.learning(io.read(sm.input.learning), sm.params.study),
    "coordinate_dead_units": lambda: coordinate.dead_units(coordinate_runs(), sm.params.study),
    "coordinate_reconstructions": lambda: coordinate.reconstructions(coordinate_runs()),
    "coordinate_kernel": lambda: coordinate.kernel(coordinate_runs(), io.read(sm.input.learning)),
    "holdout_psnr_curves": lambda: holdout.psnr_curves(holdout_study.read_runs(sm.input.runs), io.read(sm.input.table)),
    "holdout_reconstructions": lambda: holdout.reconstructions(holdout_study.read_runs(sm.input.runs), io.read(sm.input.table)),
    "holdout_kernel": lambda: holdout.kernel(holdout_study.read_runs(sm.input.runs), io.read(sm.input.table)),
    "lazy_kernel_change": lambda: lazy.kernel_change(io.read(sm.input.table)),
    "kernels_spectra": lambda: kernels.kernel_spectra(io.read(sm.input.spectrum), sm.params.study["fit_range"]),
}
if kind not in FIGURES:
    raise ValueError(f"unknown figure kind {kind!r}; known: {sorted(FIGURES)}")
fig = FIGURES[kind]()
figures.save(fig, Path(sm.output[0]).with_suffix(""), sm.params.figures["formats"], sm.params.figures["dpi"])

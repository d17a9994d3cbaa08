"""Rules figure_*: one figure, every configured format."""
from specbias.runtime import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821

from pathlib import Path  # noqa: E402

from specbias import io, plots, plots_coord  # noqa: E402

sm = snakemake  # noqa: F821
kind = sm.params.kind


def coordinate_runs():
    return io.coord_runs(sm.input.runs, list(sm.params.study["encodings"]))


def read_all(paths):
    return [io.read(p) for p in paths]


# figure name -> how its inputs are read and which plotting function draws it
FIGURES = {
    "heatmap": lambda: plots.heatmap(read_all(sm.input.runs), read_all(sm.input.predictions), sm.params.figures["cmap"]),
    "convergence": lambda: plots.convergence(io.read(sm.input.convergence), sm.params.fit_kappa_min),
    "region_convergence": lambda: plots.region_convergence(io.read(sm.input.convergence),
                                                           io.read(sm.input.law[0]) if sm.input.law else None),
    "depth_spectrum": lambda: plots.depth_spectrum(io.read(sm.input.spectrum)),
    "ntk_spectrum": lambda: plots.ntk_spectrum(io.read(sm.input.eigen), sm.params.bias, sm.params.fit_range),
    "eigenfunctions": lambda: plots.eigenfunctions(io.read(sm.input.spectrum), sm.params.spectral["show_q"]),
    "local_frequency": lambda: plots.local_frequency(io.read(sm.input.spectrum), sm.params.spectral["local_q_min"]),
    "projection": lambda: plots.projection(io.read(sm.input.spectrum)),
    "eigenvalue_law": lambda: plots.eigenvalue_law(dict(zip(sm.params.names, read_all(sm.input.spectra)))),
    "steps_vs_degree": lambda: plots.steps_vs_degree(io.read(sm.input.convergence), sm.params.study),
    "sphere_eigenfunctions": lambda: plots.sphere_eigenfunctions(io.read(sm.input.points)),
    "coordinate_heatmaps": lambda: plots_coord.coordinate_heatmaps(coordinate_runs(), sm.params.figures["cmap"]),
    "coordinate_statistics": lambda: plots_coord.coordinate_statistics(coordinate_runs()),
    "coordinate_learning": lambda: plots_coord.coordinate_learning(io.read(sm.input.learning), sm.params.study),
    "coordinate_dead_units": lambda: plots_coord.coordinate_dead_units(coordinate_runs(), sm.params.study),
    "coordinate_reconstructions": lambda: plots_coord.coordinate_reconstructions(coordinate_runs()),
}
if kind not in FIGURES:
    raise ValueError(f"unknown figure kind {kind!r}; known: {sorted(FIGURES)}")
fig = FIGURES[kind]()
stem = Path(sm.output[0]).with_suffix("")
plots.save(fig, stem, sm.params.figures["formats"], sm.params.figures["dpi"])

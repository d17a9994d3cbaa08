"""Rules figure_*: one figure, every configured format."""
from specbias.runtime import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821

from pathlib import Path  # noqa: E402

from specbias import io, plots, plots_coord  # noqa: E402

sm = snakemake  # noqa: F821
kind = sm.params.kind


def coordinate_runs():
    return io.coord_runs(sm.input.runs, list(sm.params.study["encodings"]))


if kind == "heatmap":
    fig = plots.heatmap([io.read(p) for p in sm.input.runs], [io.read(p) for p in sm.input.predictions], sm.params.figures["cmap"])
elif kind == "convergence":
    fig = plots.convergence(io.read(sm.input.convergence), sm.params.fit_kappa_min)
elif kind == "region_convergence":
    fig = plots.region_convergence(io.read(sm.input.convergence), io.read(sm.input.law[0]) if sm.input.law else None)
elif kind == "depth_spectrum":
    fig = plots.depth_spectrum(io.read(sm.input.spectrum))
elif kind == "ntk_spectrum":
    fig = plots.ntk_spectrum(io.read(sm.input.eigen), sm.params.bias, sm.params.fit_range)
elif kind == "eigenfunctions":
    fig = plots.eigenfunctions(io.read(sm.input.spectrum), sm.params.spectral["show_q"])
elif kind == "local_frequency":
    fig = plots.local_frequency(io.read(sm.input.spectrum), sm.params.spectral["local_q_min"])
elif kind == "projection":
    fig = plots.projection(io.read(sm.input.spectrum))
elif kind == "eigenvalue_law":
    fig = plots.eigenvalue_law(dict(zip(sm.params.names, (io.read(p) for p in sm.input.spectra))))
elif kind == "steps_vs_degree":
    fig = plots.steps_vs_degree(io.read(sm.input.convergence), sm.params.study)
elif kind == "coordinate_heatmaps":
    fig = plots_coord.coordinate_heatmaps(coordinate_runs(), sm.params.figures["cmap"])
elif kind == "coordinate_statistics":
    fig = plots_coord.coordinate_statistics(coordinate_runs())
elif kind == "coordinate_learning":
    fig = plots_coord.coordinate_learning(io.read(sm.input.learning), sm.params.study)
elif kind == "coordinate_dead_units":
    fig = plots_coord.coordinate_dead_units(coordinate_runs(), sm.params.study)
elif kind == "coordinate_reconstructions":
    fig = plots_coord.coordinate_reconstructions(coordinate_runs())
elif kind == "sphere_eigenfunctions":
    fig = plots.sphere_eigenfunctions(io.read(sm.input.points))
else:
    raise ValueError(f"unknown figure kind {kind!r}")
stem = Path(sm.output[0]).with_suffix("")
plots.save(fig, stem, sm.params.figures["formats"], sm.params.figures["dpi"])

# The depth study (config section `depth:`, package specbias.studies.depth), under
# results/depth/<name>/: deep ReLU NTK eigenvalues vs depth on each sphere (no training) ->
# claims C3, C4, C10 over every entry -> figures.

depth = STUDY["depth"]


rule depth_spectrum:
    """Deep ReLU NTK eigenvalues vs depth on one sphere of the config's `depth:` section."""
    output:
        spectrum=depth.path("spectrum.nc"),
    params:
        study=depth.entry,
    log:
        depth.path("logs/spectrum.log"),
    benchmark:
        depth.path("benchmarks/spectrum.tsv")
    script:
        "../workflow/scripts/depth_spectrum.py"


rule depth_analysis:
    """Scorecard rows C3 (every depth), C4 and C10 from the depth spectra."""
    input:
        spectra=depth.spectrum_files(),
    output:
        claims=depth.section_path("claims.csv"),
    params:
        entries=depth.entries,
    log:
        depth.section_path("logs/claims.log"),
    benchmark:
        depth.section_path("benchmarks/claims.tsv"),
    script:
        "../workflow/scripts/depth_analysis.py"


rule depth_figure:
    """Eigenvalue decay vs depth (P1 F12)."""
    input:
        spectrum=depth.path("spectrum.nc"),
    output:
        report(figure_outputs(depth.path("figures/depth_spectrum")), category="depth", caption="../report/depth_spectrum.rst"),
    params:
        figures=config["figures"],
        section="depth",
        figure="depth_spectrum",
    log:
        depth.path("logs/figures/depth_spectrum.log"),
    benchmark:
        depth.path("benchmarks/figures/depth_spectrum.tsv"),
    script:
        "../workflow/scripts/figure.py"

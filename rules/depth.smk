# The depth study (config section `depth:`, module specbias.studies.depth), under
# results/depth/<name>/: deep ReLU NTK eigenvalues vs depth on each sphere (no training) ->
# claims C3, C4, C10 over every entry -> figures.


rule depth_spectrum:
    """Deep ReLU NTK eigenvalues vs depth on one sphere of the config's `depth:` section."""
    output:
        spectrum="results/depth/{depth}/spectrum.nc",
    params:
        study=lambda wc: config["depth"][wc.depth],
    log:
        "results/depth/{depth}/logs/spectrum.log",
    benchmark:
        "results/depth/{depth}/benchmarks/spectrum.tsv"
    script:
        "../workflow/scripts/depth_spectrum.py"


rule depth_claims:
    """Scorecard rows C3 (every depth), C4 and C10 from the depth spectra."""
    input:
        spectra=expand("results/depth/{depth}/spectrum.nc", depth=list(config["depth"])),
    output:
        claims="results/depth/claims.csv",
    params:
        section=config["depth"],
    log:
        "results/depth/logs/claims.log",
    script:
        "../workflow/scripts/depth_claims.py"


rule depth_figure_spectrum:
    """Eigenvalue decay vs depth (P1 F12)."""
    input:
        spectrum="results/depth/{depth}/spectrum.nc",
    output:
        report(figure_outputs("results/depth/{depth}/figures/depth_spectrum"), category="depth", caption="../report/depth_spectrum.rst"),
    params:
        figures=config["figures"],
        kind="depth_spectrum",
    log:
        "results/depth/{depth}/logs/figures/depth_spectrum.log",
    script:
        "../workflow/scripts/figure.py"

# The kernels study (config section `kernels:`, module specbias.studies.kernels), under
# results/kernels/<name>/: NTK spectra of nets with any activation (no training) -> claims C16,
# C17 over every entry -> figures.


rule kernels_spectrum:
    """Funk-Hecke eigenvalues of every activation's NTK on one sphere, with their decay laws."""
    output:
        spectrum="results/kernels/{kernels}/spectrum.nc",
    params:
        study=lambda wc: config["kernels"][wc.kernels],
    log:
        "results/kernels/{kernels}/logs/spectrum.log",
    benchmark:
        "results/kernels/{kernels}/benchmarks/spectrum.tsv"
    script:
        "../workflow/scripts/kernels_spectrum.py"


rule kernels_claims:
    """Scorecard rows C16 and C17 from every entry of the `kernels:` section."""
    input:
        spectra=expand("results/kernels/{kernels}/spectrum.nc", kernels=list(config["kernels"])),
    output:
        claims="results/kernels/claims.csv",
    params:
        section=config["kernels"],
    log:
        "results/kernels/logs/claims.log",
    script:
        "../workflow/scripts/kernels_claims.py"


rule kernels_figure_spectra:
    """Eigenvalue decay per activation: power law (ReLU family) or faster (smooth activations)."""
    input:
        spectrum="results/kernels/{kernels}/spectrum.nc",
    output:
        report(figure_outputs("results/kernels/{kernels}/figures/spectra"), category="kernels",
               caption="../report/kernel_spectra.rst"),
    params:
        figures=config["figures"],
        kind="kernels_spectra",
        study=lambda wc: config["kernels"][wc.kernels],
    log:
        "results/kernels/{kernels}/logs/figures/spectra.log",
    script:
        "../workflow/scripts/figure.py"

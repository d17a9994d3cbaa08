# The kernels study (config section `kernels:`, package specbias.studies.kernels), under
# results/kernels/<name>/: NTK spectra of nets with any activation (no training) -> claims C16,
# C17 over every entry -> figures.

kernels = STUDY["kernels"]


rule kernels_spectrum:
    """Funk-Hecke eigenvalues of every activation's NTK on one sphere, with their decay laws."""
    output:
        spectrum=kernels.path("spectrum.nc"),
    params:
        study=kernels.entry,
    log:
        kernels.path("logs/spectrum.log"),
    benchmark:
        kernels.path("benchmarks/spectrum.tsv")
    script:
        "../workflow/scripts/kernels_spectrum.py"


rule kernels_analysis:
    """Scorecard rows C16 and C17 from every entry of the `kernels:` section."""
    input:
        spectra=kernels.spectrum_files(),
    output:
        claims=kernels.section_path("claims.csv"),
    params:
        entries=kernels.entries,
    log:
        kernels.section_path("logs/claims.log"),
    benchmark:
        kernels.section_path("benchmarks/claims.tsv"),
    script:
        "../workflow/scripts/kernels_analysis.py"


rule kernels_figure:
    """Eigenvalue decay per activation: power law (ReLU family) or faster (smooth activations)."""
    input:
        spectrum=kernels.path("spectrum.nc"),
    output:
        report(figure_outputs(kernels.path("figures/spectra")), category="kernels",
               caption="../report/kernel_spectra.rst"),
    params:
        figures=config["figures"],
        section="kernels",
        figure="spectra",
        study=kernels.entry,
    log:
        kernels.path("logs/figures/spectra.log"),
    benchmark:
        kernels.path("benchmarks/figures/spectra.tsv"),
    script:
        "../workflow/scripts/figure.py"

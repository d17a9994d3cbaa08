# The spectral study (config section `spectral:`, package specbias.studies.spectral), under
# results/spectral/<name>/: NTK eigenfunctions under each density (no training) -> claims C7, C8
# over every entry -> figures.

spectral = STUDY["spectral"]


rule spectral_eigen:
    """NTK eigenfunctions under one density of the config's `spectral:` section."""
    output:
        spectrum=spectral.path("spectral.nc"),
    params:
        study=spectral.entry,
    threads: 2
    log:
        spectral.path("logs/spectral.log"),
    benchmark:
        spectral.path("benchmarks/spectral.tsv")
    script:
        "../workflow/scripts/spectral_eigen.py"


rule spectral_analysis:
    """Scorecard rows C7 and C8 from every density of the `spectral:` section."""
    input:
        spectra=spectral.spectrum_files(),
    output:
        claims=spectral.section_path("claims.csv"),
    params:
        entries=spectral.entries,
    log:
        spectral.section_path("logs/claims.log"),
    benchmark:
        spectral.section_path("benchmarks/claims.tsv"),
    script:
        "../workflow/scripts/spectral_analysis.py"


rule spectral_figure:
    """Per-density figures: eigenfunctions (P1 F2/F5/F13), local frequency (F3), projection (F6)."""
    input:
        spectrum=spectral.path("spectral.nc"),
    output:
        report(figure_outputs(spectral.path("figures/{fig}")), category="spectral {spectral}", caption="../report/spectral_figure.rst"),
    wildcard_constraints:
        fig=spectral.figure_pattern(exclude=("eigenvalue_law",)),
    params:
        figures=config["figures"],
        section="spectral",
        figure=lambda wc: wc.fig,
        study=spectral.entry,
    log:
        spectral.path("logs/figures/{fig}.log"),
    benchmark:
        spectral.path("benchmarks/figures/{fig}.tsv"),
    script:
        "../workflow/scripts/figure.py"


rule spectral_figure_eigenvalue_law:
    """Eigenvalue law across every density (P1 F4)."""
    input:
        spectra=spectral.spectrum_files(),
    output:
        report(figure_outputs(spectral.section_path("figures/eigenvalue_law")), category="spectral",
               caption="../report/spectral_eigenvalue_law.rst"),
    params:
        figures=config["figures"],
        section="spectral",
        figure="eigenvalue_law",
        names=list(spectral.entries),
    log:
        spectral.section_path("logs/figures/eigenvalue_law.log"),
    benchmark:
        spectral.section_path("benchmarks/figures/eigenvalue_law.tsv"),
    script:
        "../workflow/scripts/figure.py"

# The spectral study (config section `spectral:`, module specbias.studies.spectral), under
# results/spectral/<name>/: NTK eigenfunctions under each density (no training) -> claims C7, C8
# over every entry -> figures.


rule spectral_eigen:
    """NTK eigenfunctions under one density of the config's `spectral:` section."""
    output:
        spectrum="results/spectral/{spectral}/spectral.nc",
    params:
        study=lambda wc: config["spectral"][wc.spectral],
    threads: 2
    log:
        "results/spectral/{spectral}/logs/spectral.log",
    benchmark:
        "results/spectral/{spectral}/benchmarks/spectral.tsv"
    script:
        "../workflow/scripts/spectral_eigen.py"


rule spectral_claims:
    """Scorecard rows C7 and C8 from every density of the `spectral:` section."""
    input:
        spectra=expand("results/spectral/{spectral}/spectral.nc", spectral=list(config["spectral"])),
    output:
        claims="results/spectral/claims.csv",
    params:
        section=config["spectral"],
    log:
        "results/spectral/logs/claims.log",
    script:
        "../workflow/scripts/spectral_claims.py"


rule spectral_figure:
    """Per-density figures: eigenfunctions (P1 F2/F5/F13), local frequency (F3), projection (F6)."""
    input:
        spectrum="results/spectral/{spectral}/spectral.nc",
    output:
        report(figure_outputs("results/spectral/{spectral}/figures/{kind}"), category="spectral {spectral}", caption="../report/spectral_figure.rst"),
    wildcard_constraints:
        kind="eigenfunctions|local_frequency|projection",
    params:
        figures=config["figures"],
        kind=lambda wc: f"spectral_{wc.kind}",
        study=lambda wc: config["spectral"][wc.spectral],
    log:
        "results/spectral/{spectral}/logs/figures/{kind}.log",
    script:
        "../workflow/scripts/figure.py"


rule spectral_figure_eigenvalue_law:
    """Eigenvalue law across every density (P1 F4)."""
    input:
        spectra=expand("results/spectral/{spectral}/spectral.nc", spectral=list(config["spectral"])),
    output:
        report(figure_outputs("results/spectral/figures/eigenvalue_law"), category="spectral",
               caption="../report/spectral_eigenvalue_law.rst"),
    params:
        figures=config["figures"],
        kind="spectral_eigenvalue_law",
        names=list(config["spectral"]),
    log:
        "results/spectral/logs/figures/eigenvalue_law.log",
    script:
        "../workflow/scripts/figure.py"

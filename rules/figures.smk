rule figure_heatmap:
    input:
        runs=lambda wc: train_files(wc, first_only=True),
        predictions=lambda wc: predict_files(wc, first_only=True),
    output:
        report(
            multiext("results/{exp}/figures/heatmap", *[f".{f}" for f in config["figures"]["formats"]]),
            category="{exp}",
            caption="../report/heatmap.rst",
        ),
    params:
        figures=config["figures"],
        kind="heatmap",
    log:
        "results/{exp}/logs/figures/heatmap.log",
    benchmark:
        "results/{exp}/benchmarks/figures/heatmap.tsv"
    script:
        "../workflow/scripts/figure.py"


rule figure_convergence:
    input:
        convergence="results/{exp}/analysis/convergence.nc",
    output:
        report(
            multiext("results/{exp}/figures/convergence", *[f".{f}" for f in config["figures"]["formats"]]),
            category="{exp}",
            caption="../report/convergence.rst",
        ),
    params:
        figures=config["figures"],
        kind="convergence",
        fit_kappa_min=lambda wc: exp_cfg(wc)["analysis"]["fit_kappa_min"],
    log:
        "results/{exp}/logs/figures/convergence.log",
    benchmark:
        "results/{exp}/benchmarks/figures/convergence.tsv"
    script:
        "../workflow/scripts/figure.py"


rule figure_region_convergence:
    input:
        convergence="results/{exp}/analysis/convergence.nc",
        law=lambda wc: law_files(wc.exp),
    output:
        report(
            multiext("results/{exp}/figures/region_convergence", *[f".{f}" for f in config["figures"]["formats"]]),
            category="{exp}",
            caption="../report/region_convergence.rst",
        ),
    params:
        figures=config["figures"],
        kind="region_convergence",
    log:
        "results/{exp}/logs/figures/region_convergence.log",
    benchmark:
        "results/{exp}/benchmarks/figures/region_convergence.tsv"
    script:
        "../workflow/scripts/figure.py"


rule figure_ntk_spectrum:
    input:
        eigen=lambda wc: eigen_files(wc)[0],
    output:
        report(
            multiext("results/{exp}/figures/ntk_spectrum", *[f".{f}" for f in config["figures"]["formats"]]),
            category="{exp}",
            caption="../report/ntk_spectrum.rst",
        ),
    params:
        figures=config["figures"],
        kind="ntk_spectrum",
        bias=lambda wc: exp_cfg(wc)["model"]["bias"],
        fit_range=lambda wc: exp_cfg(wc)["analysis"]["eigen_fit_range"],
    log:
        "results/{exp}/logs/figures/ntk_spectrum.log",
    benchmark:
        "results/{exp}/benchmarks/figures/ntk_spectrum.tsv"
    script:
        "../workflow/scripts/figure.py"


rule figure_spectral:
    """Per-density figures: eigenfunctions (P1 F2/F5/F13), local frequency (F3), projection (F6)."""
    input:
        spectrum="results/spectral/{density}/spectral.nc",
    output:
        report(
            multiext("results/spectral/{density}/figures/{kind}", *[f".{f}" for f in config["figures"]["formats"]]),
            category="spectral {density}",
            caption="../report/spectral_figure.rst",
        ),
    wildcard_constraints:
        kind="eigenfunctions|local_frequency|projection",
    params:
        figures=config["figures"],
        kind=lambda wc: wc.kind,
        spectral=lambda wc: config["spectral"][wc.density],
    log:
        "results/spectral/{density}/logs/figures/{kind}.log",
    benchmark:
        "results/spectral/{density}/benchmarks/figures/{kind}.tsv"
    script:
        "../workflow/scripts/figure.py"


rule figure_eigenvalue_law:
    """Eigenvalue law across every density (P1 F4)."""
    input:
        spectra=expand("results/spectral/{density}/spectral.nc", density=list(config["spectral"])),
    output:
        report(
            multiext("results/spectral/figures/eigenvalue_law", *[f".{f}" for f in config["figures"]["formats"]]),
            category="spectral",
            caption="../report/spectral_eigenvalue_law.rst",
        ),
    params:
        figures=config["figures"],
        kind="eigenvalue_law",
        names=list(config["spectral"]),
    log:
        "results/spectral/logs/figures/eigenvalue_law.log",
    benchmark:
        "results/spectral/benchmarks/figures/eigenvalue_law.tsv"
    script:
        "../workflow/scripts/figure.py"


rule figure_depth_spectrum:
    """Eigenvalue decay vs depth (P1 F12)."""
    input:
        spectrum="results/depth/{sphere}/spectrum.nc",
    output:
        report(
            multiext("results/depth/{sphere}/figures/depth_spectrum", *[f".{f}" for f in config["figures"]["formats"]]),
            category="depth",
            caption="../report/depth_spectrum.rst",
        ),
    params:
        figures=config["figures"],
        kind="depth_spectrum",
    log:
        "results/depth/{sphere}/logs/figures/depth_spectrum.log",
    benchmark:
        "results/depth/{sphere}/benchmarks/figures/depth_spectrum.tsv"
    script:
        "../workflow/scripts/figure.py"

rule figure_heatmap:
    input:
        runs=train_files,
        predictions=predict_files,
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


rule figure_ntk_spectrum:
    input:
        eigen="results/{exp}/ntk/ntk.nc",
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

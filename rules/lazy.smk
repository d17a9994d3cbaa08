# The lazy study (config section `lazy:`, module specbias.studies.lazy), under
# results/lazy/<name>/: one training job per width (the base convergence setting with empirical-NTK
# records on every input) -> the width law of the kernel change and claim C22 -> figures.


rule lazy_train:
    """The base setting at one width: sample, analytic NTK, the GD ensemble with its kernel records."""
    output:
        runs="results/lazy/{lazy}/train/width_{width}.nc",
    params:
        study=lambda wc: lazy_study.train_params(lazy_cfg(wc), int(wc.width)),
        device=config["device"],
        compile=config["compile"],
        step=lambda wc: config["circle_step"] if convergence_study.arc_step_applies(lazy_cfg(wc)["base"]) else "dense",
    resources:
        gpu=use_gpu(),
    threads: 1
    log:
        "results/lazy/{lazy}/logs/train/width_{width}.log",
    benchmark:
        "results/lazy/{lazy}/benchmarks/train/width_{width}.tsv"
    script:
        "../workflow/scripts/lazy_train.py"


rule lazy_analysis:
    """Per (width, seed): kernel change, gaps to the empirical-kernel predictions; the width law, C22."""
    input:
        runs=lazy_run_files,
    output:
        table="results/lazy/{lazy}/analysis/lazy.nc",
        claims="results/lazy/{lazy}/analysis/claims.csv",
    params:
        study=lazy_cfg,
    log:
        "results/lazy/{lazy}/logs/analysis.log",
    script:
        "../workflow/scripts/lazy_analysis.py"


rule lazy_figure:
    input:
        runs=lazy_run_files,
        table="results/lazy/{lazy}/analysis/lazy.nc",
    output:
        report(figure_outputs("results/lazy/{lazy}/figures/kernel_change"), category="lazy {lazy}",
               caption="../report/lazy.rst"),
    params:
        figures=config["figures"],
        kind="lazy_kernel_change",
    log:
        "results/lazy/{lazy}/logs/figures/kernel_change.log",
    script:
        "../workflow/scripts/figure.py"

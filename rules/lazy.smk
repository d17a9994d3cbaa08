# The lazy study (config section `lazy:`, package specbias.studies.lazy), under
# results/lazy/<name>/: one training job per width (the base convergence setting with empirical-NTK
# records on every input) -> the width law of the kernel change and claim C22 -> figures.

lazy = STUDY["lazy"]


rule lazy_train:
    """The base setting at one width: sample, analytic NTK, the GD ensemble with its kernel records."""
    output:
        runs=lazy.path("train/width_{width}.nc"),
    params:
        study=lazy.train_params,
        device=config["device"],
        compile=config["compile"],
        step=lazy.step,
    resources:
        gpu=use_gpu(),
    threads: 1
    priority: 10  # the longest jobs start first, so the cores are not left with one long tail
    log:
        lazy.path("logs/train/width_{width}.log"),
    benchmark:
        lazy.path("benchmarks/train/width_{width}.tsv")
    script:
        "../workflow/scripts/lazy_train.py"


rule lazy_analysis:
    """Per (width, seed): kernel change, gaps to the empirical-kernel predictions; the width law, C22."""
    input:
        runs=lazy.run_files,
    output:
        table=lazy.path("analysis/lazy.nc"),
        claims=lazy.path("analysis/claims.csv"),
    params:
        study=lazy.entry,
    log:
        lazy.path("logs/analysis.log"),
    benchmark:
        lazy.path("benchmarks/analysis.tsv"),
    script:
        "../workflow/scripts/lazy_analysis.py"


rule lazy_figure:
    input:
        runs=lazy.run_files,
        table=lazy.path("analysis/lazy.nc"),
    output:
        report(figure_outputs(lazy.path("figures/kernel_change")), category="lazy {lazy}",
               caption="../report/lazy.rst"),
    params:
        figures=config["figures"],
        section="lazy",
        figure="kernel_change",
    log:
        lazy.path("logs/figures/kernel_change.log"),
    benchmark:
        lazy.path("benchmarks/figures/kernel_change.tsv"),
    script:
        "../workflow/scripts/figure.py"

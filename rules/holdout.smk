# The holdout study (config section `holdout:`, package specbias.studies.holdout), under
# results/holdout/<name>/: one training job per group of variants (same input width, activation
# and init) -> the PSNR table and claim C20 -> figures.

holdout = STUDY["holdout"]


rule holdout_train:
    """One Adam ensemble of variants x seeds on a quarter of the image's pixels; train and test PSNR."""
    output:
        runs=holdout.path("train/{group}.nc"),
    params:
        study=holdout.train_params,
        group=holdout.group,
        device=config["device"],
    resources:
        gpu=use_gpu(),
    threads: 2
    priority: 10  # the longest jobs start first, so the cores are not left with one long tail
    log:
        holdout.path("logs/train/{group}.log"),
    benchmark:
        holdout.path("benchmarks/train/{group}.tsv")
    script:
        "../workflow/scripts/holdout_train.py"


rule holdout_analysis:
    """Held-out PSNR per variant beside the published values; claim C20."""
    input:
        runs=holdout.run_files,
    output:
        table=holdout.path("analysis/psnr.nc"),
        claims=holdout.path("analysis/claims.csv"),
    params:
        study=holdout.entry,
    log:
        holdout.path("logs/analysis.log"),
    benchmark:
        holdout.path("benchmarks/analysis.tsv"),
    script:
        "../workflow/scripts/holdout_analysis.py"


rule holdout_figure:
    input:
        runs=holdout.run_files,
        table=holdout.path("analysis/psnr.nc"),
    output:
        report(figure_outputs(holdout.path("figures/{fig}")), category="holdout {holdout}",
               caption="../report/holdout.rst"),
    wildcard_constraints:
        fig=holdout.figure_pattern(),
    params:
        figures=config["figures"],
        section="holdout",
        figure=lambda wc: wc.fig,
    log:
        holdout.path("logs/figures/{fig}.log"),
    benchmark:
        holdout.path("benchmarks/figures/{fig}.tsv"),
    script:
        "../workflow/scripts/figure.py"

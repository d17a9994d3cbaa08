# The holdout study (config section `holdout:`, module specbias.studies.holdout), under
# results/holdout/<name>/: one training job per group of variants (same input width, activation
# and init) -> the PSNR table and claim C20 -> figures.


rule holdout_train:
    """One Adam ensemble of variants x seeds on a quarter of the image's pixels; train and test PSNR."""
    output:
        runs="results/holdout/{holdout}/train/{group}.nc",
    params:
        study=lambda wc: holdout_study.train_params(holdout_cfg(wc), holdout_groups(wc.holdout)[wc.group]),
        group=lambda wc: holdout_groups(wc.holdout)[wc.group],
        device=config["device"],
    resources:
        gpu=use_gpu(),
    threads: 2
    log:
        "results/holdout/{holdout}/logs/train/{group}.log",
    benchmark:
        "results/holdout/{holdout}/benchmarks/train/{group}.tsv"
    script:
        "../workflow/scripts/holdout_train.py"


rule holdout_analysis:
    """Held-out PSNR per variant beside the published values; claim C20."""
    input:
        runs=holdout_run_files,
    output:
        table="results/holdout/{holdout}/analysis/psnr.nc",
        claims="results/holdout/{holdout}/analysis/claims.csv",
    params:
        study=holdout_cfg,
    log:
        "results/holdout/{holdout}/logs/analysis.log",
    script:
        "../workflow/scripts/holdout_analysis.py"


rule holdout_figure:
    input:
        runs=holdout_run_files,
        table="results/holdout/{holdout}/analysis/psnr.nc",
    output:
        report(figure_outputs("results/holdout/{holdout}/figures/{hfig}"), category="holdout {holdout}",
               caption="../report/holdout.rst"),
    params:
        figures=config["figures"],
        kind=lambda wc: f"holdout_{wc.hfig}",
    log:
        "results/holdout/{holdout}/logs/figures/{hfig}.log",
    script:
        "../workflow/scripts/figure.py"

# The coordinate study (config section `coordinate:`, module specbias.studies.coordinate), P2's
# coordinate MLPs on 1-D signals and images, under results/coordinate/<name>/: one training job per
# group of encodings with the same input width (one batched ensemble of encodings x seeds; a group
# is named by its encodings joined with '+') -> analysis (C12-C15) -> figures.


rule coordinate_train:
    """Coordinate MLPs, every (encoding, seed) of a group in one ensemble; spectra every epoch,
    activation statistics at log-spaced epochs."""
    output:
        runs="results/coordinate/{coordinate}/train/{group}.nc",
    params:
        study=coordinate_group_study,
        group=lambda wc: coordinate_groups(wc.coordinate)[wc.group],
        device=config["device"],
    resources:
        gpu=use_gpu(),
    threads: 1
    log:
        "results/coordinate/{coordinate}/logs/train/{group}.log",
    benchmark:
        "results/coordinate/{coordinate}/benchmarks/train/{group}.tsv"
    script:
        "../workflow/scripts/coordinate_train.py"


rule coordinate_analysis:
    """Learning epoch per frequency and encoding; scorecard rows C12-C15."""
    input:
        runs=coordinate_run_files,
    output:
        learning="results/coordinate/{coordinate}/analysis/learning.nc",
        claims="results/coordinate/{coordinate}/analysis/claims.csv",
    params:
        study=coordinate_cfg,
    log:
        "results/coordinate/{coordinate}/logs/analysis.log",
    script:
        "../workflow/scripts/coordinate_analysis.py"


rule coordinate_figure:
    input:
        runs=coordinate_run_files,
        learning="results/coordinate/{coordinate}/analysis/learning.nc",
    output:
        report(figure_outputs("results/coordinate/{coordinate}/figures/{cfig}"), category="coordinate {coordinate}", caption="../report/coordinate.rst"),
    wildcard_constraints:
        cfig="|".join(COORDINATE_FIGURES),
    params:
        figures=config["figures"],
        kind=lambda wc: f"coordinate_{wc.cfig}",
        study=coordinate_cfg,
    log:
        "results/coordinate/{coordinate}/logs/figures/{cfig}.log",
    script:
        "../workflow/scripts/figure.py"

# P2's coordinate-MLP studies on 1-D signals and images (config section `coordinate:`):
# one training job per group of encodings with the same input width (one batched ensemble of
# encodings x seeds; a group is named by its encodings joined with '+') -> analysis (C12-C15) ->
# figures.
from specbias.stages_coord import encoding_groups

COORD_FIGURES = ["heatmaps", "statistics", "learning", "dead_units", "reconstructions"]


def coord_cfg(wildcards):
    return config["coordinate"][wildcards.cstudy]


def coord_groups(cstudy):
    return encoding_groups(config["coordinate"][cstudy])


def coord_run_files(wildcards):
    return expand("results/coordinate/{cstudy}/train/{group}.nc", cstudy=wildcards.cstudy,
                  group=list(coord_groups(wildcards.cstudy)))


def coord_group_study(wildcards):
    cfg = coord_cfg(wildcards)
    encs = coord_groups(wildcards.cstudy)[wildcards.group]
    return {**{k: cfg[k] for k in ("signal", "model", "train", "metrics")}, "encodings": {e: cfg["encodings"][e] for e in encs}}


rule coordinate_train:
    """Coordinate MLPs, every (encoding, seed) of a group in one ensemble; spectra every epoch,
    activation statistics at log-spaced epochs."""
    output:
        runs="results/coordinate/{cstudy}/train/{group}.nc",
    params:
        study=coord_group_study,
        group=lambda wc: coord_groups(wc.cstudy)[wc.group],
        device=config["device"],
    resources:
        gpu=use_gpu(),
    threads: 1
    log:
        "results/coordinate/{cstudy}/logs/train/{group}.log",
    benchmark:
        "results/coordinate/{cstudy}/benchmarks/train/{group}.tsv"
    script:
        "../workflow/scripts/coordinate_train.py"


rule coordinate_analysis:
    """Learning epoch per frequency and encoding; scorecard rows C12-C15."""
    input:
        runs=coord_run_files,
    output:
        learning="results/coordinate/{cstudy}/analysis/learning.nc",
        claims="results/coordinate/{cstudy}/analysis/claims.csv",
    params:
        study=coord_cfg,
    log:
        "results/coordinate/{cstudy}/logs/analysis.log",
    script:
        "../workflow/scripts/coordinate_analysis.py"


rule figure_coordinate:
    input:
        runs=coord_run_files,
        learning="results/coordinate/{cstudy}/analysis/learning.nc",
    output:
        report(
            multiext("results/coordinate/{cstudy}/figures/{cfig}", *[f".{f}" for f in config["figures"]["formats"]]),
            category="coordinate: {cstudy}",
            caption="../report/coordinate.rst",
        ),
    wildcard_constraints:
        cfig="|".join(COORD_FIGURES),
    params:
        figures=config["figures"],
        kind=lambda wc: f"coordinate_{wc.cfig}",
        study=coord_cfg,
    log:
        "results/coordinate/{cstudy}/logs/figures/{cfig}.log",
    script:
        "../workflow/scripts/figure.py"

# P2's coordinate-MLP studies on 1-D signals (config section `coordinate:`):
# one training job per encoding -> analysis (C12-C15) -> figures.


def coord_cfg(wildcards):
    return config["coordinate"][wildcards.cstudy]


def coord_run_files(wildcards):
    return expand("results/coordinate/{cstudy}/train/{encoding}.nc", cstudy=wildcards.cstudy,
                  encoding=list(config["coordinate"][wildcards.cstudy]["encodings"]))


rule coordinate_train:
    """Coordinate MLPs (a run per seed) with one encoding; spectra every epoch, statistics at log-spaced epochs."""
    output:
        runs="results/coordinate/{cstudy}/train/{encoding}.nc",
    params:
        study=lambda wc: {**{k: coord_cfg(wc)[k] for k in ("signal", "model", "train", "metrics")},
                          "encodings": {wc.encoding: coord_cfg(wc)["encodings"][wc.encoding]}},
        device=config["device"],
    resources:
        gpu=use_gpu(),
    threads: 1
    log:
        "results/coordinate/{cstudy}/logs/train/{encoding}.log",
    benchmark:
        "results/coordinate/{cstudy}/benchmarks/train/{encoding}.tsv"
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
    output:
        report(
            multiext("results/coordinate/{cstudy}/figures/{cfig}", *[f".{f}" for f in config["figures"]["formats"]]),
            category="coordinate: {cstudy}",
            caption="../report/coordinate.rst",
        ),
    wildcard_constraints:
        cfig="heatmaps|statistics",
    params:
        figures=config["figures"],
        kind=lambda wc: f"coordinate_{wc.cfig}",
    log:
        "results/coordinate/{cstudy}/logs/figures/{cfig}.log",
    script:
        "../workflow/scripts/figure.py"

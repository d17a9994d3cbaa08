# The coordinate study (config section `coordinate:`, package specbias.studies.coordinate), P2's
# coordinate MLPs on 1-D signals and images, under results/coordinate/<name>/: one training job per
# group of encodings with the same input width (one batched ensemble of encodings x seeds; a group
# is named by its encodings joined with '+') -> analysis (C12-C15) -> figures.

coordinate = STUDY["coordinate"]


rule coordinate_train:
    """Coordinate MLPs, every (encoding, seed) of a group in one ensemble; spectra every epoch,
    activation statistics at log-spaced epochs."""
    output:
        runs=coordinate.path("train/{group}.nc"),
    params:
        study=coordinate.train_params,
        group=coordinate.group,
        device=config["device"],
    resources:
        gpu=use_gpu(),
    threads: 1
    priority: 10  # the longest jobs start first, so the cores are not left with one long tail
    log:
        coordinate.path("logs/train/{group}.log"),
    benchmark:
        coordinate.path("benchmarks/train/{group}.tsv")
    script:
        "../workflow/scripts/coordinate_train.py"


rule coordinate_analysis:
    """Learning epoch per frequency and encoding; scorecard rows C12-C15."""
    input:
        runs=coordinate.run_files,
    output:
        learning=coordinate.path("analysis/learning.nc"),
        claims=coordinate.path("analysis/claims.csv"),
    params:
        study=coordinate.entry,
    log:
        coordinate.path("logs/analysis.log"),
    benchmark:
        coordinate.path("benchmarks/analysis.tsv"),
    script:
        "../workflow/scripts/coordinate_analysis.py"


rule coordinate_figure:
    input:
        runs=coordinate.run_files,
        learning=coordinate.path("analysis/learning.nc"),
    output:
        report(figure_outputs(coordinate.path("figures/{fig}")), category="coordinate {coordinate}", caption="../report/coordinate.rst"),
    wildcard_constraints:
        fig=coordinate.figure_pattern(),
    params:
        figures=config["figures"],
        section="coordinate",
        figure=lambda wc: wc.fig,
        study=coordinate.entry,
    log:
        coordinate.path("logs/figures/{fig}.log"),
    benchmark:
        coordinate.path("benchmarks/figures/{fig}.tsv"),
    script:
        "../workflow/scripts/figure.py"

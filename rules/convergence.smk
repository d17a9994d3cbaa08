# The convergence study (config section `convergence:`, module specbias.studies.convergence),
# under results/convergence/<name>/: points + the model's NTK eigenpairs -> one training job per
# target degree (with its prediction) -> analysis (C1/C2, C6, C9, C11) -> figures.


rule convergence_sample:
    """Points on the sphere (uniform or hemisphere density) and the model's analytic NTK eigenpairs."""
    output:
        points="results/convergence/{convergence}/data/points.nc",
    params:
        study=lambda wc: convergence_study.sample_params(convergence_cfg(wc)),
        device=config["device"],
    resources:
        gpu=use_gpu(),
    threads: 2
    log:
        "results/convergence/{convergence}/logs/sample.log",
    benchmark:
        "results/convergence/{convergence}/benchmarks/sample.tsv"
    script:
        "../workflow/scripts/convergence_sample.py"


rule convergence_train:
    """One ensemble (a run per seed) on the target of one degree, with the runs' predictions."""
    input:
        points="results/convergence/{convergence}/data/points.nc",
    output:
        runs="results/convergence/{convergence}/train/degree_{degree}.nc",
    params:
        study=lambda wc: convergence_study.train_params(convergence_cfg(wc)),
        device=config["device"],
        compile=config["compile"],
        # only two-layer nets on the circle can take the arc step; the others do not depend on the key
        step=lambda wc: config["circle_step"] if convergence_study.arc_step_applies(convergence_cfg(wc)) else "dense",
    resources:
        gpu=use_gpu(),
    threads: 1
    log:
        "results/convergence/{convergence}/logs/train/degree_{degree}.log",
    benchmark:
        "results/convergence/{convergence}/benchmarks/train/degree_{degree}.tsv"
    script:
        "../workflow/scripts/convergence_train.py"


rule convergence_analysis:
    """Measured and predicted steps vs degree, and the study's scorecard rows."""
    input:
        runs=convergence_degree_files,
    output:
        convergence="results/convergence/{convergence}/analysis/convergence.nc",
        claims="results/convergence/{convergence}/analysis/claims.csv",
    params:
        study=convergence_cfg,
    log:
        "results/convergence/{convergence}/logs/analysis.log",
    benchmark:
        "results/convergence/{convergence}/benchmarks/analysis.tsv"
    script:
        "../workflow/scripts/convergence_analysis.py"


rule convergence_figure_steps_vs_degree:
    input:
        convergence="results/convergence/{convergence}/analysis/convergence.nc",
    output:
        report(figure_outputs("results/convergence/{convergence}/figures/steps_vs_degree"), category="convergence {convergence}",
               caption="../report/steps_vs_degree.rst"),
    params:
        figures=config["figures"],
        kind="convergence_steps_vs_degree",
        study=convergence_cfg,
    log:
        "results/convergence/{convergence}/logs/figures/steps_vs_degree.log",
    script:
        "../workflow/scripts/figure.py"


rule convergence_figure_sphere_eigenfunctions:
    input:
        points="results/convergence/{convergence}/data/points.nc",
    output:
        report(figure_outputs("results/convergence/{convergence}/figures/sphere_eigenfunctions"), category="convergence {convergence}",
               caption="../report/sphere_eigenfunctions.rst"),
    params:
        figures=config["figures"],
        kind="convergence_sphere_eigenfunctions",
    log:
        "results/convergence/{convergence}/logs/figures/sphere_eigenfunctions.log",
    script:
        "../workflow/scripts/figure.py"

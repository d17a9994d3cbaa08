# The circle study (config section `circle:`, module specbias.studies.circle), under
# results/circle/<name>/: sample (one file per data seed) -> train (a job per kappa and sample)
# and the NTK eigenpairs -> linearised predictions -> analysis (C1, C3, C5, C11) -> figures.


rule circle_sample:
    """Training points on the circle with their density (one file per data seed)."""
    output:
        points="results/circle/{circle}/data/sample_d{dseed}.nc",
    params:
        data=lambda wc: circle_study.sample_params(circle_cfg(wc), wc.dseed),
    log:
        "results/circle/{circle}/logs/sample_d{dseed}.log",
    benchmark:
        "results/circle/{circle}/benchmarks/sample_d{dseed}.tsv"
    script:
        "../workflow/scripts/circle_sample.py"


rule circle_train:
    """One batched ensemble (a run per seed) trained on the target of frequency kappa.

    One job per kappa, so adding a kappa to the list trains only the new one; the params
    hold everything that shapes a run except the kappa list itself.
    """
    input:
        points="results/circle/{circle}/data/sample_d{dseed}.nc",
    output:
        runs="results/circle/{circle}/train/kappa_{kappa}_d{dseed}.nc",
    params:
        study=lambda wc: circle_study.train_params(circle_cfg(wc)),
        device=config["device"],
        compile=config["compile"],
        step=config["circle_step"],
    resources:
        gpu=use_gpu(),
    threads: 1
    log:
        "results/circle/{circle}/logs/train/kappa_{kappa}_d{dseed}.log",
    benchmark:
        "results/circle/{circle}/benchmarks/train/kappa_{kappa}_d{dseed}.tsv"
    script:
        "../workflow/scripts/circle_train.py"


rule circle_ntk:
    """Analytic two-layer NTK on the samples: float64 eigenpairs and the grid spectrum."""
    input:
        points="results/circle/{circle}/data/sample_d{dseed}.nc",
    output:
        eigen="results/circle/{circle}/ntk/ntk_d{dseed}.nc",
    params:
        study=lambda wc: circle_study.ntk_params(circle_cfg(wc)),
        device=config["device"],
    resources:
        gpu=use_gpu(),
    threads: 2
    log:
        "results/circle/{circle}/logs/ntk_d{dseed}.log",
    benchmark:
        "results/circle/{circle}/benchmarks/ntk_d{dseed}.tsv"
    script:
        "../workflow/scripts/circle_ntk.py"


rule circle_predict:
    """Linearised-GD prediction of one kappa's runs from the NTK eigenpairs.

    The learning rate, steps and criterion are read from the training file, so prediction
    and measurement cannot disagree on them (the job reruns whenever that file changes).
    """
    input:
        runs="results/circle/{circle}/train/kappa_{kappa}_d{dseed}.nc",
        eigen="results/circle/{circle}/ntk/ntk_d{dseed}.nc",
    output:
        prediction="results/circle/{circle}/predict/kappa_{kappa}_d{dseed}.nc",
    threads: 1
    log:
        "results/circle/{circle}/logs/predict/kappa_{kappa}_d{dseed}.log",
    benchmark:
        "results/circle/{circle}/benchmarks/predict/kappa_{kappa}_d{dseed}.tsv"
    script:
        "../workflow/scripts/circle_predict.py"


rule circle_region_law:
    """Per-region convergence predicted from the NTK alone over many point samples and thresholds."""
    output:
        law="results/circle/{circle}/analysis/region_law.nc",
    params:
        study=lambda wc: circle_study.law_params(circle_cfg(wc)),
    threads: 1
    log:
        "results/circle/{circle}/logs/region_law.log",
    benchmark:
        "results/circle/{circle}/benchmarks/region_law.tsv"
    script:
        "../workflow/scripts/circle_region_law.py"


rule circle_analysis:
    """Convergence steps vs kappa, fits, and this study's rows of the scorecard."""
    input:
        runs=circle_train_files,
        predictions=circle_predict_files,
        eigens=circle_eigen_files,
        law=circle_law_files,
    output:
        convergence="results/circle/{circle}/analysis/convergence.nc",
        claims="results/circle/{circle}/analysis/claims.csv",
    params:
        study=lambda wc: circle_study.analysis_params(circle_cfg(wc)),
        data_seeds=lambda wc: circle_seeds(wc.circle),
    log:
        "results/circle/{circle}/logs/analysis.log",
    benchmark:
        "results/circle/{circle}/benchmarks/analysis.tsv"
    script:
        "../workflow/scripts/circle_analysis.py"


rule circle_figure_heatmap:
    input:
        runs=lambda wc: circle_train_files(wc, first_only=True),
        predictions=lambda wc: circle_predict_files(wc, first_only=True),
    output:
        report(figure_outputs("results/circle/{circle}/figures/heatmap"), category="circle {circle}", caption="../report/heatmap.rst"),
    params:
        figures=config["figures"],
        kind="circle_heatmap",
    log:
        "results/circle/{circle}/logs/figures/heatmap.log",
    script:
        "../workflow/scripts/figure.py"


rule circle_figure_convergence:
    input:
        convergence="results/circle/{circle}/analysis/convergence.nc",
    output:
        report(figure_outputs("results/circle/{circle}/figures/convergence"), category="circle {circle}", caption="../report/convergence.rst"),
    params:
        figures=config["figures"],
        kind="circle_convergence",
    log:
        "results/circle/{circle}/logs/figures/convergence.log",
    script:
        "../workflow/scripts/figure.py"


rule circle_figure_region_convergence:
    input:
        convergence="results/circle/{circle}/analysis/convergence.nc",
        law=circle_law_files,
    output:
        report(figure_outputs("results/circle/{circle}/figures/region_convergence"), category="circle {circle}",
               caption="../report/region_convergence.rst"),
    params:
        figures=config["figures"],
        kind="circle_region_convergence",
    log:
        "results/circle/{circle}/logs/figures/region_convergence.log",
    script:
        "../workflow/scripts/figure.py"


rule circle_figure_ntk_spectrum:
    input:
        eigen=lambda wc: circle_eigen_files(wc)[0],
        convergence="results/circle/{circle}/analysis/convergence.nc",
    output:
        report(figure_outputs("results/circle/{circle}/figures/ntk_spectrum"), category="circle {circle}", caption="../report/ntk_spectrum.rst"),
    params:
        figures=config["figures"],
        kind="circle_ntk_spectrum",
    log:
        "results/circle/{circle}/logs/figures/ntk_spectrum.log",
    script:
        "../workflow/scripts/figure.py"

# The convergence study (config section `convergence:`, module specbias.studies.convergence), under
# results/convergence/<name>/: sample (one file per data seed) -> the model's NTK eigenpairs and
# the training (a job per kappa and sample) -> linearised predictions -> analysis (C1/C2, C3,
# C5/C6, C9, C11 where they apply) -> figures.  Circle and sphere entries take the same rules.


rule convergence_sample:
    """Training points of one sample (circle or sphere) with their density and regions."""
    output:
        points="results/convergence/{convergence}/data/sample_d{dseed}.nc",
    params:
        data=lambda wc: convergence_study.sample_params(convergence_cfg(wc), wc.dseed),
    log:
        "results/convergence/{convergence}/logs/sample_d{dseed}.log",
    benchmark:
        "results/convergence/{convergence}/benchmarks/sample_d{dseed}.tsv"
    script:
        "../workflow/scripts/convergence_sample.py"


rule convergence_ntk:
    """The model's analytic NTK on one sample: float64 eigenpairs (and on the circle the operator spectrum)."""
    input:
        points="results/convergence/{convergence}/data/sample_d{dseed}.nc",
    output:
        eigen="results/convergence/{convergence}/ntk/ntk_d{dseed}.nc",
    params:
        study=lambda wc: convergence_study.ntk_params(convergence_cfg(wc)),
        device=config["device"],
    resources:
        gpu=use_gpu(),
    threads: 2
    log:
        "results/convergence/{convergence}/logs/ntk_d{dseed}.log",
    benchmark:
        "results/convergence/{convergence}/benchmarks/ntk_d{dseed}.tsv"
    script:
        "../workflow/scripts/convergence_ntk.py"


rule convergence_train:
    """One batched ensemble (a run per seed) trained on the target of frequency kappa.

    One job per kappa and sample, so adding a kappa trains only the new one; the params hold
    everything that shapes a run except the kappa list itself.  With train.lr_relative the job
    also reads the sample's NTK file (the learning rate is relative to its largest eigenvalue).
    """
    input:
        unpack(convergence_train_inputs),
    output:
        runs="results/convergence/{convergence}/train/kappa_{kappa}_d{dseed}.nc",
    params:
        study=lambda wc: convergence_study.train_params(convergence_cfg(wc)),
        device=config["device"],
        compile=config["compile"],
        # only two-layer nets on S^1 can take the arc step; the others do not depend on the key
        step=lambda wc: config["circle_step"] if convergence_study.arc_step_applies(convergence_cfg(wc)) else "dense",
    resources:
        gpu=use_gpu(),
    threads: 1
    log:
        "results/convergence/{convergence}/logs/train/kappa_{kappa}_d{dseed}.log",
    benchmark:
        "results/convergence/{convergence}/benchmarks/train/kappa_{kappa}_d{dseed}.tsv"
    script:
        "../workflow/scripts/convergence_train.py"


rule convergence_predict:
    """Linearised-GD prediction of one kappa's runs from the NTK eigenpairs.

    The learning rate, steps and criterion are read from the training file, so prediction
    and measurement cannot disagree on them (the job reruns whenever that file changes).
    """
    input:
        runs="results/convergence/{convergence}/train/kappa_{kappa}_d{dseed}.nc",
        eigen="results/convergence/{convergence}/ntk/ntk_d{dseed}.nc",
    output:
        prediction="results/convergence/{convergence}/predict/kappa_{kappa}_d{dseed}.nc",
    threads: 1
    log:
        "results/convergence/{convergence}/logs/predict/kappa_{kappa}_d{dseed}.log",
    benchmark:
        "results/convergence/{convergence}/benchmarks/predict/kappa_{kappa}_d{dseed}.tsv"
    script:
        "../workflow/scripts/convergence_predict.py"


rule convergence_region_law:
    """Per-region convergence predicted from the NTK alone over many point samples and thresholds."""
    output:
        law="results/convergence/{convergence}/analysis/region_law.nc",
    params:
        study=lambda wc: convergence_study.law_params(convergence_cfg(wc)),
    threads: 1
    log:
        "results/convergence/{convergence}/logs/region_law.log",
    benchmark:
        "results/convergence/{convergence}/benchmarks/region_law.tsv"
    script:
        "../workflow/scripts/convergence_region_law.py"


rule convergence_analysis:
    """Convergence steps vs kappa, fits, and this entry's rows of the scorecard."""
    input:
        runs=convergence_train_files,
        predictions=convergence_predict_files,
        eigens=convergence_eigen_files,
        law=convergence_law_files,
        reference=convergence_reference_files,
    output:
        convergence="results/convergence/{convergence}/analysis/convergence.nc",
        claims="results/convergence/{convergence}/analysis/claims.csv",
    params:
        study=lambda wc: convergence_study.analysis_params(convergence_cfg(wc)),
        data_seeds=lambda wc: convergence_seeds(wc.convergence),
    log:
        "results/convergence/{convergence}/logs/analysis.log",
    benchmark:
        "results/convergence/{convergence}/benchmarks/analysis.tsv"
    script:
        "../workflow/scripts/convergence_analysis.py"


rule convergence_figure_steps:
    input:
        convergence="results/convergence/{convergence}/analysis/convergence.nc",
    output:
        report(figure_outputs("results/convergence/{convergence}/figures/steps"), category="convergence {convergence}",
               caption="../report/convergence.rst"),
    params:
        figures=config["figures"],
        kind="convergence_steps",
    log:
        "results/convergence/{convergence}/logs/figures/steps.log",
    script:
        "../workflow/scripts/figure.py"


rule convergence_figure_heatmap:
    input:
        runs=lambda wc: convergence_train_files(wc, first_only=True),
        predictions=lambda wc: convergence_predict_files(wc, first_only=True),
    output:
        report(figure_outputs("results/convergence/{convergence}/figures/heatmap"), category="convergence {convergence}",
               caption="../report/heatmap.rst"),
    params:
        figures=config["figures"],
        kind="convergence_heatmap",
    log:
        "results/convergence/{convergence}/logs/figures/heatmap.log",
    script:
        "../workflow/scripts/figure.py"


rule convergence_figure_kernel:
    input:
        runs=lambda wc: convergence_train_files(wc, first_only=True),
    output:
        report(figure_outputs("results/convergence/{convergence}/figures/kernel"), category="convergence {convergence}",
               caption="../report/kernel_records.rst"),
    params:
        figures=config["figures"],
        kind="convergence_kernel",
    log:
        "results/convergence/{convergence}/logs/figures/kernel.log",
    script:
        "../workflow/scripts/figure.py"


rule convergence_figure_region_convergence:
    input:
        convergence="results/convergence/{convergence}/analysis/convergence.nc",
        law=convergence_law_files,
    output:
        report(figure_outputs("results/convergence/{convergence}/figures/region_convergence"), category="convergence {convergence}",
               caption="../report/region_convergence.rst"),
    params:
        figures=config["figures"],
        kind="convergence_region_convergence",
    log:
        "results/convergence/{convergence}/logs/figures/region_convergence.log",
    script:
        "../workflow/scripts/figure.py"


rule convergence_figure_ntk_spectrum:
    input:
        eigen=lambda wc: convergence_eigen_files(wc)[0],
        convergence="results/convergence/{convergence}/analysis/convergence.nc",
    output:
        report(figure_outputs("results/convergence/{convergence}/figures/ntk_spectrum"), category="convergence {convergence}",
               caption="../report/ntk_spectrum.rst"),
    params:
        figures=config["figures"],
        kind="convergence_ntk_spectrum",
    log:
        "results/convergence/{convergence}/logs/figures/ntk_spectrum.log",
    script:
        "../workflow/scripts/figure.py"


rule convergence_figure_sphere_eigenfunctions:
    input:
        eigen=lambda wc: convergence_eigen_files(wc)[0],
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

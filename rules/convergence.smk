# The convergence study (config section `convergence:`, package specbias.studies.convergence), under
# results/convergence/<name>/: sample (one file per data seed) -> the model's NTK eigenpairs and
# the training (a job per kappa and sample) -> linearised predictions -> analysis (C1/C2, C3,
# C5/C6, C9, C11 where they apply) -> figures.  Circle and sphere entries take the same rules.

convergence = STUDY["convergence"]


rule convergence_sample:
    """Training points of one sample (circle or sphere) with their density and regions."""
    output:
        points=convergence.path("data/sample_d{dseed}.nc"),
    params:
        data=convergence.sample_params,
    log:
        convergence.path("logs/sample_d{dseed}.log"),
    benchmark:
        convergence.path("benchmarks/sample_d{dseed}.tsv")
    script:
        "../workflow/scripts/convergence_sample.py"


rule convergence_ntk:
    """The model's analytic NTK on one sample: float64 eigenpairs (and on the circle the operator spectrum)."""
    input:
        points=convergence.path("data/sample_d{dseed}.nc"),
    output:
        eigen=convergence.path("ntk/ntk_d{dseed}.nc"),
    params:
        study=convergence.ntk_params,
        device=config["device"],
    resources:
        gpu=use_gpu(),
    threads: 2
    log:
        convergence.path("logs/ntk_d{dseed}.log"),
    benchmark:
        convergence.path("benchmarks/ntk_d{dseed}.tsv")
    script:
        "../workflow/scripts/convergence_ntk.py"


rule convergence_train:
    """One batched ensemble (a run per seed) trained on the target of frequency kappa, and its
    linearised-GD prediction from the sample's NTK eigenpairs.

    One job per kappa and sample, so adding a kappa trains only the new one; the params hold
    everything that shapes a run except the kappa list itself.  The prediction reads the learning
    rate, steps and criterion back from the written training file, so prediction and measurement
    cannot disagree on them; it is made here because nothing else makes it from that file.
    """
    input:
        points=convergence.path("data/sample_d{dseed}.nc"),
        eigen=convergence.path("ntk/ntk_d{dseed}.nc"),
    output:
        runs=convergence.path("train/kappa_{kappa}_d{dseed}.nc"),
        prediction=convergence.path("predict/kappa_{kappa}_d{dseed}.nc"),
    params:
        study=convergence.train_params,
        device=config["device"],
        compile=config["compile"],
        # only two-layer nets on S^1 can take the arc step; the others do not depend on the key
        step=convergence.step,
    resources:
        gpu=use_gpu(),
    threads: 1
    priority: 10  # the longest jobs start first, so the cores are not left with one long tail
    log:
        convergence.path("logs/train/kappa_{kappa}_d{dseed}.log"),
    benchmark:
        convergence.path("benchmarks/train/kappa_{kappa}_d{dseed}.tsv")
    script:
        "../workflow/scripts/convergence_train.py"


rule convergence_region_law:
    """Per-region convergence predicted from the NTK alone over many point samples and thresholds."""
    output:
        law=convergence.path("analysis/region_law.nc"),
    params:
        study=convergence.law_params,
    threads: 1
    log:
        convergence.path("logs/region_law.log"),
    benchmark:
        convergence.path("benchmarks/region_law.tsv")
    script:
        "../workflow/scripts/convergence_region_law.py"


rule convergence_analysis:
    """Convergence steps vs kappa, fits, and this entry's rows of the scorecard."""
    input:
        runs=convergence.train_files,
        predictions=convergence.predict_files,
        eigens=convergence.eigen_files,
        law=convergence.law_files,
        reference=convergence.reference_files,
    output:
        convergence=convergence.path("analysis/convergence.nc"),
        claims=convergence.path("analysis/claims.csv"),
    params:
        study=convergence.analysis_params,
        data_seeds=convergence.data_seed_params,
    log:
        convergence.path("logs/analysis.log"),
    benchmark:
        convergence.path("benchmarks/analysis.tsv")
    script:
        "../workflow/scripts/convergence_analysis.py"


rule convergence_figure:
    """One figure of one entry (convergence.figures: the figures its options produce data for)."""
    input:
        unpack(convergence.figure_inputs),
    output:
        report(figure_outputs(convergence.path("figures/{fig}")), category="convergence {convergence}",
               caption="../report/convergence_figure.rst"),
    wildcard_constraints:
        fig=convergence.figure_pattern(),
    params:
        figures=config["figures"],
        section="convergence",
        figure=lambda wc: wc.fig,
    log:
        convergence.path("logs/figures/{fig}.log"),
    benchmark:
        convergence.path("benchmarks/figures/{fig}.tsv"),
    script:
        "../workflow/scripts/figure.py"

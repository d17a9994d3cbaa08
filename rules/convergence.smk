# Convergence-time studies on S^(d-1) (config section `convergence:`):
# sample + NTK eigenpairs -> one training job per target degree (with its prediction) -> analysis -> figures.


def study_cfg(wildcards):
    return config["convergence"][wildcards.study]


def study_degree_files(wildcards):
    return expand("results/convergence/{study}/train/degree_{degree}.nc", study=wildcards.study,
                  degree=sorted(config["convergence"][wildcards.study]["target"]["degrees"]))


rule convergence_sample:
    """Points on the sphere (uniform or hemisphere density) and the model's analytic NTK eigenpairs."""
    output:
        points="results/convergence/{study}/data/points.nc",
    params:
        study=lambda wc: {k: study_cfg(wc)[k] for k in ("data", "model")},
        device=config["device"],
    resources:
        gpu=use_gpu(),
    threads: 2
    log:
        "results/convergence/{study}/logs/sample.log",
    benchmark:
        "results/convergence/{study}/benchmarks/sample.tsv"
    script:
        "../workflow/scripts/convergence_sample.py"


rule convergence_train:
    """One ensemble (a run per seed) on the zonal harmonic of one degree, with the runs' predictions."""
    input:
        points="results/convergence/{study}/data/points.nc",
    output:
        runs="results/convergence/{study}/train/degree_{degree}.nc",
    params:
        # everything that shapes a run except the degree list, so a new degree trains only itself
        study=lambda wc: {**{k: study_cfg(wc)[k] for k in ("data", "model", "train")},
                          "target": {k: v for k, v in study_cfg(wc)["target"].items() if k != "degrees"}},
        device=config["device"],
        compile=config["compile"],
        # only two-layer nets on the circle can take the arc step; the others do not depend on the key
        step=lambda wc: config["circle_step"] if (study_cfg(wc)["data"]["dim"] == 2
                                                  and study_cfg(wc)["model"]["kind"] == "two_layer") else "dense",
    resources:
        gpu=use_gpu(),
    threads: 1
    log:
        "results/convergence/{study}/logs/train/degree_{degree}.log",
    benchmark:
        "results/convergence/{study}/benchmarks/train/degree_{degree}.tsv"
    script:
        "../workflow/scripts/convergence_train.py"


rule convergence_analysis:
    """Measured and predicted steps vs degree, and the study's scorecard rows (C2, C6, C9, C11)."""
    input:
        runs=study_degree_files,
    output:
        convergence="results/convergence/{study}/analysis/convergence.nc",
        claims="results/convergence/{study}/analysis/claims.csv",
    params:
        study=study_cfg,
    log:
        "results/convergence/{study}/logs/analysis.log",
    benchmark:
        "results/convergence/{study}/benchmarks/analysis.tsv"
    script:
        "../workflow/scripts/convergence_analysis.py"


rule figure_steps_vs_degree:
    input:
        convergence="results/convergence/{study}/analysis/convergence.nc",
    output:
        report(
            multiext("results/convergence/{study}/figures/steps_vs_degree", *[f".{f}" for f in config["figures"]["formats"]]),
            category="convergence: {study}",
            caption="../report/steps_vs_degree.rst",
        ),
    params:
        figures=config["figures"],
        kind="steps_vs_degree",
        study=study_cfg,
    log:
        "results/convergence/{study}/logs/figures/steps_vs_degree.log",
    script:
        "../workflow/scripts/figure.py"


rule figure_sphere_eigenfunctions:
    input:
        points="results/convergence/{study}/data/points.nc",
    output:
        report(
            multiext("results/convergence/{study}/figures/sphere_eigenfunctions", *[f".{f}" for f in config["figures"]["formats"]]),
            category="convergence: {study}",
            caption="../report/sphere_eigenfunctions.rst",
        ),
    params:
        figures=config["figures"],
        kind="sphere_eigenfunctions",
    log:
        "results/convergence/{study}/logs/figures/sphere_eigenfunctions.log",
    script:
        "../workflow/scripts/figure.py"

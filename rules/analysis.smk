rule analysis:
    """Convergence steps vs kappa, fits, and this experiment's rows of the scorecard."""
    input:
        runs=train_files,
        predictions=predict_files,
        eigen="results/{exp}/ntk/ntk.nc",
    output:
        convergence="results/{exp}/analysis/convergence.nc",
        claims="results/{exp}/analysis/claims.csv",
    params:
        analysis=lambda wc: exp_cfg(wc)["analysis"],
        width=lambda wc: exp_cfg(wc)["model"]["width"],
        experiment=lambda wc: wc.exp,
    log:
        "results/{exp}/logs/analysis.log",
    benchmark:
        "results/{exp}/benchmarks/analysis.tsv"
    script:
        "../workflow/scripts/analysis.py"


rule scorecard:
    """All experiments' claims in one table (CSV and Markdown)."""
    input:
        claims=expand("results/{exp}/analysis/claims.csv", exp=list(config["experiments"])),
    output:
        csv=report("results/scorecard.csv", category="Scorecard", caption="../report/scorecard.rst"),
        md="results/scorecard.md",
    log:
        "results/logs/scorecard.log",
    benchmark:
        "results/benchmarks/scorecard.tsv"
    script:
        "../workflow/scripts/scorecard.py"

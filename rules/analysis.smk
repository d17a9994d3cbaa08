rule analysis:
    """Convergence steps vs kappa, fits, and this experiment's rows of the scorecard."""
    input:
        runs=train_files,
        predictions=predict_files,
        eigens=eigen_files,
        law=lambda wc: law_files(wc.exp),
    output:
        convergence="results/{exp}/analysis/convergence.nc",
        claims="results/{exp}/analysis/claims.csv",
    params:
        analysis=lambda wc: exp_cfg(wc)["analysis"],
        width=lambda wc: exp_cfg(wc)["model"]["width"],
        experiment=lambda wc: wc.exp,
        data_seeds=lambda wc: data_seeds(wc.exp),
    log:
        "results/{exp}/logs/analysis.log",
    benchmark:
        "results/{exp}/benchmarks/analysis.tsv"
    script:
        "../workflow/scripts/analysis.py"


rule region_law:
    """Per-region convergence predicted from the NTK alone over many point samples and thresholds."""
    output:
        law="results/{exp}/analysis/region_law.nc",
    params:
        # only what the prediction depends on, so e.g. a new tolerance or replicate does not rerun it
        exp=lambda wc: {"data": {k: v for k, v in exp_cfg(wc)["data"].items() if k != "replicates"},
                        "target": exp_cfg(wc)["target"],
                        "analysis": {k: exp_cfg(wc)["analysis"][k] for k in ("law_samples", "law_delta_factors")},
                        "model": {"bias": exp_cfg(wc)["model"]["bias"]},
                        "train": {k: exp_cfg(wc)["train"][k] for k in ("lr", "max_steps", "criterion")}},
    threads: 1
    log:
        "results/{exp}/logs/region_law.log",
    benchmark:
        "results/{exp}/benchmarks/region_law.tsv"
    script:
        "../workflow/scripts/region_law.py"


rule spectral_claims:
    """Scorecard rows C7 and C8 from every density of the `spectral:` section."""
    input:
        spectra=expand("results/spectral/{density}/spectral.nc", density=list(config["spectral"])),
    output:
        claims="results/spectral/claims.csv",
    params:
        spectral=config["spectral"],
    log:
        "results/spectral/logs/claims.log",
    benchmark:
        "results/spectral/benchmarks/claims.tsv"
    script:
        "../workflow/scripts/spectral_claims.py"


rule depth_claims:
    """Scorecard rows C3 (every depth), C4 and C10 from the depth spectra."""
    input:
        spectra=expand("results/depth/{sphere}/spectrum.nc", sphere=list(config["depth_spectra"])),
    output:
        claims="results/depth/claims.csv",
    params:
        depth=config["depth_spectra"],
    log:
        "results/depth/logs/claims.log",
    benchmark:
        "results/depth/benchmarks/claims.tsv"
    script:
        "../workflow/scripts/depth_claims.py"


rule scorecard:
    """All experiments' claims in one table (CSV and Markdown)."""
    input:
        claims=claim_files(),
    output:
        csv=report("results/scorecard.csv", category="Scorecard", caption="../report/scorecard.rst"),
        md="results/scorecard.md",
    log:
        "results/logs/scorecard.log",
    benchmark:
        "results/benchmarks/scorecard.tsv"
    script:
        "../workflow/scripts/scorecard.py"

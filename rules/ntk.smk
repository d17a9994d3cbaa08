rule ntk:
    """Analytic two-layer NTK on the samples: float64 eigenpairs and the grid spectrum."""
    input:
        points="results/{exp}/data/sample.nc",
    output:
        eigen="results/{exp}/ntk/ntk.nc",
    params:
        model=lambda wc: {"bias": exp_cfg(wc)["model"]["bias"]},
        ntk=lambda wc: exp_cfg(wc)["ntk"],
    threads: 2
    log:
        "results/{exp}/logs/ntk.log",
    benchmark:
        "results/{exp}/benchmarks/ntk.tsv"
    script:
        "../workflow/scripts/ntk.py"

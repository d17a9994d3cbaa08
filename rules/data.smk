rule sample:
    """Training points on the circle with their density (one file per data seed)."""
    output:
        points="results/{exp}/data/sample_d{dseed}.nc",
    params:
        data=lambda wc: {**{k: v for k, v in exp_cfg(wc)["data"].items() if k != "replicates"}, "seed": int(wc.dseed)},
    log:
        "results/{exp}/logs/sample_d{dseed}.log",
    benchmark:
        "results/{exp}/benchmarks/sample_d{dseed}.tsv"
    script:
        "../workflow/scripts/sample.py"

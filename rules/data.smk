rule sample:
    """Training points on the circle with their density."""
    output:
        points="results/{exp}/data/sample.nc",
    params:
        data=lambda wc: exp_cfg(wc)["data"],
    log:
        "results/{exp}/logs/sample.log",
    benchmark:
        "results/{exp}/benchmarks/sample.tsv"
    script:
        "../workflow/scripts/sample.py"

rule predict:
    """Linearised-GD prediction of one kappa's runs from the NTK eigenpairs.

    The learning rate, steps and criterion are read from the training file, so prediction
    and measurement cannot disagree on them (the job reruns whenever that file changes).
    """
    input:
        runs="results/{exp}/train/kappa_{kappa}_d{dseed}.nc",
        eigen="results/{exp}/ntk/ntk_d{dseed}.nc",
    output:
        prediction="results/{exp}/predict/kappa_{kappa}_d{dseed}.nc",
    threads: 1
    log:
        "results/{exp}/logs/predict/kappa_{kappa}_d{dseed}.log",
    benchmark:
        "results/{exp}/benchmarks/predict/kappa_{kappa}_d{dseed}.tsv"
    script:
        "../workflow/scripts/predict.py"

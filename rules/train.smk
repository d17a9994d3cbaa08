rule train:
    """One batched ensemble (a run per seed) trained on sin(kappa theta).

    One job per kappa, so adding a kappa to the list trains only the new one; the params
    hold everything that shapes a run except the kappa list itself.
    """
    input:
        points="results/{exp}/data/sample_d{dseed}.nc",
    output:
        runs="results/{exp}/train/kappa_{kappa}_d{dseed}.nc",
    params:
        model=lambda wc: exp_cfg(wc)["model"],
        target=lambda wc: {k: v for k, v in exp_cfg(wc)["target"].items() if k != "kappas"},
        train=lambda wc: exp_cfg(wc)["train"],
        device=config["device"],
        compile=config["compile"],
        step=config["circle_step"],
    resources:
        gpu=use_gpu(),
    threads: 1
    log:
        "results/{exp}/logs/train/kappa_{kappa}_d{dseed}.log",
    benchmark:
        "results/{exp}/benchmarks/train/kappa_{kappa}_d{dseed}.tsv"
    script:
        "../workflow/scripts/train.py"

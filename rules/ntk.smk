rule ntk:
    """Analytic two-layer NTK on the samples: float64 eigenpairs and the grid spectrum."""
    input:
        points="results/{exp}/data/sample_d{dseed}.nc",
    output:
        eigen="results/{exp}/ntk/ntk_d{dseed}.nc",
    params:
        model=lambda wc: {"bias": exp_cfg(wc)["model"]["bias"]},
        ntk=lambda wc: exp_cfg(wc)["ntk"],
        device=config["device"],
    resources:
        gpu=use_gpu(),
    threads: 2
    log:
        "results/{exp}/logs/ntk_d{dseed}.log",
    benchmark:
        "results/{exp}/benchmarks/ntk_d{dseed}.tsv"
    script:
        "../workflow/scripts/ntk.py"


rule spectral:
    """NTK eigenfunctions under one density of the config's `spectral:` section."""
    output:
        spectrum="results/spectral/{density}/spectral.nc",
    params:
        spectral=lambda wc: config["spectral"][wc.density],
    threads: 2
    log:
        "results/spectral/{density}/logs/spectral.log",
    benchmark:
        "results/spectral/{density}/benchmarks/spectral.tsv"
    script:
        "../workflow/scripts/spectral.py"


rule depth_spectrum:
    """Deep ReLU NTK eigenvalues vs depth on one sphere of the config's `depth_spectra:` section."""
    output:
        spectrum="results/depth/{sphere}/spectrum.nc",
    params:
        depth=lambda wc: config["depth_spectra"][wc.sphere],
    log:
        "results/depth/{sphere}/logs/spectrum.log",
    benchmark:
        "results/depth/{sphere}/benchmarks/spectrum.tsv"
    script:
        "../workflow/scripts/depth_spectrum.py"

# The real-data study (config section `realdata:`, package specbias.studies.realdata), under
# results/realdata/<name>/: the images once -> kernels and their eigenpairs -> the trained ensemble
# with its records -> band energies, filtering, pair metrics and claims C24-C28 -> figures.

realdata = STUDY["realdata"]


rule realdata_data:
    """The entry's images (subset, normalised) as NetCDF: every later job reads these bytes."""
    output:
        data=realdata.path("data.nc"),
    params:
        study=realdata.part("data"),
    log:
        realdata.path("logs/data.log"),
    benchmark:
        realdata.path("benchmarks/data.tsv")
    script:
        "../workflow/scripts/realdata_data.py"


rule realdata_kernels:
    """Gaussian kernel, analytic NTK (p2_mlp) and each seed's empirical NTK at initialisation, with eigenpairs."""
    input:
        data=realdata.path("data.nc"),
    output:
        kernels=realdata.path("kernels.nc"),
    params:
        study=realdata.part("kernels"),
        device=config["device"],
    resources:
        gpu=use_gpu(),
    threads: 1
    priority: 10
    log:
        realdata.path("logs/kernels.log"),
    benchmark:
        realdata.path("benchmarks/kernels.tsv")
    script:
        "../workflow/scripts/realdata_kernels.py"


rule realdata_train:
    """The seeded ensemble, with outputs on the kernel points and P2's pair metrics at every record."""
    input:
        data=realdata.path("data.nc"),
        kernels=realdata.path("kernels.nc"),
    output:
        train=realdata.path("train.nc"),
    params:
        study=realdata.part("train"),
        device=config["device"],
    resources:
        gpu=use_gpu(),
    threads: 1
    priority: 10
    log:
        realdata.path("logs/train.log"),
    benchmark:
        realdata.path("benchmarks/train.tsv")
    script:
        "../workflow/scripts/realdata_train.py"


rule realdata_analysis:
    """Band energies per kernel, the linearised prediction, filtering errors, pair summaries; C24-C28."""
    input:
        data=realdata.path("data.nc"),
        kernels=realdata.path("kernels.nc"),
        train=realdata.path("train.nc"),
    output:
        table=realdata.path("analysis/realdata.nc"),
        claims=realdata.path("analysis/claims.csv"),
    params:
        study=realdata.entry,
    log:
        realdata.path("logs/analysis.log"),
    benchmark:
        realdata.path("benchmarks/analysis.tsv")
    script:
        "../workflow/scripts/realdata_analysis.py"


rule realdata_figures:
    """Every figure of an entry in one job."""
    input:
        table=realdata.path("analysis/realdata.nc"),
        train=realdata.path("train.nc"),
    output:
        report([f for fig in realdata.figure_names for f in figure_outputs(realdata.path(f"figures/{fig}"))],
               category="realdata {realdata}", caption="../report/realdata.rst"),
    params:
        figures=config["figures"],
        section="realdata",
        names=list(realdata.figure_names),
        threshold=realdata.threshold,
    log:
        realdata.path("logs/figures.log"),
    benchmark:
        realdata.path("benchmarks/figures.tsv")
    script:
        "../workflow/scripts/figures.py"

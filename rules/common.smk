# Config helpers, target lists and named input functions.
import shutil

from specbias.config import ConfigError, load_schema, validate


def validate_config(cfg, schema_path):
    """Validate (filling defaults) before any job runs; a bad key stops here with its path."""
    try:
        validate(cfg, load_schema(schema_path))
    except ConfigError as exc:
        raise WorkflowError(str(exc)) from None


wildcard_constraints:
    exp="[A-Za-z][A-Za-z0-9_]*",
    density="[A-Za-z][A-Za-z0-9_]*",
    sphere="[A-Za-z][A-Za-z0-9_]*",
    kappa="[0-9]+",
    dseed="[0-9]+",
    study="[A-Za-z][A-Za-z0-9_]*",
    cstudy="[A-Za-z][A-Za-z0-9_]*",
    group="[A-Za-z][A-Za-z0-9_+]*",
    degree="[0-9]+",


def exp_cfg(wildcards):
    return config["experiments"][wildcards.exp]


def kappas(exp):
    return sorted(config["experiments"][exp]["target"]["kappas"])


def use_gpu():
    """Request the gpu resource only where a GPU can be used (device cuda, or auto with one present)."""
    dev = config["device"]
    return int(dev == "cuda" or (dev == "auto" and shutil.which("nvidia-smi") is not None))


FIGURES = ["heatmap", "convergence", "ntk_spectrum"]


def per_region(exp):
    return config["experiments"][exp]["train"]["criterion"]["kind"] == "per_region"


def law_files(exp):
    """The NTK-only region-law file of a per-region experiment (none when law_samples is 0)."""
    return [f"results/{exp}/analysis/region_law.nc"] if per_region(exp) and config["experiments"][exp]["analysis"]["law_samples"] else []


def figure_files(exp):
    figs = FIGURES + (["region_convergence"] if per_region(exp) else [])
    return expand("results/{exp}/figures/{fig}.{fmt}", exp=exp, fig=figs, fmt=config["figures"]["formats"])


SPECTRAL_FIGURES = ["eigenfunctions"]


def spectral_figure_files(name):
    figs = list(SPECTRAL_FIGURES)
    cfg = config["spectral"][name]
    if cfg["density"]["kind"] == "piecewise" and len(cfg["density"]["weights"]) > 1:
        figs.append("local_frequency")
    if cfg.get("projection_kappa"):
        figs.append("projection")
    return expand("results/spectral/{name}/figures/{fig}.{fmt}", name=name, fig=figs, fmt=config["figures"]["formats"])


def claim_files():
    out = expand("results/{exp}/analysis/claims.csv", exp=list(config["experiments"]))
    if config["spectral"]:
        out.append("results/spectral/claims.csv")
    if config["depth_spectra"]:
        out.append("results/depth/claims.csv")
    out += expand("results/convergence/{study}/analysis/claims.csv", study=list(config["convergence"]))
    out += expand("results/coordinate/{cstudy}/analysis/claims.csv", cstudy=list(config["coordinate"]))
    return out


def convergence_figure_files(study):
    figs = ["steps_vs_degree"] + (["sphere_eigenfunctions"] if config["convergence"][study]["data"]["dim"] == 3 else [])
    return expand("results/convergence/{study}/figures/{fig}.{fmt}", study=study, fig=figs, fmt=config["figures"]["formats"])


def all_targets():
    out = ["results/scorecard.csv", "results/scorecard.md"]
    for exp in config["experiments"]:
        out += figure_files(exp)
    for name in config["spectral"]:
        out += spectral_figure_files(name)
    if config["spectral"]:
        out += expand("results/spectral/figures/eigenvalue_law.{fmt}", fmt=config["figures"]["formats"])
    out += expand("results/depth/{sphere}/figures/depth_spectrum.{fmt}", sphere=list(config["depth_spectra"]),
                  fmt=config["figures"]["formats"])
    for study in config["convergence"]:
        out += convergence_figure_files(study)
    out += expand("results/coordinate/{cstudy}/figures/{cfig}.{fmt}", cstudy=list(config["coordinate"]),
                  cfig=COORD_FIGURES, fmt=config["figures"]["formats"])
    return out


def data_seeds(exp):
    """The point samples of an experiment: data.seed, data.seed + 1, ... (data.replicates of them)."""
    data = config["experiments"][exp]["data"]
    return [data["seed"] + r for r in range(data["replicates"])]


def _per_sample(pattern, wildcards, first_only):
    seeds = data_seeds(wildcards.exp)[:1] if first_only else data_seeds(wildcards.exp)
    # data seed outermost, kappa inner: the analysis script splits the list by data seed
    return [f for d in seeds for f in expand(pattern, exp=wildcards.exp, kappa=kappas(wildcards.exp), dseed=d)]


def train_files(wildcards, first_only=False):
    return _per_sample("results/{exp}/train/kappa_{kappa}_d{dseed}.nc", wildcards, first_only)


def predict_files(wildcards, first_only=False):
    return _per_sample("results/{exp}/predict/kappa_{kappa}_d{dseed}.nc", wildcards, first_only)


def eigen_files(wildcards):
    return expand("results/{exp}/ntk/ntk_d{dseed}.nc", exp=wildcards.exp, dseed=data_seeds(wildcards.exp))

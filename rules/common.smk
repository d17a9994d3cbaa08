# Config validation, wildcards, and the input and target functions of every study's rules (one
# block per study: Snakemake's lint wants rules and functions in separate files).  The rules are in
# rules/<study>.smk; each study's block defines <study>_targets() and <study>_claim_files().
import shutil

from snakemake.logging import logger

from specbias import preflight
from specbias.config import ConfigError, load_schema, validate
from specbias.studies import STUDIES
from specbias.studies import convergence as convergence_study
from specbias.studies import coordinate as coordinate_study
from specbias.studies import holdout as holdout_study
from specbias.studies import lazy as lazy_study


def validate_config(cfg, schema_path):
    """Validate (filling defaults) and run the pre-flight checks before any job runs; a bad key
    stops here with its path.  The pre-flight checks run in the process that plans the jobs, not
    again in every job's own Snakemake process."""
    try:
        validate(cfg, load_schema(schema_path))
        if workflow.is_main_process:
            preflight.check(cfg)
            studies = "; ".join(f"{s}: {', '.join(cfg[s])}" for s in STUDIES if cfg.get(s))
            logger.info(f"specbias: config checked (schema and pre-flight); studies in this run: {studies}")
    except ConfigError as exc:
        raise WorkflowError(str(exc)) from None


NAME = "[A-Za-z][A-Za-z0-9_]*"


wildcard_constraints:
    spectral=NAME,
    depth=NAME,
    convergence=NAME,
    coordinate=NAME,
    kernels=NAME,
    holdout=NAME,
    lazy=NAME,
    width="[0-9]+",
    hfig="psnr_curves|reconstructions|kernel",
    kappa="[0-9]+",
    dseed="[0-9]+",
    group="[A-Za-z][A-Za-z0-9_+]*",


def use_gpu():
    """Request the gpu resource only where a GPU can be used (device cuda, or auto with one present)."""
    dev = config["device"]
    return int(dev == "cuda" or (dev == "auto" and shutil.which("nvidia-smi") is not None))


def figure_outputs(stem):
    """A figure in every configured format: ``stem`` + .png, .pdf, ..."""
    return multiext(stem, *[f".{f}" for f in config["figures"]["formats"]])


def figure_files(pattern, **wildcards):
    return expand(f"{pattern}.{{fmt}}", fmt=config["figures"]["formats"], **wildcards)


def all_targets():
    out = ["results/scorecard.csv", "results/scorecard.md", "results/scorecard.html"]
    for targets in (convergence_targets, spectral_targets, depth_targets, holdout_targets, coordinate_targets, kernels_targets,
                    lazy_targets):
        out += targets()
    return out


def claim_files():
    out = []
    for files in (convergence_claim_files, spectral_claim_files, depth_claim_files, coordinate_claim_files, kernels_claim_files,
                  holdout_claim_files, lazy_claim_files):
        out += files()
    return out


# ---- spectral ----------------------------------------------------------------------------------

def spectral_targets():
    out = []
    for name, cfg in config["spectral"].items():
        figs = ["eigenfunctions"]
        if cfg["density"]["kind"] == "piecewise" and len(cfg["density"]["weights"]) > 1:
            figs.append("local_frequency")
        if cfg.get("projection_kappa"):
            figs.append("projection")
        out += figure_files("results/spectral/{spectral}/figures/{fig}", spectral=name, fig=figs)
    if config["spectral"]:
        out += figure_files("results/spectral/figures/eigenvalue_law")
    return out


def spectral_claim_files():
    return ["results/spectral/claims.csv"] if config["spectral"] else []


# ---- depth -------------------------------------------------------------------------------------

def depth_targets():
    return figure_files("results/depth/{depth}/figures/depth_spectrum", depth=list(config["depth"]))


def depth_claim_files():
    return ["results/depth/claims.csv"] if config["depth"] else []


# ---- convergence -------------------------------------------------------------------------------

def convergence_cfg(wildcards):
    return config["convergence"][wildcards.convergence]


def convergence_kappas(name):
    return sorted(config["convergence"][name]["target"]["kappas"])


def convergence_seeds(name):
    return convergence_study.data_seeds(config["convergence"][name])


def _per_sample(pattern, wildcards, first_only):
    name = wildcards.convergence
    seeds = convergence_seeds(name)[:1] if first_only else convergence_seeds(name)
    # data seed outermost, kappa inner: the analysis script splits the list by data seed
    return [f for d in seeds for f in expand(pattern, convergence=name, kappa=convergence_kappas(name), dseed=d)]


def convergence_train_files(wildcards, first_only=False):
    return _per_sample("results/convergence/{convergence}/train/kappa_{kappa}_d{dseed}.nc", wildcards, first_only)


def convergence_predict_files(wildcards, first_only=False):
    return _per_sample("results/convergence/{convergence}/predict/kappa_{kappa}_d{dseed}.nc", wildcards, first_only)


def convergence_eigen_files(wildcards):
    return expand("results/convergence/{convergence}/ntk/ntk_d{dseed}.nc", convergence=wildcards.convergence,
                  dseed=convergence_seeds(wildcards.convergence))


def convergence_train_inputs(wildcards):
    """The sample, and its NTK file when the learning rate is relative to the largest eigenvalue."""
    name, d = wildcards.convergence, wildcards.dseed
    out = {"points": f"results/convergence/{name}/data/sample_d{d}.nc"}
    if convergence_study.relative_lr(config["convergence"][name]):
        out["eigen"] = f"results/convergence/{name}/ntk/ntk_d{d}.nc"
    return out


def convergence_law_files(wildcards):
    """The NTK-only region-law file of a per-region circle entry (none when law_samples is 0)."""
    return [f"results/convergence/{wildcards.convergence}/analysis/region_law.nc"] if convergence_study.has_law(convergence_cfg(wildcards)) else []


def convergence_reference_files(wildcards):
    """The analysis file of the entry named by analysis.compare_to (claims C18/C19), if any."""
    other = convergence_study.comparison(convergence_cfg(wildcards))
    return [f"results/convergence/{other}/analysis/convergence.nc"] if other else []


def convergence_figures(cfg):
    """The figures of one entry: those its options produce data for."""
    figs = ["steps"]
    if convergence_study.records_spectra(cfg):
        figs.append("heatmap")
    if cfg["train"]["kernel_records"]["probe"] > 0:
        figs.append("kernel")
    if convergence_study.has_operator_spectrum(cfg):
        figs.append("ntk_spectrum")
    if convergence_study.per_region(cfg):
        figs.append("region_convergence")
    if cfg["data"]["domain"] == "sphere" and cfg["data"]["dim"] == 3:
        figs.append("sphere_eigenfunctions")
    return figs


def convergence_targets():
    out = []
    for name, cfg in config["convergence"].items():
        out += figure_files("results/convergence/{convergence}/figures/{fig}", convergence=name, fig=convergence_figures(cfg))
    return out


def convergence_claim_files():
    return expand("results/convergence/{convergence}/analysis/claims.csv", convergence=list(config["convergence"]))


# ---- coordinate --------------------------------------------------------------------------------

COORDINATE_FIGURES = ["heatmaps", "statistics", "learning", "dead_units", "reconstructions", "kernel"]


def coordinate_cfg(wildcards):
    return config["coordinate"][wildcards.coordinate]


def coordinate_groups(name):
    return coordinate_study.encoding_groups(config["coordinate"][name])


def coordinate_run_files(wildcards):
    return expand("results/coordinate/{coordinate}/train/{group}.nc", coordinate=wildcards.coordinate,
                  group=list(coordinate_groups(wildcards.coordinate)))


def coordinate_group_study(wildcards):
    return coordinate_study.train_params(coordinate_cfg(wildcards), coordinate_groups(wildcards.coordinate)[wildcards.group])


def coordinate_targets():
    out = []
    for name, cfg in config["coordinate"].items():  # the kernel figure where the kernel is recorded
        figs = [f for f in COORDINATE_FIGURES if f != "kernel" or cfg["train"]["kernel_records"]["probe"] > 0]
        out += figure_files("results/coordinate/{coordinate}/figures/{fig}", coordinate=name, fig=figs)
    return out


def coordinate_claim_files():
    return expand("results/coordinate/{coordinate}/analysis/claims.csv", coordinate=list(config["coordinate"]))


# ---- kernels ---------------------------------------------------------------------------------------


def kernels_targets():
    return figure_files("results/kernels/{kernels}/figures/spectra", kernels=list(config["kernels"]))


def kernels_claim_files():
    return ["results/kernels/claims.csv"] if config["kernels"] else []


# ---- holdout -----------------------------------------------------------------------------------

def holdout_cfg(wildcards):
    return config["holdout"][wildcards.holdout]


def holdout_groups(name):
    return holdout_study.variant_groups(config["holdout"][name])


def holdout_run_files(wildcards):
    return expand("results/holdout/{holdout}/train/{group}.nc", holdout=wildcards.holdout, group=list(holdout_groups(wildcards.holdout)))


def holdout_targets():
    files = []
    for name, cfg in config["holdout"].items():  # the kernel figure where the jobs record kernels
        figs = ["psnr_curves", "reconstructions"] + (["kernel"] if cfg["train"]["kernel_records"]["probe"] > 0 else [])
        files += figure_files("results/holdout/{holdout}/figures/{fig}", holdout=[name], fig=figs)
    return files


def holdout_claim_files():
    return expand("results/holdout/{holdout}/analysis/claims.csv", holdout=list(config["holdout"]))



# ---- lazy --------------------------------------------------------------------------------------

def lazy_cfg(wildcards):
    return config["lazy"][wildcards.lazy]


def lazy_run_files(wildcards):
    return expand("results/lazy/{lazy}/train/width_{width}.nc", lazy=wildcards.lazy, width=config["lazy"][wildcards.lazy]["widths"])


def lazy_targets():
    return figure_files("results/lazy/{lazy}/figures/kernel_change", lazy=list(config["lazy"]))


def lazy_claim_files():
    return expand("results/lazy/{lazy}/analysis/claims.csv", lazy=list(config["lazy"]))

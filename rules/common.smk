# Config validation, wildcards and targets, from the registered studies (specbias.studies): every
# study is bound to this run's config as STUDY[<section>]; its rules file (rules/<section>.smk)
# takes its paths, input and params functions from that object.  Nothing here names a study.
import os
import shutil

from snakemake.logging import logger

from specbias import preflight, schema, studies
from specbias.config import ConfigError, validate

try:  # a config's own plug-ins (studies, activations, densities) register themselves on import
    studies.load_plugins(config.get("plugins"))
except ConfigError as exc:
    raise WorkflowError(str(exc)) from None

STUDY = studies.bind(config)


def validate_config(cfg):
    """Validate against the assembled schema (every registered study's section, filling defaults)
    and run the pre-flight checks before any job runs; a bad key stops here with its path.  The pre-flight checks run in the process that plans the jobs, not
    again in every job's own Snakemake process."""
    try:
        validate(cfg, schema.assemble())
        if workflow.is_main_process:
            preflight.check(cfg)
            listed = "; ".join(f"{s}: {', '.join(study.entries)}" for s, study in STUDY.items() if study.entries)
            logger.info(f"specbias: config checked (schema and pre-flight); studies in this run: {listed}")
    except ConfigError as exc:
        raise WorkflowError(str(exc)) from None


NAME = "[A-Za-z][A-Za-z0-9_]*"

# every study's wildcard is an entry name; the other wildcards are the stages' own
workflow.global_wildcard_constraints(**{section: NAME for section in STUDY})


wildcard_constraints:
    width="[0-9]+",
    kappa="[0-9]+",
    dseed="[0-9]+",
    group="[A-Za-z][A-Za-z0-9_+]*",


def use_gpu():
    """Request the gpu resource only where a GPU can be used (device cuda, or auto with one present)."""
    dev = config["device"]
    return int(dev == "cuda" or (dev == "auto" and shutil.which("nvidia-smi") is not None))


#: the script of every figure rule (a plug-in's rules file outside this folder names it too)
FIGURE_SCRIPT = os.path.join(workflow.basedir, "workflow", "scripts", "figure.py")


def figure_outputs(stem):
    """A figure in every configured format: ``stem`` + .png, .pdf, ..."""
    return multiext(stem, *[f".{f}" for f in config["figures"]["formats"]])


def all_targets():
    out = ["results/scorecard.csv", "results/scorecard.md", "results/scorecard.html"]
    for study in STUDY.values():
        out += study.targets()
    return out


def claim_files():
    return [path for study in STUDY.values() for path in study.claim_files()]

# The config files of a run, read strictly before Snakemake merges them (its own reading lets a
# duplicated key win silently).  One rule for how they combine, whatever the working directory:
# the workflow's config.yaml first, then every --configfile in order, then --config; with
# --replace-workflow-config the workflow's config.yaml is left out.
import os

from specbias.config import ConfigError, check_config_files

WORKFLOW_CONFIG = os.path.join(workflow.basedir, "config.yaml")

try:
    check_config_files([WORKFLOW_CONFIG, *workflow.overwrite_configfiles])
except ConfigError as exc:
    raise WorkflowError(str(exc)) from None

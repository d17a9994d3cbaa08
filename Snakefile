# specbias: sample -> train -> ntk -> predict -> analysis -> figures (see README.md).
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "rules/common.smk"


validate_config(config, workflow.source_path("schemas/config.schema.yaml"))


include: "rules/data.smk"
include: "rules/train.smk"
include: "rules/ntk.smk"
include: "rules/predict.smk"
include: "rules/analysis.smk"
include: "rules/figures.smk"
include: "rules/convergence.smk"
include: "rules/coordinate.smk"


rule all:
    input:
        all_targets(),
    default_target: True

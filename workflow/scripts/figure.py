"""Figure rules: one figure of one study, every configured format (the study's figure table draws it)."""
from specbias.runtime import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821

from pathlib import Path  # noqa: E402

from specbias import figures, studies  # noqa: E402

sm = snakemake  # noqa: F821
studies.load_plugins(sm.config.get("plugins"))  # a plug-in study draws its own figures
fig = studies.get(sm.params.section)(sm.config).draw(sm.params.figure, sm)
figures.save(fig, Path(sm.output[0]).with_suffix(""), sm.params.figures["formats"], sm.params.figures["dpi"])

"""Figure rules: one figure of one study, every configured format (the study's figure table draws it)."""
from specbias.jobserver import delegate

delegate()  # the rest of the job in the run's warm job server, where one serves it (docs/speed.md)

from specbias.runtime import setup_logging  # noqa: E402

setup_logging(snakemake.log[0])  # noqa: F821

from pathlib import Path  # noqa: E402

from specbias import figures, studies  # noqa: E402

sm = snakemake  # noqa: F821
studies.load_plugins(sm.config.get("plugins"))  # a plug-in study draws its own figures
fig = studies.get(sm.params.section)(sm.config).draw(sm.params.figure, sm)
figures.save(fig, Path(sm.output[0]).with_suffix(""), sm.params.figures["formats"], sm.params.figures["dpi"])

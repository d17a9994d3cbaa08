"""Figure rules that draw several figures of one entry in one job (each in every configured format)."""
from specbias.jobserver import delegate

delegate()  # the rest of the job in the run's warm job server, where one serves it (docs/speed.md)

from specbias.runtime import setup_logging  # noqa: E402

setup_logging(snakemake.log[0])  # noqa: F821

from pathlib import Path  # noqa: E402

from specbias import figures, studies  # noqa: E402

sm = snakemake  # noqa: F821
studies.load_plugins(sm.config.get("plugins"))
study = studies.get(sm.params.section)(sm.config)
folder = Path(sm.output[0]).parent
for name in sm.params.names:
    figures.save(study.draw(name, sm), folder / name, sm.params.figures["formats"], sm.params.figures["dpi"])

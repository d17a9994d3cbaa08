"""Rule lazy_analysis: kernel change and linearisation against width, and claim C22."""
from specbias.jobserver import delegate

delegate()  # the rest of the job in the run's warm job server, where one serves it (docs/speed.md)

from specbias.runtime import setup_logging  # noqa: E402

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import claims, io  # noqa: E402
from specbias.studies.lazy import stages as lazy  # noqa: E402

sm = snakemake  # noqa: F821
table, rows = lazy.analyse(lazy.read_runs(sm.input.runs), sm.wildcards.lazy, lazy.typed(sm.params.study))
io.write(table, sm.output.table)
io.write_csv(claims.claims_frame(rows), sm.output.claims)

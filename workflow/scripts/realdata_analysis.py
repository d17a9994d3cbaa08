"""Rule realdata_analysis: band energies, linearised prediction, filtering, pair summaries, claims."""
from specbias.jobserver import delegate

delegate()  # the rest of the job in the run's warm job server, where one serves it (docs/speed.md)

from specbias.runtime import setup_logging  # noqa: E402

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import claims, io  # noqa: E402
from specbias.studies.realdata import analysis, stages  # noqa: E402

sm = snakemake  # noqa: F821
table, rows = analysis.analyse(stages.typed(sm.params.study), sm.wildcards.realdata, io.read(sm.input.data),
                               io.read(sm.input.kernels), io.read(sm.input.train))
io.write(table, sm.output.table)
io.write_csv(claims.claims_frame(rows), sm.output.claims)

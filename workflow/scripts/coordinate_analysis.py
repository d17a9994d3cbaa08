"""Rule coordinate_analysis: learning epochs and claims C12-C15."""
from specbias.jobserver import delegate

delegate()  # the rest of the job in the run's warm job server, where one serves it (docs/speed.md)

from specbias.runtime import setup_logging  # noqa: E402

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import claims, io  # noqa: E402
from specbias.studies.coordinate import stages as coordinate  # noqa: E402

sm = snakemake  # noqa: F821
study = coordinate.typed(sm.params.study)
runs = coordinate.read_runs(sm.input.runs, list(study.encodings))
learning, rows = coordinate.analyse(runs, sm.wildcards.coordinate, study)
io.write(learning, sm.output.learning)
io.write_csv(claims.claims_frame(rows), sm.output.claims)

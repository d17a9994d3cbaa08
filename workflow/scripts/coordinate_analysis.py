"""Rule coordinate_analysis: learning epochs and claims C12-C15."""
from specbias.runtime import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import claims, io, stages_coord  # noqa: E402

sm = snakemake  # noqa: F821
learning, rows = stages_coord.analyse(io.coord_runs(sm.input.runs, list(sm.params.study["encodings"])), sm.wildcards.cstudy, sm.params.study)
io.write(learning, sm.output.learning)
io.write_csv(claims.claims_frame(rows), sm.output.claims)

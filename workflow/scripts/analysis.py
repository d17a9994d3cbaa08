"""Rule analysis: convergence table, fits, and this experiment's claims."""
from specbias.runtime import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import io, stages  # noqa: E402

sm = snakemake  # noqa: F821
trains = [io.read(p) for p in sm.input.runs]
predicts = [io.read(p) for p in sm.input.predictions]
conv, claims = stages.analyse(trains, predicts, io.read(sm.input.eigen), sm.params.experiment, sm.params.analysis, sm.params.width)
io.write(conv, sm.output.convergence)
io.write_csv(claims, sm.output.claims)

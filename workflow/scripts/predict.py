"""Rule predict: linearised-GD prediction of one kappa's runs."""
from specbias.runtime import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import io, stages  # noqa: E402

sm = snakemake  # noqa: F821
io.write(stages.predict(io.read(sm.input.runs), io.read(sm.input.eigen)), sm.output.prediction)

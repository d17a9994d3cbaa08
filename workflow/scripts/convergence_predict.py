"""Rule convergence_predict: the linearised-GD prediction of one kappa's runs."""
from specbias.runtime import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import io  # noqa: E402
from specbias.studies.convergence import stages as convergence  # noqa: E402

sm = snakemake  # noqa: F821
io.write(convergence.predict(io.read(sm.input.runs), io.read(sm.input.eigen)), sm.output.prediction)

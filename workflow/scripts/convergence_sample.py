"""Rule convergence_sample: the points of one sample (one file per data seed)."""
from specbias.runtime import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import io  # noqa: E402
from specbias.studies.convergence import stages as convergence  # noqa: E402

sm = snakemake  # noqa: F821
io.write(convergence.sample(sm.params.data), sm.output.points)

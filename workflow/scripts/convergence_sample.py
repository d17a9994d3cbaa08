"""Rule convergence_sample: points on the sphere and the model's NTK eigenpairs."""
from specbias.runtime import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import io  # noqa: E402
from specbias.studies import convergence  # noqa: E402

sm = snakemake  # noqa: F821
io.write(convergence.sample(sm.params.study, sm.params.device), sm.output.points)

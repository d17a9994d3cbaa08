"""Rule convergence_sample: points on S^(d-1) and the NTK eigenpairs on them."""
from specbias.runtime import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import io, stages_sphere  # noqa: E402

sm = snakemake  # noqa: F821
io.write(stages_sphere.sample(sm.params.study, sm.params.device), sm.output.points)

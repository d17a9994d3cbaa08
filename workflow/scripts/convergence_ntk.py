"""Rule convergence_ntk: the model's analytic NTK on one sample and its eigenpairs."""
from specbias.jobserver import delegate

delegate()  # the rest of the job in the run's warm job server, where one serves it (docs/speed.md)

from specbias.runtime import setup_logging  # noqa: E402

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import io  # noqa: E402
from specbias.studies.convergence import stages as convergence  # noqa: E402

sm = snakemake  # noqa: F821
io.write(convergence.ntk_eigen(io.read(sm.input.points), convergence.typed(sm.params.study), sm.params.device), sm.output.eigen)

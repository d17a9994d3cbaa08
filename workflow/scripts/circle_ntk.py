"""Rule circle_ntk: the analytic NTK on one point sample, eigenpairs and the grid spectrum."""
from specbias.runtime import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import io  # noqa: E402
from specbias.studies import circle  # noqa: E402

sm = snakemake  # noqa: F821
io.write(circle.ntk_eigen(io.read(sm.input.points), sm.params.study, sm.params.device), sm.output.eigen)

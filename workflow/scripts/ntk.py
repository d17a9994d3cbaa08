"""Rule ntk: analytic NTK eigendecomposition on the samples."""
from specbias.runtime import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import io, stages  # noqa: E402

sm = snakemake  # noqa: F821
io.write(stages.ntk_eigen(io.read(sm.input.points), sm.params.model, sm.params.ntk, sm.params.device), sm.output.eigen)

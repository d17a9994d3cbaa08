"""Rule depth_spectrum: deep ReLU NTK eigenvalues vs depth on a sphere."""
from specbias.runtime import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import io, stages  # noqa: E402

sm = snakemake  # noqa: F821
io.write(stages.depth_spectrum(sm.params.depth), sm.output.spectrum)

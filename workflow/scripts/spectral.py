"""Rule spectral: NTK eigenfunctions under one density."""
from specbias.runtime import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import io, stages  # noqa: E402

sm = snakemake  # noqa: F821
io.write(stages.spectral(sm.params.spectral), sm.output.spectrum)

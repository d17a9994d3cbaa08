"""Rule depth_spectrum: deep ReLU NTK eigenvalues vs depth on one sphere."""
from specbias.runtime import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import io  # noqa: E402
from specbias.studies.depth import stages as depth  # noqa: E402

sm = snakemake  # noqa: F821
io.write(depth.spectrum(sm.params.study), sm.output.spectrum)

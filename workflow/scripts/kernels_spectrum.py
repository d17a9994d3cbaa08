"""Rule kernels_spectrum: NTK spectra of several activations on one sphere."""
from specbias.runtime import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import io  # noqa: E402
from specbias.studies.kernels import stages as kernels  # noqa: E402

sm = snakemake  # noqa: F821
io.write(kernels.spectrum(sm.params.study), sm.output.spectrum)

"""Rule kernels_spectrum: NTK spectra of several activations on one sphere."""
from specbias.jobserver import delegate

delegate()  # the rest of the job in the run's warm job server, where one serves it (docs/speed.md)

from specbias.runtime import setup_logging  # noqa: E402

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import io  # noqa: E402
from specbias.studies.kernels import stages as kernels  # noqa: E402

sm = snakemake  # noqa: F821
io.write(kernels.spectrum(kernels.typed(sm.params.study)), sm.output.spectrum)

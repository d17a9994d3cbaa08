"""Rule spectral_eigen: NTK eigenfunctions under one density."""
from specbias.jobserver import delegate

delegate()  # the rest of the job in the run's warm job server, where one serves it (docs/speed.md)

from specbias.runtime import setup_logging  # noqa: E402

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import io  # noqa: E402
from specbias.studies.spectral import stages as spectral  # noqa: E402

sm = snakemake  # noqa: F821
io.write(spectral.eigen(spectral.typed(sm.params.study)), sm.output.spectrum)

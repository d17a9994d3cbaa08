"""Rule depth_spectrum: deep ReLU NTK eigenvalues vs depth on one sphere."""
from specbias.jobserver import delegate

delegate()  # the rest of the job in the run's warm job server, where one serves it (docs/speed.md)

from specbias.runtime import setup_logging  # noqa: E402

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import io  # noqa: E402
from specbias.studies.depth import stages as depth  # noqa: E402

sm = snakemake  # noqa: F821
io.write(depth.spectrum(depth.typed(sm.params.study)), sm.output.spectrum)

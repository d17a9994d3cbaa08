"""Rule ring_decay_spectrum: the eigenvalues, their fit and the claim row of one entry."""
from specbias.jobserver import delegate

delegate()  # the rest of the job in the run's warm job server, where one serves it

from specbias.runtime import setup_logging  # noqa: E402

setup_logging(snakemake.log[0])  # noqa: F821

from pathlib import Path  # noqa: E402

from specbias import io  # noqa: E402
from ring_decay import stages  # noqa: E402

sm = snakemake  # noqa: F821
spec = stages.spectrum(sm.params.entry)
io.write(spec, sm.output.spectrum)
io.write_csv(stages.claim_rows(spec, Path(sm.output.spectrum).parent.name, sm.params.entry), sm.output.claims)

"""Rule depth_analysis: C3, C4 and C10 from the depth spectra."""
from specbias.jobserver import delegate

delegate()  # the rest of the job in the run's warm job server, where one serves it (docs/speed.md)

from specbias.runtime import setup_logging  # noqa: E402

setup_logging(snakemake.log[0])  # noqa: F821

from pathlib import Path  # noqa: E402

from specbias import io  # noqa: E402
from specbias.studies.depth import stages as depth  # noqa: E402

sm = snakemake  # noqa: F821
specs = {Path(p).parent.name: io.read(p) for p in sm.input.spectra}
io.write_csv(depth.claim_rows(specs, sm.params.entries), sm.output.claims)

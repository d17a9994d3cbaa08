"""Rule region_law: per-region convergence predicted from the NTK over point samples and thresholds."""
from specbias.runtime import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import io, stages  # noqa: E402

sm = snakemake  # noqa: F821
io.write(stages.region_law(sm.params.exp), sm.output.law)

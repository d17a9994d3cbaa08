"""Rule circle_sample: training points on the circle (one file per data seed)."""
from specbias.runtime import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import io  # noqa: E402
from specbias.studies import circle  # noqa: E402

sm = snakemake  # noqa: F821
io.write(circle.sample(sm.params.data), sm.output.points)

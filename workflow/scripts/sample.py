"""Rule sample: points on the circle."""
from specbias.runtime import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import io, stages  # noqa: E402

io.write(stages.sample(snakemake.params.data), snakemake.output.points)  # noqa: F821

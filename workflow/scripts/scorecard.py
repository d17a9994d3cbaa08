"""Rule scorecard: every experiment's claims in one table."""
from specbias.runtime import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import io, stages  # noqa: E402

sm = snakemake  # noqa: F821
frame, markdown = stages.scorecard([io.read_csv(p) for p in sm.input.claims])
io.write_csv(frame, sm.output.csv)
io.write_text(markdown, sm.output.md)

"""Rule scorecard: every study's claim rows in one table."""
from specbias.runtime import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import claims, io  # noqa: E402

sm = snakemake  # noqa: F821
frame, markdown = claims.scorecard([io.read_csv(p) for p in sm.input.claims])
io.write_csv(frame, sm.output.csv)
io.write_text(markdown, sm.output.md)
io.write_text(claims.scorecard_html(frame), sm.output.html)

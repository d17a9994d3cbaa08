"""Rule scorecard: every study's claim rows in one table."""
from specbias.jobserver import delegate

delegate()  # the rest of the job in the run's warm job server, where one serves it (docs/speed.md)

from specbias.runtime import setup_logging  # noqa: E402

setup_logging(snakemake.log[0])  # noqa: F821

from pathlib import Path  # noqa: E402

from specbias import claims, io  # noqa: E402

sm = snakemake  # noqa: F821
tables = {}  # study (the folder under results/) -> its claim tables
for path in sm.input.claims:
    tables.setdefault(Path(path).relative_to("results").parts[0], []).append(io.read_csv(path))
frame, markdown = claims.scorecard(tables)
io.write_csv(frame, sm.output.csv)
io.write_text(markdown, sm.output.md)
io.write_text(claims.scorecard_html(frame), sm.output.html)

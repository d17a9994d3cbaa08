"""Rule convergence_analysis: steps vs degree and the study's claim rows."""
from specbias.runtime import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import claims, io  # noqa: E402
from specbias.studies import convergence  # noqa: E402

sm = snakemake  # noqa: F821
conv, rows = convergence.analyse([io.read(p) for p in sm.input.runs], sm.wildcards.convergence, sm.params.study)
io.write(conv, sm.output.convergence)
io.write_csv(claims.claims_frame(rows), sm.output.claims)

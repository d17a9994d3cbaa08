"""Rule convergence_analysis: convergence table, fits, and the entry's claim rows."""
from specbias.jobserver import delegate

delegate()  # the rest of the job in the run's warm job server, where one serves it (docs/speed.md)

from specbias.runtime import setup_logging  # noqa: E402

setup_logging(snakemake.log[0])  # noqa: F821

from specbias import io  # noqa: E402
from specbias.studies.convergence import stages as convergence  # noqa: E402

sm = snakemake  # noqa: F821
seeds = list(sm.params.data_seeds)
per = len(sm.input.runs) // len(seeds)  # files are grouped by data seed (rules/common.smk)
trains = [[io.read(p) for p in sm.input.runs[i * per : (i + 1) * per]] for i in range(len(seeds))]
predicts = [[io.read(p) for p in sm.input.predictions[i * per : (i + 1) * per]] for i in range(len(seeds))]
eigens = [io.read(p) for p in sm.input.eigens]
law = io.read(sm.input.law[0]) if sm.input.law else None
reference = io.read(sm.input.reference[0]) if sm.input.reference else None
conv, claims = convergence.analyse(trains, predicts, eigens, seeds, sm.wildcards.convergence, convergence.typed(sm.params.study), law, reference)
io.write(conv, sm.output.convergence)
io.write_csv(claims, sm.output.claims)

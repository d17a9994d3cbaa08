"""Rule convergence_train: one ensemble per target degree, with the linearised predictions."""
from specbias.runtime import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821

import torch  # noqa: E402

from specbias import io  # noqa: E402
from specbias.studies import convergence  # noqa: E402

sm = snakemake  # noqa: F821
torch.set_num_threads(sm.threads)
ds = convergence.train_degree(io.read(sm.input.points), int(sm.wildcards.degree), sm.params.study,
                              sm.params.device, sm.params.compile, sm.params.step)
io.write(ds, sm.output.runs)

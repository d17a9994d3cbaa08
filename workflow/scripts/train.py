"""Rule train: one batched ensemble per kappa."""
from specbias.runtime import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821

import torch  # noqa: E402

from specbias import io, stages  # noqa: E402

sm = snakemake  # noqa: F821
torch.set_num_threads(sm.threads)
points = io.read(sm.input.points)
ds = stages.train_kappa(points, int(sm.wildcards.kappa), sm.params.model, sm.params.target, sm.params.train, sm.params.device,
                        sm.params.compile, sm.params.step)
io.write(ds, sm.output.runs)

"""Rule convergence_train: one batched ensemble per kappa and point sample, and its linearised prediction."""
from specbias.jobserver import delegate

delegate()  # the rest of the job in the run's warm job server, where one serves it (docs/speed.md)

from specbias.runtime import setup_logging  # noqa: E402

setup_logging(snakemake.log[0])  # noqa: F821

import torch  # noqa: E402

from specbias import io  # noqa: E402
from specbias.studies.convergence import stages as convergence  # noqa: E402

sm = snakemake  # noqa: F821
torch.set_num_threads(sm.threads)
eig = io.read(sm.input.eigen)
ds = convergence.train_kappa(io.read(sm.input.points), int(sm.wildcards.kappa), convergence.typed(sm.params.study), sm.params.device,
                             sm.params.compile, sm.params.step, eig=eig)
io.write(ds, sm.output.runs)
io.write(convergence.predict(io.read(sm.output.runs), eig), sm.output.prediction)  # from the bytes on disk

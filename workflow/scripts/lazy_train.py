"""Rule lazy_train: the base convergence setting at one width, with empirical-NTK records."""
from specbias.jobserver import delegate

delegate()  # the rest of the job in the run's warm job server, where one serves it (docs/speed.md)

from specbias.runtime import setup_logging  # noqa: E402

setup_logging(snakemake.log[0])  # noqa: F821

import torch  # noqa: E402

from specbias import io  # noqa: E402
from specbias.studies.lazy import stages as lazy  # noqa: E402

sm = snakemake  # noqa: F821
torch.set_num_threads(sm.threads)
io.write(lazy.train_width(sm.params.study, sm.params.device, sm.params.compile, sm.params.step), sm.output.runs)

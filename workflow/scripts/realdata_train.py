"""Rule realdata_train: the seeded ensemble and its records."""
from specbias.jobserver import delegate

delegate()  # the rest of the job in the run's warm job server, where one serves it (docs/speed.md)

from specbias.runtime import setup_logging  # noqa: E402

setup_logging(snakemake.log[0])  # noqa: F821

import torch  # noqa: E402

from specbias import io  # noqa: E402
from specbias.studies.realdata import stages  # noqa: E402

sm = snakemake  # noqa: F821
torch.set_num_threads(sm.threads)
io.write(stages.train(stages.typed(sm.params.study), io.read(sm.input.data), io.read(sm.input.kernels), sm.params.device), sm.output.train)

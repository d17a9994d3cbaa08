"""Rule holdout_train: one Adam ensemble of variants x seeds on a quarter of the image's pixels."""
from specbias.jobserver import delegate

delegate()  # the rest of the job in the run's warm job server, where one serves it (docs/speed.md)

from specbias.runtime import setup_logging  # noqa: E402

setup_logging(snakemake.log[0])  # noqa: F821

import torch  # noqa: E402

from specbias import io  # noqa: E402
from specbias.studies.holdout import stages as holdout  # noqa: E402

sm = snakemake  # noqa: F821
torch.set_num_threads(sm.threads)
io.write(holdout.train_group(holdout.typed(sm.params.study), list(sm.params.group), sm.params.device), sm.output.runs)

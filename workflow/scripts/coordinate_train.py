"""Rule coordinate_train: coordinate MLPs, one ensemble for a group of encodings."""
from specbias.jobserver import delegate

delegate()  # the rest of the job in the run's warm job server, where one serves it (docs/speed.md)

from specbias.runtime import setup_logging  # noqa: E402

setup_logging(snakemake.log[0])  # noqa: F821

import torch  # noqa: E402

from specbias import io  # noqa: E402
from specbias.studies.coordinate import stages as coordinate  # noqa: E402

sm = snakemake  # noqa: F821
torch.set_num_threads(sm.threads)
io.write(coordinate.train_group(coordinate.typed(sm.params.study), list(sm.params.group), sm.params.device), sm.output.runs)

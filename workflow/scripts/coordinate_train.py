"""Rule coordinate_train: coordinate MLPs with one encoding."""
from specbias.runtime import setup_logging

setup_logging(snakemake.log[0])  # noqa: F821

import torch  # noqa: E402

from specbias import io, stages_coord  # noqa: E402

sm = snakemake  # noqa: F821
torch.set_num_threads(sm.threads)
io.write(stages_coord.train_encoding(sm.params.study, sm.wildcards.encoding, sm.params.device), sm.output.runs)

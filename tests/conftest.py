import numpy as np
import pytest
import torch


@pytest.fixture(autouse=True)
def _single_thread():
    torch.set_num_threads(1)
    yield


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """The workflow run once, locally, on the tiny config (shared by the workflow tests)."""
    from wfutil import TINY, copy_workflow, snakemake

    work = tmp_path_factory.mktemp("wf")
    copy_workflow(work, TINY)
    snakemake(work, "--cores", "2")
    return work

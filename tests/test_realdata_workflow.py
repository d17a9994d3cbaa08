"""The real-data study through the workflow: a user's own nn.Module (defined here) on MNIST files in
torchvision's layout (written here, tiny) and P2's MLP on the bundled digits, from config alone;
claims in the scorecard; reruns recompute only what changed; bad entries stopped before any job."""
import os

import numpy as np
import pytest
import torch
from torch import nn

from specbias import datasets, io
from wfutil import ROOT, copy_workflow, planned_jobs, snakemake, write_config

pytestmark = pytest.mark.workflow


class UserNet(nn.Module):
    """What a user brings: a small conv net of its own layout, with batch norm (its members are then
    trained one by one) and pooling."""

    def __init__(self, in_shape, classes, width=16):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(in_shape[0], 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                                      nn.MaxPool2d(2))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(4 * (in_shape[1] // 2) * (in_shape[2] // 2), width), nn.ReLU(),
                                  nn.Linear(width, classes))

    def forward(self, x):
        return self.head(self.features(x))


def user_net(in_shape, classes, width=16):
    return UserNet(in_shape, classes, width)


def _mnist_files(root):
    rng = np.random.default_rng(0)
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    labels = np.arange(120) % 10
    # class c: a bright bar at row 2 c plus noise, so the classes are learnable
    images = rng.integers(0, 60, size=(120, 28, 28)).astype(np.uint8)
    for i, c in enumerate(labels):
        images[i, 2 * c : 2 * c + 3] = 250
    datasets.write_idx(images, raw / "train-images-idx3-ubyte.gz")
    datasets.write_idx(labels.astype(np.uint8), raw / "train-labels-idx1-ubyte.gz")


def _config(root):
    small = {"regions": {"anchors": 8, "neighbours": 3, "search": 40}, "kernels": {"bands": 4}}
    return {
        "compile": "off",
        "figures": {"formats": ["png"], "dpi": 60},
        "realdata": {
            "user": {"data": {"source": "mnist", "root": str(root), "classes": [0, 1, 2, 3, 4]},
                     "model": {"kind": "factory", "factory": "test_realdata_workflow:user_net", "kwargs": {"width": 24}},
                     "train": {"epochs": 4, "batch": 16, "records": 4, "seeds": [0, 1]}, **small},
            "digits": {"data": {"source": "digits", "count": 150}, "model": {"kind": "p2_mlp", "width": 64, "depth": 2},
                       "train": {"epochs": 3, "batch": 32, "records": 3, "seeds": [0]}, **small},
        },
    }


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    work = tmp_path_factory.mktemp("realdata")
    _mnist_files(work / "data")
    config = _config(work / "data")
    copy_workflow(work, config)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), os.environ.get("PYTHONPATH", "")])}
    snakemake(work, "--cores", "2", env=env)
    return work, config, env


def test_user_module_and_bundled_digits_run_to_the_scorecard(run):
    work, _, _ = run
    res = work / "results" / "realdata"
    for name in ("user", "digits"):
        train = io.read(res / name / "train.nc")
        assert train.output.dims == ("epoch", "seed", "point", "class_label")
        assert np.isfinite(train.hamming_near.values).all() and np.isfinite(train.confusion_far.values).all()
        for fig in ("band_energy", "hamming", "confusion", "filtering"):
            assert (res / name / "figures" / f"{fig}.png").stat().st_size > 0
    data = io.read(res / "user" / "data.nc")
    assert data.image.dims == ("sample", "channel", "row", "col") and data.sizes["sample"] == 60  # classes 0..4 of 120
    kern = io.read(res / "user" / "kernels.nc")
    assert "analytic_eigenvalue" not in kern and kern.empirical_eigenvalue.dims == ("seed", "mode")  # no closed form for a user's net
    user_train = io.read(res / "user" / "train.nc")
    first = user_train.output.isel(epoch=0, seed=0).values
    torch.manual_seed(0)
    net = user_net((1, 28, 28), 5, width=24).eval()  # the factory under the seed: the net the job started from
    with torch.no_grad():
        expect = net(torch.as_tensor(data.image.values[kern.point.values])).numpy()
    np.testing.assert_allclose(first, expect, rtol=1e-4, atol=1e-5)
    card = io.read_csv(work / "results" / "scorecard.csv")
    rows = card[card.study == "realdata"]
    assert set(rows.claim) >= {"C24", "C25", "C26", "C27"}
    assert set(rows.entry) == {"user", "digits"}
    assert set(rows.verdict) <= {"pass", "fail", "not_evaluated"}


def test_reruns_recompute_only_what_changed(run):
    work, config, env = run
    assert planned_jobs(work, env=env) == {}
    config["figures"]["dpi"] = 61
    write_config(work, config)
    jobs = planned_jobs(work, env=env)
    assert set(jobs) <= {"realdata_figures", "all"} and jobs.get("realdata_figures") == 2
    config["figures"]["dpi"] = 60
    config["realdata"]["digits"]["filtering"] = {"deltas": [0.1]}
    write_config(work, config)
    jobs = planned_jobs(work, env=env)
    assert "realdata_train" not in jobs and "realdata_kernels" not in jobs and jobs.get("realdata_analysis") == 1


def test_bad_factory_and_missing_data_stop_before_any_job(run, tmp_path):
    _, config, env = run
    bad = {**config, "realdata": {"user": {**config["realdata"]["user"],
                                           "model": {"kind": "factory", "factory": "test_realdata_workflow:nothing_here"}}}}
    (tmp_path / "a").mkdir()
    copy_workflow(tmp_path / "a", bad)
    proc = snakemake(tmp_path / "a", "-n", "--cores", "1", check=False, env=env)
    assert proc.returncode != 0 and "realdata.user.model.factory" in proc.stderr + proc.stdout
    gone = {**config, "realdata": {"user": {**config["realdata"]["user"],
                                            "data": {"source": "mnist", "root": str(tmp_path / "none")}}}}
    (tmp_path / "b").mkdir()
    copy_workflow(tmp_path / "b", gone)
    proc = snakemake(tmp_path / "b", "-n", "--cores", "1", check=False, env=env)
    text = proc.stderr + proc.stdout
    assert proc.returncode != 0 and "realdata.user.data.root" in text and "none/MNIST/raw/train-images-idx3-ubyte" in text
    assert not (tmp_path / "b" / "results").exists()

"""Real-data readers, offline: every format written as tiny files in its own layout and read back;
the bundled sets load; subsets and normalisation; a missing or damaged set is refused by name."""
import gzip
import pickle

import numpy as np
import pytest

from specbias import datasets
from specbias.datasets import DatasetError


def _cfg(**over):
    cfg = {"source": "digits", "root": None, "download": False, "split": "train", "classes": None,
           "count": None, "seed": 0, "normalise": {"mean": [0.5], "std": [0.5]}}
    cfg.update(over)
    return cfg


@pytest.mark.parametrize("gz", [False, True])
def test_idx_round_trip(tmp_path, gz):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(7, 28, 28), dtype=np.uint8)
    path = tmp_path / ("x-idx3-ubyte" + (".gz" if gz else ""))
    datasets.write_idx(images, path)
    np.testing.assert_array_equal(datasets.read_idx(path), images)
    # the header is the published one: magic 0x00000803, then the sizes big-endian
    raw = (gzip.open(path).read() if gz else path.read_bytes())[:16]
    assert raw[:4] == bytes([0, 0, 8, 3]) and int.from_bytes(raw[4:8], "big") == 7


def test_idx_damaged(tmp_path):
    path = tmp_path / "bad-idx1-ubyte"
    datasets.write_idx(np.arange(10, dtype=np.uint8), path)
    path.write_bytes(path.read_bytes()[:-3])  # truncated
    with pytest.raises(DatasetError, match="header says"):
        datasets.read_idx(path)
    path.write_bytes(b"PK\x03\x04rest")
    with pytest.raises(DatasetError, match="not an IDX file"):
        datasets.read_idx(path)


def _mnist_tree(root, folder="MNIST/raw", n=30, gz=True):
    rng = np.random.default_rng(1)
    raw = root / folder
    raw.mkdir(parents=True)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = np.arange(n, dtype=np.uint8) % 10
    suffix = ".gz" if gz else ""
    datasets.write_idx(images, raw / f"train-images-idx3-ubyte{suffix}")
    datasets.write_idx(labels, raw / f"train-labels-idx1-ubyte{suffix}")
    return images, labels


@pytest.mark.parametrize("source,folder", [("mnist", "MNIST/raw"), ("fashion_mnist", "FashionMNIST/raw")])
def test_torchvision_layout_idx(tmp_path, source, folder):
    images, labels = _mnist_tree(tmp_path, folder, gz=source == "mnist")
    ds = datasets.load(_cfg(source=source, root=str(tmp_path), normalise={"mean": [0.0], "std": [1.0]}))
    assert ds.image.dims == ("sample", "channel", "row", "col") and ds.image.shape == (30, 1, 28, 28)
    np.testing.assert_allclose(ds.image.values[:, 0], images / 255.0, atol=1e-7)
    np.testing.assert_array_equal(ds.label.values, labels)


def test_cifar_batches(tmp_path):
    rng = np.random.default_rng(2)
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    parts = []
    for i in range(1, 6):
        data = rng.integers(0, 256, size=(4, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, size=4)
        datasets.write_cifar_batch(data, labels, folder / f"data_batch_{i}")
        parts.append((data, labels))
    ds = datasets.load(_cfg(source="cifar10", root=str(tmp_path), normalise={"mean": [0.0, 0.0, 0.0], "std": [1.0, 1.0, 1.0]}))
    data = np.concatenate([p[0] for p in parts]).reshape(-1, 3, 32, 32)
    np.testing.assert_allclose(ds.image.values, data / 255.0, atol=1e-7)  # channel-major, as published
    np.testing.assert_array_equal(ds.label.values, np.concatenate([p[1] for p in parts]))


def test_cifar100_fine_labels_and_test_split(tmp_path):
    folder = tmp_path / "cifar-100-python"
    folder.mkdir()
    data = np.full((3, 3072), 255, dtype=np.uint8)
    datasets.write_cifar_batch(data, [99, 0, 42], folder / "test", fine=True)
    ds = datasets.load(_cfg(source="cifar100", root=str(tmp_path), split="test"))
    assert ds.label.values.tolist() == [99, 0, 42]
    np.testing.assert_allclose(ds.image.values, 1.0)  # (1 - 0.5) / 0.5


def test_cifar_unpickler_refuses_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({b"data": Evil(), b"labels": [1]}, protocol=2))
    with pytest.raises(DatasetError, match=r"refusing to load (__builtin__|builtins)\.print"):
        datasets.read_cifar_batch(path)


def test_bundled_sets_subset_and_normalise():
    ds = datasets.load(_cfg(source="digits", classes=[3, 8], count=50, seed=4))
    assert ds.sizes["sample"] == 50 and set(ds.label.values) <= {3, 8}
    assert ds.target.values.tolist() == [0 if v == 3 else 1 for v in ds.label.values]
    assert ds.class_label.values.tolist() == [3, 8]
    assert -1.0 <= float(ds.image.min()) and float(ds.image.max()) <= 1.0
    again = datasets.load(_cfg(source="digits", classes=[3, 8], count=50, seed=4))
    np.testing.assert_array_equal(ds.index.values, again.index.values)  # seeded
    other = datasets.load(_cfg(source="digits", classes=[3, 8], count=50, seed=5))
    assert not np.array_equal(ds.index.values, other.index.values)
    mnist = datasets.load(_cfg(source="mnist5k", count=20))
    assert mnist.image.shape == (20, 1, 28, 28)
    labels = datasets.raw("mnist5k")[1]  # what the pre-flight count assumes without reading the file
    for classes in (None, [3, 8]):
        kept = labels if classes is None else labels[np.isin(labels, classes)]
        assert datasets.available(_cfg(source="mnist5k", classes=classes)) == len(kept)
    digits = datasets.raw("digits")[1]
    assert tuple(np.bincount(digits)) == datasets.BUNDLED_COUNTS["digits"]
    assert datasets.available(_cfg(source="digits", classes=[0, 9])) == int(np.isin(digits, [0, 9]).sum())


def test_missing_and_oversized(tmp_path):
    with pytest.raises(DatasetError, match="data.root: mnist files missing: .*train-images-idx3-ubyte"):
        datasets.load(_cfg(source="mnist", root=str(tmp_path)))
    with pytest.raises(DatasetError, match="data.count 5000 is more than the 1797"):
        datasets.load(_cfg(source="digits", count=5000))

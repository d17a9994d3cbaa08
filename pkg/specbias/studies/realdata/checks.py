"""Cross-key checks of a real-data entry, before any job: the dataset is there (or may be
fetched), the model builds and maps the images to the classes, the pair and kernel sizes fit the
subset."""

from __future__ import annotations

from ...config import ConfigError


def _fail(name: str, key: str, text: str):
    raise ConfigError(f"config error at realdata.{name}.{key}: {text}")


def images(entry: dict) -> int:
    """Training images of the entry: ``data.count``, or every image of the kept classes (read from the
    label files where they are on disk; a set still to be downloaded counts as its published size)."""
    from ... import datasets

    data, src = entry["data"], datasets.SOURCES[entry["data"]["source"]]
    if data["count"] is not None:
        return data["count"]
    if src.needs_root and (not data["root"] or datasets.missing(src.name, data["root"], data["split"])):
        full = 10000 if data["split"] == "test" else 60000 if "mnist" in src.name else 50000
        return full if data["classes"] is None else full * len(data["classes"]) // src.classes
    return datasets.available(data)


def sizes(entry: dict) -> tuple[int, int, tuple, int]:
    """(training images, parameters of one net, image shape, classes), reading no image."""
    from ... import datasets, realnets

    src = datasets.SOURCES[entry["data"]["source"]]
    classes = len(entry["data"]["classes"]) if entry["data"]["classes"] is not None else src.classes
    params = realnets.check(entry["model"], src.shape, classes)
    return images(entry), params, src.shape, classes


def check_data(name: str, entry: dict) -> None:
    from ... import datasets

    data, src = entry["data"], datasets.SOURCES[entry["data"]["source"]]
    if src.needs_root:
        if not data["root"]:
            _fail(name, "data.root", f"{src.name} is read from files in torchvision's layout: set root to the folder holding {src.folder}")
        gone = datasets.missing(src.name, data["root"], data["split"])
        if gone and not data["download"]:
            _fail(name, "data.root", f"{src.name} files missing: {', '.join(map(str, gone))} "
                                     f"(put them there, or set data.download: true where torchvision imports and a network is reachable)")
    elif data["root"] is not None:
        _fail(name, "data.root", f"{src.name} ships with its package; remove root")
    if data["classes"] is not None and max(data["classes"]) >= src.classes:
        _fail(name, "data.classes", f"{src.name} has classes 0..{src.classes - 1}, got {data['classes']}")
    if data["count"] is not None and (not src.needs_root or data["root"] and not datasets.missing(src.name, data["root"], data["split"])):
        have = datasets.available(data)
        if data["count"] > have:
            _fail(name, "data.count", f"{data['count']} images asked for, the kept classes of {src.name} hold {have}")
    channels = src.shape[0]
    for key in ("mean", "std"):
        if len(data["normalise"][key]) not in (1, channels):
            _fail(name, f"data.normalise.{key}", f"one number or one per channel ({channels}), got {data['normalise'][key]}")


def check_entry(name: str, entry: dict) -> None:
    from ... import realnets

    check_data(name, entry)
    model = entry["model"]
    if model["kind"] == "factory" and "factory" not in model:
        _fail(name, "model.factory", "kind factory needs factory: 'package.module:function'")
    if model["kind"] != "factory" and (model.get("kwargs") or "factory" in model):
        _fail(name, "model.factory", f"only kind factory takes factory and kwargs (kind is {model['kind']})")
    try:
        n, _, _, _ = sizes(entry)
    except realnets.ModelError as exc:
        _fail(name, "model.factory" if model["kind"] == "factory" else "model", str(exc))
    rc = entry["regions"]
    if (rc["hamming"] or rc["confusion"]) and (rc["anchors"] > n or 2 * rc["neighbours"] + 1 > n):
        _fail(name, "regions.anchors", f"{rc['anchors']} anchors with {rc['neighbours']} near and far points each need more than the {n} images")
    if rc["confusion"] and rc["different_class"] and rc["search"] <= rc["neighbours"]:
        _fail(name, "regions.search", f"must exceed regions.neighbours ({rc['neighbours']})")
    points = entry["kernels"]["points"]
    eig = entry["kernels"]["eigenpairs"]
    m = n if points is None else min(points, n)
    if eig is not None and eig > m:
        _fail(name, "kernels.eigenpairs", f"{eig} eigenpairs of a kernel on {m} points")
    if entry["kernels"]["bands"] > m:
        _fail(name, "kernels.bands", f"{entry['kernels']['bands']} bands of {m} eigenvectors")
    if m > 20000 and eig is None:
        _fail(name, "kernels.eigenpairs", f"a dense eigendecomposition of a {m}² kernel; set eigenpairs (Lanczos) or fewer kernels.points")

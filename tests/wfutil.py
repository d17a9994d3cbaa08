"""Helpers for the workflow tests: a tiny config, a copy of the workflow, dry-run job lists."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import yaml

from specbias import io

ROOT = Path(__file__).resolve().parents[1]

TINY = {
    "device": "cpu",
    # tiny jobs would spend most of their time in torch.compile; the compiled step is tested
    # against the eager one in test_models_train, and `make run` uses compile: auto
    "compile": "off",
    "figures": {"formats": ["png"], "dpi": 60, "cmap": "magma"},
    "spectral": {
        "arcs": {
            "density": {"kind": "piecewise", "lengths": [1, 1, 1], "weights": [1, 2, 4]},
            "grid_size": 512, "modes": 41, "nystrom_n": 300, "local_q_min": 5, "law_q_range": [5, 15],
            "show_q": [2, 5], "projection_kappa": 4,
        }
    },
    "kernels": {
        "acts": {"dim": 2, "max_degree": 30, "fit_range": [4, 20],
                 "activations": {"relu": {"kind": "relu"}, "erf": {"kind": "erf"}, "sin": {"kind": "sin", "omega0": 2.0}}},
    },
    "holdout": {
        "cam": {
            "image": {"name": "camera", "size": 16},
            "variants": {"none": {"encoding": {"kind": "raw"}}, "basic": {"encoding": {"kind": "basic"}}},
            "model": {"hidden": [16]},
            "train": {"steps": 20, "records": 4},
            "analysis": {"order": ["none", "basic"], "published": {"none": 19.32, "basic": 21.72}},
        },
    },
    "lazy": {
        "ring_widths": {
            "base": {"data": {"n": 24, "seed": 0}, "model": {"init": "antisymmetric"}, "target": {"kappas": [2]},
                     "train": {"lr_relative": 0.5, "max_steps": 60, "seeds": [0, 1], "snapshots": 6}},
            "widths": [64, 1024],
        },
    },
    "depth": {
        "ring": {"dim": 2, "depths": [2, 3, 5], "max_degree": 60, "large_k_range": [10, 50], "low_k_range": [1, 5]},
    },
    "coordinate": {
        "wave": {
            "signal": {"length": 64, "frequencies": [2, 4, 8]},
            "encodings": {"raw01": {"kind": "raw", "range": [0, 1]}, "raw11": {"kind": "raw", "range": [-1, 1]},
                          "octave4": {"kind": "octave", "octaves": 4}},
            "model": {"hidden": [16, 16]},
            "train": {"lr": 0.01, "epochs": 40},
            "metrics": {"pairs": 20, "records": 4},
        },
        "pic": {
            "signal": {"kind": "image", "name": "camera", "size": 16},
            "encodings": {"raw01": {"kind": "raw"}, "octave3": {"kind": "octave", "octaves": 3}},
            "model": {"hidden": [16]},
            "train": {"lr": 0.01, "epochs": 20, "batch": 64, "seeds": [0]},
            "metrics": {"pairs": 10, "records": 3},
        },
    },
    "convergence": {
        "tiny": {
            "data": {"n": 64, "seed": 0},
            "model": {"width": 256, "tau": 1.0, "init": "antisymmetric"},
            "target": {"kappas": [1, 2, 3]},
            "train": {"lr": 0.02, "max_steps": 150, "seeds": [0, 1], "snapshots": 10},
            "ntk": {"grid_size": 512},
            "analysis": {"fit_kappa_min": 1, "eigen_fit_range": [10, 100]},
        },
        "tiny_tanh": {  # the tiny entry's points, net and kappas with tanh: claims C11, C18 through the rules
            "data": {"n": 64, "seed": 0},
            "model": {"width": 256, "tau": 1.0, "init": "antisymmetric", "activation": "tanh"},
            "target": {"kappas": [1, 2, 3]},
            "train": {"lr_relative": 1.0, "max_steps": 300, "seeds": [0, 1], "snapshots": 6, "record_spectra": False},
            "analysis": {"fit_kappa_min": 1, "agreement_tolerance": 0.5, "compare_to": {"entry": "tiny", "expect": "steeper"}},
        },
        "regions": {
            "data": {"n": 48, "seed": 1, "replicates": 2, "density": {"kind": "piecewise", "lengths": [1, 1], "weights": [3, 1]}},
            "model": {"width": 128, "tau": 1.0, "init": "antisymmetric"},
            "target": {"kappas": [2, 3]},
            "train": {"lr": 0.02, "max_steps": 200, "seeds": [0], "snapshots": 8,
                      "criterion": {"kind": "per_region", "threshold": 0.05}},
            "ntk": {"grid_size": 512},
            "analysis": {"fit_kappa_min": 2, "eigen_fit_range": [10, 100]},
        },
        "ball": {
            "data": {"domain": "sphere", "dim": 3, "n": 60, "density": {"kind": "hemispheres", "ratio": 2}},
            "model": {"kind": "two_layer", "width": 64, "init": "antisymmetric"},
            "target": {"kappas": [1, 2, 3]},
            "train": {"lr_relative": 1.0, "max_steps": 400, "seeds": [0, 1], "snapshots": 6,
                      "criterion": {"kind": "per_region", "threshold": 0.05}},
            "analysis": {"region_ratio_tolerance": 0.25},
        },
        "ring_deep": {
            "data": {"domain": "sphere", "dim": 2, "n": 40},
            "model": {"kind": "deep", "depth": 3, "width": 32},
            "target": {"kappas": [1, 2, 3]},
            "train": {"lr_relative": 1.0, "max_steps": 300, "seeds": [0, 1], "snapshots": 6},
            "analysis": {"agreement_tolerance": 0.5},
        },
    },
}


def snakemake(workdir, *args, check=True, env=None, timeout=1800):
    proc = subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=workdir, capture_output=True, text=True,
                          env=env, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


def planned_jobs(workdir, *args, env=None) -> dict:
    """Rule -> job count from a dry run ({} when there is nothing to do)."""
    proc = snakemake(workdir, "-n", "--cores", "1", *args, env=env)
    text = proc.stdout + proc.stderr
    if "Nothing to be done" in text:
        return {}
    table = text.split("Job stats:")[1].split("total")[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)\s*$", table, re.M)}


def write_config(workdir: Path, config: dict):
    (Path(workdir) / "config.yaml").write_text(yaml.safe_dump(config))


def copy_workflow(dst: Path, config: dict):
    for item in ("Snakefile", "rules", "workflow", "schemas", "report", "profiles"):
        src = ROOT / item
        (shutil.copytree if src.is_dir() else shutil.copy)(src, Path(dst) / item)
    write_config(dst, config)


# Variables that measure the machine rather than the science.
TIMING_VARIABLES = {"steps_per_second"}


def assert_same_numbers(dir_a: Path, dir_b: Path):
    """Every NetCDF file under dir_a has a twin under dir_b with the same numbers (attrs such as
    history and source are not compared; eigenvectors up to sign)."""
    files = sorted(p.relative_to(dir_a) for p in Path(dir_a).rglob("*.nc"))
    assert files, f"no NetCDF files under {dir_a}"
    for rel in files:
        a, b = io.read(Path(dir_a) / rel), io.read(Path(dir_b) / rel)
        assert set(a.data_vars) == set(b.data_vars), rel
        for name in a.data_vars:
            if name in TIMING_VARIABLES:
                continue
            va, vb = a[name].values, b[name].values
            if name == "eigenvector":
                if a.attrs.get("domain") == "sphere" or "sphere" in a.attrs:
                    # random points on S^2 leave clusters of nearly equal eigenvalues (2k+1 per degree on
                    # the continuum); eigenvectors inside such a cluster are not unique, their span is
                    continue
                va, vb = np.abs(va), np.abs(vb)
            if va.dtype.kind in "iuUSO":  # integers and labels (e.g. activation kinds)
                np.testing.assert_array_equal(va, vb, err_msg=f"{rel}:{name}")
            else:
                np.testing.assert_allclose(va, vb, rtol=1e-9, atol=1e-12, err_msg=f"{rel}:{name}")

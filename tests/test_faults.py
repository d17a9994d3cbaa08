"""Faults a run meets on ordinary machines: results others must read, a damaged input file, a full
disk.  Each is reported in words with what to do, and never leaves a half-written result."""
import errno
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from specbias import io
from wfutil import ROOT, copy_workflow, snakemake


def _dataset():
    return io.finalize(xr.Dataset({"v": ("x", np.arange(5.0), io.meta("a value"))},
                                  coords={"x": ("x", np.arange(5), io.meta("an index"))}), "t", {"k": 1}, "test")


@pytest.fixture
def umask():
    def set_mask(mask):
        return os.umask(mask)

    old = os.umask(0o022)
    yield set_mask
    os.umask(old)


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_results_get_the_users_normal_permissions(tmp_path, umask, mask, mode):
    umask(mask)
    io.write(_dataset(), tmp_path / "a.nc")
    io.write_csv(pd.DataFrame({"a": [1]}), tmp_path / "a.csv")
    io.write_text("x", tmp_path / "a.md")
    for name in ("a.nc", "a.csv", "a.md"):
        assert (tmp_path / name).stat().st_mode & 0o777 == mode, name


def test_a_damaged_file_is_named_with_what_to_do(tmp_path):
    path = tmp_path / "a.nc"
    io.write(_dataset(), path)
    path.write_bytes(path.read_bytes()[:200])  # cut short, as a killed copy or a full disk leaves it
    with pytest.raises(io.DamagedFileError, match=rf"{path} cannot be read .*Delete it and run the same command again"):
        io.read(path)
    with pytest.raises(FileNotFoundError):
        io.read(tmp_path / "missing.nc")


def test_a_full_disk_is_said_in_words_and_leaves_no_part_file(tmp_path, monkeypatch):
    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", full)
    with pytest.raises(OSError, match=r"no space left on the device while writing .*a\.nc .*free some space"):
        io.write(_dataset(), tmp_path / "a.nc")
    assert not list(tmp_path.iterdir())


def test_a_job_whose_log_cannot_be_written_says_so_and_exits_with_its_error():
    code = ("from specbias.runtime import setup_logging; setup_logging('/dev/full'); import logging; "
            "logging.getLogger('job').info('started'); raise OSError(28, 'No space left on device')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 1  # not Python's 120 for an unflushable stderr
    assert "cannot write the job's log /dev/full" in proc.stderr and "no space left on the device" in proc.stderr


PLUGIN = {"device": "cpu", "compile": "off", "plugins": ["ring_decay"], "figures": {"formats": ["png"], "dpi": 50},
          "ring_decay": {"relu": {"grid_size": 512, "fit_range": [5, 50]}}}


@pytest.mark.workflow
def test_a_damaged_intermediate_file_stops_its_consumer_with_the_fix_and_the_fix_works(tmp_path):
    copy_workflow(tmp_path, PLUGIN)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "examples" / "plugins"),
                                                        *filter(None, [os.environ.get("PYTHONPATH")])])}
    snakemake(tmp_path, "--cores", "1", env=env)
    spec = tmp_path / "results" / "ring_decay" / "relu" / "spectrum.nc"
    spec.write_bytes(spec.read_bytes()[:300])  # damaged, with a new date: its consumers rerun
    proc = snakemake(tmp_path, "--cores", "1", env=env, check=False)
    assert proc.returncode != 0
    log = (tmp_path / "results" / "ring_decay" / "relu" / "logs" / "figures" / "spectrum.log").read_text()
    assert f"{spec.relative_to(tmp_path)} cannot be read" in log and "Delete it and run the same command again" in log
    spec.unlink()  # what the message says
    snakemake(tmp_path, "--cores", "1", env=env)
    assert io.read(spec).attrs["slope"] < -1.9

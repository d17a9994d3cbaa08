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


def _nothing_measurable():
    import yaml

    from wfutil import TINY

    cfg = {k: TINY[k] for k in ("device", "compile", "figures")}
    never = yaml.safe_load(yaml.safe_dump(TINY["convergence"]["tiny"]))
    never["train"].update(max_steps=4, snapshots=5)  # no run can converge in 4 steps
    loose = yaml.safe_load(yaml.safe_dump(TINY["convergence"]["regions"]))
    loose["data"]["replicates"] = 1
    loose["train"]["criterion"]["threshold"] = 1e6  # every run "converges" at step 0
    deep = {"data": {"domain": "sphere", "dim": 4, "n": 40}, "target": {"kappas": [1, 2, 3]},
            "model": {"kind": "deep", "depth": 3, "width": 32, "activation": "gelu"},
            "train": {"lr_relative": 1.0, "max_steps": 5, "seeds": [0, 1], "snapshots": 6}}
    cfg["convergence"] = {"never": never, "loose": loose, "gelu_s3": deep}
    return cfg


@pytest.mark.workflow
def test_entries_with_nothing_measurable_get_figures_unevaluated_rows_and_advice(tmp_path):
    copy_workflow(tmp_path, _nothing_measurable())
    proc = snakemake(tmp_path, "--cores", "2")  # the workflow completes
    res = tmp_path / "results" / "convergence"
    assert (res / "loose" / "figures" / "region_convergence.png").exists()
    assert (res / "never" / "figures" / "steps.png").exists() and (res / "gelu_s3" / "figures" / "steps.png").exists()
    card = io.read_csv(tmp_path / "results" / "scorecard.csv")
    row = lambda entry, claim: card[(card.entry == entry) & (card.claim == claim)].iloc[0]  # noqa: E731
    assert row("loose", "C5").verdict == "not_evaluated" and "threshold is too loose" in row("loose", "C5").note
    assert row("gelu_s3", "C11").verdict == "not_evaluated" and "no run converged" in row("gelu_s3", "C11").note
    assert row("never", "C1").verdict == "not_evaluated"
    out = proc.stdout + proc.stderr
    assert "convergence/never: no run converged within train.max_steps = 4" in out
    assert "convergence/loose: every run met the criterion at step 0" in out and "lower train.criterion.threshold" in out


def test_a_panel_with_nothing_to_draw_on_log_axes_says_so_and_saves(tmp_path):
    from specbias import figures

    fig, (a, b) = figures.plt.subplots(1, 2)
    a.plot([1, 2], [np.nan, np.nan], label="nothing")
    a.set(xscale="log", yscale="log")
    b.plot([1, 2, 3], [1e-3, 1e-2, 1e-1], label="kept")
    b.plot([1, 2, 3], [-1, -2, -3], label="negative")
    b.set(yscale="log")
    b.legend()
    notes = figures.guard_axes(fig)
    assert any("nothing to draw" in n for n in notes) and any(n.startswith("negative: values -3 to -1") for n in notes)
    assert [t.get_text() for t in b.get_legend().get_texts()] == ["kept", "negative [not drawn: values -3 to -1, none above 0 for the log scale]"]
    figures.save(fig, tmp_path / "f", ("png",), 50)
    assert (tmp_path / "f.png").exists()


def test_the_summary_reports_job_time_start_up_share_and_longest_jobs(tmp_path):
    from specbias.summary import time_lines

    for rel, secs in (("convergence/a/benchmarks/train/kappa_1_d0.tsv", 30.0), ("convergence/a/benchmarks/sample_d0.tsv", 3.0),
                      ("spectral/b/benchmarks/spectral.tsv", 7.0)):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"s\th:m:s\n{secs}\t0:00:{secs:02.0f}\n")
    first, longest = time_lines(tmp_path, floor=2.0, top=2)
    assert "3 jobs with a benchmark file, 0.7 job-minutes" in first and "2.0 s a job) about 15% of it" in first  # 3 x 2 / 40
    assert longest.strip() == "longest: convergence/a/train/kappa_1_d0 30 s, spectral/b/spectral 7 s"


def test_the_guard_leaves_meshes_and_drawable_log_panels_alone(tmp_path):
    from specbias import figures

    fig, (a, b) = figures.plt.subplots(1, 2)
    a.pcolormesh(np.arange(1, 5), np.arange(1, 4), np.ones((2, 3)))
    a.set_xscale("log")
    b.plot([1, 10], [1, 100], label="line")
    b.fill_between([1, 10], [0.5, 50], [2, 200])
    b.set(xscale="log", yscale="log")
    assert figures.guard_axes(fig) == [] and a.get_xscale() == "log" and b.get_yscale() == "log"
    figures.save(fig, tmp_path / "g", ("png",), 50)

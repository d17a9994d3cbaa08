"""Recovery as docs/guide.md says: a run killed by SIGKILL in the middle of a training job, then
`python -m specbias.recover` (what `make run` does first) and the same command again, gives
outputs bit-identical to an uninterrupted run and leaves no stray files."""
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import yaml

from specbias import io
from wfutil import TINY, TIMING_VARIABLES, copy_workflow, snakemake

pytestmark = pytest.mark.workflow

# one circle entry, with enough steps that a training job is still running when it is killed
CONFIG = {k: v for k, v in TINY.items() if k in ("device", "compile", "figures")}
CONFIG["convergence"] = {"tiny": yaml.safe_load(yaml.safe_dump(TINY["convergence"]["tiny"]))}
CONFIG["convergence"]["tiny"]["train"].update(max_steps=4000, snapshots=12)


def _files(results):
    return sorted(str(p.relative_to(results)) for p in results.rglob("*")
                  if p.is_file() and "logs" not in p.parts and "benchmarks" not in p.parts)


def test_sigkill_mid_training_then_recover_gives_identical_outputs(tmp_path):
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    for work in (clean, killed):
        work.mkdir()
        copy_workflow(work, CONFIG)
    snakemake(clean, "--cores", "2")

    proc = subprocess.Popen([sys.executable, "-m", "snakemake", "--cores", "1"], cwd=killed, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log = killed / "results" / "convergence" / "tiny" / "logs" / "train"
    deadline = time.time() + 300
    while time.time() < deadline and not (log.is_dir() and any(log.iterdir())):
        time.sleep(0.2)
    time.sleep(1.5)  # inside the first training job's GD loop
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (killed / ".snakemake" / "locks").is_dir() and any((killed / ".snakemake" / "locks").iterdir())
    trained = list((killed / "results" / "convergence" / "tiny" / "train").glob("*.nc")) if (killed / "results" / "convergence" / "tiny" / "train").is_dir() else []
    assert len(trained) < 3, "the kill came after training; nothing was interrupted"

    again = snakemake(killed, "--cores", "2", check=False)
    assert again.returncode != 0 and "LockException" in again.stdout + again.stderr  # why the recovery step exists
    out = subprocess.run([sys.executable, "-m", "specbias.recover"], cwd=killed, capture_output=True, text=True, check=True)
    assert "removed the stale lock" in out.stdout, out.stdout
    snakemake(killed, "--cores", "2")

    a, b = clean / "results", killed / "results"
    assert _files(a) == _files(b)
    assert not [p for p in b.rglob("*") if p.name.endswith(".part")]
    for rel in _files(a):
        if not rel.endswith(".nc"):
            continue
        da, db = io.read(a / rel), io.read(b / rel)
        for name in da.data_vars:
            if name not in TIMING_VARIABLES:
                np.testing.assert_array_equal(da[name].values, db[name].values, err_msg=f"{rel}:{name}")


def test_recover_leaves_a_live_run_alone(tmp_path):
    from specbias import recover

    copy_workflow(tmp_path, CONFIG)
    (tmp_path / ".snakemake" / "locks").mkdir(parents=True)
    (tmp_path / ".snakemake" / "locks" / "0.input.lock").write_text("x")
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)  # snakemake stand-in"], cwd=tmp_path)
    cmdline = f"/proc/{holder.pid}/cmdline"
    deadline = time.time() + 10
    while time.time() < deadline and b"stand-in" not in open(cmdline, "rb").read():
        time.sleep(0.05)  # between fork and exec the child still shows the parent's command line
    try:
        assert recover.live_snakemake_pids(tmp_path) == [holder.pid]
        assert "left as it is" in recover.recover(["--directory", str(tmp_path)])
        assert any((tmp_path / ".snakemake" / "locks").iterdir())
    finally:
        holder.kill()
        holder.wait()
    assert "removed the stale lock" in recover.recover(["--directory", str(tmp_path)])
    locks = tmp_path / ".snakemake" / "locks"
    assert not (locks.exists() and any(locks.iterdir()))


SLOW_SNAKEFILE = """
rule all:
    output: "done.txt"
    shell: "sleep 120 && touch {output}"
"""


def _locked(work):
    locks = work / ".snakemake" / "locks"
    return locks.is_dir() and any(locks.iterdir())


def test_recover_from_elsewhere_never_unlocks_a_live_run_and_unlocks_it_once_killed(tmp_path):
    """A run going in D, recover called from another folder E (holding a stale lock of its own) with
    -d D and --directory=D: D's lock stays while the run lives, goes once it is killed; E's is D's business never."""
    live, elsewhere = tmp_path / "D", tmp_path / "E"
    for work in (live, elsewhere):
        work.mkdir()
        (work / "Snakefile").write_text(SLOW_SNAKEFILE)
    (elsewhere / ".snakemake" / "locks").mkdir(parents=True)
    (elsewhere / ".snakemake" / "locks" / "0.input.lock").write_text("stale\n")
    proc = subprocess.Popen([sys.executable, "-m", "snakemake", "--cores", "1", "--snakefile", str(live / "Snakefile"),
                             "--directory", str(live)], cwd=tmp_path, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not _locked(live) and proc.poll() is None:
            time.sleep(0.2)
        assert _locked(live), "the run never took its lock"

        def recover(*args):
            return subprocess.run([sys.executable, "-m", "specbias.recover", *args], cwd=elsewhere, capture_output=True,
                                  text=True, check=True).stdout

        for args in (["-d", str(live)], [f"--directory={live}"], ["--directory", "../D"], [f"-d{live}"]):
            out = recover(*args)
            assert "Snakemake is running there" in out and str(live) in out, (args, out)
            assert _locked(live)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert _locked(live)  # the killed run's lock is stale now
    out = recover(f"--directory={live}")
    assert "removed the stale lock" in out and str(live) in out, out
    assert not _locked(live) and _locked(elsewhere)

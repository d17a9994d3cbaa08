"""Recovery after a killed run: remove Snakemake's stale lock, but only when no Snakemake process
is still running in the workflow's directory (``python -m specbias.recover [SNAKEMAKE ARGS]``, with
the arguments of the run, ``-d``/``--directory`` and ``--configfile`` included; ``make run`` calls it
first).  A Snakemake process counts as working in the directory when its own working directory is
that directory or its command line names it, from wherever it was started.

A run killed by SIGKILL (or a lost terminal) leaves ``.snakemake/locks/`` behind, and the next
``snakemake`` stops with ``LockException``.  Removing the lock while another Snakemake works in
the same directory would let two runs write the same files, so the live processes are looked up
first (Linux ``/proc``: their working directory and command line).  Where that cannot be checked,
nothing is removed and the message says to run ``snakemake --unlock`` by hand.  Half-written
outputs need nothing: files are written under a temporary name and renamed, leftovers of a killed
writer are removed by the next write of the same file (:func:`specbias.io.remove_stale_parts`),
and Snakemake reruns jobs it recorded as incomplete.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path


def working_directory(args: list[str], cwd: Path | None = None) -> Path:
    """The directory a Snakemake command line works in: ``-d D``, ``-dD``, ``--directory D``,
    ``--directory=D`` (or an unambiguous prefix of it), relative to ``cwd``; else ``cwd``."""
    cwd = Path(cwd or Path.cwd())
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("-d", "--directory")
    known, _ = parser.parse_known_args([a for a in args if a != "--"])
    return (cwd / known.directory).resolve() if known.directory else cwd.resolve()


def _process(entry: Path) -> tuple[list[str], Path] | None:
    try:
        argv = [a.decode(errors="replace") for a in (entry / "cmdline").read_bytes().split(b"\0") if a]
        return argv, Path(os.readlink(entry / "cwd"))
    except OSError:
        return None


def live_snakemake_pids(workdir: Path) -> list[int] | None:
    """PIDs of Snakemake processes working in ``workdir`` (None: cannot tell): those whose working
    directory is ``workdir`` and those started elsewhere whose command line points there."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    workdir = workdir.resolve()
    me = os.getpid()
    out = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        seen = _process(entry)
        if seen is None:
            continue
        argv, cwd = seen
        cmd = " ".join(argv)
        if "snakemake" not in cmd or "specbias.recover" in cmd:
            continue
        try:
            if cwd.resolve() == workdir or working_directory(argv[1:], cwd) == workdir:
                out.append(int(entry.name))
        except (OSError, ValueError):
            out.append(int(entry.name))  # cannot tell where it works: count it as working here
    return out


def stale_lock(workdir: Path) -> bool:
    locks = workdir / ".snakemake" / "locks"
    return locks.is_dir() and any(locks.iterdir())


def recover(args: list[str] | None = None) -> str:
    """Unlock the run that ``args`` (Snakemake's arguments) describe if its lock is stale."""
    args = list(args or [])
    workdir = working_directory(args)
    if not stale_lock(workdir):
        return f"no lock in {workdir}: nothing to recover"
    pids = live_snakemake_pids(workdir)
    if pids is None:
        return "a Snakemake lock exists and this system cannot tell whether its run is alive; if it is not, run `snakemake --unlock`"
    if pids:
        return f"a Snakemake lock exists in {workdir} and Snakemake is running there (pids {pids}); left as it is"
    subprocess.run([sys.executable, "-m", "snakemake", "--unlock", *args], check=True, capture_output=True)
    return f"removed the stale lock of a killed run in {workdir} (snakemake --unlock); unfinished jobs will be rerun"


if __name__ == "__main__":
    print(f"specbias.recover: {recover(sys.argv[1:])}")

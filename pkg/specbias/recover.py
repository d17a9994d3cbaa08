"""Recovery after a killed run: remove Snakemake's stale lock, but only when no Snakemake process
is still running in the workflow's directory (``python -m specbias.recover [SNAKEMAKE ARGS]``, with
the arguments of the run, ``--directory`` and ``--configfile`` included; ``make run`` calls it first).

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

import os
import subprocess
import sys
from pathlib import Path


def live_snakemake_pids(workdir: Path) -> list[int] | None:
    """PIDs of Snakemake processes whose working directory is ``workdir`` (None: cannot tell)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    workdir = workdir.resolve()
    me = os.getpid()
    out = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = Path(os.readlink(entry / "cwd")).resolve()
        except OSError:
            continue
        if "snakemake" in cmd and "specbias.recover" not in cmd and cwd == workdir:
            out.append(int(entry.name))
    return out


def stale_lock(workdir: Path) -> bool:
    locks = workdir / ".snakemake" / "locks"
    return locks.is_dir() and any(locks.iterdir())


def recover(args: list[str] | None = None) -> str:
    """Unlock the run that ``args`` (Snakemake's arguments) describe if its lock is stale."""
    args = list(args or [])
    workdir = Path(args[args.index("--directory") + 1]) if "--directory" in args else Path(".")
    if not stale_lock(workdir):
        return "no lock: nothing to recover"
    pids = live_snakemake_pids(workdir)
    if pids is None:
        return "a Snakemake lock exists and this system cannot tell whether its run is alive; if it is not, run `snakemake --unlock`"
    if pids:
        return f"a Snakemake lock exists and Snakemake is running there (pids {pids}); left as it is"
    subprocess.run([sys.executable, "-m", "snakemake", "--unlock", *args], check=True, capture_output=True)
    return "removed the stale lock of a killed run (snakemake --unlock); unfinished jobs will be rerun"


if __name__ == "__main__":
    print(f"specbias.recover: {recover(sys.argv[1:])}")

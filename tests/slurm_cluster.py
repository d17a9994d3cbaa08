"""A real single-node SLURM on localhost, for the cluster test.

Needs root and Debian's munge, slurmctld, slurmd and slurm-client (`.ci/run` installs them).
Every daemon this starts is started in the foreground as a child process, so it is stopped
by its own pid; `stop()` ends them all, also after a failure.  State, spool and logs stay in
the given directory.  The config must sit at SLURM's default path, /etc/slurm/slurm.conf:
the Snakemake jobstep executor strips SLURM_* variables (SLURM_CONF too) before its nested
`srun`, which then only finds the default.  It is written there only when no site config
exists, marked as ours, and removed by `stop()`.  munged, if not already running, keeps its
socket and pid file in /run/munge.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

BINARIES = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo")
CONF_DIR = Path("/etc/slurm")
MARKER = "# written by specbias tests/slurm_cluster.py; removed when the test cluster stops"


def _ours_or_absent(path: Path) -> bool:
    return not path.exists() or path.read_text().startswith(MARKER)


def why_unavailable() -> str | None:
    """None if this machine can run the local cluster, else the reason."""
    if os.geteuid() != 0:
        return "the local SLURM cluster needs root (slurmd runs jobs as any user)"
    missing = [b for b in BINARIES if shutil.which(b) is None and not Path("/usr/sbin", b).exists()]
    if missing:
        return f"SLURM/munge binaries missing: {missing} (apt-get install munge slurmctld slurmd slurm-client)"
    for name in ("slurm.conf", "gres.conf"):
        if not _ours_or_absent(CONF_DIR / name):
            return f"a site SLURM config exists at {CONF_DIR / name}; the test cluster will not overwrite it"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalSlurm:
    """`with LocalSlurm(tmpdir) as cluster:` starts munged (if needed), slurmctld and slurmd."""

    partition = "ci"

    def __init__(self, root: Path, gpus: int = 2, min_job_age: int = 300):
        self.root = Path(root)
        self.gpus = gpus
        self.min_job_age = min_job_age
        self.procs: list[subprocess.Popen] = []
        self.munge_pidfile: Path | None = None
        self.conf = CONF_DIR / "slurm.conf"
        self.gres = CONF_DIR / "gres.conf"
        self.env = dict(os.environ, SLURM_CONF=str(self.conf))

    # -- configuration --------------------------------------------------------------------
    def write_config(self) -> None:
        r = self.root
        for sub in ("state", "spool", "dev", "log"):
            (r / sub).mkdir(parents=True, exist_ok=True)
        for i in range(self.gpus):  # dummy device files back the declared GPUs
            (r / "dev" / f"gpu{i}").touch()
        cpus = os.cpu_count() or 1
        # Declare 90% of the physical memory so the profile's per-rule mem_mb requests fit.
        mem_mb = int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20 * 0.9)
        ctld_port, d_port = _free_port(), _free_port()
        for path in (self.conf, self.gres):
            if not _ours_or_absent(path):
                raise RuntimeError(f"{path} belongs to a site SLURM install; not overwriting it")
        CONF_DIR.mkdir(parents=True, exist_ok=True)
        self.conf.write_text(
            f"""{MARKER}
ClusterName=specbias-ci
SlurmctldHost=localhost
SlurmctldPort={ctld_port}
SlurmdPort={d_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation={r}/state
SlurmdSpoolDir={r}/spool
SlurmctldPidFile={r}/slurmctld.pid
SlurmdPidFile={r}/slurmd.pid
SlurmctldLogFile={r}/log/slurmctld.log
SlurmdLogFile={r}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
MinJobAge={self.min_job_age}
GresTypes=gpu
NodeName=localhost CPUs={cpus} RealMemory={mem_mb} Gres=gpu:{self.gpus} State=UNKNOWN
PartitionName={self.partition} Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"""
        )
        devs = f"{r}/dev/gpu[0-{self.gpus - 1}]" if self.gpus > 1 else f"{r}/dev/gpu0"
        self.gres.write_text(f"{MARKER}\nNodeName=localhost Name=gpu File={devs}\n")

    # -- daemons --------------------------------------------------------------------------
    def _munge_running(self) -> bool:
        """A live munged answers `munge -n` (a zombie or stale socket does not)."""
        return subprocess.run(["munge", "-n"], capture_output=True).returncode == 0

    def start(self) -> "LocalSlurm":
        self.write_config()
        if not self._munge_running():
            run_dir = Path("/run/munge")
            run_dir.mkdir(parents=True, exist_ok=True)
            shutil.chown(run_dir, "munge", "munge")
            # munged runs as the munge user: its pid file goes where that user can write
            self.munge_pidfile = run_dir / f"specbias-{os.getpid()}.pid"
            proc = subprocess.run(["runuser", "-u", "munge", "--", "munged", f"--pid-file={self.munge_pidfile}"],
                                  env=self.env, capture_output=True, text=True)
            if proc.returncode != 0:
                raise RuntimeError(f"munged failed to start: {proc.stderr.strip()}")
        sbin = "/usr/sbin"
        for cmd in ([f"{sbin}/slurmctld", "-D", "-i", "-f", str(self.conf)],
                    [f"{sbin}/slurmd", "-D", "-N", "localhost", "-f", str(self.conf)]):
            log = open(self.root / "log" / (Path(cmd[0]).name + ".out"), "w")
            self.procs.append(subprocess.Popen(cmd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                               start_new_session=True))
        self.wait_idle()
        return self

    def wait_idle(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline:
            for p in self.procs:
                if p.poll() is not None:
                    raise RuntimeError(f"{p.args[0]} exited with {p.returncode}; see {self.root}/log")
            out = subprocess.run(["sinfo", "-h", "-N", "-o", "%T"], env=self.env, capture_output=True, text=True)
            state = out.stdout.strip()
            if state.startswith("idle"):
                return
            time.sleep(0.5)
        raise RuntimeError(f"SLURM node not idle after {timeout:.0f} s (state {state!r}); see {self.root}/log")

    def stop(self) -> None:
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in reversed(self.procs):
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs.clear()
        if self.munge_pidfile is not None and self.munge_pidfile.exists():
            try:
                os.kill(int(self.munge_pidfile.read_text().strip()), signal.SIGTERM)
            except (ProcessLookupError, ValueError):
                pass
            self.munge_pidfile.unlink(missing_ok=True)
            self.munge_pidfile = None
        for path in (self.conf, self.gres):
            if path.exists() and path.read_text().startswith(MARKER):
                path.unlink()

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()
        return False

"""Warm job starts for local runs.

Every Snakemake job is a fresh Python process, and a job of this workflow spends seconds importing
torch, xarray, scipy, matplotlib and the study modules before it computes anything (a job that
compiles its step also loads torch's compiler).  On a laptop that start-up is a large share of the
default run.  For runs on the local machine the workflow therefore starts one *job server*
(``onstart``): a process that imports those modules and loads torch's compiler once, then forks a
child for every job.  A job's script still starts as Snakemake starts it, but its first line (:func:`delegate`) hands the rest of the script to the server and
waits: the forked child gets the job's standard streams, working directory, environment and
thread counts, runs the same script file with the same ``snakemake`` object, and its exit status
becomes the job's.  The job is still a process of its own with its own log; nothing is shared
between jobs except the imported modules, which no job can change for another (each child is
forked from the untouched server).

Where no server is reachable (cluster jobs, ``job_server: off``, a server that has stopped) the
script simply continues in its own interpreter, so the same scripts run everywhere.  Stopping the
job (Snakemake's SIGTERM or Ctrl-C) is forwarded to the child; a job whose waiting process dies is
killed by the server; the server stops with the workflow, or by itself when the Snakemake process
that started it is gone.  Snakemake's benchmark files keep the job's wall time; their memory and
CPU columns count only the waiting process.

The client side (:func:`delegate`) imports nothing beyond the standard library.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: environment variable naming the server's socket (set for the jobs by :func:`start`)
ENV = "SPECBIAS_JOB_SERVER"
#: set in a forked job, so that its own :func:`delegate` call continues in place
_IN_CHILD = "SPECBIAS_JOB_IN_SERVER"
_HEADER = 8

#: modules every job kind imports before its first computation (the server imports them once)
PRELOAD = ["numpy", "scipy.linalg", "scipy.stats", "scipy.sparse.linalg", "pandas", "xarray", "netCDF4", "torch",
           "torch.func", "matplotlib", "snakemake.script", "snakemake.iocontainers", "snakemake.logging",
           "specbias.io", "specbias.runtime", "specbias.figures", "specbias.claims", "specbias.studies"]


# ---------------------------------------------------------------------------------------------
# the job's side


def delegate() -> None:
    """First line of a workflow script: run the rest of this job in the run's job server, if one
    serves this run, and exit with its status; return (and run here) where none is reachable."""
    path = os.environ.get(ENV)
    if not path or os.environ.get(_IN_CHILD) == path:
        return
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(path)
    except OSError:
        return
    header = json.dumps({"script": os.path.abspath(sys.argv[0]), "argv": sys.argv, "cwd": os.getcwd(),
                         "env": dict(os.environ)}).encode()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        socket.send_fds(sock, [b"j"], [0, 1, 2])
        sock.sendall(len(header).to_bytes(_HEADER, "big") + header)
        reply = sock.makefile("r", encoding="ascii")
        first = reply.readline().split()
    except OSError:
        return
    if len(first) != 2 or first[0] != "pid":  # the server could not start the job: run it here
        return
    pid = int(first[1])

    def forward(signum, frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, forward)
    try:
        last = reply.readline().split()
    except OSError:
        last = []
    if len(last) == 2 and last[0] == "exit":
        code = int(last[1])
    else:
        sys.stderr.write("specbias: the job server stopped during this job; run the same command again\n")
        code = 1
    os._exit(code)


# ---------------------------------------------------------------------------------------------
# the server's side


def _preload(extra: list[str]) -> None:
    import importlib

    os.environ.setdefault("MPLBACKEND", "Agg")
    for name in PRELOAD + list(extra):
        try:
            importlib.import_module(name)
        except Exception as exc:  # a job that needs it imports it itself (and reports the error there)
            print(f"specbias job server: {name} not preloaded ({exc})", file=sys.stderr, flush=True)
    try:
        _warm_compiler()
    except Exception as exc:  # the jobs then set the compiler up themselves
        print(f"specbias job server: compiler not loaded ({type(exc).__name__}: {exc})", file=sys.stderr, flush=True)
    from specbias import studies

    for study in studies.registered().values():
        for part in ("stages", "figures", "claims"):
            try:
                importlib.import_module(f"{study.__module__}.{part}")
            except ImportError:
                pass


def _warm_compiler() -> None:
    """Load torch's compiler (dynamo and inductor) and probe the CPU's vector instructions once
    here, instead of in every job that compiles.  Nothing is compiled or run: a compilation would
    start inductor's compile thread pool (and a kernel OpenMP's threads), and a forked job must
    never inherit a pool whose threads stayed behind in the server."""
    import torch

    from .accel import compiler_available

    ok, why = compiler_available(torch.device("cpu"))
    if not ok:
        print(f"specbias job server: compiler not loaded ({why})", file=sys.stderr, flush=True)
        return
    import torch._dynamo  # noqa: F401
    import torch._inductor.codecache  # noqa: F401
    import torch._inductor.compile_fx  # noqa: F401
    from torch._inductor import cpu_vec_isa

    cpu_vec_isa.pick_vec_isa()


def _fresh_compile_pools() -> None:
    """In a forked job: forget any compile pool the server's modules hold (their threads or
    processes belong to the server), so the job's compilations start their own."""
    module = sys.modules.get("torch._inductor.async_compile")
    if module is None:
        return
    try:
        module.after_fork()
        module.AsyncCompile.pool.cache_clear()
    except AttributeError:
        pass


def _recv_exact(conn: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("client closed")
        data += chunk
    return data


def _run_child(path: str, job: dict) -> int:
    """In the forked child: become the job and run its script; the exit status."""
    import random

    os.chdir(job["cwd"])
    os.environ.clear()
    os.environ.update(job["env"])
    os.environ[_IN_CHILD] = path
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    value = os.environ.get("OMP_NUM_THREADS", "")
    threads = int(value) if value.isdigit() else 0  # Snakemake sets it to the job's threads
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        if threads > 0:
            torch.set_num_threads(threads)
        torch.seed()  # a fresh interpreter seeds its default generator from the OS too
    if threads > 0:
        try:
            from threadpoolctl import threadpool_limits

            threadpool_limits(threads)  # the BLAS pools, as OPENBLAS_NUM_THREADS sets them in a fresh process
        except ImportError:
            pass
    _fresh_compile_pools()
    random.seed()
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()
    sys.argv = list(job["argv"])
    sys.path[0] = os.path.dirname(job["script"])
    import runpy

    try:
        runpy.run_path(job["script"], run_name="__main__")
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, int) and exc.code is not None:
            print(exc.code, file=sys.stderr)
    except BaseException:
        sys.excepthook(*sys.exc_info())
        code = 1
    import logging

    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    return code


def serve(path: str, parent: int, extra: list[str] | None = None) -> None:
    """Listen on ``path``, import the jobs' modules, then fork a child for every job that connects.
    Single-threaded (children are forked from the one thread); stops when ``parent`` is gone."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen(128)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the jobs; the workflow then stops the server
    start = time.perf_counter()
    _preload(extra or [])
    print(f"specbias job server: ready in {time.perf_counter() - start:.1f} s ({path})", file=sys.stderr, flush=True)
    children: dict[int, socket.socket] = {}
    try:
        while not stopping and os.getppid() == parent:
            waiting = [listener, *children.values()]
            try:
                ready, _, _ = select.select(waiting, [], [], 0.2)
            except InterruptedError:
                ready = []
            for conn in ready:
                if conn is listener:
                    _accept(listener, path, children)
                else:  # a job's waiting process closed its end: it was killed, so the job is stopped too
                    pid = next(p for p, c in children.items() if c is conn)
                    if not conn.recv(1):
                        _kill(pid)
            _reap(children)
    finally:
        for pid in list(children):
            _kill(pid)
        deadline = time.monotonic() + 10
        while children and time.monotonic() < deadline:
            _reap(children)
            time.sleep(0.05)
        listener.close()
        try:
            os.unlink(path)
        except OSError:
            pass


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass


def _accept(listener: socket.socket, path: str, children: dict) -> None:
    conn, _ = listener.accept()
    try:
        _, fds, _, _ = socket.recv_fds(conn, 1, 3)
        size = int.from_bytes(_recv_exact(conn, _HEADER), "big")
        job = json.loads(_recv_exact(conn, size))
    except (OSError, ValueError, ConnectionError):
        conn.close()
        return
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the job
        code = 1
        try:
            listener.close()
            for other in children.values():
                other.close()
            conn.close()
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
                os.close(fd)
            code = _run_child(path, job)
        finally:
            os._exit(code)
    for fd in fds:
        os.close(fd)
    try:
        conn.sendall(f"pid {pid}\n".encode())
    except OSError:
        _kill(pid)
    children[pid] = conn


def _reap(children: dict) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = children.pop(pid, None)
        if conn is None:
            continue
        code = os.waitstatus_to_exitcode(status)
        try:
            conn.sendall(f"exit {code if code >= 0 else 128 - code}\n".encode())
        except OSError:
            pass
        conn.close()


# ---------------------------------------------------------------------------------------------
# the workflow's side


class Server:
    """A running job server (``start``); ``stop`` ends it."""

    def __init__(self, process: subprocess.Popen, path: str, folder: str):
        self.process, self.path, self.folder = process, path, folder

    def floor(self, repeats: int = 3) -> float | None:
        """Seconds a job that does nothing takes through this server (None once it has stopped)."""
        return floor(self.path, repeats) if self.process.poll() is None else None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        os.environ.pop(ENV, None)
        # the server removes its socket itself; these remain only where it could not
        for remove, leftover in ((os.unlink, self.path), (os.rmdir, self.folder)):
            try:
                remove(leftover)
            except OSError:
                pass


#: what a job does before its first computation, when the server runs it: the interpreter, the
#: imports of Snakemake's script preamble, the hand-over and the fork
NOOP_JOB = "import pickle, snakemake.script, snakemake.iocontainers, snakemake.logging\n" \
           "from specbias.jobserver import delegate\ndelegate()\n"


def floor(path: str | None, repeats: int = 3) -> float:
    """Median seconds of a job that does nothing, started as the workflow starts jobs: through the
    job server at ``path`` (warm), or in a fresh interpreter importing what a job imports."""
    import statistics

    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as folder:
        script = os.path.join(folder, "noop.py")
        if path:
            env[ENV] = path
            Path(script).write_text(NOOP_JOB)
        else:
            env.pop(ENV, None)
            from .summary import job_imports

            Path(script).write_text(job_imports() + "\n")
        times = []
        for _ in range(repeats):
            begin = time.perf_counter()
            subprocess.run([sys.executable, script], env=env, check=True, capture_output=True)
            times.append(time.perf_counter() - begin)
    return statistics.median(times)


def start(log: str | Path | None = None, extra: list[str] | None = None) -> Server:
    """Start a job server for this process's jobs: its socket in a private temporary folder, its
    address in the environment the jobs inherit, its messages in ``log``."""
    folder = tempfile.mkdtemp(prefix="specbias-jobs-")
    path = os.path.join(folder, "socket")
    out = open(log, "a") if log else subprocess.DEVNULL
    cmd = [sys.executable, "-m", "specbias.jobserver", path, str(os.getpid()), *(extra or [])]
    process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    deadline = time.monotonic() + 30
    while not os.path.exists(path) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.environ[ENV] = path
    return Server(process, path, folder)


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]), sys.argv[3:])

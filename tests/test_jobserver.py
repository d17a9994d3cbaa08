"""The warm job server: a job run through it behaves as the same script in a fresh interpreter
(streams, working directory, environment, thread counts, unseeded random state, exit status), and a job
whose waiting process is killed is stopped."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from specbias import jobserver

HEAD = "from specbias.jobserver import delegate\ndelegate()\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    log = tmp_path_factory.mktemp("server") / "server.log"
    # an empty compile cache of its own: the jobs' compilations really compile (cache hits would
    # skip inductor's compile pools, which forked jobs must not inherit from the server)
    cache = str(tmp_path_factory.mktemp("inductor_cache"))
    old = os.environ.get("TORCHINDUCTOR_CACHE_DIR")
    os.environ["TORCHINDUCTOR_CACHE_DIR"] = cache
    srv = jobserver.start(log=log)
    # the server listens at once and preloads before it accepts: wait for its ready line
    deadline = time.monotonic() + 120
    while "ready" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "ready" in log.read_text(), log.read_text()
    yield srv
    srv.stop()
    if old is None:
        os.environ.pop("TORCHINDUCTOR_CACHE_DIR", None)
    else:
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = old
    assert srv.process.poll() is not None
    assert not os.path.exists(srv.path)


def _run(script, cwd, env_extra=None, server=None, timeout=120):
    env = dict(os.environ)
    env.pop(jobserver.ENV, None)
    if server is not None:
        env[jobserver.ENV] = server.path
    env.update(env_extra or {})
    return subprocess.run([sys.executable, str(script)], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


PROBE = HEAD + textwrap.dedent("""
    import os, sys
    import torch
    print("cwd", os.getcwd())
    print("var", os.environ.get("PROBE_VAR"))
    print("threads", torch.get_num_threads())
    print("rand", float(torch.rand(1)))
    print("argv0", os.path.basename(sys.argv[0]))
    print("served", os.environ.get("SPECBIAS_JOB_IN_SERVER") is not None)
    print("to stderr", file=sys.stderr)
""")


def _fields(out):
    return dict(line.split(" ", 1) for line in out.strip().splitlines())


def test_served_job_equals_a_fresh_one(server, tmp_path):
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    work = tmp_path / "work"
    work.mkdir()
    env = {"PROBE_VAR": "x1", "OMP_NUM_THREADS": "1"}
    fresh = _run(script, work, env)
    served = _run(script, work, env, server=server)
    assert fresh.returncode == served.returncode == 0, served.stderr
    a, b = _fields(fresh.stdout), _fields(served.stdout)
    assert a.pop("served") == "False" and b.pop("served") == "True"
    # a fresh interpreter seeds torch's default generator at random: so does every served job
    second = _fields(_run(script, work, env, server=server).stdout)
    assert len({a.pop("rand"), b.pop("rand"), second["rand"]}) == 3
    assert a == b  # cwd, environment, torch threads, argv
    assert b["threads"] == "1" and b["var"] == "x1" and b["cwd"] == str(work)
    assert "to stderr" in served.stderr
    two = _fields(_run(script, work, {"OMP_NUM_THREADS": "2"}, server=server).stdout)
    assert two["threads"] == "2"  # each job gets its own thread count


def test_exit_status_and_errors_reach_the_job(server, tmp_path):
    (tmp_path / "exit3.py").write_text(HEAD + "import sys\nsys.exit(3)\n")
    (tmp_path / "boom.py").write_text(HEAD + "raise ValueError('broken input key')\n")
    assert _run(tmp_path / "exit3.py", tmp_path, server=server).returncode == 3
    boom = _run(tmp_path / "boom.py", tmp_path, server=server)
    assert boom.returncode == 1 and "ValueError: broken input key" in boom.stderr


def test_jobs_do_not_share_state(server, tmp_path):
    (tmp_path / "set.py").write_text(HEAD + "import specbias\nspecbias.LEFT_BY_A_JOB = 1\n")
    (tmp_path / "get.py").write_text(HEAD + "import specbias\nprint(hasattr(specbias, 'LEFT_BY_A_JOB'))\n")
    assert _run(tmp_path / "set.py", tmp_path, server=server).returncode == 0
    assert _run(tmp_path / "get.py", tmp_path, server=server).stdout.strip() == "False"


def test_no_server_runs_in_place(tmp_path):
    (tmp_path / "here.py").write_text(HEAD + "import os\nprint(os.getpid())\n")
    gone = tmp_path / "no-such-socket"
    result = _run(tmp_path / "here.py", tmp_path, {jobserver.ENV: str(gone)})
    assert result.returncode == 0 and result.stdout.strip().isdigit()


def test_a_stopped_job_stops_its_child(server, tmp_path):
    marker = tmp_path / "child.pid"
    (tmp_path / "slow.py").write_text(HEAD + f"import os, time\nopen({str(marker)!r}, 'w').write(str(os.getpid()))\ntime.sleep(60)\n")
    env = dict(os.environ, **{jobserver.ENV: server.path})
    for sig in (signal.SIGTERM, signal.SIGKILL):  # Snakemake's stop, and a waiting process killed outright
        marker.unlink(missing_ok=True)
        proc = subprocess.Popen([sys.executable, str(tmp_path / "slow.py")], cwd=tmp_path, env=env)
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        child = int(marker.read_text())
        proc.send_signal(sig)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child), f"child still running after {sig!r}"


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_floor_is_measured_both_ways(server):
    warm, cold = jobserver.floor(server.path, repeats=1), jobserver.floor(None, repeats=1)
    assert warm > 0 and cold > 0


ARC_JOB = HEAD + textwrap.dedent("""
    import numpy as np
    import torch
    from specbias.config import validate
    from specbias.schema import assemble
    from specbias.studies.convergence import stages
    torch.set_num_threads(1)
    cfg = {"data": {"n": 128, "seed": 0}, "model": {"width": 512, "init": "antisymmetric"}, "target": {"kappas": [3]},
           "train": {"lr_relative": 0.5, "max_steps": 40, "seeds": [0, 1], "snapshots": 4, "dtype": "float64"}}
    cfg = validate({"convergence": {"t": cfg}}, assemble())["convergence"]["t"]
    pts = stages.sample(stages.sample_params(cfg, 0))
    eig = stages.ntk_eigen(pts, stages.ntk_params(cfg), "cpu")
    runs = stages.train_kappa(pts, 3, stages.train_params(cfg), "cpu", "on", "arc", eig=eig)
    print(np.round(runs.residual.values[..., -1], 12).tolist())
""")


def test_a_compiled_training_job_runs_served_as_fresh(server, tmp_path):
    # the arc step compiles several kernels; a compile pool inherited from the server hangs it
    children = [p for p in os.listdir("/proc") if p.isdigit() and _parent(p) == server.process.pid]
    assert children == []  # and no compile worker process is left in the server either
    script = tmp_path / "arc.py"
    script.write_text(ARC_JOB)
    env = {"OMP_NUM_THREADS": "1", "TORCHINDUCTOR_CACHE_DIR": str(tmp_path / "fresh_cache")}
    fresh = _run(script, tmp_path, env, timeout=180)
    assert fresh.returncode == 0, fresh.stderr
    env["TORCHINDUCTOR_CACHE_DIR"] = str(tmp_path / "served_cache")
    served = _run(script, tmp_path, env, server=server, timeout=180)
    assert served.returncode == 0, served.stderr
    assert served.stdout == fresh.stdout


def _parent(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
        return None

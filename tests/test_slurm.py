"""The workflow through the SLURM profile on a real single-node SLURM (localhost).

Runs where the machine can host the cluster (root, Debian's SLURM packages: `.ci/run`
installs them).  In CI (CI=true) the test must run, so a missing prerequisite fails it
instead of skipping.
"""
import os
import re
import signal
import time

import pytest
import yaml

from slurm_cluster import LocalSlurm, why_unavailable
from specbias import io
from wfutil import TINY, assert_same_numbers, copy_workflow, snakemake

pytestmark = pytest.mark.workflow

REASON = why_unavailable()
if REASON and os.environ.get("CI", "").lower() not in ("1", "true", "yes"):
    pytest.skip(f"SLURM test skipped: {REASON}", allow_module_level=True)


def slurm_args(cluster: LocalSlurm):
    """The profile, with this cluster's partition and no accounting database."""
    return [
        "--workflow-profile", "profiles/slurm",
        "--default-resources", f"slurm_partition={cluster.partition}", "runtime=10", "mem_mb=500", "cpus_per_task=1",
        "--slurm-no-account",
        "--slurm-keep-successful-logs",  # evidence that each job went through sbatch
        "--slurm-status-command", "squeue",  # no accounting daemon: sacct cannot answer
        "--slurm-init-seconds-before-status-checks", "1",
        "--seconds-between-status-checks", "2",
        "--jobs", "4",
        "--latency-wait", "5",
        "--retries", "0",
        "--group-components", "figures=2",  # a group sums its members: fit 2 CPUs
    ]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if REASON:
        pytest.fail(f"CI must run the SLURM test, but: {REASON}")
    # A SIGTERM (a CI time-out, say) becomes KeyboardInterrupt, so the daemons are still stopped.
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        with LocalSlurm(tmp_path_factory.mktemp("slurm")) as c:
            yield c
    finally:
        signal.signal(signal.SIGTERM, previous)


# The executor is what this test is about: the sphere entries, the spectral, coordinate, holdout,
# kernels and depth studies and the two-sample per-region entry (dozens more submissions, ~10-40 s
# of scheduler latency each in this single-node cluster) run locally in test_workflow instead.  The
# lazy study stays: its training rule has its own resources in the profile.
SLURM_CONFIG = {**{k: v for k, v in TINY.items() if k not in ("convergence", "spectral", "coordinate", "holdout", "kernels", "depth")},
                "convergence": {"tiny": TINY["convergence"]["tiny"]}}


def test_workflow_through_slurm_matches_local_run(cluster, tiny_run, tmp_path):
    work = tmp_path / "wf"
    work.mkdir()
    copy_workflow(work, SLURM_CONFIG)
    t0 = time.monotonic()
    proc = snakemake(work, *slurm_args(cluster), env=cluster.env, timeout=600)
    out = proc.stdout + proc.stderr
    # Jobs really went through sbatch: SLURM job ids in the log and one SLURM log per job.
    ids = set(re.findall(r"SLURM run ID:? *(\d+)|Job \d+ has been submitted with SLURM jobid (\d+)", out))
    slurm_logs = list((work / ".snakemake" / "slurm_logs").rglob("*.log"))
    assert ids or slurm_logs, out[-3000:]
    rules_seen = {p.parts[p.parts.index("slurm_logs") + 1] for p in slurm_logs}
    assert {"rule_convergence_train", "rule_convergence_ntk", "rule_convergence_sample"} <= rules_seen, rules_seen
    assert any(r.startswith("group_") for r in rules_seen), f"no grouped submission in {rules_seen}"
    # GPU requests reached sbatch: the training jobs saw SLURM's GPU allocation.
    train_log = next(p for p in slurm_logs if "rule_convergence_train" in p.parts)
    assert "gpu" in (train_log.read_text() + out).lower()
    # Same numbers as a local run of the same config.
    assert_same_numbers(work / "results", tiny_run / "results")  # every file of the SLURM run
    local = io.read_csv(tiny_run / "results" / "scorecard.csv")
    remote = io.read_csv(work / "results" / "scorecard.csv")
    local = local[local.entry.isin(set(remote.entry))].reset_index(drop=True)
    assert remote.to_dict() == local.to_dict()
    print(f"SLURM run took {time.monotonic() - t0:.1f} s")


def test_failed_job_is_reported_with_its_log(cluster, tmp_path):
    work = tmp_path / "wf"
    work.mkdir()
    bad = yaml.safe_load(yaml.safe_dump(SLURM_CONFIG))
    bad["device"] = "cuda"  # the CI node has no CUDA: the jobs on the device fail at run time
    bad["preflight"] = {"device": False}  # as on a cluster whose login node has no GPU: the check is the nodes' business
    copy_workflow(work, bad)
    proc = snakemake(work, "results/convergence/tiny/train/kappa_1_d0.nc", *slurm_args(cluster), check=False, env=cluster.env, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    # the first job on the device fails: the sample's NTK (which the training job reads)
    assert "Error in rule convergence_ntk" in out, out[-3000:]
    job_log = work / "results" / "convergence" / "tiny" / "logs" / "ntk_d0.log"
    assert str(job_log.relative_to(work)) in out
    assert "no CUDA device" in job_log.read_text()
    slurm_logs = [p for p in (work / ".snakemake" / "slurm_logs").rglob("*.log") if "rule_convergence_ntk" in p.parts]
    assert slurm_logs, "the failed job left no SLURM log"
    assert any(str(p.relative_to(work)) in out or p.name in out for p in slurm_logs), out[-3000:]
    assert not (work / "results" / "convergence" / "tiny" / "train" / "kappa_1_d0.nc").exists()

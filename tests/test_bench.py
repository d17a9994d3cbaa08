"""The benchmark harness at tiny sizes: every group runs and every correctness gate passes.

Speed is not asserted here (bench/results holds the measurements)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.workflow
def test_quick_bench_runs_every_group_and_passes_its_gates(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--repeats", "1", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (js,) = tmp_path.glob("*-quick.json")
    data = json.loads(js.read_text())
    groups = {r["group"] for r in data["rows"]}
    assert groups == {"job start-up", "two-layer GD", "arc step", "deep GD", "analytic NTK", "NTK Gram", "circulant spectrum", "empirical NTK", "coordinate MLP",
                      "coordinate training",
                      "NTK stage memory", "real-data confusion", "real-data empirical NTK"}
    assert all(r["gate_passed"] for r in data["rows"])
    assert data["machine"]["cpu_cores"] >= 1 and "torch" in data["machine"]
    md = js.with_suffix(".md").read_text()
    assert md.count("\n| ") >= len(data["rows"]) + 2

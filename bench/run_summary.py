"""Summarise a finished workflow run as Markdown: its scorecard and where the time went.

    python bench/run_summary.py runs/paper_circle            # the run's directory (holds results/)
    python bench/run_summary.py . --wall 1234                 # the default run; wall seconds if known

Prints the scorecard table (results/scorecard.md) and, from the per-job benchmark files that every
rule writes (results/**/benchmarks/**/*.tsv), the job count and summed job seconds per rule and
the slowest jobs.  Used to write docs/results/*.md.
"""

from __future__ import annotations

import argparse
import collections
import csv
import re
from pathlib import Path


def job_times(results: Path) -> list[tuple[str, str, float]]:
    """(rule-ish label, file, seconds) for every benchmark file under results/."""
    out = []
    for tsv in sorted(results.rglob("benchmarks/**/*.tsv")):
        rows = list(csv.DictReader(tsv.open(), delimiter="\t"))
        if not rows:
            continue
        rel = tsv.relative_to(results)
        parts = rel.parts
        label = parts[parts.index("benchmarks") + 1] if parts.index("benchmarks") + 2 < len(parts) else tsv.stem
        out.append((re.sub(r"_d\d+$", "", label.removesuffix(".tsv")), str(rel), float(rows[-1]["s"])))
    return out


def summary(run: Path, wall: float | None = None, top: int = 8) -> str:
    results = run / "results"
    lines = []
    card = results / "scorecard.md"
    if card.exists():
        lines += ["## Scorecard", "", card.read_text().split("\n", 2)[2].strip(), ""]
    times = job_times(results)
    if times:
        per = collections.defaultdict(lambda: [0, 0.0])
        for label, _, secs in times:
            per[label][0] += 1
            per[label][1] += secs
        total = sum(t for _, _, t in times)
        lines += ["## Time", ""]
        if wall is not None:
            lines.append(f"Workflow wall time {wall / 60:.1f} min; jobs with a benchmark file: {len(times)}, "
                         f"summed job time {total / 60:.1f} min.")
        else:
            lines.append(f"Jobs with a benchmark file: {len(times)}, summed job time {total / 60:.1f} min.")
        lines += ["", "| job kind | jobs | summed s |", "|---|---|---|"]
        for label, (count, secs) in sorted(per.items(), key=lambda kv: -kv[1][1]):
            lines.append(f"| {label} | {count} | {secs:.0f} |")
        lines += ["", f"Slowest {top} jobs:", "", "| job | s |", "|---|---|"]
        for _, rel, secs in sorted(times, key=lambda t: -t[2])[:top]:
            lines.append(f"| {rel} | {secs:.1f} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", type=Path, help="directory that holds results/")
    ap.add_argument("--wall", type=float, help="workflow wall time in seconds, if measured")
    args = ap.parse_args(argv)
    print(summary(args.run, args.wall), end="")


if __name__ == "__main__":
    main()

"""The few lines a finished run prints at its end (Snakefile ``onsuccess``): claims passed, failed
and not evaluated, runs that diverged or never converged, where the time went (job time, the
share of it that is interpreter and import start-up, the longest jobs), and where the report is."""

from __future__ import annotations

import csv
import sys
from pathlib import Path


def job_imports() -> str:
    """What a training job imports before it computes anything (a study's stages pull in torch and xarray)."""
    from .studies import registered

    first = next(iter(registered().values()))
    return f"import snakemake.script, specbias.runtime, specbias.io, {first.__module__}.stages"


def job_floor(repeats: int = 3) -> float:
    """Seconds a job spends before its first computation in a fresh interpreter importing what a
    job imports (median of ``repeats``)."""
    from .jobserver import floor

    return floor(None, repeats)


def write_run_time(results: str | Path, wall: float, warm_floor: float | None) -> float:
    """``results/run_time.json``: the workflow's wall time (first job to last) and a job's start-up,
    warm through the job server when the run had one, else in a fresh interpreter; returns that
    start-up, so the summary does not measure it again."""
    import json

    floor = warm_floor if warm_floor is not None else job_floor()
    path = Path(results) / "run_time.json"
    path.write_text(json.dumps({"workflow_wall_s": round(wall, 1), "job_floor_s": round(floor, 3),
                                "job_server": warm_floor is not None}, indent=1) + "\n")
    return floor


def startup_share(jobs: int, floor: float, total: float) -> float:
    """The share of ``total`` job seconds that ``jobs`` start-ups of ``floor`` seconds take."""
    return min(1.0, jobs * floor / total) if total > 0 else float("nan")


def job_seconds(results: Path) -> dict[str, float]:
    """Wall seconds of every job with a Snakemake benchmark file, by file (relative to results/)."""
    out = {}
    for tsv in sorted(Path(results).rglob("benchmarks/**/*.tsv")):
        rows = list(csv.DictReader(tsv.open(), delimiter="\t"))
        if rows:
            out[str(tsv.relative_to(results))] = float(rows[-1]["s"])
    return out


def time_lines(results: Path, floor: float | None = None, top: int = 3, warm: bool = False) -> list[str]:
    """Job time, the start-up share (jobs x the measured floor / summed job time), the longest jobs;
    ``warm``: the floor was measured through the run's job server."""
    secs = job_seconds(results)
    if not secs:
        return []
    floor = job_floor() if floor is None else floor
    total = sum(secs.values())
    share = startup_share(len(secs), floor, total)
    longest = sorted(secs.items(), key=lambda kv: -kv[1])[:top]
    return [f"  time: {len(secs)} jobs with a benchmark file, {total / 60:.1f} job-minutes; start-up ({'warm, through the job server' if warm else 'interpreter and imports'}, "
            f"{floor:.1f} s a job) about {share:.0%} of it",
            "    longest: " + ", ".join(f"{rel.replace('/benchmarks', '').removesuffix('.tsv')} {s:.0f} s" for rel, s in longest)]


def run_counts(results: Path) -> dict[str, dict[str, int]]:
    """Per study entry (``convergence/<name>``, ...): runs, diverged, not converged, from each study's finished files."""
    from .studies import bind

    out = {}
    for study in bind({}).values():
        out.update(study.run_counts(results))
    return out


def run_summary(results: str | Path = "results", report: str | Path | None = None, floor: float | None = None,
                warm: bool = False) -> str:
    """The summary lines; ``floor``: a job's start-up if already measured (``warm``: through the
    run's job server), else measured here in a fresh interpreter."""
    results = Path(results)
    lines = ["specbias run summary"]
    card_path = results / "scorecard.csv"
    if card_path.exists():
        import pandas as pd  # here: the Snakefile imports this module in every Snakemake process

        card = pd.read_csv(card_path, keep_default_na=False)
        counts = card.verdict.value_counts()
        lines.append(f"  claims: {counts.get('pass', 0)} passed, {counts.get('fail', 0)} failed, "
                     f"{counts.get('not_evaluated', 0)} not evaluated, of {len(card)} rows ({card_path})")
        for _, row in card[card.verdict != "pass"].iterrows():
            where = f"{row.study}/{row.entry}" if "study" in card else row.entry
            lines.append(f"    {row.verdict}: {row.claim} {where}: ours {row.our_value}")
    else:
        lines.append(f"  no scorecard yet ({card_path} not made by this run)")
    counts = run_counts(results)
    bad = {k: v for k, v in counts.items() if v["diverged"]}
    total = sum(v["runs"] for v in counts.values())
    if bad:
        lines.append("  DIVERGED runs (recorded, excluded from every claim): "
                     + ", ".join(f"{k} {v['diverged']} of {v['runs']}" for k, v in bad.items()))
    else:
        lines.append(f"  diverged runs: none of {total}")
    never = {k: v for k, v in counts.items() if v["not_converged"]}
    if never:
        lines.append("  not converged within max_steps (excluded from step fits): "
                     + ", ".join(f"{k} {v['not_converged']} of {v['runs']}" for k, v in never.items()))
    from .studies import bind

    advice = [line for study in bind({}).values() for line in study.advice(results)]
    if advice:
        lines.append("  NOTHING MEASURABLE in these entries (their figures say so, their claims are not evaluated):")
        lines += [f"    {line}" for line in advice]
    lines += time_lines(results, floor=floor, warm=warm)
    report = Path(report) if report else results / "report.html"
    lines.append(f"  report: {report}" + ("" if report.exists() else " (build it with `make report`)"))
    return "\n".join(lines)



if __name__ == "__main__":
    print(run_summary(*sys.argv[1:2]))

"""The coordinate study (config section ``coordinate:``): P2's coordinate MLPs on 1-D signals and
images, by encoding (stages in :mod:`.stages`, figures in :mod:`.figures`, jobs in
``rules/coordinate.smk``)."""

from __future__ import annotations

from pathlib import Path

from ..base import Study

FIGURES = ("heatmaps", "statistics", "learning", "dead_units", "reconstructions", "kernel")


class Coordinate(Study):
    section = "coordinate"
    title = "coordinate MLPs by encoding (P2)"
    figure_names = FIGURES

    @classmethod
    def layouts(cls):
        from .layouts import LEARNING, RUNS

        return {"train/*.nc": RUNS, "analysis/learning.nc": LEARNING}

    def check(self, name, entry):
        from .checks import check_entry

        check_entry(name, entry)

    def estimates(self, name, entry):
        from ..base import F32, F64

        where = f"{self.section}.{name}"
        sig, tcfg = entry["signal"], entry["train"]
        n = sig["length"] if sig["kind"] == "sines" else sig["size"] ** 2
        R = len(entry["encodings"]) * len(tcfg["seeds"])
        hidden = list(entry["model"]["hidden"])
        units = sum(hidden)
        F = len(sig["frequencies"]) if sig["kind"] == "sines" else sig["size"] // 2
        params = sum(a * b for a, b in zip(hidden[:-1], hidden[1:])) + hidden[0] * 64 + hidden[-1] * 3
        out = [(f"{where}.model.hidden", R * n * units * (2 * F32 + 1),
                f"float32 pre-activations and outputs and boolean activation patterns of {R} nets with {units} hidden units on {n} inputs"),
               (f"{where}.train.epochs", R * F * (tcfg["epochs"] + 1) * F64,
                f"the residual spectrum at every epoch ({R} runs x {F} frequencies)"),
               (f"{where}.train.seeds", 4 * R * params * F32, f"parameters and Adam moments of {R} nets"),
               (f"{where}.metrics.pairs", 2 * entry["metrics"]["pairs"] * 2 * params * F32,
                f"per-example gradients of the {2 * entry['metrics']['pairs']} pair points of one net")]
        probe = tcfg["kernel_records"]["probe"]
        if probe > 0:
            out.append((f"{where}.train.kernel_records.probe", R * probe * (2 * probe * F64 + units * F32),
                        f"the empirical NTK of {R} nets on {probe} probe points"))
        return out

    @staticmethod
    def _stages():
        from . import stages

        return stages

    @staticmethod
    def _plan():
        from . import plan  # no torch: planning runs in every Snakemake process

        return plan

    def groups(self, name: str) -> dict[str, list[str]]:
        return self._plan().encoding_groups(self.entries[name])

    def run_files(self, wildcards) -> list[str]:
        name = wildcards[self.section]
        return [self.path(f"train/{g}.nc", name) for g in self.groups(name)]

    def group(self, wildcards) -> list[str]:
        return self.groups(wildcards[self.section])[wildcards.group]

    def train_params(self, wildcards) -> dict:
        return self._plan().train_params(self.entry(wildcards), self.group(wildcards))

    def figures(self, name, entry):  # the kernel figure where the kernel is recorded
        return [f for f in FIGURES if f != "kernel" or entry["train"]["kernel_records"]["probe"] > 0]

    def figure_table(self):
        from ... import io
        from . import figures as f

        def runs(sm):
            return self._stages().read_runs(sm.input.runs, list(sm.params.study["encodings"]))

        return {
            "heatmaps": lambda sm: f.heatmaps(runs(sm), sm.params.figures["cmap"]),
            "statistics": lambda sm: f.statistics(runs(sm)),
            "learning": lambda sm: f.learning(io.read(sm.input.learning), sm.params.study),
            "dead_units": lambda sm: f.dead_units(runs(sm), sm.params.study),
            "reconstructions": lambda sm: f.reconstructions(runs(sm)),
            "kernel": lambda sm: f.kernel(runs(sm), io.read(sm.input.learning)),
        }

    def run_counts(self, results: Path):
        import xarray as xr

        out = {}
        for path in sorted((Path(results) / self.section).glob("*/analysis/learning.nc")):
            with xr.open_dataset(path) as ds:
                diverged = (ds.learned_epoch.values == -2).all(-1)  # (encoding, seed): -2 on every frequency
            out[f"{self.section}/{path.parts[-3]}"] = {"runs": int(diverged.size), "diverged": int(diverged.sum()),
                                                       "not_converged": 0}
        return out

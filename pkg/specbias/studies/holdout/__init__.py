"""The holdout study (config section ``holdout:``): coordinate MLPs fitted on every other pixel of
an image and scored on the rest, by input encoding (stages in :mod:`.stages`, figures in
:mod:`.figures`, jobs in ``rules/holdout.smk``)."""

from __future__ import annotations

from ..base import Study


class Holdout(Study):
    section = "holdout"
    title = "held-out pixels by encoding (P2)"
    figure_names = ("psnr_curves", "reconstructions", "kernel")

    @classmethod
    def layouts(cls):
        from .layouts import PSNR, RUNS

        return {"train/*.nc": RUNS, "analysis/psnr.nc": PSNR}

    def check(self, name, entry):
        from .checks import check_entry

        check_entry(name, entry)

    def estimates(self, name, entry):
        from ..base import F32, F64

        where = f"{self.section}.{name}"
        size, tcfg = entry["image"]["size"], entry["train"]
        n, train = size * size, (size // 2) ** 2  # every pixel is evaluated; a quarter is trained on
        R = len(entry["variants"]) * len(tcfg["seeds"])
        hidden = list(entry["model"]["hidden"])
        units = sum(hidden)
        params = sum(a * b for a, b in zip(hidden[:-1], hidden[1:])) + hidden[0] * 512 + hidden[-1] * 3
        out = [(f"{where}.model.hidden", max(R * train * units, R * n * max(hidden)) * 2 * F32,
                f"pre-activations and outputs of {R} nets with {units} hidden units on the {train} training pixels "
                f"(or one layer on all {n})"),
               (f"{where}.train.seeds", 4 * R * params * F32, f"parameters and Adam moments of {R} nets"),
               (f"{where}.train.records", R * tcfg["records"] * n * 3 * F32, f"the {R} nets' images at {tcfg['records']} records")]
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
        return self._plan().variant_groups(self.entries[name])

    def run_files(self, wildcards) -> list[str]:
        name = wildcards[self.section]
        return [self.path(f"train/{g}.nc", name) for g in self.groups(name)]

    def group(self, wildcards) -> list[str]:
        return self.groups(wildcards[self.section])[wildcards.group]

    def train_params(self, wildcards) -> dict:
        return self._plan().train_params(self.entry(wildcards), self.group(wildcards))

    def figures(self, name, entry):  # the kernel figure where the jobs record kernels
        return ["psnr_curves", "reconstructions"] + (["kernel"] if entry["train"]["kernel_records"]["probe"] > 0 else [])

    def figure_table(self):
        from ... import io
        from . import figures as f

        def runs(sm):
            return self._stages().read_runs(sm.input.runs)

        return {
            "psnr_curves": lambda sm: f.psnr_curves(runs(sm), io.read(sm.input.table)),
            "reconstructions": lambda sm: f.reconstructions(runs(sm), io.read(sm.input.table)),
            "kernel": lambda sm: f.kernel(runs(sm), io.read(sm.input.table)),
        }

"""The lazy study (config section ``lazy:``): a convergence setting swept over width, with the
nets' empirical NTK recorded on every input (stages in :mod:`.stages`, figures in
:mod:`.figures`, jobs in ``rules/lazy.smk``).  Its base entry is a convergence entry, checked and
trained by the convergence study's own code."""

from __future__ import annotations

from ..base import Study


class Lazy(Study):
    section = "lazy"
    title = "kernel change against width"
    figure_names = ("kernel_change",)

    @classmethod
    def layouts(cls):
        from .layouts import RUNS, TABLE

        return {"train/width_*.nc": RUNS, "analysis/lazy.nc": TABLE}

    @classmethod
    def prepare(cls, name, entry):
        """The base model takes its width from ``widths`` (the largest), so the base need not name
        one: it is replaced by each width in turn."""
        from ...config import ConfigError

        widths = entry.get("widths")
        for i, w in enumerate(widths if isinstance(widths, list) else []):
            if isinstance(w, bool) or not isinstance(w, int):  # before the base's width is taken from them
                raise ConfigError(f"config error at {cls.section}.{name}.widths[{i}]: {w!r} is not of type 'integer'")
        if isinstance(entry.get("base"), dict) and isinstance(widths, list) and widths:
            model = entry["base"].setdefault("model", {})
            if isinstance(model, dict) and "width" not in model and all(isinstance(w, int) for w in widths):
                model["width"] = max(widths)

    def base(self, name: str, entry: dict) -> dict:
        """The base convergence entry at the largest width."""
        base = entry["base"]
        return {**base, "model": {**base["model"], "width": max(entry["widths"])}}

    def check(self, name, entry):
        from .checks import check_entry

        check_entry(name, entry)

    def gd_settings(self):
        for name, entry in self.entries.items():
            yield f"{self.section}.{name}.base", self.base(name, entry)

    def estimates(self, name, entry):
        from ..convergence.checks import gd_estimates

        return gd_estimates(f"{self.section}.{name}.base", self.base(name, entry))

    def run_files(self, wildcards) -> list[str]:
        name = wildcards[self.section]
        return [self.path(f"train/width_{w}.nc", name) for w in self.entries[name]["widths"]]

    def train_params(self, wildcards) -> dict:
        from . import plan  # no torch: planning runs in every Snakemake process

        return plan.train_params(self.entry(wildcards), int(wildcards.width))

    def step(self, wildcards):
        """The base's circle step (only two-layer ReLU nets on S¹ take the arc step)."""
        return self.config["circle_step"] if _arc(self.entry(wildcards)["base"]) else "dense"

    def figures(self, name, entry):
        return ["kernel_change"]

    def figure_table(self):
        from ... import io
        from . import figures as f

        return {"kernel_change": lambda sm: f.kernel_change(io.read(sm.input.table))}


def _arc(base: dict) -> bool:
    from ..convergence import plan

    return plan.arc_step_applies(base)

"""The convergence study (config section ``convergence:``): P1's convergence time against target
frequency κ on the circle or a sphere, trained and predicted by linearised GD (stages in
:mod:`.stages`, claims in :mod:`.claims`, figures in :mod:`.figures`, jobs in
``rules/convergence.smk``)."""

from __future__ import annotations

from pathlib import Path

from ..base import Study


class Convergence(Study):
    section = "convergence"
    title = "convergence time against frequency (P1)"
    figure_names = ("steps", "heatmap", "kernel", "region_convergence", "ntk_spectrum", "sphere_eigenfunctions")
    former_sections = {"experiments": "now called", "circle": "merged into"}
    former_note = "; circle entries keep data.domain: circle, the default"

    #: keys renamed when the circle study merged into this one: (part, old key) -> new key
    RENAMED_KEYS = {("target", "degrees"): "kappas", ("analysis", "fit_degree_min"): "fit_kappa_min"}

    @classmethod
    def layouts(cls):
        from .layouts import ANALYSIS, NTK, POINTS, PREDICT, REGION_LAW, TRAIN

        return {"data/sample_d*.nc": POINTS, "ntk/ntk_d*.nc": NTK, "train/kappa_*.nc": TRAIN, "predict/kappa_*.nc": PREDICT,
                "analysis/region_law.nc": REGION_LAW, "analysis/convergence.nc": ANALYSIS}

    @classmethod
    def prepare(cls, name, entry):
        from ...config import ConfigError

        for (part, key), new in cls.RENAMED_KEYS.items():
            if isinstance(entry.get(part), dict) and key in entry[part]:
                raise ConfigError(f"config error at {cls.section}.{name}.{part}.{key}: this key is now called `{new}` "
                                  "(one name for the target frequency on the circle and on spheres)")

    # ---- config -------------------------------------------------------------------------------

    def check(self, name, entry):
        from .checks import check_entry

        check_entry(name, entry)

    def check_all(self):
        from .checks import check_comparison

        for name, entry in self.entries.items():
            check_comparison(name, entry, self.entries)

    def gd_settings(self):
        for name, entry in self.entries.items():
            yield f"{self.section}.{name}", entry

    def estimates(self, name, entry):
        from .checks import gd_estimates

        return gd_estimates(f"{self.section}.{name}", entry)

    # ---- plan ---------------------------------------------------------------------------------

    @staticmethod
    def _plan():
        from . import plan  # no torch: planning runs in every Snakemake process

        return plan

    def kappas(self, name: str) -> list[int]:
        return sorted(self.entries[name]["target"]["kappas"])

    def data_seeds(self, name: str) -> list[int]:
        return self._plan().data_seeds(self.entries[name])

    def _per_sample(self, pattern: str, wildcards, first_only: bool) -> list[str]:
        name = wildcards[self.section]
        seeds = self.data_seeds(name)[:1] if first_only else self.data_seeds(name)
        # data seed outermost, kappa inner: the analysis script splits the list by data seed
        return [self.path(pattern.format(kappa=k, dseed=d), name) for d in seeds for k in self.kappas(name)]

    def train_files(self, wildcards, first_only: bool = False) -> list[str]:
        return self._per_sample("train/kappa_{kappa}_d{dseed}.nc", wildcards, first_only)

    def predict_files(self, wildcards, first_only: bool = False) -> list[str]:
        return self._per_sample("predict/kappa_{kappa}_d{dseed}.nc", wildcards, first_only)

    def eigen_files(self, wildcards) -> list[str]:
        name = wildcards[self.section]
        return [self.path(f"ntk/ntk_d{d}.nc", name) for d in self.data_seeds(name)]

    def law_files(self, wildcards) -> list[str]:
        """The NTK-only region-law file of a per-region circle entry (none when law_samples is 0)."""
        return [self.path("analysis/region_law.nc")] if self._plan().has_law(self.entry(wildcards)) else []

    def reference_files(self, wildcards) -> list[str]:
        """The analysis file of the entry named by analysis.compare_to (claims C18/C19), if any."""
        other = self._plan().comparison(self.entry(wildcards))
        return [self.path("analysis/convergence.nc", other)] if other else []

    def figure_inputs(self, wildcards) -> dict:
        """The files one figure reads (the figure rule's input function)."""
        analysis = self.path("analysis/convergence.nc")
        return {
            "steps": lambda: {"convergence": analysis},
            "heatmap": lambda: {"runs": self.train_files(wildcards, True), "predictions": self.predict_files(wildcards, True)},
            "kernel": lambda: {"runs": self.train_files(wildcards, True)},
            "region_convergence": lambda: {"convergence": analysis, "law": self.law_files(wildcards)},
            "ntk_spectrum": lambda: {"eigen": self.eigen_files(wildcards)[0], "convergence": analysis},
            "sphere_eigenfunctions": lambda: {"eigen": self.eigen_files(wildcards)[0]},
        }[wildcards.fig]()

    def figures(self, name, entry):
        s = self._plan()
        figs = ["steps"]
        if s.records_spectra(entry):
            figs.append("heatmap")
        if entry["train"]["kernel_records"]["probe"] > 0:
            figs.append("kernel")
        if s.has_operator_spectrum(entry):
            figs.append("ntk_spectrum")
        if s.per_region(entry):
            figs.append("region_convergence")
        if entry["data"]["domain"] == "sphere" and entry["data"]["dim"] == 3:
            figs.append("sphere_eigenfunctions")
        return figs

    # ---- params -------------------------------------------------------------------------------

    def sample_params(self, wildcards):
        return self._plan().sample_params(self.entry(wildcards), wildcards.dseed)

    def ntk_params(self, wildcards):
        return self._plan().ntk_params(self.entry(wildcards))

    def train_params(self, wildcards):
        return self._plan().train_params(self.entry(wildcards))

    def law_params(self, wildcards):
        return self._plan().law_params(self.entry(wildcards))

    def analysis_params(self, wildcards):
        return self._plan().analysis_params(self.entry(wildcards))

    def data_seed_params(self, wildcards):
        return self.data_seeds(wildcards[self.section])

    def step(self, wildcards):
        """Only two-layer ReLU nets on S¹ take the arc step; other runs do not depend on ``circle_step``."""
        return self.config["circle_step"] if self._plan().arc_step_applies(self.entry(wildcards)) else "dense"

    # ---- figures and summary ------------------------------------------------------------------

    def figure_table(self):
        from ... import io
        from . import figures as f

        def all_(paths):
            return [io.read(p) for p in paths]

        return {
            "steps": lambda sm: f.steps(io.read(sm.input.convergence)),
            "heatmap": lambda sm: f.heatmap(all_(sm.input.runs), all_(sm.input.predictions), sm.params.figures["cmap"]),
            "kernel": lambda sm: f.kernel(all_(sm.input.runs)),
            "region_convergence": lambda sm: f.region_convergence(io.read(sm.input.convergence),
                                                                  io.read(sm.input.law[0]) if sm.input.law else None),
            "ntk_spectrum": lambda sm: f.ntk_spectrum(io.read(sm.input.eigen), io.read(sm.input.convergence)),
            "sphere_eigenfunctions": lambda sm: f.sphere_eigenfunctions(io.read(sm.input.eigen)),
        }

    def advice(self, results: Path):
        import numpy as np

        from ... import io
        from ...common import STATUS

        out = []
        for path in sorted((Path(results) / self.section).glob("*/analysis/convergence.nc")):
            conv, name = io.read(path), path.parts[-3]
            max_steps = io.config_of(conv).get("max_steps")
            measured, status = conv.measured_step.values, conv.status.values
            live = status != STATUS["diverged"]
            if not live.any():
                out.append(f"{self.section}/{name}: every run diverged; lower train.lr (or train.lr_relative)")
            elif (status[live] == STATUS["not_converged"]).all():
                pred = conv.predicted_step.values
                need = (f"the linearised prediction needs about {int(np.median(pred[pred > 0]))} steps"
                        if (pred > 0).any() else "the linearised prediction does not converge within it either")
                out.append(f"{self.section}/{name}: no run converged within train.max_steps = {max_steps}; {need} "
                           "(raise train.max_steps)")
            elif (measured[live] == 0).all():
                out.append(f"{self.section}/{name}: every run met the criterion at step 0, so no time was measured; "
                           "lower train.criterion.threshold")
        return out

    def run_counts(self, results: Path):
        import xarray as xr

        from ...common import STATUS

        out = {}
        for path in sorted((Path(results) / self.section).glob("*/analysis/convergence.nc")):
            with xr.open_dataset(path) as ds:
                status = ds.status.values
            out[f"{self.section}/{path.parts[-3]}"] = {"runs": int(status.size),
                                                       "diverged": int((status == STATUS["diverged"]).sum()),
                                                       "not_converged": int((status == STATUS["not_converged"]).sum())}
        return out

"""The real-data study (config section ``realdata:``): any image classifier on an image dataset,
measured as P2 measures its nets (Hamming distances, gradient confusion), by the residual on
kernel eigenvector bands (Rahaman et al.) and by the filtering method (Xu et al.).  Stages in
:mod:`.stages` and :mod:`.analysis`, figures in :mod:`.figures`, jobs in ``rules/realdata.smk``."""

from __future__ import annotations

from ..base import F32, F64, Study


class Realdata(Study):
    section = "realdata"
    title = "spectral bias on real data, any model"
    figure_names = ("band_energy", "hamming", "confusion", "filtering")

    @classmethod
    def layouts(cls):
        from .layouts import DATA, KERNELS, TABLE, TRAIN

        return {"data.nc": DATA, "kernels.nc": KERNELS, "train.nc": TRAIN, "analysis/realdata.nc": TABLE}

    def check(self, name, entry):
        from .checks import check_entry

        check_entry(name, entry)

    def estimates(self, name, entry):
        from .checks import sizes

        where = f"{self.section}.{name}"
        n, params, shape, classes = sizes(entry)
        m = n if entry["kernels"]["points"] is None else min(n, entry["kernels"]["points"])
        seeds, rc = len(entry["train"]["seeds"]), entry["regions"]
        kernels = 2 + (seeds if entry["kernels"]["empirical"] else 0)
        k = entry["kernels"]["eigenpairs"] or m
        block = entry["kernels"]["block"]
        return [(f"{where}.kernels.points", F64 * (2 * m * m + kernels * m * k),
                 f"one {m}² kernel with its solver's workspace, and the {k} eigenvectors of {kernels} kernels"),
                (f"{where}.train.seeds", 4 * seeds * params * F32, f"parameters and Adam moments of {seeds} nets of {params} parameters"),
                (f"{where}.regions.block", rc["block"] * params * F32 * 2, f"{rc['block']} per-example gradients of {params} parameters"),
                (f"{where}.kernels.block", block * classes * params * F64 * 2, f"per-example Jacobians of {block} inputs (non-linear layers)")]

    #: the keys each job reads (its params), so a change reruns only the jobs that read it
    PARTS = {"data": ("data",), "kernels": ("data", "model", "kernels", "train.seeds"),
             "train": ("data", "model", "train", "regions")}

    def part(self, stage: str):
        """A params function: the entry's keys the ``stage`` job reads (nested keys as ``a.b``)."""
        def params(wildcards) -> dict:
            entry, out = self.entry(wildcards), {}
            for key in self.PARTS[stage]:
                head, _, tail = key.partition(".")
                if tail:
                    out.setdefault(head, {})[tail] = entry[head][tail]
                else:
                    out[head] = entry[head]
            return out
        return params

    def threshold(self, wildcards) -> float:
        return self.entry(wildcards)["filtering"]["threshold"]

    def figures(self, name, entry):
        """Every figure, drawn by one job (one that has nothing recorded says so on its panel)."""
        return list(self.figure_names)

    def figure_table(self):
        from ... import io
        from . import figures as f

        return {
            "band_energy": lambda sm: f.band_energy(io.read(sm.input.table)),
            "hamming": lambda sm: f.hamming(io.read(sm.input.table)),
            "confusion": lambda sm: f.confusion(io.read(sm.input.train)),
            "filtering": lambda sm: f.filtering(io.read(sm.input.table), sm.params.threshold),
        }

    def run_counts(self, results):
        import xarray as xr
        from pathlib import Path

        out = {}
        for path in sorted((Path(results) / self.section).glob("*/analysis/realdata.nc")):
            with xr.open_dataset(path) as ds:
                diverged = ds.diverged_epoch.values >= 0
            out[f"{self.section}/{path.parts[-3]}"] = {"runs": int(diverged.size), "diverged": int(diverged.sum()),
                                                       "not_converged": 0}
        return out

    def advice(self, results):
        out = []
        for name in self.entries:
            path = results / self.section / name / "analysis" / "claims.csv"
            if path.exists() and "every run diverged" in path.read_text():
                out.append(f"{self.section}.{name}: every run diverged; lower {self.section}.{name}.train.lr")
        return out

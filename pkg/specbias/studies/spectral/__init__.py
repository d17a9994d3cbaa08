"""The spectral study (config section ``spectral:``): NTK eigenfunctions on the circle under a
density, no training (stages in :mod:`.stages`, figures in :mod:`.figures`, jobs in
``rules/spectral.smk``); claims C7 and C8 join every entry."""

from __future__ import annotations

from ..base import Study


class Spectral(Study):
    section = "spectral"
    title = "NTK eigenfunctions under a density (P1)"
    figure_names = ("eigenfunctions", "local_frequency", "projection", "eigenvalue_law")

    @classmethod
    def layouts(cls):
        from .layouts import SPECTRUM

        return {"spectral.nc": SPECTRUM}

    def check(self, name, entry):
        from .checks import check_entry

        check_entry(name, entry)

    def estimates(self, name, entry):
        from ..base import F64

        g, m = entry["grid_size"], entry["nystrom_n"]
        where = f"{self.section}.{name}"
        return [(f"{where}.grid_size", 3 * F64 * g * g, f"the quadrature kernel matrix and its eigenvectors (3 x {g}^2 float64)"),
                (f"{where}.nystrom_n", 3 * F64 * m * m, f"the Nystrom kernel matrix (3 x {m}^2 float64)")]

    def spectrum_files(self, wildcards=None) -> list[str]:
        return [self.path("spectral.nc", name) for name in self.entries]

    def figures(self, name, entry):
        figs = ["eigenfunctions"]
        if entry["density"]["kind"] == "piecewise" and len(entry["density"]["weights"]) > 1:
            figs.append("local_frequency")
        if entry.get("projection_kappa"):
            figs.append("projection")
        return figs

    def section_targets(self):
        return [self.section_path(f"figures/eigenvalue_law.{fmt}") for fmt in self.config["figures"]["formats"]]

    def claim_files(self):
        return [self.section_path("claims.csv")] if self.entries else []

    def figure_table(self):
        from ... import io
        from . import figures as f

        return {
            "eigenfunctions": lambda sm: f.eigenfunctions(io.read(sm.input.spectrum), sm.params.study["show_q"]),
            "local_frequency": lambda sm: f.local_frequency(io.read(sm.input.spectrum), sm.params.study["local_q_min"]),
            "projection": lambda sm: f.projection(io.read(sm.input.spectrum)),
            "eigenvalue_law": lambda sm: f.eigenvalue_law(dict(zip(sm.params.names, [io.read(p) for p in sm.input.spectra]))),
        }

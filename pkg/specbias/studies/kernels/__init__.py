"""The kernels study (config section ``kernels:``): NTK spectra of nets with any activation, no
training (stages in :mod:`.stages`, figures in :mod:`.figures`, jobs in ``rules/kernels.smk``);
claims C16 and C17 join every entry."""

from __future__ import annotations

from ..base import Study


class Kernels(Study):
    section = "kernels"
    title = "NTK spectra by activation"
    figure_names = ("spectra",)

    @classmethod
    def layouts(cls):
        from .layouts import SPECTRUM

        return {"spectrum.nc": SPECTRUM}

    def check(self, name, entry):
        from ...config import ConfigError, check_activation, check_range

        where = f"{self.section}.{name}"
        for act, acfg in entry["activations"].items():
            check_activation(acfg, f"{where}.activations.{act}")
        _, hi = check_range(entry["fit_range"], f"{where}.fit_range")
        if hi > entry["max_degree"]:
            raise ConfigError(f"config error at {where}.fit_range: upper degree {hi} exceeds max_degree {entry['max_degree']}")

    def spectrum_files(self, wildcards=None) -> list[str]:
        return [self.path("spectrum.nc", name) for name in self.entries]

    def estimates(self, name, entry):
        from ..base import F64

        nodes = max(4 * entry["max_degree"] + 64, 512)  # the Funk-Hecke quadrature (deep.funk_hecke_eigenvalues)
        return [(f"{self.section}.{name}.max_degree", 8 * F64 * nodes + F64 * len(entry["activations"]) * (entry["max_degree"] + 1),
                 f"Funk-Hecke quadrature on {nodes} nodes and the eigenvalue table")]

    def figures(self, name, entry):
        return ["spectra"]

    def claim_files(self):
        return [self.section_path("claims.csv")] if self.entries else []

    def figure_table(self):
        from ... import io
        from . import figures as f

        return {"spectra": lambda sm: f.kernel_spectra(io.read(sm.input.spectrum), sm.params.study["fit_range"])}

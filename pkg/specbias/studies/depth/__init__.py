"""The depth study (config section ``depth:``): deep ReLU NTK eigenvalues against depth on a
sphere, no training (stages in :mod:`.stages`, figures in :mod:`.figures`, jobs in
``rules/depth.smk``); claims C3, C4 and C10 join every entry."""

from __future__ import annotations

from ..base import Study


class Depth(Study):
    section = "depth"
    title = "deep NTK eigenvalues against depth (P1)"
    figure_names = ("depth_spectrum",)
    former_sections = {"depth_spectra": "now called"}

    @classmethod
    def layouts(cls):
        from .layouts import SPECTRUM

        return {"spectrum.nc": SPECTRUM}

    def check(self, name, entry):
        from ...config import ConfigError, check_range

        for key in ("large_k_range", "low_k_range"):
            _, hi = check_range(entry[key], f"{self.section}.{name}.{key}")
            if hi > entry["max_degree"]:
                raise ConfigError(f"config error at {self.section}.{name}.{key}: upper degree {hi} exceeds "
                                  f"max_degree {entry['max_degree']}")

    def spectrum_files(self, wildcards=None) -> list[str]:
        return [self.path("spectrum.nc", name) for name in self.entries]

    def estimates(self, name, entry):
        from ..base import F64

        nodes = max(4 * entry["max_degree"] + 64, 512)  # the Funk-Hecke quadrature (deep.funk_hecke_eigenvalues)
        return [(f"{self.section}.{name}.max_degree", 8 * F64 * nodes + F64 * len(entry["depths"]) * (entry["max_degree"] + 1),
                 f"Funk-Hecke quadrature on {nodes} nodes and the eigenvalue table")]

    def figures(self, name, entry):
        return ["depth_spectrum"]

    def claim_files(self):
        return [self.section_path("claims.csv")] if self.entries else []

    def figure_table(self):
        from ... import io
        from . import figures as f

        return {"depth_spectrum": lambda sm: f.depth_spectrum(io.read(sm.input.spectrum))}

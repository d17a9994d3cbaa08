"""An example study plug-in, kept outside the package: the decay of a two-layer NTK's eigenvalues
on the circle, for any registered activation.  A config that lists ``plugins: [ring_decay]`` (with
``examples/plugins`` on PYTHONPATH) gets a ``ring_decay:`` section; the recipe in
docs/extending.md builds this folder step by step, and tests/test_plugins.py runs it."""

from __future__ import annotations

from pathlib import Path

from specbias.studies import register
from specbias.studies.base import F64, Study


@register
class RingDecay(Study):
    section = "ring_decay"
    title = "two-layer NTK eigenvalue decay on the circle (plug-in example)"
    figure_names = ("spectrum",)

    def rules_file(self) -> str:
        return str(Path(__file__).with_name("rules.smk"))

    def check(self, name, entry):
        from specbias.config import ConfigError, check_activation, check_range

        where = f"{self.section}.{name}"
        check_activation(entry["activation"], f"{where}.activation")
        _, hi = check_range(entry["fit_range"], f"{where}.fit_range")
        if hi > entry["grid_size"] // 2:
            raise ConfigError(f"config error at {where}.fit_range: upper frequency {hi} exceeds the grid's Nyquist "
                              f"frequency {entry['grid_size'] // 2} (raise grid_size)")

    def estimates(self, name, entry):
        return [(f"{self.section}.{name}.grid_size", 2 * F64 * entry["grid_size"], "the kernel row and its spectrum")]

    def figures(self, name, entry):
        return ["spectrum"]

    def figure_table(self):
        from specbias import io

        from . import figures

        return {"spectrum": lambda sm: figures.spectrum(io.read(sm.input.spectrum))}

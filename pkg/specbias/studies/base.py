"""The study plug-in protocol: what the centre of the workflow asks of every study.

A study is one config section (``convergence:``, ``coordinate:``, ...) whose entries each run the
same stages under ``results/<section>/<entry>/``.  It lives in one folder,
``specbias/studies/<section>/``, and is registered by one line in :mod:`specbias.studies`.  The
folder holds the plug-in (a :class:`Study` subclass in its ``__init__``), its stages, claims and
figures; ``rules/<section>.smk`` holds its jobs.  The central code (config checks, pre-flight,
rules' targets and inputs, figure dispatch, scorecard, end-of-run summary) only loops over the
registered studies through the methods below and never names one.

A study is bound to the (validated) config of a run: ``Study(config)``.  Everything it plans is
computed from ``self.config``, so the rules can use its methods as input and params functions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

#: where every run's outputs go, relative to the working directory
RESULTS = "results"
#: bytes of one float64 / float32 (memory estimates)
F64, F32 = 8, 4


class Study:
    """One study kind.  Subclasses set :attr:`section` and override the hooks they need."""

    #: the config section, the wildcard of the rules and the folder under ``results/``
    section: str = ""
    #: one line for logs and the report
    title: str = ""
    #: the figures the study can draw (the keys of :meth:`figure_table`)
    figure_names: tuple[str, ...] = ()

    #: former names of this section -> how it changed ("now called", "merged into")
    former_sections: dict[str, str] = {}
    #: what a config written for a former section should know (appended to the message)
    former_note: str = ""

    def __init__(self, config: dict):
        self.config = config

    # ---- config -------------------------------------------------------------------------------

    @property
    def entries(self) -> dict:
        """The entries of this study's section (``{}`` when the config has none)."""
        return self.config.get(self.section) or {}

    def entry(self, wildcards) -> dict:
        """The config entry a job's wildcards name (an input or params function for the rules)."""
        return self.entries[wildcards[self.section]]

    @classmethod
    def settings_module(cls):
        """The module of this study's typed config classes (:mod:`specbias.settings`)."""
        from ..settings import classes

        return classes(cls)

    @classmethod
    def typed(cls, params, where: str = "", partial: bool = True):
        """A job's params (a part of one entry) as the typed entry: keys the rule did not pass raise
        when read.  ``partial=False``: a whole validated entry, every default in place."""
        return cls.settings_module().Entry.from_dict(params, where or cls.section, partial=partial)

    def settings(self, name: str):
        """The typed object of entry ``name`` (whole, after validation and the study's checks)."""
        return self.typed(self.entries[name], f"{self.section}.{name}", partial=False)

    @classmethod
    def prepare(cls, name: str, entry: dict) -> None:
        """Before the schema, on the raw entry: refuse renamed keys, fill keys derived from others."""

    @classmethod
    def schema_file(cls):
        """The study's schema fragment: ``schema.yaml`` beside its plug-in module."""
        import importlib
        from pathlib import Path as _Path

        return _Path(importlib.import_module(cls.__module__).__file__).with_name("schema.yaml")

    def check(self, name: str, entry: dict) -> None:
        """Cross-key checks of one validated entry (defaults filled in); raise ConfigError naming the key."""

    def check_all(self) -> None:
        """Checks across the entries of the section (after :meth:`check` of each)."""

    def gd_settings(self):
        """(config path, convergence-like entry) of every setting trained by GD on the circle or a
        sphere, for the learning-rate stability pre-flight (none by default)."""
        return iter(())

    def estimates(self, name: str, entry: dict) -> list[tuple[str, float, str]]:
        """(config key, bytes, what) of the largest arrays of this entry's jobs, for the memory pre-flight."""
        return []

    # ---- paths --------------------------------------------------------------------------------

    def path(self, rel: str = "", name: str | None = None) -> str:
        """``results/<section>/<entry>/<rel>``; the entry is the rules' wildcard unless ``name`` is given."""
        entry = name if name is not None else "{" + self.section + "}"
        return f"{RESULTS}/{self.section}/{entry}/{rel}"

    def section_path(self, rel: str) -> str:
        """``results/<section>/<rel>``: files that join the entries (a section-wide table or figure)."""
        return f"{RESULTS}/{self.section}/{rel}"

    def log(self, rel: str) -> str:
        """The log file of a job of one entry (``results/<section>/<entry>/logs/<rel>.log``)."""
        return self.path(f"logs/{rel}.log")

    def benchmark(self, rel: str) -> str:
        """The Snakemake benchmark file of a job of one entry."""
        return self.path(f"benchmarks/{rel}.tsv")

    def rules_file(self) -> str:
        """The study's rules file, relative to the Snakefile."""
        return f"rules/{self.section}.smk"

    def figure_files(self, name: str, figures: list[str]) -> list[str]:
        """The files of one entry's figures in every configured format."""
        formats = self.config["figures"]["formats"]
        return [self.path(f"figures/{fig}.{fmt}", name) for fig in figures for fmt in formats]

    # ---- plan ---------------------------------------------------------------------------------

    def figures(self, name: str, entry: dict) -> list[str]:
        """The figures one entry draws (those its options produce data for)."""
        return []

    def section_targets(self) -> list[str]:
        """Final outputs that join the section's entries (none by default)."""
        return []

    def targets(self) -> list[str]:
        """Every final output of the section: each entry's figures and the section-wide ones."""
        out = []
        for name, entry in self.entries.items():
            out += self.figure_files(name, self.figures(name, entry))
        return out + (self.section_targets() if self.entries else [])

    @classmethod
    def layouts(cls) -> dict:
        """File pattern under an entry's folder (``train/*.nc``) -> the declared layout
        (:class:`specbias.io.Layout`) of the datasets written there (none declared by default)."""
        return {}

    def claim_files(self) -> list[str]:
        """The claim tables the scorecard joins (one per entry by default)."""
        return [self.path("analysis/claims.csv", name) for name in self.entries]

    # ---- figures ------------------------------------------------------------------------------

    def figure_pattern(self, exclude: tuple[str, ...] = ()) -> str:
        """A wildcard constraint matching the names of the figures this study draws per entry."""
        return "|".join(f for f in self.figure_names if f not in exclude)

    def figure_table(self) -> dict[str, Callable]:
        """Figure name -> function of the Snakemake job object that returns the figure."""
        return {}

    def draw(self, figure: str, job):
        """The figure ``figure`` from the job's inputs and params (the figure rule's script calls this)."""
        table = self.figure_table()
        if figure not in table or figure not in self.figure_names:
            raise ValueError(f"study {self.section!r} draws no figure {figure!r}; it draws {sorted(table)}")
        return table[figure](job)

    # ---- claims -------------------------------------------------------------------------------

    @classmethod
    def claims(cls) -> list:
        """The :class:`~specbias.claims.Claim` entries this study's rows test (its ``claims.CLAIMS``)."""
        import importlib

        try:
            module = importlib.import_module(f"{cls.__module__}.claims")
        except ModuleNotFoundError as exc:
            if exc.name != f"{cls.__module__}.claims":
                raise
            return []
        return list(getattr(module, "CLAIMS", {}).values())

    # ---- end of run ---------------------------------------------------------------------------

    def advice(self, results: Path) -> list[str]:
        """One line per entry whose runs gave nothing measurable: what happened and the key to change."""
        return []

    def run_counts(self, results: Path) -> dict[str, dict[str, int]]:
        """Per entry (``<section>/<name>``): runs, diverged, not converged, from the finished files."""
        return {}

"""Studies as plug-ins: the example study outside the package (examples/plugins/ring_decay) is
registered by a config's `plugins:` key, checked by its own schema fragment, run through the same
workflow and scored in the same scorecard; and every built-in study has the same cut."""
import os
import re
import subprocess
import sys

import pytest
import yaml

from specbias import claims, io, schema, studies
from specbias.config import ConfigError, validate
from wfutil import ROOT, copy_workflow, snakemake

PLUGINS = ROOT / "examples" / "plugins"

CENTRAL = ["pkg/specbias/config.py", "pkg/specbias/preflight.py", "pkg/specbias/summary.py", "pkg/specbias/claims.py",
           "pkg/specbias/schema.py", "pkg/specbias/schema_common.yaml", "rules/common.smk", "rules/scorecard.smk",
           "Snakefile", "workflow/scripts/figure.py", "workflow/scripts/scorecard.py"]


@pytest.fixture
def ring_decay(monkeypatch):
    monkeypatch.syspath_prepend(str(PLUGINS))
    import ring_decay

    yield ring_decay
    studies._REGISTRY.pop("ring_decay", None)  # the other tests see the built-in studies only
    sys.modules.pop("ring_decay", None)


def test_the_schema_file_is_the_assembly_of_the_studies_fragments():
    """schemas/config.schema.yaml is generated; a fragment edited without regenerating it fails here
    (assembled in a fresh interpreter: this process's tests register kinds of their own)."""
    fresh = subprocess.run([sys.executable, "-m", "specbias.schema"], capture_output=True, text=True, check=True).stdout
    on_disk = (ROOT / "schemas" / "config.schema.yaml").read_text()
    assert yaml.safe_load(on_disk) == yaml.safe_load(fresh), "run: python -m specbias.schema schemas/config.schema.yaml"
    assert on_disk == fresh


def test_the_configuration_reference_is_generated_from_the_schema():
    fresh = subprocess.run([sys.executable, "-m", "specbias.schema", "--markdown"], capture_output=True, text=True,
                           check=True).stdout
    assert (ROOT / "docs" / "config.md").read_text() == fresh, "run: python -m specbias.schema --markdown docs/config.md"
    assert "| `convergence.<name>.train.lr_relative` | number |" in fresh


def test_kind_lists_come_from_the_registries():
    from specbias.registry import ACTIVATIONS, ENCODINGS

    s = schema.assemble()
    assert s["$defs"]["activation_kind"]["enum"] == list(ACTIVATIONS.names())
    assert s["$defs"]["encoding"]["properties"]["kind"]["enum"] == list(ENCODINGS.names())


@pytest.mark.parametrize("section", studies.sections())
def test_every_study_has_the_same_cut(section):
    """A folder (plug-in, stages, figures, schema fragment), a rules file whose paths all come from the
    study's helpers, rules and scripts named after the section."""
    folder = ROOT / "pkg" / "specbias" / "studies" / section
    for part in ("__init__.py", "stages.py", "figures.py", "claims.py", "schema.yaml", "settings.py"):
        assert (folder / part).exists(), part
    rules = (ROOT / "rules" / f"{section}.smk").read_text()
    assert '"results/' not in rules  # every path through the study's path helpers
    assert all(name.startswith(section) for name in re.findall(r"^rule (\w+):", rules, re.M))
    scripts = {p.stem for p in (ROOT / "workflow" / "scripts").glob(f"{section}_*.py")}
    assert scripts and all(f"workflow/scripts/{s}.py" in rules for s in scripts)
    study = studies.get(section)
    assert study.claims() and all(section in c.studies for c in study.claims())


def test_no_central_module_names_a_study():
    for rel in CENTRAL:
        text = (ROOT / rel).read_text()
        for section in studies.sections():
            found = re.findall(rf"""["'.]{section}\b|\b{section}_\w+\(|\[["']{section}["']\]""", text)
            assert not found, f"{rel} names the study {section!r}: {found}"


def test_a_plugin_study_registers_its_section_schema_and_claims(ring_decay):
    assert studies.get("ring_decay") is ring_decay.RingDecay
    assert "ring_decay" in schema.assemble()["properties"]
    assert claims.CLAIMS["X1"].studies == ("ring_decay",)
    cfg = validate({"ring_decay": {"r": {}}}, schema.assemble())
    assert cfg["ring_decay"]["r"] == {"description": "", "activation": "relu", "grid_size": 4096, "fit_range": [10, 100],
                                      "tolerance": 0.1}
    with pytest.raises(ConfigError, match=r"ring_decay\.r\.fit_range: upper frequency 900 exceeds"):
        validate({"ring_decay": {"r": {"grid_size": 1024, "fit_range": [10, 900]}}}, schema.assemble())


def test_a_plugin_that_cannot_be_imported_is_refused_naming_the_key():
    with pytest.raises(ConfigError, match=r"plugins\[1\]: cannot import 'no_such_module_here'"):
        studies.load_plugins(["json", "no_such_module_here"])


PLUGIN_CONFIG = {"device": "cpu", "compile": "off", "plugins": ["ring_decay"],
                 "figures": {"formats": ["png"], "dpi": 60, "cmap": "magma"},
                 "ring_decay": {"relu": {"grid_size": 2048}, "smooth": {"grid_size": 2048, "activation": "tanh"}}}


@pytest.mark.workflow
def test_a_plugin_study_runs_through_the_workflow_and_the_scorecard(tmp_path):
    copy_workflow(tmp_path, PLUGIN_CONFIG)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PLUGINS), *filter(None, [os.environ.get("PYTHONPATH")])])}
    snakemake(tmp_path, "--cores", "2", env=env)
    res = tmp_path / "results"
    for name in ("relu", "smooth"):
        assert (res / "ring_decay" / name / "figures" / "spectrum.png").exists()
    card = io.read_csv(res / "scorecard.csv").set_index("entry")
    assert set(card.index) == {"relu", "smooth"} and set(card.study) == {"ring_decay"} and set(card.claim) == {"X1"}
    assert card.verdict["relu"] == "pass"  # slope -2.00
    assert card.verdict["smooth"] == "fail"  # a smooth activation's spectrum falls faster than any power


@pytest.mark.workflow
def test_a_missing_plugin_stops_the_run_before_any_job(tmp_path):
    copy_workflow(tmp_path, {**PLUGIN_CONFIG, "plugins": ["not_installed_anywhere"]})
    proc = snakemake(tmp_path, "-n", "--cores", "1", check=False)
    assert proc.returncode != 0
    assert "config error at plugins[0]: cannot import 'not_installed_anywhere'" in proc.stdout + proc.stderr


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))

"""The example notebook loads a finished run with one call and redraws a figure (tiny config)."""
from pathlib import Path

import pytest

from specbias import open_results

pytestmark = pytest.mark.workflow

ROOT = Path(__file__).resolve().parents[1]


def test_open_results_holds_every_file_and_the_scorecard(tiny_run):
    tree = open_results(tiny_run / "results")
    files = sorted(p.relative_to(tiny_run / "results").with_suffix("").as_posix()
                   for p in (tiny_run / "results").rglob("*.nc"))
    assert files and all(tree[f].to_dataset().data_vars for f in files)
    assert set(tree.children) >= {"spectral", "depth", "convergence", "coordinate", "scorecard"}
    card = tree["scorecard"].to_dataset().to_dataframe()
    assert len(card) > 10 and set(card.verdict) <= {"pass", "fail", "not_evaluated"}
    conv = tree["convergence/tiny/analysis/convergence"]
    assert conv.measured_step.dims == ("kappa", "run")


def test_example_notebook_runs_on_a_finished_run(tiny_run, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(ROOT / "examples" / "load_run.ipynb", as_version=4)
    (tmp_path / "results").symlink_to(tiny_run / "results")
    work = tmp_path / "examples"  # opened from examples/: the run is found one folder up
    work.mkdir()
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
    assert [p.stat().st_size for p in work.glob("convergence_*.png")][0] > 1000
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 2  # the heatmap and the steps figure, inline


def _blocks(text: str, lang: str) -> list[str]:
    import re

    return re.findall(rf"```{lang}\n(.*?)```", text, re.S)


def test_the_readmes_loading_snippet_runs_on_a_finished_run(tiny_run, monkeypatch, capsys):
    """The README's Python block, on the tiny config's run (its convergence entry is called tiny)."""
    (code,) = _blocks((ROOT / "README.md").read_text(), "python")
    monkeypatch.chdir(tiny_run)
    exec(compile(code.replace("uniform_circle", "tiny"), "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "kappa" in out and "claim" in out


def test_the_readmes_config_example_is_a_valid_config():
    import yaml

    from specbias import schema
    from specbias.config import validate

    from specbias.config import ConfigError

    readme = (ROOT / "README.md").read_text()
    text, _ = _blocks(readme, "yaml")
    cfg = validate(yaml.safe_load(text), schema.assemble())
    assert cfg["convergence"]["arcs"]["train"]["criterion"]["kind"] == "per_region"
    bad = yaml.safe_load(text)
    bad["convergence"]["arcs"]["train"]["lr_relative"] = 2.5
    with pytest.raises(ConfigError) as err:
        validate(bad, schema.assemble())
    assert str(err.value) in readme  # the error the README shows is the one a user gets


def test_the_real_data_examples_of_readme_and_docs_validate_together(tmp_path, monkeypatch):
    """The README's realdata entry names mylab.nets:small_cnn; docs/realdata.md writes that module.
    With the module on the path the entry passes every check before any job (its factory is
    imported, called, and the net maps two images to the two classes)."""
    import sys

    import yaml

    from specbias import schema
    from specbias.config import validate

    (module,) = _blocks((ROOT / "docs" / "realdata.md").read_text(), "python")
    (tmp_path / "mylab").mkdir()
    (tmp_path / "mylab" / "__init__.py").write_text("")
    (tmp_path / "mylab" / "nets.py").write_text(module.split("\n", 1)[1])  # the snippet's first line is its file name
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        _, text = _blocks((ROOT / "README.md").read_text(), "yaml")
        cfg = validate(yaml.safe_load(text), schema.assemble())
        assert cfg["realdata"]["mine"]["model"]["kwargs"] == {"width": 128}
    finally:
        sys.modules.pop("mylab.nets", None)
        sys.modules.pop("mylab", None)


def test_results_pages_are_generated_from_the_run_and_stamped(tiny_run, tmp_path):
    import subprocess
    import sys

    out = tmp_path / "default.md"
    subprocess.run([sys.executable, str(ROOT / "bench" / "run_summary.py"), str(tiny_run), "--title", "The tiny run",
                    "--out", str(out)], check=True)
    text = out.read_text()
    assert text.startswith("# The tiny run\n") and "specbias 0.1.0 (git " in text and "cores and" in text
    assert "| C3 | convergence | tiny |" in text and "| job kind | jobs | summed s |" in text

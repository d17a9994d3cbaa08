"""docs/reproduction.md is its template filled from the default run's committed scorecard: no result
in it is typed by hand, and a placeholder naming a row that does not exist stops the render."""
import csv
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("render_docs", ROOT / "bench" / "render_docs.py")
render_docs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(render_docs)

ROWS = [
    {"claim": "C1", "study": "convergence", "entry": "a", "statement": "s", "paper_value": "2", "our_value": "2.1",
     "tolerance": "t", "verdict": "pass", "note": "n|1"},
    {"claim": "C5", "study": "convergence", "entry": "b", "statement": "s", "paper_value": "1:2:4", "our_value": "1:2.4:4.7",
     "tolerance": "t", "verdict": "fail", "note": "n2"},
    {"claim": "C7", "study": "spectral", "entry": "c", "statement": "s", "paper_value": "p", "our_value": "0.003",
     "tolerance": "t", "verdict": "pass", "note": "n3"},
]


def test_placeholders_are_filled_from_the_rows():
    text = render_docs.render("{{C5 b}} vs {{C5 b paper_value}}: {{ C5 b verdict }}; {{count pass}} of {{count rows}}. {{stamp}}",
                              ROWS, stamp="Run X.")
    assert text == "1:2.4:4.7 vs 1:2:4: fail; 2 of 3. Run X."
    table = render_docs.render("{{rows convergence}}", ROWS).splitlines()
    assert table[0].startswith("| claim |") and len(table) == 4  # header, rule, two convergence rows
    assert "| C5 | `b` | 1:2:4 | 1:2.4:4.7 | fail |" in table


@pytest.mark.parametrize("bad", ["{{C9 a}}", "{{rows nosuchstudy}}", "{{C1 a no_column}}", "{{what is this here}}"])
def test_an_unknown_placeholder_stops_the_render(bad):
    with pytest.raises(render_docs.RenderError, match="no|not a placeholder"):
        render_docs.render(bad, ROWS)


@pytest.mark.parametrize("page, scorecard, results_page", [
    ("reproduction", "default_scorecard.csv", "default.md"),
    ("realdata", "realdata_cpu_scorecard.csv", "realdata_cpu.md"),
])
def test_the_committed_page_is_the_template_filled_from_the_committed_scorecard(page, scorecard, results_page):
    with (ROOT / "docs" / "results" / scorecard).open() as f:
        rows = list(csv.DictReader(f))
    stamp = render_docs.stamp_of(ROOT / "docs" / "results" / results_page)
    fresh = render_docs.render((ROOT / "docs" / f"{page}.in.md").read_text(), rows, stamp)
    assert (ROOT / "docs" / f"{page}.md").read_text() == fresh, "run: make results-docs (or make realdata-cpu)"
    assert "{{" not in fresh


def test_rows_of_one_claim_and_entry_are_joined():
    rows = ROWS + [dict(ROWS[2], our_value="0.004")]
    assert render_docs.render("{{C7 c}}", rows) == "0.003; 0.004"

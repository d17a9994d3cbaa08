"""Config files and values a user can get wrong without noticing: every case is refused before any
job, naming the file and line or the key."""
import pytest
import yaml

from specbias import schema
from specbias.config import MAX_SEED, ConfigError, load_config_file, validate
from wfutil import TINY, copy_workflow, planned_jobs, snakemake


def _write(tmp_path, data: bytes | str, name="c.yaml"):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


@pytest.mark.parametrize("text, message", [
    ("convergence:\n  a: {}\n  a: {}\n", r"c\.yaml, line 3: the key 'a' is given twice \(first at line 2\)"),
    ("figures:\n  dpi: 60\n  dpi: 70\n", r"line 3: the key 'dpi' is given twice"),
    ("base: &b {dpi: 60}\nfigures:\n  <<: *b\n  dpi: 70\n  dpi: 80\n", r"line 5: the key 'dpi' is given twice \(first at line 4\)"),
    ("true: 1\n", r"line 1: the key 'true' is read as bool, not text"),
    ("figures:\n  1: png\n", r"line 2: the key '1' is read as int, not text"),
    ("figures: !!python/object/apply:os.system [ls]\n", r"c\.yaml, line 1: could not determine a constructor"),
    ("- a\n- b\n", r"a mapping of sections at the top level, got list"),
    ("figures: [\n", r"c\.yaml, line 2"),
])
def test_a_config_file_is_read_strictly(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config_file(_write(tmp_path, text))


def test_a_file_that_is_not_utf8_is_named_with_its_line(tmp_path):
    with pytest.raises(ConfigError, match=r"c\.yaml, line 2: the file is not UTF-8 text \(byte 0xe9\)"):
        load_config_file(_write(tmp_path, "figures:\n  cmap: caf\xe9\n".encode("latin-1")))


def test_a_good_file_reads_as_yaml_does(tmp_path):
    text = yaml.safe_dump(TINY)
    assert load_config_file(_write(tmp_path, text)) == yaml.safe_load(text)
    merged = "a: &a {dpi: 60, formats: [png]}\nfigures:\n  <<: *a\n  dpi: 70\n"  # a merged key overridden, as YAML allows
    assert load_config_file(_write(tmp_path, merged)) == yaml.safe_load(merged)
    assert load_config_file(_write(tmp_path, merged))["figures"] == {"dpi": 70, "formats": ["png"]}


def _tiny():
    return yaml.safe_load(yaml.safe_dump(TINY))


@pytest.mark.parametrize("mutate, message", [
    (lambda c: c["convergence"]["tiny"]["model"].update(width=256.0), r"convergence\.tiny\.model\.width: 256\.0 is not of type 'integer'"),
    (lambda c: c["lazy"]["ring_widths"].update(widths=[64.0, 1024]), r"lazy\.ring_widths\.widths\[0\]: 64\.0 is not of type 'integer'"),
    (lambda c: c["convergence"]["tiny"]["data"].update(seed=1e20), r"convergence\.tiny\.data\.seed: 1e\+20 is not an integer"),
    (lambda c: c["convergence"]["tiny"]["train"].update(seeds=[0, 2**40]), rf"convergence\.tiny\.train\.seeds\[1\]: {2**40} is outside \[0, {MAX_SEED}\]"),
    (lambda c: c["convergence"].update({"x" * 65: c["convergence"]["tiny"]}), r"an entry name is a letter followed by up to 63"),
    (lambda c: c["convergence"].update({"tiny\n": c["convergence"]["tiny"]}), r"convergence\.'tiny\\n': an entry name"),
    (lambda c: c.update({"convergence.tiny.train.lr": 0.1}), r"config error at convergence\.tiny\.train\.lr: `--config` sets top-level sections only"),
    (lambda c: c["figures"].update({3: "x"}), r"config error at figures: the key 3 is not text"),
])
def test_values_a_job_would_fail_on_are_refused_naming_the_key(mutate, message):
    cfg = _tiny()
    mutate(cfg)
    with pytest.raises(ConfigError, match=message):
        validate(cfg, schema.assemble())


@pytest.mark.workflow
def test_a_duplicate_key_in_a_configfile_stops_the_run_naming_file_and_line(tmp_path):
    copy_workflow(tmp_path, TINY)
    (tmp_path / "more.yaml").write_text("figures:\n  dpi: 60\n  dpi: 70\n")
    proc = snakemake(tmp_path, "-n", "--cores", "1", "--configfile", "more.yaml", check=False)
    assert proc.returncode != 0
    assert "more.yaml, line 3: the key 'dpi' is given twice (first at line 2)" in proc.stdout + proc.stderr


@pytest.mark.workflow
def test_the_workflow_config_applies_whatever_the_working_directory(tmp_path):
    """config.yaml beside the Snakefile first, then --configfile: the same jobs from the workflow's
    folder and from another working directory; --replace-workflow-config leaves config.yaml out."""
    copy_workflow(tmp_path, TINY)
    (tmp_path / "run").mkdir()
    (tmp_path / "extra.yaml").write_text(yaml.safe_dump({"depth": {"second": TINY["depth"]["ring"]}}))
    here = planned_jobs(tmp_path, "--configfile", "extra.yaml")
    elsewhere = planned_jobs(tmp_path, "--configfile", "extra.yaml", "--directory", "run")
    assert here == elsewhere and here["depth_spectrum"] == 2 and here["convergence_train"] == 16, (here, elsewhere)
    alone = planned_jobs(tmp_path, "--configfile", "extra.yaml", "--replace-workflow-config", "--directory", "run")
    assert alone["depth_spectrum"] == 1 and "convergence_train" not in alone, alone  # extra.yaml alone

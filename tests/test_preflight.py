"""Bad input is refused before any job, with a message naming the key: the cases of the probe in
issue 13 (non-finite numbers are in test_io_config) and the pre-flight checks of specbias.preflight."""
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from specbias import io, ntk, preflight, sampling
from specbias.config import ConfigError, load_schema, validate
from specbias.studies.convergence import stages as convergence

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = load_schema(ROOT / "schemas" / "config.schema.yaml")


def default_config():
    return yaml.safe_load((ROOT / "config.yaml").read_text())


def refused(mutate, checks=True):
    """The message of the ConfigError a mutated default config raises in validation + pre-flight."""
    cfg = default_config()
    mutate(cfg)
    with pytest.raises(ConfigError) as err:
        validate(cfg, SCHEMA)
        if checks:
            preflight.check(cfg)
    return str(err.value)


@pytest.mark.parametrize("mutate, key", [
    (lambda c: c["convergence"]["uniform_circle"]["model"].update(width=10**9), "convergence.uniform_circle.model.width"),
    (lambda c: c["convergence"]["s2_uniform"]["model"].update(width=10**9), "convergence.s2_uniform.model.width"),
    (lambda c: c["convergence"]["uniform_circle"]["train"].update(max_steps=10**12), "convergence.uniform_circle.train.max_steps"),
    (lambda c: c["convergence"]["s2_uniform"]["train"].update(max_steps=10**12), "convergence.s2_uniform.train.max_steps"),
    (lambda c: c["coordinate"]["g1_signal"]["train"].update(epochs=10**9), "coordinate.g1_signal.train.epochs"),
    (lambda c: c["coordinate"]["g1_signal"]["model"].update(hidden=[10**9]), "coordinate.g1_signal.model.hidden"),
    (lambda c: c["convergence"]["s2_uniform"]["train"].update(lr_relative=2.0), "convergence.s2_uniform.train.lr_relative"),
])
def test_absurd_sizes_are_refused_at_validation(mutate, key):
    assert key in refused(mutate, checks=False)


def test_old_section_names_fail_with_the_new_name():
    cfg = default_config()
    cfg["experiments"] = {"uniform_circle": cfg["convergence"].pop("uniform_circle")}
    with pytest.raises(ConfigError, match=r"experiments: this section is now called `convergence:`"):
        validate(cfg, SCHEMA)
    cfg = default_config()
    cfg["circle"] = {"uniform_circle": cfg["convergence"].pop("uniform_circle")}
    with pytest.raises(ConfigError, match=r"circle: this section is merged into `convergence:`"):
        validate(cfg, SCHEMA)
    for part, old, new in (("target", "kappas", "degrees"), ("analysis", "fit_kappa_min", "fit_degree_min")):
        cfg = default_config()
        entry = cfg["convergence"]["s2_uniform"]
        entry[part][new] = entry[part].pop(old)
        with pytest.raises(ConfigError, match=rf"convergence\.s2_uniform\.{part}\.{new}: this key is now called `{old}`"):
            validate(cfg, SCHEMA)
    cfg = default_config()
    cfg["depth_spectra"] = cfg.pop("depth")
    with pytest.raises(ConfigError, match=r"depth_spectra: .*`depth:`"):
        validate(cfg, SCHEMA)


def test_octaves_at_the_nyquist_frequency_are_refused():
    """7 octaves on a 64-point grid: the top octave's sine is zero on every grid point."""
    msg = refused(lambda c: c["coordinate"]["g3_astronaut"]["encodings"].update(octave7={"kind": "octave", "octaves": 7}),
                  checks=False)
    assert "coordinate.g3_astronaut.encodings.octave7.octaves" in msg and "Nyquist" in msg


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU: device cuda is legitimate")
def test_cuda_without_a_gpu_is_refused_unless_switched_off():
    msg = refused(lambda c: c.update(device="cuda"))
    assert msg.startswith("config error at device:") and "no CUDA" in msg
    cfg = validate({**default_config(), "device": "cuda", "preflight": {"device": False}}, SCHEMA)
    preflight.check(cfg)  # jobs on GPU nodes elsewhere: the check is theirs


def test_largest_eigenvalue_bound_is_a_lower_bound_and_tight():
    for density in ({"kind": "uniform"}, {"kind": "piecewise", "lengths": [1, 1, 1], "weights": [1, 2, 4]}):
        theta = sampling.sample_circle(300, 1, density)
        for bias in (True, False):
            exact = np.linalg.eigvalsh(ntk.circle_gram(theta, bias))[-1]
            bound = preflight.largest_eigenvalue_lower_bound(theta, bias)
            assert bound <= exact * (1 + 1e-12) and bound >= 0.98 * exact, (bound, exact)


def test_certainly_divergent_learning_rate_is_refused_and_a_stable_one_passes():
    cfg = validate(default_config(), SCHEMA)
    preflight.check(cfg)  # the default run is stable
    msg = refused(lambda c: c["convergence"]["uniform_circle"]["train"].update(lr=0.02))  # 0.02 x 0.357 x 512 = 3.7
    assert "convergence.uniform_circle.train.lr" in msg and ">= 2" in msg
    theta = sampling.sample_circle(512, 0, {"kind": "uniform"})
    lam = np.linalg.eigvalsh(ntk.circle_gram(theta, True))[-1]
    cfg = validate(default_config(), SCHEMA)
    cfg["convergence"]["uniform_circle"]["train"]["lr"] = 1.95 / lam  # stable, just
    preflight.check(cfg)


def test_memory_estimates_refuse_a_gram_matrix_the_machine_cannot_hold():
    msg = refused(lambda c: (c["convergence"]["s2_uniform"]["data"].update(dim=64, n=200000),
                             c["convergence"]["s2_uniform"]["target"].update(kappas=[1, 2, 3])))
    assert "convergence.s2_uniform.data.n" in msg and "GB" in msg and "preflight.memory_gb" in msg
    cfg = validate(default_config(), SCHEMA)
    cfg["convergence"]["s2_uniform"]["data"]["n"] = 200000
    cfg["convergence"] = {"s2_uniform": cfg["convergence"]["s2_uniform"]}  # (the stability check samples the circle entries)
    cfg["preflight"]["memory_gb"] = 2000  # a cluster whose nodes hold it
    preflight.check(cfg)
    cfg["preflight"]["memory_gb"] = "off"
    preflight.check(cfg)
    big = {k: b for k, b, _ in preflight.estimates(cfg)}
    assert big["convergence.s2_uniform.data.n"] == 3 * 8 * 200000**2


def test_memory_estimate_matches_the_ntk_stage():
    """The estimate of the circle NTK job is within 2x of the bytes its two n x n arrays hold."""
    cfg = validate(default_config(), SCHEMA)
    est = {k: b for k, b, _ in preflight.estimates(cfg)}["convergence.uniform_circle.data.n"]
    points = convergence.sample(convergence.sample_params(cfg["convergence"]["uniform_circle"], 0))
    eig = convergence.ntk_eigen(points, convergence.ntk_params(cfg["convergence"]["uniform_circle"]), "cpu")
    held = eig.eigenvector.nbytes + 512 * 512 * 8  # eigenvectors + the Gram matrix
    assert held <= est <= 2 * held


def test_stale_part_files_are_removed_by_the_next_write(tmp_path):
    target = tmp_path / "x.nc"
    stale = tmp_path / ".x.nc.abc123.part"
    stale.write_bytes(b"\0" * 1000)  # what a writer killed by SIGKILL leaves
    other = tmp_path / ".y.nc.abc123.part"
    other.write_bytes(b"\0")
    io.write(convergence.sample({"data": {"domain": "circle", "n": 8, "seed": 0, "density": "uniform", "sampling": "grid"}}), target)
    assert not stale.exists() and other.exists()  # only the same file's leftovers
    stale_csv = tmp_path / ".c.csv.zz.part"
    stale_csv.write_text("x")
    io.write_text("a", tmp_path / "c.csv")
    assert not stale_csv.exists()


def test_source_names_the_package_commit_from_any_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a copy of the workflow outside the checkout
    source = io.source_string()
    assert "git unknown" not in source or not (ROOT / ".git").exists(), source


def test_probe_of_bad_configs_refuses_every_one():
    """bench/probe_configs.py: issue 13's list and more, each refused before any job naming its key."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "probe_configs.py")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "0 accepted" in proc.stdout


def _first(cfg, section):
    return next(iter(cfg[section].values()))


@pytest.mark.parametrize("section, mutate, key", [
    ("convergence", lambda e: e["train"].update(seeds=list(range(200_000))), "train.snapshots"),
    ("lazy", lambda e: e["base"]["train"].update(seeds=list(range(200_000))), "base.model.width"),
    ("coordinate", lambda e: e["train"].update(seeds=list(range(100_000))), "model.hidden"),
    ("holdout", lambda e: e["train"].update(seeds=list(range(100_000))), "model.hidden"),
    ("spectral", lambda e: e.update(grid_size=100_000, nystrom_n=100_000), "grid_size"),
    ("realdata", lambda e: e["data"].update(source="mnist5k", count=None) or e["train"].update(seeds=list(range(2000))),
     "kernels.points"),
    ("convergence", lambda e: e["train"]["kernel_records"].update(probe=512) or e["train"].update(seeds=list(range(20_000))),
     "train.kernel_records.probe"),
])
def test_every_study_kinds_memory_estimate_grows_with_its_sizes(section, mutate, key):
    """Seeds, points, width, records: an array a job could not hold is refused before any job, naming the key."""
    cfg = validate(default_config(), SCHEMA)
    name = next(iter(cfg[section]))
    mutate(_first(cfg, section))
    with pytest.raises(ConfigError, match=rf"config error at {section}\.{name}\.{key}: .* GB, more than the 24 GB"):
        preflight.check_memory(cfg, 24)


@pytest.mark.parametrize("section", ["depth", "kernels"])
def test_the_quadrature_studies_are_estimated_and_small_at_their_largest(section):
    cfg = validate(default_config(), SCHEMA)
    entry = _first(cfg, section)
    entry["max_degree"] = {"depth": 20000, "kernels": 2000}[section]  # the schema's maximum
    est = [b for k, b, _ in preflight.estimates(cfg) if k.startswith(f"{section}.")]
    assert est and max(est) < 1e8

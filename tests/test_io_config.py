"""NetCDF conventions and atomic writes; config validation with clear messages."""
import glob
import os
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

from specbias import io
from specbias.studies.convergence import stages as convergence
from specbias.config import ConfigError, load_schema, validate

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = load_schema(ROOT / "schemas" / "config.schema.yaml")


def default_config():
    with open(ROOT / "config.yaml") as fh:
        return yaml.safe_load(fh)


def test_sample_round_trip_is_identical(tmp_path):
    ds = convergence.sample({"data": {"domain": "circle", "n": 32, "seed": 1, "density": "uniform", "sampling": "random"}})
    io.write(ds, tmp_path / "s.nc")
    back = io.read(tmp_path / "s.nc")
    xr.testing.assert_identical(ds, back)
    assert back.attrs["references"].startswith("arXiv:2003.04560")
    assert "specbias" in back.attrs["source"]
    assert io.config_of(back)["data"]["n"] == 32


def test_train_round_trip_is_identical(tmp_path):
    points = convergence.sample({"data": {"domain": "circle", "n": 32, "seed": 1, "density": "uniform", "sampling": "random"}})
    cfg = validate(default_config(), SCHEMA)["convergence"]["uniform_circle"]
    tr = dict(cfg["train"], max_steps=20, snapshots=5, seeds=[0, 1])
    study = {"model": dict(cfg["model"], width=32), "target": {"kind": "sin", "normalise": "unit_norm"}, "train": tr}
    ds = convergence.train_kappa(points, 2, study, "cpu")
    io.write(ds, tmp_path / "t.nc")
    xr.testing.assert_identical(ds, io.read(tmp_path / "t.nc"))
    assert ds.step.attrs["units"] == "1" and ds.step.dtype.kind == "i"  # never decoded as time
    assert "0.5*sum" in ds.converged_step.attrs["criterion"]


def test_text_labels_are_stored_as_character_arrays(tmp_path):
    """Labels go to disk as UTF-8 char arrays (netCDF4's vlen strings can crash a reading process)
    and come back as the same strings, non-ASCII included."""
    import netCDF4

    ds = xr.Dataset({"psnr": ("variant", [20.5, 22.0], io.meta("PSNR", "dB"))},
                    coords={"variant": ("variant", ["none", "gaussian σ=10"], io.meta("encoding"))})
    io.write(ds, tmp_path / "v.nc")
    with netCDF4.Dataset(tmp_path / "v.nc") as raw:
        assert raw["variant"].dtype == np.dtype("S1") and raw["variant"].dimensions == ("variant", "variant_strlen")
    back = io.read(tmp_path / "v.nc")
    assert back.variant.values.tolist() == ["none", "gaussian σ=10"]
    assert back.sel(variant="gaussian σ=10").psnr.item() == 22.0
    io.write(back, tmp_path / "again.nc")  # what was read back writes again (object dtype)
    assert io.read(tmp_path / "again.nc").variant.values.tolist() == ["none", "gaussian σ=10"]


def test_conventions_are_enforced():
    ds = xr.Dataset({"a": ("sample", np.arange(3.0))})
    with pytest.raises(ValueError, match="without long_name or units"):
        io.check_conventions(ds)
    ds["a"].attrs.update(io.meta("a thing"))
    ds = ds.assign_coords(sample=("sample", np.arange(3), io.meta("index")))
    io.check_conventions(ds)
    ds["flag"] = ("sample", np.array([True, False, True]), io.meta("flag"))
    with pytest.raises(ValueError, match="boolean"):
        io.check_conventions(ds)


def test_failed_write_leaves_no_file(tmp_path):
    ds = convergence.sample({"data": {"domain": "circle", "n": 8, "seed": 0, "density": "uniform", "sampling": "grid"}})
    ds.attrs["bad"] = {"a dict": "cannot be a NetCDF attribute"}
    target = tmp_path / "out.nc"
    with pytest.raises(Exception):
        io.write(ds, target)
    assert not target.exists()
    assert glob.glob(str(tmp_path / "*")) == []


def test_write_replaces_atomically(tmp_path):
    target = tmp_path / "x.nc"
    for n in (8, 16):
        io.write(convergence.sample({"data": {"domain": "circle", "n": n, "seed": 0, "density": "uniform", "sampling": "grid"}}), target)
    assert io.read(target).sizes["sample"] == 16
    assert os.listdir(tmp_path) == ["x.nc"]


def test_default_config_is_valid_and_defaults_are_filled():
    cfg = default_config()
    del cfg["figures"]
    del cfg["convergence"]["uniform_circle"]["train"]["criterion"]
    validate(cfg, SCHEMA)
    assert cfg["figures"]["formats"] == ["png", "pdf"]
    assert cfg["convergence"]["uniform_circle"]["train"]["criterion"] == {"kind": "half_sq_norm", "threshold": 0.05}


def _bad(mutate):
    cfg = default_config()
    mutate(cfg["convergence"]["uniform_circle"])
    with pytest.raises(ConfigError) as err:
        validate(cfg, SCHEMA)
    return str(err.value)


@pytest.mark.parametrize(
    "mutate, key, words",
    [
        (lambda e: e["train"].update(lr=-0.1), "convergence.uniform_circle.train.lr", "minimum"),
        (lambda e: e["train"].update(lr=0), "convergence.uniform_circle.train.lr", "minimum"),
        (lambda e: e["model"].update(width=0), "convergence.uniform_circle.model.width", "minimum"),
        (lambda e: e["target"].update(kappas=[]), "convergence.uniform_circle.target.kappas", "non-empty"),
        (lambda e: e["data"].update(density="lumpy"), "convergence.uniform_circle.data.density", "lumpy"),
        (lambda e: e["train"].update(learning_rate=0.1), "convergence.uniform_circle.train", "learning_rate"),
        (lambda e: e["target"].update(kappas=[3, 300]), "convergence.uniform_circle.target.kappas", "cannot be resolved"),
        (lambda e: e["train"].update(snapshots=5000), "convergence.uniform_circle.train.snapshots", "max_steps"),
        (lambda e: e["model"].update(width=2001), "convergence.uniform_circle.model.width", "even"),
        (lambda e: e["analysis"].update(eigen_fit_range=[50, 4000]), "eigen_fit_range", "Nyquist"),
        (lambda e: e["data"].update(density={"kind": "piecewise", "lengths": [1, 1], "weights": [1, -1]}),
         "convergence.uniform_circle.data.density.weights", "minimum"),
        (lambda e: e["data"].update(density={"kind": "piecewise", "lengths": [1, 1], "weights": [0, 0]}),
         "convergence.uniform_circle.data.density", "positive finite number"),
        (lambda e: e["data"].update(density={"kind": "piecewise", "lengths": [1, 1]}),
         "convergence.uniform_circle.data.density", "weights"),
        (lambda e: e["train"].update(criterion={"kind": "per_region", "threshold": 0.05}),
         "convergence.uniform_circle.train.criterion.kind", "piecewise"),
        (lambda e: e["ntk"].update(eigenpairs=10**6), "convergence.uniform_circle.ntk.eigenpairs", "exceeds"),
        (lambda e: e["data"].update(density={"kind": "piecewise", "lengths": [1], "weights": [1]}, sampling="grid"),
         "convergence.uniform_circle.data.sampling", "uniform"),
    ],
)
def test_bad_configs_name_the_key(mutate, key, words):
    msg = _bad(mutate)
    assert key in msg and words in msg, msg


@pytest.mark.parametrize("path, value", [
    (("convergence", "uniform_circle", "train", "lr"), float("nan")),
    (("convergence", "uniform_circle", "train", "lr"), float("inf")),
    (("convergence", "uniform_circle", "model", "tau"), float("inf")),
    (("convergence", "uniform_circle", "train", "criterion", "threshold"), float("nan")),
    (("convergence", "uniform_circle", "train", "divergence_factor"), float("nan")),
    (("convergence", "s2_uniform", "train", "lr_relative"), float("nan")),
    (("coordinate", "g1_signal", "train", "lr"), float("inf")),
    (("coordinate", "g1_signal", "encodings", "raw11", "range"), [-1.0, float("inf")]),
])
def test_non_finite_numbers_are_refused_naming_the_key(path, value):
    cfg = default_config()
    node = cfg
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    with pytest.raises(ConfigError, match="not a finite number") as err:
        validate(cfg, SCHEMA)
    assert ".".join(path) in str(err.value)


def test_typo_at_top_level_is_rejected():
    cfg = default_config()
    cfg["figurse"] = {}
    with pytest.raises(ConfigError, match="figurse"):
        validate(cfg, SCHEMA)


def test_spectral_section_errors_name_the_key():
    cfg = default_config()
    cfg["spectral"]["three_arcs"]["modes"] = 11
    with pytest.raises(ConfigError, match=r"spectral\.three_arcs\.modes"):
        validate(cfg, SCHEMA)
    cfg = default_config()
    cfg["spectral"]["three_arcs"]["grid_size"] = 256
    with pytest.raises(ConfigError, match=r"spectral\.three_arcs\.grid_size: .*points per period"):
        validate(cfg, SCHEMA)


def test_depth_spectra_ranges_are_checked():
    cfg = default_config()
    cfg["depth"]["circle"]["large_k_range"] = [50, 5000]
    with pytest.raises(ConfigError, match=r"depth\.circle\.large_k_range: upper degree 5000 exceeds max_degree"):
        validate(cfg, SCHEMA)
    cfg = default_config()
    cfg["depth"]["circle"]["depths"] = [1, 3]
    with pytest.raises(ConfigError, match=r"depth\.circle\.depths"):
        validate(cfg, SCHEMA)


@pytest.mark.parametrize("value, expected", [(True, "on"), (False, "off"), ("auto", "auto")])
def test_compile_accepts_bare_yaml_on_off(value, expected):
    cfg = default_config()
    cfg["compile"] = value
    assert validate(cfg, SCHEMA)["compile"] == expected
    cfg["compile"] = "fast"
    with pytest.raises(ConfigError, match="compile"):
        validate(cfg, SCHEMA)


def test_unknown_colour_map_is_refused_before_any_job():
    cfg = default_config()
    cfg["figures"]["cmap"] = "notacolormap"
    with pytest.raises(ConfigError, match="figures.cmap.*notacolormap"):
        validate(cfg, SCHEMA)


def test_paper_circle_preset_validates_on_its_own():
    """configs/paper_circle.yaml is run with --replace-workflow-config: alone, schema defaults filled."""
    with open(ROOT / "configs" / "paper_circle.yaml") as fh:
        cfg = validate(yaml.safe_load(fh), SCHEMA)
    assert cfg["circle_step"] == "auto" and cfg["coordinate"] == {}
    assert all(e["data"]["domain"] == "circle" for e in cfg["convergence"].values())
    f7 = cfg["convergence"]["f7_one_sample"]
    assert (f7["data"]["n"], f7["model"]["width"], f7["model"]["tau"], f7["train"]["lr"]) == (734, 4000, 0.2, 0.004)
    assert f7["train"]["criterion"] == {"kind": "per_region", "threshold": 0.05}
    unit = cfg["convergence"]["f7_unit_norm_one_sample"]["train"]["criterion"]["threshold"]
    assert abs(unit - 0.05 * 2 / 734) < 1e-15  # the same relative accuracy for unit-norm targets


def test_paper_preset_validates_merged_over_the_default_config():
    """configs/paper.yaml is merged over config.yaml key by key (Snakemake's --configfile)."""
    def merge(a, b):
        for key, val in b.items():
            if isinstance(val, dict) and isinstance(a.get(key), dict):
                merge(a[key], val)
            else:
                a[key] = val
        return a

    with open(ROOT / "configs" / "paper.yaml") as fh:
        cfg = validate(merge(default_config(), yaml.safe_load(fh)), SCHEMA)
    hold = cfg["holdout"]["astronaut"]
    assert hold["image"]["size"] == 512 and hold["variants"]["gauss10"]["encoding"]["sigma"] == 10.0
    assert cfg["convergence"]["sphere_deep3"]["data"]["domain"] == "sphere"

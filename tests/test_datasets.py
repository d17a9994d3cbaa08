"""Every study's dataset builders: each dataset survives a write/read round trip exactly
(xr.testing.assert_identical), and builders take named fields only."""
import inspect

import numpy as np
import pytest
import xarray as xr
import yaml

from specbias import io
from specbias.config import load_schema, validate
from specbias.studies.convergence import stages as convergence
from specbias.studies.coordinate import stages as coordinate
from specbias.studies.depth import stages as depth
from specbias.studies.holdout import stages as holdout
from specbias.studies.kernels import stages as kernels
from specbias.studies.spectral import stages as spectral
from wfutil import ROOT

SCHEMA = load_schema(ROOT / "schemas" / "config.schema.yaml")


def round_trip(ds, tmp_path, name):
    io.write(ds, tmp_path / f"{name}.nc")
    back = io.read(tmp_path / f"{name}.nc")
    xr.testing.assert_identical(ds, back)
    return back


def _circle_cfg(**over):
    cfg = {"data": {"n": 40, "seed": 2, "density": {"kind": "piecewise", "lengths": [1, 1], "weights": [3, 1]}},
           "model": {"width": 64, "init": "antisymmetric"},
           "target": {"kappas": [2, 3]},
           "train": {"lr": 0.02, "max_steps": 60, "seeds": [0, 1], "snapshots": 6,
                     "criterion": {"kind": "per_region", "threshold": 0.05}},
           "ntk": {"grid_size": 256},
           "analysis": {"fit_kappa_min": 2, "eigen_fit_range": [10, 60], "law_samples": 2, "law_delta_factors": [1.0, 2.0]}}
    cfg.update(over)
    return validate({"convergence": {"c": cfg}}, SCHEMA)["convergence"]["c"]


def test_circle_datasets_round_trip(tmp_path):
    cfg = _circle_cfg()
    points = round_trip(convergence.sample(convergence.sample_params(cfg, 2)), tmp_path, "sample")
    eig = round_trip(convergence.ntk_eigen(points, convergence.ntk_params(cfg), "cpu"), tmp_path, "ntk")
    trains, preds = [], []
    for kappa in (2, 3):
        runs = round_trip(convergence.train_kappa(points, kappa, convergence.train_params(cfg), "cpu", "off"), tmp_path, f"train{kappa}")
        trains.append(runs)
        preds.append(round_trip(convergence.predict(runs, eig), tmp_path, f"predict{kappa}"))
    law = round_trip(convergence.region_law(convergence.law_params(cfg)), tmp_path, "law")
    conv, claims = convergence.analyse([trains], [preds], [eig], [2], "c", convergence.analysis_params(cfg), law)
    round_trip(conv, tmp_path, "convergence")
    assert "region_time_ratio_measured" in conv and set(claims.claim) == {"C3", "C5", "C11", "C21"}


def test_spectral_and_depth_datasets_round_trip(tmp_path):
    cfg = validate({"spectral": {"s": {"density": {"kind": "piecewise", "lengths": [1, 1], "weights": [2, 1]},
                                       "grid_size": 256, "modes": 41, "nystrom_n": 100, "local_q_min": 2,
                                       "law_q_range": [2, 8], "show_q": [2, 5], "projection_kappa": 3}},
                    "depth": {"d": {"dim": 3, "depths": [2, 3], "max_degree": 20, "large_k_range": [5, 20],
                                    "low_k_range": [1, 4]}}}, SCHEMA)
    round_trip(spectral.eigen(cfg["spectral"]["s"]), tmp_path, "spectral")
    round_trip(depth.spectrum(cfg["depth"]["d"]), tmp_path, "depth")


def test_sphere_datasets_round_trip(tmp_path):
    """The same stages on a sphere entry: relative learning rate from the NTK file, no spectra."""
    cfg = validate({"convergence": {"s": {"data": {"domain": "sphere", "dim": 3, "n": 40, "density": {"kind": "hemispheres", "ratio": 2}},
                                          "model": {"kind": "two_layer", "width": 64},
                                          "target": {"kappas": [1, 2]},
                                          "train": {"lr_relative": 1.0, "max_steps": 50, "snapshots": 5, "seeds": [0, 1],
                                                    "criterion": {"kind": "per_region", "threshold": 0.05}}}}},
                   SCHEMA)["convergence"]["s"]
    points = round_trip(convergence.sample(convergence.sample_params(cfg, 0)), tmp_path, "points")
    eig = round_trip(convergence.ntk_eigen(points, convergence.ntk_params(cfg), "cpu"), tmp_path, "ntk")
    trains, preds = [], []
    for k in (1, 2):
        runs = round_trip(convergence.train_kappa(points, k, convergence.train_params(cfg), "cpu", "off", eig=eig), tmp_path, f"deg{k}")
        assert "residual_spectrum" not in runs and abs(float(runs.lr) * eig.eigenvalue.values[0] - 1.0) < 1e-12
        trains.append(runs)
        preds.append(round_trip(convergence.predict(runs, eig), tmp_path, f"predict{k}"))
    conv, claims = convergence.analyse([trains], [preds], [eig], [0], "s", convergence.analysis_params(cfg))
    round_trip(conv, tmp_path, "convergence")
    # no spectra on the sphere: C21 scores the empirical-kernel prediction on the residual itself
    assert "spectrum_error" not in conv and "kernel_residual_error" in conv and set(claims.claim) == {"C6", "C21"}
    assert "no spectra recorded" in claims[claims.claim == "C21"].note.item()


def test_coordinate_datasets_round_trip(tmp_path):
    full = {"convergence": yaml.safe_load((ROOT / "config.yaml").read_text())["convergence"],
            "coordinate": {"s": {"signal": {"length": 32, "frequencies": [2, 4]},
                                 "encodings": {"pe": {"kind": "octave", "octaves": 3}},
                                 "model": {"hidden": [8]}, "train": {"lr": 0.01, "epochs": 6},
                                 "metrics": {"pairs": 5, "records": 3}}}}
    cfg = validate(full, SCHEMA)["coordinate"]["s"]
    runs = round_trip(coordinate.train_group(cfg, ["pe"], "cpu"), tmp_path, "runs")
    learning, _ = coordinate.analyse(coordinate.read_runs([tmp_path / "runs.nc"]), "s", cfg)
    round_trip(learning, tmp_path, "learning")
    assert runs.sizes["encoding"] == 1 and learning.median_learned_epoch.dims == ("encoding", "frequency")


def test_holdout_datasets_round_trip(tmp_path):
    cfg = validate({"holdout": {"h": {"image": {"name": "camera", "size": 16},
                                      "variants": {"none": {"encoding": {"kind": "raw"}},
                                                   "gauss": {"encoding": {"kind": "fourier", "features": 8, "sigma": 1.0}}},
                                      "model": {"hidden": [8]}, "train": {"steps": 5, "records": 3},
                                      "analysis": {"order": ["none", "gauss"], "published": {"none": 19.32}}}}},
                   SCHEMA)["holdout"]["h"]
    groups = holdout.variant_groups(cfg)
    assert list(groups) == ["none", "gauss"]  # different input widths: two ensembles
    runs = [round_trip(holdout.train_group(cfg, g, "cpu"), tmp_path, name) for name, g in groups.items()]
    assert runs[0].test_psnr.dims == ("variant", "seed", "step") and runs[0].output.shape == (1, 256, 1)
    table, rows = holdout.analyse(holdout.read_runs([tmp_path / f"{n}.nc" for n in groups]), "h", cfg)
    round_trip(table, tmp_path, "table")
    assert list(table.variant.values) == ["none", "gauss"] and rows[0].claim == "C20"
    assert np.isnan(table.published_psnr.sel(variant="gauss")) and float(table.published_psnr.sel(variant="none")) == 19.32


def test_holdout_records_the_kernel_and_encodings_flatten_it(tmp_path):
    """Kernel records on a sub-grid of the training pixels, two seeds per variant (the final image
    keeps each variant's first seed); Fourier features give a kernel whose response falls more
    slowly with frequency than raw coordinates do (the slope is in the table and in C20's note)."""
    cfg = validate({"holdout": {"h": {"image": {"name": "camera", "size": 32},
                                      "variants": {"none": {"encoding": {"kind": "raw"}},
                                                   "gauss": {"encoding": {"kind": "fourier", "features": 32, "sigma": 2.0}}},
                                      "model": {"hidden": [64, 64]}, "train": {"steps": 5, "records": 3, "seeds": [0, 1]},
                                      "analysis": {"order": ["none", "gauss"]}}}}, SCHEMA)["holdout"]["h"]
    groups = holdout.variant_groups(cfg)
    for name, g in groups.items():
        runs = round_trip(holdout.train_group(cfg, g, "cpu"), tmp_path, name)
        assert runs.output.shape == (1, 1024, 1) and runs.kernel_response.dims == ("variant", "seed", "kernel_frequency", "step")
        assert runs.sizes["probe"] == 256 and runs.kernel_eigenvalue.sizes["kernel_mode"] == 8
        assert (runs.kernel_change.isel(step=0) == 0).all() and runs.attrs["kernel_prediction"].startswith("none: Adam")
    table, rows = holdout.analyse(holdout.read_runs([tmp_path / f"{n}.nc" for n in groups]), "h", cfg)
    slope = table.kernel_response_slope
    assert float(slope.sel(variant="none")) < -2 and float(slope.sel(variant="gauss")) > float(slope.sel(variant="none")) + 0.5
    assert "kernel response slope at init: none -" in rows[0].note


def test_kernels_dataset_round_trips(tmp_path):
    cfg = validate({"kernels": {"k": {"dim": 2, "max_degree": 30, "fit_range": [4, 20],
                                      "activations": {"relu": {"kind": "relu"}, "sin": {"kind": "sin", "omega0": 2.0}}}}},
                   SCHEMA)["kernels"]["k"]
    spec = round_trip(kernels.spectrum(cfg), tmp_path, "kernels")
    assert spec.eigenvalue.dims == ("activation", "degree") and spec.homogeneous.values.tolist() == [1, 0]


@pytest.mark.parametrize("module", [convergence, spectral, depth, coordinate, kernels, holdout])
def test_dataset_builders_take_named_fields_only(module):
    """A builder with many fields takes them by name, so a call cannot swap two of them silently."""
    builders = [f for name, f in vars(module).items() if name.endswith("_dataset") and inspect.isfunction(f)]
    assert builders, module.__name__
    for f in builders:
        params = list(inspect.signature(f).parameters.values())
        if len(params) > 2:
            assert all(p.kind == p.KEYWORD_ONLY for p in params), f"{module.__name__}.{f.__name__}"


def test_a_declared_layout_refuses_what_it_does_not_declare():
    """A variable renamed in a builder, or asked for under another name by a claim, fails loudly."""
    import xarray as xr

    from specbias.io import Layout, LayoutError
    from specbias.studies.convergence.layouts import ANALYSIS

    ok = xr.Dataset({v: (("kappa", "run"), np.zeros((2, 3))) for v in ANALYSIS.required})
    assert ANALYSIS.check(ok) is ok and not ANALYSIS.has(ok, "spectrum_error")
    with pytest.raises(LayoutError, match="missing status"):
        ANALYSIS.check(ok.rename(status="state"))
    with pytest.raises(LayoutError, match="'state' is not a variable of this dataset"):
        ANALYSIS.check(ok.assign(state=ok.status))
    with pytest.raises(LayoutError, match="spectrum_eror"):
        ANALYSIS.has(ok, "spectrum_eror")  # a typo in a claim is not "option off"
    with pytest.raises(LayoutError, match="has dims"):
        ANALYSIS.check(ok.assign(spectrum_error=("kappa", np.zeros(2))))
    with pytest.raises(LayoutError, match="a is needed here but this file has none"):
        Layout("t", {}, {"a": ("x",)}).require(ok, "a")

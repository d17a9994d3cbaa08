"""The empirical NTK recorded during training: the ensembles' layer-wise kernels against a
torch.func Jacobian, and the records of a GD study (kernel at step 0 against the analytic one,
change, alignment, the eigenvectors' frequencies on the circle)."""
import numpy as np
import pytest
import torch

from specbias import deep, kernel_records, models
from specbias.config import load_schema, validate
from specbias.registry import MODELS
from specbias.studies.convergence import stages as convergence
from wfutil import ROOT

SCHEMA = load_schema(ROOT / "schemas" / "config.schema.yaml")


def _points(n=10, dim=3, seed=0):
    x = np.random.default_rng(seed).standard_normal((n, dim))
    return torch.tensor(x / np.linalg.norm(x, axis=1, keepdims=True))


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("bias", [True, False])
def test_two_layer_kernel_equals_the_jacobian_route(activation, bias):
    x = _points()
    ens = MODELS.build({"kind": "two_layer", "width": 40, "bias": bias, "tau": 1.0, "init": "independent",
                        "activation": activation}).ensemble([0, 1], 3, torch.float64)
    got = ens.empirical_ntk(x)
    for r in range(2):
        def f(params, xi, r=r):
            return models.TwoLayerEnsemble(params[0][None], ens.a[r : r + 1], bias, ens.activation).forward(xi)[0]
        ref = kernel_records.jacobian_ntk(f, [ens.wb[r].clone()], x)
        torch.testing.assert_close(got[r], ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("activation", ["relu", "erf"])
def test_deep_kernel_equals_the_jacobian_route(activation):
    x = _points()
    net = MODELS.build({"kind": "deep", "width": 16, "depth": 4, "activation": activation}).ensemble([0, 1], 3, torch.float64)
    got = net.empirical_ntk(x)
    for r in range(2):
        def f(params, xi):
            twin = deep.DeepEnsemble([p[None] for p in params])
            twin.activation, twin.scales = net.activation, net.scales
            return twin.forward(xi)[0]
        ref = kernel_records.jacobian_ntk(f, [w[r].clone() for w in net.weights], x)
        torch.testing.assert_close(got[r], ref, rtol=1e-12, atol=1e-12)


def test_probe_is_seeded_and_covers_small_sets():
    a, b = kernel_records.probe_indices(500, 64, 3), kernel_records.probe_indices(500, 64, 3)
    assert np.array_equal(a, b) and len(np.unique(a)) == 64 and (np.diff(a) > 0).all()
    assert np.array_equal(kernel_records.probe_indices(40, 64), np.arange(40))


def test_gd_study_records_its_kernel():
    cfg = validate({"convergence": {"t": {
        "data": {"n": 96, "seed": 0}, "model": {"width": 4000, "init": "antisymmetric"}, "target": {"kappas": [3]},
        "train": {"lr": 0.02, "max_steps": 300, "seeds": [0, 1], "snapshots": 8, "kernel_records": {"probe": 48, "modes": 6}},
    }}}, SCHEMA)["convergence"]["t"]
    pts = convergence.sample(convergence.sample_params(cfg, 0))
    runs = convergence.train_kappa(pts, 3, convergence.train_params(cfg), "cpu", "off", "dense")
    assert runs.kernel_eigenvalue.dims == ("seed", "kernel_mode", "step") and runs.sizes["probe"] == 48
    # a wide net starts at its analytic kernel and hardly moves (lazy regime)
    assert (runs.kernel_init_error < 0.05).all(), runs.kernel_init_error.values
    change = runs.kernel_change.values
    assert (change[:, 0] == 0).all() and (change[:, -1] > 0).all() and (change[:, -1] < 0.05).all(), change
    assert np.isfinite(runs.kernel_alignment).all() and (runs.kernel_alignment > 0).all()
    # the kernel's top eigenvectors on the circle are its lowest frequencies: 0, then 1, 1, 2, 2, ...
    dom = runs.kernel_dominant_frequency.isel(step=0).values
    assert (dom[:, 0] == 0).all() and (dom[:, 1:3] == 1).all(), dom
    narrow = validate({"convergence": {"t": {**cfg, "model": {**cfg["model"], "width": 40}}}}, SCHEMA)["convergence"]["t"]
    small = convergence.train_kappa(pts, 3, convergence.train_params(narrow), "cpu", "off", "dense")
    assert small.kernel_change.values[:, -1].mean() > change[:, -1].mean()  # narrower nets move their kernel more


def test_records_predict_from_the_empirical_kernel_when_the_probe_holds_every_input():
    cfg = validate({"convergence": {"t": {
        "data": {"n": 64, "seed": 1}, "model": {"width": 8000, "init": "antisymmetric"}, "target": {"kappas": [2]},
        "train": {"lr_relative": 0.5, "max_steps": 400, "seeds": [0, 1], "snapshots": 10, "kernel_records": {"modes": 5}},
    }}}, SCHEMA)["convergence"]["t"]
    pts = convergence.sample(convergence.sample_params(cfg, 0))
    eig = convergence.ntk_eigen(pts, convergence.ntk_params(cfg), "cpu")
    runs = convergence.train_kappa(pts, 2, convergence.train_params(cfg), "cpu", "off", "dense", eig=eig)
    assert runs.sizes["probe"] == 64  # default probe 256 >= n: every input, so the records predict
    # cumulative energy shares: rise with the modes, at most 1; the residual's leaves the top modes as they are learned
    for name in ("kernel_target_energy", "kernel_residual_energy"):
        e = runs[name].values
        assert (np.diff(e, axis=1) >= -1e-12).all() and (e <= 1 + 1e-9).all()
    np.testing.assert_allclose(runs.kernel_target_energy.isel(step=0), runs.kernel_residual_energy.isel(step=0), atol=0.2)
    assert (runs.kernel_residual_energy.isel(kernel_mode=-1, step=-1) < runs.kernel_target_energy.isel(kernel_mode=-1, step=-1)).all()
    # lr_relative 0.5 of the analytic lambda_max: the nets' own kernel has lr x lambda_max near 0.5
    np.testing.assert_allclose(runs.kernel_lr_lambda_max, 0.5, rtol=0.1)
    # wide net: the prediction from K_0 tracks the measured residual; restarting at each record does no worse
    err, relin = runs.kernel_prediction_error.values, runs.kernel_relinearised_error.values
    assert (err[:, 0] < 1e-6).all() and np.nanmax(err) < 0.05, err
    assert np.nanmax(relin) <= np.nanmax(err) + 1e-9
    assert (runs.linearisation_break_step == -1).all()
    amp = runs.kernel_predicted_spectrum
    assert amp.dims == runs.residual_spectrum.dims
    gap = float(np.abs(amp - runs.residual_spectrum).max() / runs.residual_spectrum.isel(step=0).max())
    assert gap < 0.05, gap
    # a narrow net with a large step leaves its prediction: a break step is found
    narrow = validate({"convergence": {"t": {**cfg, "model": {**cfg["model"], "width": 30},
                                             "train": {**cfg["train"], "kernel_records": {"modes": 5, "tolerance": 0.02}}}}},
                      SCHEMA)["convergence"]["t"]
    small = convergence.train_kappa(pts, 2, convergence.train_params(narrow), "cpu", "off", "dense", eig=eig)
    assert np.nanmax(small.kernel_prediction_error.values) > np.nanmax(err)
    assert (small.linearisation_break_step > 0).any()


@pytest.mark.parametrize("activation", ["relu", {"kind": "sin", "omega0": 3.0}])
def test_coordinate_mlp_kernel_equals_the_jacobian_route(activation):
    from specbias import mlp
    ens = mlp.init_mlp_ensemble([0, 1], 4, [16, 12], 3, dtype=torch.float64, activation=activation)
    x = torch.randn(2, 10, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    got = ens.empirical_ntk(x, channel=1)
    for r in range(2):
        def f(params, xi, r=r):
            n = len(ens.weights)
            one = mlp.MLPEnsemble([p[None] for p in params[:n]], [p[None] for p in params[n:]], ens.activation)
            return one.forward(xi)[0][:, 1]
        ref = kernel_records.jacobian_ntk(f, [w[r].clone() for w in ens.weights] + [b[r].clone() for b in ens.biases], x[r])
        torch.testing.assert_close(got[r], ref, rtol=1e-12, atol=1e-12)


def test_fourier_probe_reads_a_stationary_kernel_by_frequency():
    idx, shape = kernel_records.probe_grid((64, 64), 256)
    assert shape == (16, 16) and len(idx) == 256 and idx[1] == 4 and idx[16] == 4 * 64
    idx, shape = kernel_records.probe_grid((2048,), 256)
    assert shape == (256,) and (np.diff(idx) == 8).all()
    n = 32
    t = np.arange(n) / n
    d = np.abs(t[:, None] - t[None, :])
    k = np.exp(-np.minimum(d, 1 - d) ** 2 / 0.01)  # circulant: Fourier modes are its eigenvectors
    probe = kernel_records.FourierProbe((n,))
    np.testing.assert_allclose(probe.response(k), np.fft.fft(k[0]).real[: n // 2 + 1], atol=1e-12)
    _, vec = np.linalg.eigh(k)
    assert probe.dominant(vec[:, ::-1][:, :5]).tolist() == [0, 1, 1, 2, 2]
    k2 = np.kron(k[::4, ::4], k[::4, ::4])  # separable stationary kernel on an 8 x 8 grid: radial response falls
    assert np.all(np.diff(kernel_records.FourierProbe((8, 8)).response(k2)) < 0)


def test_coordinate_study_records_the_kernel_of_its_adam_nets():
    from specbias.studies.coordinate import stages as coordinate
    cfg = validate({"coordinate": {"w": {
        "signal": {"length": 64, "frequencies": [2, 4, 8]},
        "encodings": {"raw01": {"kind": "raw", "range": [0, 1]}, "octave4": {"kind": "octave", "octaves": 4}},
        "model": {"hidden": [64, 64]}, "train": {"lr": 0.01, "epochs": 20, "kernel_records": {"probe": 32, "modes": 4}},
        "metrics": {"pairs": 10, "records": 3}}}}, SCHEMA)["coordinate"]["w"]
    runs = [coordinate.train_group(coordinate.train_params(cfg, [e]), [e], "cpu") for e in cfg["encodings"]]
    ds = runs[0]
    assert ds.kernel_response.dims == ("encoding", "seed", "kernel_frequency", "stat_epoch") and ds.sizes["kernel_frequency"] == 17
    assert ds.sizes["probe"] == 32 and "no linearised prediction" in ds.attrs["kernel_prediction"]
    assert (ds.kernel_change.isel(stat_epoch=0) == 0).all() and (ds.kernel_change.isel(stat_epoch=-1) > 0).all()
    assert (ds.kernel_dominant_frequency.isel(kernel_mode=0) == 0).all()  # the constant mode leads
    one = [r.isel(encoding=0) for r in runs]
    raw, octave = (coordinate.response_slope(r).mean() for r in one)
    assert octave > raw + 0.3, (raw, octave)  # the encoding flattens the kernel over the target's band


def test_coordinate_gd_option_predicts_from_the_nets_own_kernel():
    from specbias.studies.coordinate import stages as coordinate

    def run(hidden, optimizer, batch=None, lr=0.01):
        train = {"lr": lr, "epochs": 60, "optimizer": optimizer, "seeds": [0, 1]}
        if batch:
            train["batch"] = batch
        cfg = validate({"coordinate": {"w": {
            "signal": {"length": 32, "frequencies": [1, 2, 4]}, "encodings": {"raw01": {"kind": "raw", "range": [0, 1]}},
            "model": {"hidden": hidden}, "train": train, "metrics": {"pairs": 5, "records": 4}}}}, SCHEMA)["coordinate"]["w"]
        return coordinate.train_group(coordinate.train_params(cfg, ["raw01"]), ["raw01"], "cpu")

    # torch's default parameterisation: the kernel grows with width, so the wide net takes a smaller
    # step; both at lr x 2/n x lambda_max ~ 0.4
    wide = run([2048], "gd", lr=5e-4)
    assert wide.attrs["kernel_prediction"].startswith("made") and wide.sizes["probe"] == 32
    err = wide.kernel_prediction_error.values
    np.testing.assert_allclose(wide.kernel_lr_lambda_max, 0.43, rtol=0.1)
    assert (err[..., 0] < 1e-6).all() and err.max() < 0.05, err  # a wide net follows its step-0 kernel under GD
    assert (wide.loss.isel(epoch=-1) < wide.loss.isel(epoch=0)).all()
    narrow = run([8], "gd", lr=0.12)
    assert (narrow.kernel_lr_lambda_max < 1).all()
    assert narrow.kernel_prediction_error.values.max() > 2 * err.max()
    assert run([64], "adam").attrs["kernel_prediction"].startswith("none: Adam")
    mini = run([64], "gd", batch=8)
    assert "minibatches" in mini.attrs["kernel_prediction"] and "kernel_prediction_error" not in mini


def test_kernel_built_at_a_log_spaced_subset_of_snapshots_prediction_at_all():
    assert kernel_records.record_indices(10, None) == set(range(10))
    picks = kernel_records.record_indices(40, 6)
    assert {0, 39} <= picks and len(picks) <= 7
    cfg = validate({"convergence": {"t": {
        "data": {"n": 48, "seed": 1}, "model": {"width": 2000, "init": "antisymmetric"}, "target": {"kappas": [2]},
        "train": {"lr_relative": 0.5, "max_steps": 200, "seeds": [0], "snapshots": 12, "kernel_records": {"records": 4}},
    }}}, SCHEMA)["convergence"]["t"]
    pts = convergence.sample(convergence.sample_params(cfg, 0))
    eig = convergence.ntk_eigen(pts, convergence.ntk_params(cfg), "cpu")
    runs = convergence.train_kappa(pts, 2, convergence.train_params(cfg), "cpu", "off", "dense", eig=eig)
    built = np.isfinite(runs.kernel_change.values[0])
    assert built.sum() == len(kernel_records.record_indices(12, 4)) and built[0] and built[-1]
    assert np.isfinite(runs.kernel_prediction_error.values).all()  # the K_0 prediction at every snapshot
    assert (np.isfinite(runs.kernel_relinearised_error.values[0]) == built).all()
    assert np.isfinite(runs.kernel_predicted_spectrum.values).all()

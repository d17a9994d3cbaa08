"""P2's building blocks: encodings against their formulas, the aliasing guard, the batched coordinate
MLP against single nn.Modules, regions on a net whose regions are known, per-example gradients
against a loop, and seeded pairs."""
import math

import numpy as np
import pytest
import torch

from specbias import activation_regions as regions
from specbias import encodings, mlp


def test_octave_encoding_formula_and_size():
    x = torch.tensor([[0.1, 0.7], [0.25, 0.5]], dtype=torch.float64)
    enc = encodings.octave(x, 3)
    assert enc.shape == (2, 2 * 3 * 2)
    # layout per coordinate j: [sin(2^l pi x_j) for l] then [cos(...) for l]
    for j in range(2):
        block = enc[:, j * 6 : (j + 1) * 6]
        for l in range(3):
            np.testing.assert_allclose(block[:, l], torch.sin(2**l * math.pi * x[:, j]), atol=1e-15)
            np.testing.assert_allclose(block[:, 3 + l], torch.cos(2**l * math.pi * x[:, j]), atol=1e-15)


def test_fourier_features_formula_and_seed():
    x = torch.rand(5, 2, dtype=torch.float64)
    B = encodings.gaussian_matrix(2, 7, sigma=10.0, seed=3, dtype=torch.float64)
    assert torch.equal(B, encodings.gaussian_matrix(2, 7, sigma=10.0, seed=3, dtype=torch.float64))
    enc = encodings.fourier(x, B)
    np.testing.assert_allclose(enc[:, :7], torch.cos(2 * math.pi * x @ B.T), atol=1e-12)
    np.testing.assert_allclose(enc[:, 7:], torch.sin(2 * math.pi * x @ B.T), atol=1e-12)
    big = encodings.gaussian_matrix(2, 20000, sigma=10.0, seed=1, dtype=torch.float64)
    assert abs(float(big.std()) - 10.0) < 0.2


def test_raw_range_and_grid():
    g = torch.tensor(encodings.grid((4,)))
    np.testing.assert_allclose(g[:, 0], [0, 0.25, 0.5, 0.75])
    np.testing.assert_allclose(encodings.raw(g, -1, 1)[:, 0], [-1, -0.5, 0, 0.5])
    assert encodings.grid((3, 5)).shape == (15, 2)
    with pytest.raises(ValueError, match="lo < hi"):
        encodings.raw(g, 1, 1)


def test_aliasing_guard():
    grid = torch.tensor(encodings.grid((64,)))
    assert torch.abs(encodings.octave(grid, 7)[:, 6]).max() < 1e-12  # why 7 octaves on 64 points are refused
    encodings.check_aliasing(6, 64)  # top octave 16 cycles, below the Nyquist 32 of 64 samples
    with pytest.raises(ValueError, match="at the Nyquist frequency .*use at most 6 octaves"):
        encodings.check_aliasing(7, 64)  # 32 cycles: its sine column is zero on the grid
    with pytest.raises(ValueError, match="aliases; use at most 6 octaves"):
        encodings.check_aliasing(8, 64)
    with pytest.raises(ValueError, match="aliases"):
        encodings.check_aliasing(7, 32)  # the same axis encoded on [-1, 1): 32 samples per unit


def test_ensemble_matches_single_linear_modules_and_default_init():
    ens = mlp.init_mlp_ensemble([0, 1], 3, [16, 8], 2, dtype=torch.float64)
    x = torch.rand(10, 3, dtype=torch.float64)
    out = ens.forward(x)
    for r in range(2):
        h = x
        for i, (w, b) in enumerate(zip(ens.weights, ens.biases)):
            h = torch.nn.functional.linear(h, w[r], b[r])
            if i < 2:
                h = torch.relu(h)
        np.testing.assert_allclose(out[r], h, atol=1e-14)
    for w, b in zip(ens.weights, ens.biases):
        bound = 1 / math.sqrt(w.shape[2])
        assert w.abs().max() <= bound and b.abs().max() <= bound


def test_batched_adam_equals_independent_adams():
    x = torch.rand(32, 1, dtype=torch.float64)
    y = torch.sin(6 * x)
    ens = mlp.init_mlp_ensemble([0, 1], 1, [16], 1, dtype=torch.float64)
    single = mlp.init_mlp_ensemble([1], 1, [16], 1, dtype=torch.float64)
    res = mlp.train_mlp(ens, x, y, 1e-2, 30, [0, 30], batch=8, seed=4)
    res1 = mlp.train_mlp(single, x, y, 1e-2, 30, [0, 30], batch=8, seed=4)
    np.testing.assert_allclose(res.loss[1], res1.loss[0], rtol=1e-10)
    assert res.loss[0, -1] < 0.5 * res.loss[0, 0]


@pytest.mark.parametrize("act,optimizer,batch", [("relu", "adam", None), ("tanh", "adam", 8), ("relu", "gd", 8), ("sin", "gd", None)])
def test_hand_written_training_equals_per_model_torch_nn(act, optimizer, batch):
    """The ensemble's step (forward keeping what the backward needs, chain rule by hand, one
    optimizer over stacked parameters) against one torch.nn net per run trained by autograd and
    its own optimizer; per-run encodings (R, n, in) and minibatches included."""
    x = torch.rand(3, 32, 2, dtype=torch.float64) * 2 - 1
    y = torch.sin(3 * x[0, :, :1]) * torch.cos(2 * x[0, :, 1:])
    cfg = {"kind": act, "omega0": 3.0} if act == "sin" else act
    ens = mlp.init_mlp_ensemble([0, 1, 2], 2, [16, 16], 1, dtype=torch.float64, activation=cfg)
    assert mlp.hand_backward(ens)
    nets = []
    for r in range(3):
        lin = [torch.nn.Linear(w.shape[2], w.shape[1], dtype=torch.float64) for w in ens.weights]
        with torch.no_grad():
            for l, w, b in zip(lin, ens.weights, ens.biases):
                l.weight.copy_(w[r]), l.bias.copy_(b[r])
        nets.append(lin)
    seen = []
    res = mlp.train_mlp(ens, x, y, 1e-2, 12, [0, 5, 12], batch=batch, seed=3, optimizer=optimizer,
                        record=lambda e, epoch, out: seen.append((epoch, out.clone())))
    order = torch.randperm(32, generator=torch.Generator().manual_seed(3))
    batches = [order[i : i + batch] for i in range(0, 32, batch)] if batch else [torch.arange(32)]
    for r, lin in enumerate(nets):
        ps = [p for l in lin for p in l.parameters()]
        opt = torch.optim.Adam(ps, lr=1e-2) if optimizer == "adam" else torch.optim.SGD(ps, lr=1e-2)

        def f(inp):
            h = inp
            for i, l in enumerate(lin):
                h = l(h)
                if i < len(lin) - 1:
                    h = ens.activation(h)
            return h
        for epoch in range(13):
            if epoch in (0, 5, 12):
                with torch.no_grad():
                    out = f(x[r])
                    np.testing.assert_allclose(res.loss[r, [0, 5, 12].index(epoch)], float(((out - y) ** 2).mean()), rtol=1e-10)
                    np.testing.assert_allclose(dict(seen)[epoch][r], out, atol=1e-12)
            if epoch == 12:
                break
            for idx in batches:
                opt.zero_grad()
                ((f(x[r, idx]) - y[idx]) ** 2).mean().backward()
                opt.step()
    assert all(p.grad is None and not p.requires_grad for p in ens.parameters())


def test_region_count_on_a_net_with_known_regions():
    """One hidden layer of 1-D units with kinks at k/4: inputs between kinks share a pattern."""
    kinks = torch.tensor([0.25, 0.5, 0.75], dtype=torch.float64)
    w = torch.ones(1, 3, 1, dtype=torch.float64)
    b = -kinks[None, :]
    ens = mlp.MLPEnsemble([w, torch.ones(1, 1, 3, dtype=torch.float64)], [b, torch.zeros(1, 1, dtype=torch.float64)])
    x = torch.tensor([[0.1], [0.2], [0.3], [0.6], [0.9], [0.95]], dtype=torch.float64)
    pat = regions.patterns(ens, x)
    assert regions.region_count(pat).tolist() == [4]  # (0, .25), (.25, .5), (.5, .75), (.75, 1)
    assert regions.hamming(pat, np.array([[0, 1], [0, 5], [2, 3]])).tolist() == [[0, 3, 1]]
    assert regions.dead_units(pat).tolist() == [0]
    dist = regions.boundary_distance(ens, x)
    np.testing.assert_allclose(dist[0, 0], [0.15, 0.05, 0.05, 0.1, 0.15, 0.2], atol=1e-12)  # nearest kink
    x_left = torch.tensor([[0.1], [0.2]], dtype=torch.float64)
    assert regions.dead_units(regions.patterns(ens, x_left)).tolist() == [3]


def test_region_count_packs_long_patterns_across_chunks():
    """Patterns of 300 units (not a multiple of the 62-bit words), duplicates split across chunks,
    against counting distinct rows of the bool array directly."""
    g = torch.Generator().manual_seed(0)
    pat = torch.rand(3, 5000, 300, generator=g) > 0.5
    pat[:, 2500:] = pat[:, :2500]
    pat[1] &= torch.arange(300) < 10  # run 1: only 10 live units, at most 1024 patterns
    want = [len(np.unique(p.numpy(), axis=0)) for p in pat]
    assert want[0] == 2500 and want[1] < 1025
    assert regions.region_count(pat).tolist() == want
    assert regions.region_count(pat, chunk=777).tolist() == want


@pytest.mark.parametrize("act", ["relu", "tanh"])
def test_per_example_gradients_equal_a_loop_of_autograd(act):
    ens = mlp.init_mlp_ensemble([5, 6], 2, [12, 12], 1, dtype=torch.float64, activation=act)
    x = torch.rand(7, 2, dtype=torch.float64)
    y = torch.rand(7, 1, dtype=torch.float64)
    g = regions.per_example_gradients(ens, 1, x, y)
    sigma = getattr(torch, act)
    for i in range(7):
        ps = [p[1].clone().requires_grad_(True) for p in ens.parameters()]
        h = x[i]
        for l in range(3):
            h = ps[l] @ h + ps[3 + l]
            if l < 2:
                h = sigma(h)
        auto = torch.autograd.grad(((h - y[i]) ** 2).sum(), ps)
        np.testing.assert_allclose(g[i], torch.cat([a.reshape(-1) for a in auto]), atol=1e-12)
    c = regions.confusion(g, np.array([[0, 0], [0, 1]]))
    assert abs(c[0] - 1) < 1e-12 and -1 <= c[1] <= 1


@pytest.mark.parametrize("act,out", [("relu", 1), ("tanh", 3)])
def test_layerwise_confusion_equals_flattened_gradients(act, out):
    """The pair cosines from layer-wise inner products equal those of the full per-example
    gradients (the reference route, checked above against autograd)."""
    ens = mlp.init_mlp_ensemble([5, 6], 2, [12, 10], out, dtype=torch.float64, activation=act)
    x = torch.rand(20, 2, dtype=torch.float64)
    y = torch.rand(20, out, dtype=torch.float64)
    near = np.array([[0, 1], [3, 3], [5, 19]])
    far = np.array([[2, 17], [4, 9]])
    got = regions.pair_confusion(ens, 1, x, y, [near, far])
    g = regions.per_example_gradients(ens, 1, x, y)
    np.testing.assert_allclose(got[0], regions.confusion(g, near), atol=1e-12)
    np.testing.assert_allclose(got[1], regions.confusion(g, far), atol=1e-12)
    assert abs(got[0][1] - 1) < 1e-12  # a point with itself


def test_pairs_are_seeded_local_and_global():
    a = regions.local_pairs((64, 64), 500, 2, seed=3)
    assert np.array_equal(a, regions.local_pairs((64, 64), 500, 2, seed=3))
    ij0, ij1 = np.unravel_index(a[:, 0], (64, 64)), np.unravel_index(a[:, 1], (64, 64))
    d = np.abs(np.stack(ij0) - np.stack(ij1))
    assert d.max() <= 2 and (d.sum(0) > 0).all()
    g = regions.global_pairs((2048,), 100, 0.1, seed=1)
    assert (g[:, 0] < 205).all() and (g[:, 1] >= 2048 - 204).all()


def test_multi_sine_spectrum_has_the_amplitudes_at_the_frequencies():
    from specbias import signals

    t, y, phases = signals.multi_sine(256, [3, 10, 40], 2.0, seed=1)
    amp = signals.spectrum_at(y, [3, 10, 40, 11])
    np.testing.assert_allclose(amp[:3], 2.0 * 256 / 2, rtol=1e-10)
    assert amp[3] < 1e-9
    assert np.array_equal(phases, signals.multi_sine(256, [3, 10, 40], 2.0, seed=1)[2])
    with pytest.raises(ValueError, match="Nyquist|frequencies"):
        signals.multi_sine(64, [40], 1.0, seed=0)


def _coord_cfg(signal=None, train=None, **enc):
    import yaml

    from specbias.config import load_schema, validate
    from wfutil import ROOT

    cfg = {"signal": signal or {"length": 64, "frequencies": [2, 8]},
           "encodings": enc or {"pe": {"kind": "octave", "octaves": 4}},
           "model": {"hidden": [16]}, "train": train or {"lr": 0.01, "epochs": 12}, "metrics": {"pairs": 10, "records": 3}}
    full = {"convergence": yaml.safe_load((ROOT / "config.yaml").read_text())["convergence"], "coordinate": {"s": cfg}}
    return validate(full, load_schema(ROOT / "schemas" / "config.schema.yaml"))["coordinate"]["s"]


def test_coordinate_stage_is_seeded_and_records_its_pairs():
    from specbias.studies.coordinate import stages as stages_coord

    cfg = _coord_cfg()
    a, b = stages_coord.train_group(cfg, ["pe"], "cpu"), stages_coord.train_group(cfg, ["pe"], "cpu")
    for name in ("residual_spectrum", "hamming_local", "confusion_global", "pair_local", "region_count", "output"):
        np.testing.assert_array_equal(a[name].values, b[name].values)
    assert a.residual_spectrum.dims == ("encoding", "seed", "frequency", "epoch")
    assert a.residual_spectrum.sizes["epoch"] == 13 and a.sizes["stat_epoch"] >= 2
    d = np.abs(a.pair_local.values[:, 0] - a.pair_local.values[:, 1])
    assert (d >= 1).all() and (d <= 2).all()


def test_encodings_of_one_width_train_as_one_ensemble_with_the_same_result(tmp_path):
    """A group (raw [0,1) and raw [-1,1): one input each) trained together equals each trained alone."""
    from specbias import io
    from specbias.studies.coordinate import stages as stages_coord

    enc = {"a": {"kind": "raw", "range": [0, 1]}, "b": {"kind": "raw", "range": [-1, 1]}, "pe": {"kind": "octave", "octaves": 3}}
    cfg = _coord_cfg(train={"lr": 0.01, "epochs": 10, "batch": 16, "seeds": [0, 1]}, **enc)
    assert stages_coord.encoding_groups(cfg) == {"a+b": ["a", "b"], "pe": ["pe"]}
    alone = _coord_cfg(train={"lr": 0.01, "epochs": 10, "batch": 16, "seeds": [0, 1], "batch_encodings": False}, **enc)
    assert stages_coord.encoding_groups(alone) == {"a": ["a"], "b": ["b"], "pe": ["pe"]}
    both = stages_coord.train_group(cfg, ["a", "b"], "cpu")
    io.write(both, tmp_path / "ab.nc")
    split = {ds.attrs["encoding"]: ds for ds in stages_coord.read_runs([tmp_path / "ab.nc"])}
    assert set(split) == {"a", "b"} and split["b"].loss.dims == ("seed", "epoch")
    for e in ("a", "b"):
        one = stages_coord.train_group(cfg, [e], "cpu").sel(encoding=e)
        np.testing.assert_allclose(split[e].loss.values, one.loss.values, rtol=1e-4)
        np.testing.assert_allclose(split[e].residual_spectrum.values, one.residual_spectrum.values, rtol=1e-3, atol=1e-5)
        np.testing.assert_array_equal(split[e].region_count.values, one.region_count.values)
    assert not np.allclose(split["a"].loss.values, split["b"].loss.values)  # the ranges really differ
    with pytest.raises(ValueError, match="different input widths"):
        stages_coord.train_group(cfg, ["a", "pe"], "cpu")


def test_image_stage_records_radial_spectra_and_patch_pairs():
    from specbias.studies.coordinate import stages as stages_coord

    cfg = _coord_cfg(signal={"kind": "random_image", "size": 16, "channels": 3, "seed": 2},
                     train={"lr": 0.01, "epochs": 30, "batch": 64}, pe={"kind": "octave", "octaves": 3})
    ds = stages_coord.train_group(cfg, ["pe"], "cpu")
    assert ds.sizes["frequency"] == 8 and list(ds.frequency.values) == list(range(1, 9))
    assert ds.target.shape == (256, 3) and ds.output.shape == (1, 256, 3) and ds.grid_shape.values.tolist() == [16, 16]
    spec = ds.residual_spectrum.values[0]  # (seed, frequency, epoch)
    assert np.isfinite(spec).all() and (spec[..., -1].mean() < spec[..., 0].mean())  # training lowers the residual
    i0, j0 = np.unravel_index(ds.pair_local.values[:, 0], (16, 16))
    i1, j1 = np.unravel_index(ds.pair_local.values[:, 1], (16, 16))
    assert (np.maximum(abs(i0 - i1), abs(j0 - j1)) <= 2).all()
    assert ds.region_count.max() <= 256
    assert ds.boundary_distance.dims == ("encoding", "seed", "layer", "stat_epoch") and (ds.boundary_distance > 0).all()


def test_aliasing_octaves_are_rejected_in_the_config():
    from specbias.config import ConfigError

    with pytest.raises(ConfigError, match=r"coordinate.s.encodings.pe.octaves.*aliases"):
        _coord_cfg(pe={"kind": "octave", "octaves": 8, "range": [0, 1]})  # 64 samples: top octave 64 cycles > Nyquist 32


def test_image_configs_are_checked_before_any_job():
    from specbias.config import ConfigError

    with pytest.raises(ConfigError, match=r"signal: kind image needs name"):
        _coord_cfg(signal={"kind": "image", "size": 32})
    with pytest.raises(ConfigError, match=r"length, frequencies does not apply to kind random_image"):
        _coord_cfg(signal={"kind": "random_image", "size": 32, "length": 64, "frequencies": [2]})
    with pytest.raises(ConfigError, match=r"chelsea has a 300-pixel square; size 400 would upsample"):
        _coord_cfg(signal={"kind": "image", "name": "chelsea", "size": 400})
    with pytest.raises(ConfigError, match=r"encodings.pe.octaves.*at the Nyquist"):  # 32 pixels: Nyquist 16 = 2^(6-2)
        _coord_cfg(signal={"kind": "random_image", "size": 32}, pe={"kind": "octave", "octaves": 6})
    _coord_cfg(signal={"kind": "random_image", "size": 32}, pe={"kind": "octave", "octaves": 5})


def test_other_activations_train_and_skip_region_metrics_with_a_note():
    """A tanh coordinate MLP trains; activation regions (defined for piecewise-linear sigma only) are
    NaN with a note in the dataset, gradient confusion is kept, and C12/C13 are not evaluated."""
    from specbias import claims
    from specbias.studies.coordinate import stages as stages_coord

    enc = {"raw": {"kind": "raw"}, "pe": {"kind": "octave", "octaves": 3}}
    cfg = _coord_cfg(train={"lr": 0.01, "epochs": 8, "batch_encodings": False}, **enc)
    cfg["model"]["activation"] = {"kind": "tanh"}
    runs = [stages_coord.train_group(cfg, [e], "cpu").sel(encoding=e).drop_vars("encoding").assign_attrs(encoding=e)
            for e in enc]
    ds = runs[0]
    assert ds.attrs["activation"] == "tanh" and "not defined" in ds.attrs["activation_regions"]
    assert np.isnan(ds.region_count.values).all() and np.isfinite(ds.confusion_local.values).all()
    learning, rows = stages_coord.analyse(runs, "s", cfg)
    verdicts = {r.claim: r.verdict for r in rows}
    assert verdicts["C12"] == verdicts["C13"] == "not_evaluated" and verdicts["C14"] in ("pass", "fail")
    assert claims.CLAIMS["C12"]


def test_siren_initialisation_bounds_and_config_check():
    from specbias.config import ConfigError

    ens = mlp.init_mlp_ensemble([0], 2, [64, 64], 1, dtype=torch.float64, activation={"kind": "sin", "omega0": 30.0},
                                init="siren")
    assert ens.weights[0].abs().max() <= 1 / 2 and ens.weights[0].abs().max() > 0.4  # U(-1/n, 1/n), n = 2
    bound = (6 / 64) ** 0.5 / 30
    assert ens.weights[1].abs().max() <= bound and ens.weights[1].abs().max() > 0.9 * bound
    default = mlp.init_mlp_ensemble([0], 2, [64, 64], 1, dtype=torch.float64)
    torch.testing.assert_close(default.biases[1], ens.biases[1])  # same draws, only the weights are rescaled
    with pytest.raises(ConfigError, match=r"coordinate\.s\.model\.init: siren initialisation is made for a sin"):
        cfg = _coord_cfg()
        cfg["model"]["init"] = "siren"
        from specbias.studies.coordinate.checks import check_entry as check_coordinate
        check_coordinate("s", cfg)

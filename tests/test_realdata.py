"""The real-data study's maths and nets: the blocked empirical NTK against a full Jacobian, the
analytic NTK against a wide net's empirical one, confusion against P2's per-pair loop, pairs
against brute force, stacked training against members trained alone, band energies, linearised
GD, the filtering method; configs refused before any job."""
import numpy as np
import pytest
import torch
from torch import nn

from specbias import probes, realnets
from specbias.config import ConfigError


class Odd(nn.Module):
    """A module the structured paths do not cover: a shared linear layer (used twice), layer norm,
    a depthwise convolution, tanh, and a LeakyReLU."""

    def __init__(self, in_shape, classes):
        super().__init__()
        c = in_shape[0]
        self.dw = nn.Conv2d(c, 2 * c, 3, groups=c, padding=1)
        self.shared = nn.Linear(8, 8)
        self.norm = nn.LayerNorm(8)
        self.act = nn.LeakyReLU(0.1)
        self.inp = nn.Linear(2 * c * in_shape[1] * in_shape[2], 8)
        self.out = nn.Linear(8, classes)

    def forward(self, x):
        h = self.act(self.inp(torch.tanh(self.dw(x)).flatten(1)))
        h = self.shared(self.norm(self.shared(h)))
        return self.out(self.act(h))


def odd_factory(in_shape, classes, **_):
    return Odd(in_shape, classes)


def _net(kind, shape=(1, 8, 8), classes=3, seed=0, **kw):
    if kind == "odd":
        torch.manual_seed(seed)
        return Odd(shape, classes).double()
    cfg = {"kind": kind, "width": 32, "depth": 3, "channels": [4, 6, 8], "hidden": 16, **kw}
    return realnets.build(cfg, shape, classes, seed).double()


@pytest.mark.parametrize("kind,shape", [("p2_mlp", (1, 8, 8)), ("p2_cnn", (1, 28, 28)), ("p2_cnn", (3, 32, 32)),
                                        ("odd", (2, 6, 6))])
def test_blocked_ntk_matches_full_jacobian(kind, shape):
    net = _net(kind, shape)
    params = dict(net.named_parameters())
    x = torch.randn(23, *shape, dtype=torch.float64)
    ref = probes.empirical_ntk_jacrev(net, params, x)
    for block in (1, 5, 23):
        got = probes.empirical_ntk(net, params, x, block=block)
        np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-10, atol=1e-12 * float(ref.abs().max()))


def test_structured_paths_cover_p2_nets():
    cnn = _net("p2_cnn", (1, 28, 28))
    layers, other = probes._split(cnn, dict(cnn.named_parameters()), torch.zeros(2, 1, 28, 28, dtype=torch.float64))
    assert layers == (["7", "9"], ["0", "2", "4"]) and other == []
    odd = _net("odd", (2, 6, 6))
    layers, other = probes._split(odd, dict(odd.named_parameters()), torch.zeros(2, 2, 6, 6, dtype=torch.float64))
    assert "shared" not in layers[0] and "shared.weight" in other and "dw.weight" in other and "norm.weight" in other


class NTKParamMLP(nn.Module):
    """ReLU MLP in NTK parameterisation: N(0, 1) weights, scaled by sqrt(1/d) at the input and
    sqrt(2/width) after; no biases."""

    def __init__(self, d, width, depth):
        super().__init__()
        dims = [d] + [width] * depth
        self.layers = nn.ParameterList([nn.Parameter(torch.randn(b, a, dtype=torch.float64)) for a, b in zip(dims, dims[1:])])
        self.readout = nn.Parameter(torch.randn(1, width, dtype=torch.float64))
        self.d = d

    def forward(self, x):
        h = x.flatten(1) @ self.layers[0].T / self.d ** 0.5
        for i in range(1, len(self.layers)):  # indexing, not slicing: functional_call swaps items
            w = self.layers[i]
            h = torch.relu(h) @ w.T * (2 / w.shape[1]) ** 0.5
        return torch.relu(h) @ self.readout.T * (2 / self.readout.shape[1]) ** 0.5


def test_analytic_ntk_matches_wide_net():
    torch.manual_seed(0)
    x = torch.randn(6, 1, 3, 3, dtype=torch.float64) * torch.tensor([0.5, 1, 2, 1, 1, 3.0]).view(-1, 1, 1, 1).double()
    analytic = probes.relu_mlp_ntk(x, depth=2)
    emp = np.mean([probes.empirical_ntk_jacrev(net, dict(net.named_parameters()), x).numpy()
                   for net in [NTKParamMLP(9, 4096, 2) for _ in range(4)]], axis=0)
    np.testing.assert_allclose(emp, analytic, rtol=0.05, atol=0.02 * analytic.max())
    # inputs of any norm: the kernel is 1-homogeneous in each argument's scale
    np.testing.assert_allclose(probes.relu_mlp_ntk(2 * x, 2), 4 * analytic, rtol=1e-12)


@pytest.mark.parametrize("kind,shape,loss", [("p2_mlp", (1, 8, 8), "cross_entropy"), ("p2_cnn", (1, 28, 28), "mse"),
                                             ("odd", (2, 6, 6), "cross_entropy")])
def test_confusion_matches_per_pair_loop(kind, shape, loss):
    net = _net(kind, shape)
    params = {k: v.detach() for k, v in net.named_parameters()}
    x = torch.randn(60, *shape, dtype=torch.float64)
    labels = np.arange(60) % 3
    pairs = probes.pairs(x, labels, anchors=7, k=4, seed=0, search=30, different_class=True)
    got = probes.confusion(net, params, x, torch.as_tensor(labels), pairs["anchor"], pairs["near_other"], loss, block=9)
    ref = probes.confusion_loop(net, x, torch.as_tensor(labels), pairs["anchor"], pairs["near_other"], loss)
    np.testing.assert_allclose(got, ref, atol=1e-10)
    assert np.all(np.abs(got) <= 1 + 1e-12)


def test_pairs_against_brute_force():
    rng = np.random.default_rng(0)
    x = torch.as_tensor(rng.standard_normal((40, 1, 2, 2)))
    labels = rng.integers(0, 2, 40)
    p = probes.pairs(x, labels, anchors=5, k=3, seed=1, search=20, different_class=True)
    flat = x.reshape(40, -1).numpy()
    for a, near, far, other in zip(p["anchor"], p["near"], p["far"], p["near_other"]):
        d = np.linalg.norm(flat - flat[a], axis=1)
        d[a] = np.inf
        assert set(near) == set(np.argsort(d)[:3])
        d[a] = -np.inf
        assert set(far) == set(np.argsort(-d)[:3])
        d[a] = np.inf
        cand = [i for i in np.argsort(d)[:20] if labels[i] != labels[a]][:3]
        assert list(other) == cand
    again = probes.pairs(x, labels, anchors=5, k=3, seed=1)
    np.testing.assert_array_equal(again["anchor"], p["anchor"])  # seeded anchors


def test_hamming_of_patterns():
    net = _net("p2_mlp")
    params = {k: v.detach() for k, v in net.named_parameters()}
    x = torch.randn(10, 1, 8, 8, dtype=torch.float64)
    pat = probes.patterns(net, params, x, block=3)
    assert pat.shape == (10, 3 * 32)
    h = probes.hamming(pat, np.array([0, 1]), np.array([[0, 2], [1, 3]]))
    assert h[0, 0] == 0 and h[1, 0] == 0 and h[0, 1] == int((pat[0] != pat[2]).sum())
    with pytest.raises(ValueError, match="no nn.ReLU"):
        probes.patterns(nn.Sequential(nn.Flatten(), nn.Linear(64, 3)), {}, x.float())


def test_stacked_training_equals_members_alone():
    """The vectorised ensemble trains each member exactly as if it were trained on its own."""
    torch.manual_seed(0)
    x = torch.randn(50, 1, 8, 8)
    t = torch.randint(0, 3, (50,))
    cfg = {"loss": "cross_entropy", "optimizer": "adam", "lr": 1e-2, "batch": 16, "epochs": 3}
    model = {"kind": "p2_mlp", "width": 16, "depth": 2}
    both = realnets.Ensemble(model, (1, 8, 8), 3, [0, 7])
    assert both.vectorised
    realnets.train(both, x, t, cfg, [], lambda e: None)
    alone = realnets.Ensemble(model, (1, 8, 8), 3, [7])
    alone.vectorised = False  # the member-by-member path
    realnets.train(alone, x, t, cfg, [], lambda e: None)
    for k in both.params:
        torch.testing.assert_close(both.params[k][1], alone.params[k][0], rtol=1e-5, atol=1e-6)


def test_band_energy_and_linearised_gd():
    rng = np.random.default_rng(0)
    n, C = 30, 2
    a = rng.standard_normal((n, n))
    gram = a @ a.T / n
    evals, evecs = np.linalg.eigh(gram)
    evals, evecs = evals[::-1], evecs[:, ::-1]
    r0 = rng.standard_normal((n, C))
    edges = probes.band_edges(n, 5)
    e = probes.band_energy(evecs, edges, r0)
    assert e.shape == (len(edges),) and abs(e.sum() - (r0 ** 2).sum()) < 1e-10 and e[-1] < 1e-10  # Parseval
    lr, steps = 0.5, np.array([0, 1, 7])
    got = probes.linearised_residual(evals, evecs, r0, lr, steps, n)
    r = r0.copy()
    for t in range(8):
        if t in steps:
            np.testing.assert_allclose(got[list(steps).index(t)], r, atol=1e-12)
        r = r - lr * gram @ r / n  # one GD step on (1/2n) sum |f - y|^2 in function space
    top = probes.band_energy(evecs[:, :10], probes.band_edges(10, 3), r0)
    assert abs(top.sum() - (r0 ** 2).sum()) < 1e-10 and top[-1] > 0  # what the top modes miss is the last band


def test_filtering_method():
    rng = np.random.default_rng(0)
    x = torch.as_tensor(np.sort(rng.uniform(-1, 1, 80))).view(-1, 1, 1, 1)
    s = x.view(-1).numpy()
    y = np.stack([np.sin(np.pi * s) + 0.3 * np.sin(15 * np.pi * s)], axis=1)
    w = probes.smoother(x, 0.01)
    np.testing.assert_allclose(w.sum(1), 1.0)
    smooth_only = np.stack([np.sin(np.pi * s)], axis=1)
    lo, hi = probes.filtered_errors(w, y, smooth_only[None])
    assert lo[0] < 0.2 < hi[0]  # the smooth part is fitted, the rough part is not
    lo, hi = probes.filtered_errors(w, y, y[None])
    assert lo[0] < 1e-12 and hi[0] < 1e-12


def test_model_checks():
    model = {"kind": "factory", "factory": "test_realdata:odd_factory", "kwargs": {}}
    assert realnets.check(model, (1, 8, 8), 10) > 0
    with pytest.raises(realnets.ModelError, match="not of the form"):
        realnets.factory("no_colon")
    with pytest.raises(realnets.ModelError, match="cannot import 'nowhere.at_all:f'"):
        realnets.factory("nowhere.at_all:f")
    with pytest.raises(realnets.ModelError, match=r"to \(2, 5\), not \(2, 4\) for the 4 classes"):
        realnets.check({"kind": "factory", "factory": "test_realdata:wrong_classes", "kwargs": {}}, (1, 8, 8), 4)
    with pytest.raises(realnets.ModelError, match="too small"):
        realnets.check({"kind": "p2_cnn", "channels": [32, 64, 96], "hidden": 8}, (1, 8, 8), 10)


def wrong_classes(in_shape, classes, **_):
    return nn.Sequential(nn.Flatten(), nn.Linear(in_shape[0] * in_shape[1] * in_shape[2], classes + 1))


def _entry(**over):
    entry = {"data": {"source": "digits", "count": 100}, "model": {"kind": "p2_mlp", "width": 8, "depth": 1},
             "train": {"epochs": 1}, "regions": {"anchors": 5, "neighbours": 2, "search": 20}}
    for key, value in over.items():
        entry[key] = {**entry.get(key, {}), **value}
    return {"realdata": {"e": entry}}


@pytest.mark.parametrize("over,key,text", [
    ({"data": {"source": "mnist", "root": "/nowhere"}}, "realdata.e.data.root", "/nowhere/MNIST/raw/train-images-idx3-ubyte"),
    ({"data": {"source": "cifar10"}}, "realdata.e.data.root", "set root"),
    ({"model": {"kind": "factory", "factory": "nowhere.at_all:f"}}, "realdata.e.model.factory", "cannot import"),
    ({"model": {"kind": "factory", "factory": "test_realdata:wrong_classes"}}, "realdata.e.model.factory", "not (2, 10)"),
    ({"model": {"kind": "p2_cnn"}}, "realdata.e.model", "too small"),
    ({"data": {"classes": [3, 12]}}, "realdata.e.data.classes", "classes 0..9"),
    ({"regions": {"anchors": 500}}, "realdata.e.regions.anchors", "500 anchors"),
    ({"kernels": {"eigenpairs": 500}}, "realdata.e.kernels.eigenpairs", "500 eigenpairs"),
])
def test_entry_refused_before_any_job(over, key, text):
    from specbias import schema
    from specbias.config import validate

    validate(_entry(), schema.assemble())  # the base entry is fine
    with pytest.raises(ConfigError) as err:
        validate(_entry(**over), schema.assemble())
    assert key in str(err.value) and text in str(err.value)


# ---- claims C24-C28 on synthetic tables: each passes on the claimed behaviour and fails on its opposite

def _bands_table(half, initial=None):
    """A table whose bands halve at the given record epochs (kernel gaussian, one seed)."""
    import xarray as xr

    epochs = np.array([0, 1, 2, 4, 8, 16])
    bands = len(half)
    energy = np.ones((1, len(epochs), 1, bands)) * (initial if initial is not None else 1.0)
    for b, h in enumerate(half):
        energy[0, epochs >= h, 0, b] *= 0.1
    table = xr.Dataset({"band_energy": (("kernel", "epoch", "seed", "band"), energy),
                        "diverged_epoch": (("seed",), np.array([-1]))},
                       coords={"kernel": ["gaussian"], "band": np.arange(bands), "epoch": epochs})
    from specbias.studies.realdata.analysis import half_epoch

    norm = (table.band_energy / table.band_energy.isel(epoch=0)).values
    table["band_half_epoch"] = (("kernel", "seed", "band"), half_epoch(norm.transpose(1, 0, 2, 3), epochs))
    return table


def test_c24_band_order():
    from specbias.studies.realdata import claims as rc

    ok = np.array([True])
    assert rc.band_order(_bands_table([1, 2, 4, 8, 16]), "e", ok, 0.7)[0].verdict == "pass"
    assert rc.band_order(_bands_table([16, 8, 4, 2, 1]), "e", ok, 0.7)[0].verdict == "fail"
    assert rc.band_order(_bands_table([2, 2, 2]), "e", ok, 0.7)[0].verdict == "not_evaluated"
    # a band holding under 1% of the residual is not ranked (it has nothing to lose)
    row = rc.band_order(_bands_table([16, 2, 4, 8], initial=np.array([1e-4, 1, 1, 1])), "e", ok, 0.7)[0]
    assert row.verdict == "pass" and "bands [0] left out" in row.note


def test_c25_filtering_order():
    import xarray as xr

    from specbias.studies.realdata import claims as rc

    def table(low, high):
        return xr.Dataset({"e_low_epoch": (("delta", "seed"), np.array(low, float)[:, None]),
                           "e_high_epoch": (("delta", "seed"), np.array(high, float)[:, None])},
                          coords={"delta_relative": ("delta", np.arange(len(low)) + 1.0)})
    ok = np.array([True])
    assert rc.filtering(table([2, 4], [8, np.inf]), "e", ok, 0.2).verdict == "pass"
    assert rc.filtering(table([2, 8], [8, 8]), "e", ok, 0.2).verdict == "fail"
    assert rc.filtering(table([np.inf], [np.inf]), "e", ok, 0.2).verdict == "not_evaluated"
    row = rc.filtering(table([2, np.inf], [4, np.inf]), "e", ok, 0.2)
    assert row.verdict == "pass" and "not scored" in row.note


def _hamming_table(near, far):
    import xarray as xr

    return xr.Dataset({"hamming_near_mean": (("epoch", "seed"), near), "hamming_far_mean": (("epoch", "seed"), far)},
                      coords={"epoch": [0, 5]})


def test_c26_local_below_global():
    from specbias.studies.realdata import claims as rc

    ok = np.array([True])
    assert rc.hamming(_hamming_table([[10.0], [5.0]], [[20.0], [30.0]]), "e", ok).verdict == "pass"
    assert rc.hamming(_hamming_table([[10.0], [40.0]], [[20.0], [30.0]]), "e", ok).verdict == "fail"


def test_c27_near_pairs_conflict_more():
    import xarray as xr

    from specbias.studies.realdata import claims as rc

    ok, epochs = np.array([True]), np.array([0, 5])
    t = _hamming_table([[10.0], [5.0]], [[20.0], [30.0]])
    rng = np.random.default_rng(0)
    train = xr.Dataset({"confusion_near": (("epoch", "seed", "anchor", "neighbour"), rng.uniform(-1, 0, (2, 1, 5, 3))),
                        "confusion_far": (("epoch", "seed", "anchor", "neighbour"), rng.uniform(0, 1, (2, 1, 5, 3)))},
                       coords={"epoch": epochs})
    assert rc.confusion(t, train, "e", ok).verdict == "pass"
    train = train.rename({"confusion_near": "confusion_far", "confusion_far": "confusion_near"})
    assert rc.confusion(t, train, "e", ok).verdict == "fail"


def test_c28_linearised_agreement():
    from specbias.studies.realdata import claims as rc

    table = _bands_table([1, 2, 4])
    table = table.assign_coords(kernel=["empirical"])
    table["linearised_band_energy"] = (("epoch", "seed", "band"), table.band_energy.values[0].copy())
    ok = np.array([True])
    assert rc.linearised(table, "e", ok, 0.1).verdict == "pass"
    table["linearised_band_energy"] = table.linearised_band_energy * 1.5
    assert rc.linearised(table, "e", ok, 0.1).verdict == "fail"


def test_kernel_stage_with_top_eigenpairs_and_a_rest_band():
    """kernels.eigenpairs < points: Lanczos keeps the top pairs; what they miss is the last band, and
    the bands still add up to the residual's energy."""
    from specbias import datasets, schema
    from specbias.config import validate
    from specbias.studies.realdata import analysis, stages

    cfg = validate({"realdata": {"e": {"data": {"source": "digits", "count": 80}, "model": {"kind": "p2_mlp", "width": 16, "depth": 2},
                                       "train": {"epochs": 1, "seeds": [0]}, "regions": {"anchors": 4, "neighbours": 2, "search": 20},
                                       "kernels": {"points": 50, "eigenpairs": 12, "bands": 4}}}}, schema.assemble())
    entry = cfg["realdata"]["e"]
    ds = datasets.load(entry["data"])
    kern = stages.kernels(entry, ds, "cpu")
    assert kern.sizes == {"point": 50, "mode": 12, "seed": 1}
    assert set(analysis.kernels_of(kern)) == {"gaussian", "analytic", "empirical"}
    full = np.linalg.eigvalsh(probes.gaussian_kernel(torch.as_tensor(ds.image.values[kern.point.values]), kern.attrs["gaussian_sigma"]))
    np.testing.assert_allclose(kern.gaussian_eigenvalue.values, full[::-1][:12], rtol=1e-8)
    residual = np.random.default_rng(0).standard_normal((1, 1, 50, 10))
    bands = analysis.band_energies(entry, kern, residual)
    total = (residual ** 2).sum()
    np.testing.assert_allclose(bands.band_energy.sum("band").values, total, rtol=1e-10)
    assert float(bands.band_energy.isel(band=-1).min()) > 0.5 * total  # 12 of 50 modes leave most of a random residual

"""Sampling on S^(d-1), zonal targets, the sphere Gram matrices, and the convergence-study stages."""
import numpy as np
import pytest
from scipy import special

from specbias import deep, gram, sphere
from specbias.studies.convergence import stages as convergence
from specbias.config import ConfigError, load_schema, validate
from wfutil import ROOT

SCHEMA = load_schema(ROOT / "schemas" / "config.schema.yaml")


def test_uniform_sampler_is_seeded_unit_and_centred():
    x, region, pdf = sphere.sample(20000, 3, 5, {"kind": "uniform"})
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-12)
    assert np.all(region == 0) and np.all(pdf == 1)
    # uniform on S^2: E[x] = 0, E[x xᵀ] = I/3 (Monte Carlo, 20000 points: sd ~ 0.004)
    np.testing.assert_allclose(x.mean(0), 0.0, atol=0.02)
    np.testing.assert_allclose(x.T @ x / len(x), np.eye(3) / 3, atol=0.02)
    np.testing.assert_array_equal(sphere.sample(50, 3, 5, {"kind": "uniform"})[0], sphere.sample(50, 3, 5, {"kind": "uniform"})[0])


@pytest.mark.parametrize("dim, ratio", [(2, 4.0), (3, 3.0)])
def test_hemisphere_sampler_counts_labels_and_density(dim, ratio):
    n = 1000
    x, region, pdf = sphere.sample(n, dim, 1, {"kind": "hemispheres", "ratio": ratio})
    n_sparse = round(n / (1 + ratio))
    assert (region == 0).sum() == n_sparse and (region == 1).sum() == n - n_sparse
    assert np.all((x[:, -1] >= 0) == (region == 1))
    # the density integrates to 1 against the uniform probability measure (half the sphere each)
    assert np.isclose(0.5 * pdf[region == 0][0] + 0.5 * pdf[region == 1][0], 1.0)
    assert np.isclose(pdf[region == 1][0] / pdf[region == 0][0], ratio)
    with pytest.raises(ValueError, match="positive"):
        sphere.sample(10, 3, 0, {"kind": "hemispheres", "ratio": -1})


@pytest.mark.parametrize("k", [0, 1, 2, 5, 9])
def test_zonal_harmonics_are_chebyshev_and_legendre(k):
    t = np.linspace(-1, 1, 101)
    np.testing.assert_allclose(sphere.gegenbauer(t, k, 2), np.cos(k * np.arccos(t)), atol=1e-12)
    np.testing.assert_allclose(sphere.gegenbauer(t, k, 3), special.eval_legendre(k, t), atol=1e-12)


def test_zonal_targets_are_orthogonal_under_the_uniform_measure():
    x, _, _ = sphere.sample(200000, 3, 2, {"kind": "uniform"})
    ys = np.stack([sphere.gegenbauer(x[:, 0], k, 3) for k in range(5)])
    gram = ys @ ys.T / len(x)
    # Funk-Hecke: E[P_j P_k] = δ_jk / (2k + 1) on S^2
    np.testing.assert_allclose(gram, np.diag(1 / (2 * np.arange(5) + 1)), atol=0.01)


def test_real_spherical_harmonics_are_orthonormal():
    x, _, _ = sphere.sample(400000, 3, 4, {"kind": "uniform"})
    ys = np.stack([sphere.real_spherical_harmonic(x, k, m) for k in range(3) for m in range(-k, k + 1)])
    # orthonormal w.r.t. surface measure: E_uniform[Y Y'] = δ / (4π)
    np.testing.assert_allclose(ys @ ys.T / len(x) * 4 * np.pi, np.eye(9), atol=0.02)
    # degree 2, order 0 is the zonal Legendre harmonic about the third axis
    np.testing.assert_allclose(sphere.real_spherical_harmonic(x[:5], 2, 0),
                               np.sqrt(5 / (4 * np.pi)) * special.eval_legendre(2, x[:5, 2]), atol=1e-12)


@pytest.mark.parametrize("model", [{"kind": "two_layer", "bias": True}, {"kind": "deep", "depth": 4}])
def test_gram_spectrum_on_s2_matches_funk_hecke(model):
    n = 1500
    x, _, _ = sphere.sample(n, 3, 3, {"kind": "uniform"})
    ev = np.sort(np.linalg.eigvalsh(sphere.gram(x, model)))[::-1] / n
    lam = sphere.zonal_eigenvalues(model, 3, 3)
    # degree k occupies 2k + 1 eigenvalues; compare the mean of each block (Monte Carlo: a few %)
    start = 0
    for k in range(3):
        block = ev[start : start + 2 * k + 1]
        start += 2 * k + 1
        assert abs(block.mean() / lam[k] - 1) < 0.06, (k, block.mean(), lam[k])


def _study(**over):
    cfg = {
        "data": {"domain": "sphere", "dim": 2, "n": 48},
        "model": {"kind": "two_layer", "width": 512},
        "target": {"kappas": [2]},
        "train": {"lr_relative": 1.0, "max_steps": 600, "seeds": [0, 1], "snapshots": 8},
    }
    for key, val in over.items():
        cfg[key] = {**cfg.get(key, {}), **val}
    full = validate({"convergence": {"s": cfg}}, SCHEMA)
    return full["convergence"]["s"]


def _train(cfg, kappa, **kw):
    """One sphere job through the study's stages: sample, NTK, train, predict."""
    pts = convergence.sample(convergence.sample_params(cfg, 0))
    eig = convergence.ntk_eigen(pts, convergence.ntk_params(cfg), "cpu")
    ds = convergence.train_kappa(pts, kappa, convergence.train_params(cfg), eig=eig, **kw)
    return ds, convergence.predict(ds, eig)


def test_trained_two_layer_net_matches_its_linearised_prediction():
    cfg = _study()
    ds, pr = _train(cfg, 2, device="cpu", compile="off")
    meas, pred = ds.converged_step.values, pr.converged_step.values
    assert (meas > 0).all() and (pred > 0).all()
    np.testing.assert_allclose(meas, pred, rtol=0.25)


def test_no_bias_net_does_not_learn_degree_3_but_deep_net_does():
    cfg = _study(model={"bias": False}, target={"kappas": [3]}, train={"max_steps": 400})
    ds, pr = _train(cfg, 3, device="cpu", compile="off")
    assert (ds.converged_step.values == -1).all() and (pr.converged_step.values == -1).all()
    deep_cfg = _study(model={"kind": "deep", "depth": 3, "width": 128}, target={"kappas": [3]})
    ds, pr = _train(deep_cfg, 3, device="cpu")
    assert (ds.converged_step.values > 0).all()
    np.testing.assert_allclose(ds.converged_step.values, pr.converged_step.values, rtol=0.5)


def test_deep_gram_equals_the_recursion():
    x, _, _ = sphere.sample(30, 3, 0, {"kind": "uniform"})
    got = sphere.gram(x, {"kind": "deep", "depth": 5})
    np.testing.assert_array_equal(got, got.T)  # the upper triangle, mirrored
    np.testing.assert_allclose(got, deep.relu_ntk(gram.cosines(x), 5), rtol=1e-12)
    # numpy's x xᵀ rounds the diagonal's cosines differently: the recursion amplifies that last bit near ρ = 1
    np.testing.assert_allclose(got, deep.relu_ntk(np.clip(x @ x.T, -1, 1), 5), rtol=1e-12, atol=1e-7)


@pytest.mark.parametrize(
    "over, key, words",
    [
        ({"model": {"kind": "deep", "bias": True, "depth": 3}}, "convergence.s.model.bias", "bias-free"),
        ({"model": {"kind": "deep"}}, "convergence.s.model.depth", "depth"),
        ({"model": {"depth": 3}}, "convergence.s.model.depth", "kind: deep"),
        ({"data": {"density": {"kind": "hemispheres"}}}, "convergence.s.data.density", "ratio"),
        ({"train": {"criterion": {"kind": "per_region"}}}, "convergence.s.train.criterion.kind", "hemispheres"),
        ({"target": {"kappas": [30]}}, "convergence.s.target.kappas", "raise data.n"),
        ({"data": {"density": {"kind": "piecewise", "lengths": [1], "weights": [1]}}}, "convergence.s.data.density.kind", "circle density"),
        ({"train": {"lr": 0.1}}, "convergence.s.train", "exactly one of lr"),
        ({"train": {"lr_relative": 2.5}}, "convergence.s.train.lr_relative", "diverge"),
        ({"data": {"dim": 1}}, "convergence.s.data.dim", "minimum"),
        ({"target": {"kind": "real"}}, "convergence.s.target.kind", "dim: 3"),
    ],
)
def test_impossible_studies_are_rejected_naming_the_key(over, key, words):
    with pytest.raises(ConfigError) as err:
        _study(**over)
    assert key in str(err.value) and words in str(err.value), str(err.value)

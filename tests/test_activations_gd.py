"""GD-trained nets with any activation (the convergence study's two-layer and deep ensembles):
σ′ against autograd, hand-written gradients against autograd, the ensembles' own empirical kernel
against the model kind's analytic kernel, and a trained net against its linearised prediction."""
import numpy as np
import pytest
import torch

from specbias import deep, models
from specbias.config import ConfigError, load_schema, validate
from specbias.registry import ACTIVATIONS, MODELS
from specbias.studies.convergence import stages as convergence
from wfutil import ROOT

SCHEMA = load_schema(ROOT / "schemas" / "config.schema.yaml")
SPECS = ["tanh", "erf", "gelu", "gaussian", "abs", {"kind": "sin", "omega0": 2.0},
         {"kind": "leaky_relu", "negative_slope": 0.2, "positive_slope": 1.5}]


def _points(n=20, dim=3, seed=0):
    x = np.random.default_rng(seed).standard_normal((n, dim))
    return torch.tensor(x / np.linalg.norm(x, axis=1, keepdims=True))


@pytest.mark.parametrize("kind", sorted(ACTIVATIONS.names()))
def test_every_activation_derivative_matches_autograd(kind):
    act = ACTIVATIONS.build({"kind": kind, "omega0": 2.5} if kind == "sin" else kind)
    z = torch.linspace(-4, 4, 1001, dtype=torch.float64)[1:]  # (no exact 0: ReLU-family kinks)
    ref = torch.autograd.functional.jacobian(lambda t: act(t).sum(), z)
    torch.testing.assert_close(act.derivative(z), ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(act.df(z.numpy()), ref.numpy(), rtol=1e-10, atol=1e-12)  # the kernels' σ′ too


@pytest.mark.parametrize("spec", SPECS)
def test_two_layer_and_deep_gradients_match_autograd(spec):
    x, y = _points(), torch.randn(2, 20, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    two = MODELS.build({"kind": "two_layer", "width": 48, "bias": True, "tau": 1.0, "init": "independent", "activation": spec})
    ens = two.ensemble([0, 1], 3, torch.float64)
    assert not ens.supports_arc_step
    r, g = ens.residual_and_grad(x, y, ens.plan(20, compile="off"))
    wb = ens.wb.clone().requires_grad_(True)
    loss = 0.5 * ((models.TwoLayerEnsemble(wb, ens.a, True, ens.activation).forward(x) - y) ** 2).sum()
    torch.testing.assert_close(g, torch.autograd.grad(loss, wb)[0], rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(r, ens.forward(x) - y)

    net = MODELS.build({"kind": "deep", "width": 24, "depth": 3, "activation": spec}).ensemble([0, 1], 3, torch.float64)
    r, grads = net.residual_and_grad(x, y)
    ws = [w.clone().requires_grad_(True) for w in net.weights]
    twin = deep.DeepEnsemble(ws)
    twin.activation, twin.scales = net.activation, net.scales
    ref = torch.autograd.grad(0.5 * ((twin.forward(x) - y) ** 2).sum(), ws)
    for a, b in zip(grads, ref):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("spec", ["tanh", {"kind": "sin", "omega0": 2.0}])
def test_the_ensembles_kernel_is_the_model_kinds_kernel(spec):
    """The empirical NTK of the very nets the study trains (its init, scales and σ), averaged over
    nets, against the analytic Gram matrix the prediction uses: two-layer within atol 0.01, rtol
    0.05; deep (larger values, more finite-width spread) within 5% in Frobenius norm."""
    x = _points(12)
    two = MODELS.build({"kind": "two_layer", "width": 20000, "bias": True, "tau": 1.0, "init": "independent", "activation": spec})
    act = ACTIVATIONS.build(spec)
    emp = []
    for seed in range(4):
        pre = two.ensemble([seed], 3, torch.float64).preactivation(x)[0]
        d = act.derivative(pre)
        emp.append(((d @ d.T) / pre.shape[1] * (x @ x.T + 1)).numpy())
    np.testing.assert_allclose(np.mean(emp, 0), two.gram(x.numpy()), atol=0.01, rtol=0.05)

    kind = MODELS.build({"kind": "deep", "width": 2048, "depth": 3, "activation": spec})
    emp = []
    for seed in range(6):
        net = kind.ensemble([seed], 3, torch.float64)

        def f(*ws):
            h = x
            for i, (w, s) in enumerate(zip(ws, net.scales)):
                h = h @ w.T * s
                if i < len(ws) - 1:
                    h = net.activation(h)
            return h[:, 0]

        jac = torch.func.jacrev(f, argnums=tuple(range(len(net.weights))))(*[w[0] for w in net.weights])
        flat = torch.cat([j.reshape(len(x), -1) for j in jac], 1)
        emp.append((flat @ flat.T).numpy())
    analytic = kind.gram(x.numpy())
    assert np.linalg.norm(np.mean(emp, 0) - analytic) <= 0.05 * np.linalg.norm(analytic)


def _entry(**over):
    cfg = {"data": {"n": 96, "seed": 0}, "model": {"width": 2000, "init": "antisymmetric", "activation": "tanh"},
           "target": {"kappas": [3]}, "train": {"lr_relative": 1.0, "max_steps": 2000, "seeds": [0, 1], "snapshots": 8,
                                                "record_spectra": False}}
    for key, val in over.items():
        cfg[key] = {**cfg[key], **val}
    return validate({"convergence": {"t": cfg}}, SCHEMA)["convergence"]["t"]


def test_trained_tanh_net_converges_when_its_kernel_predicts():
    cfg = _entry()
    pts = convergence.sample(convergence.sample_params(cfg, 0))
    eig = convergence.ntk_eigen(pts, convergence.ntk_params(cfg), "cpu")
    assert "closed_form_eigenvalue" not in eig  # the ReLU closed forms do not apply
    runs = convergence.train_kappa(pts, 3, convergence.train_params(cfg), "cpu", "off", "dense", eig=eig)
    pred = convergence.predict(runs, eig)
    meas, p = runs.converged_step.values, pred.converged_step.values
    assert (meas > 0).all() and (p > 0).all()
    np.testing.assert_allclose(meas, p, rtol=0.25)


@pytest.mark.parametrize("over, key, words", [
    ({"model": {"activation": "swish"}}, "convergence.t.model.activation", "swish"),
    ({"model": {"activation": {"kind": "tanh", "omega0": 3.0}}}, "convergence.t.model.activation", "omega0"),
])
def test_bad_activations_are_refused_naming_the_key(over, key, words):
    with pytest.raises(ConfigError) as err:
        _entry(**over)
    assert key in str(err.value) and words in str(err.value), str(err.value)


def test_comparisons_need_a_matching_entry():
    base = _entry()
    ok = {"r": {**base, "model": {**base["model"], "activation": "relu"}, "analysis": {}},
          "t": {**base, "analysis": {"compare_to": {"entry": "r", "expect": "steeper"}}}}
    validate({"convergence": ok}, SCHEMA)
    cases = [
        ({"entry": "nope", "expect": "steeper"}, {}, "not another convergence entry"),
        ({"entry": "r", "expect": "steeper"}, {"data": {**base["data"], "n": 128}}, "differs in data"),
        ({"entry": "r", "expect": "steeper"}, {"model": {**base["model"]}}, "same activation"),
    ]
    for comp, ref_over, words in cases:
        bad = {"r": {**ok["r"], **ref_over}, "t": {**base, "analysis": {"compare_to": comp}}}
        with pytest.raises(ConfigError) as err:
            validate({"convergence": bad}, SCHEMA)
        assert "convergence.t.analysis.compare_to.entry" in str(err.value) and words in str(err.value), str(err.value)

"""Kernels for any activation (specbias.duals): closed forms against the quadrature routes, the
ReLU special cases against the project's kernels, and the kernels against wide finite nets."""
import numpy as np
import pytest
import torch

from specbias import deep, duals, ntk
from specbias.registry import ACTIVATIONS

T = np.linspace(-1, 1, 801)
CLOSED = [("relu", {}), ("leaky_relu", {"negative_slope": 0.2, "positive_slope": 1.5}), ("abs", {}), ("erf", {}),
          ("sin", {"omega0": 1.0}), ("sin", {"omega0": 3.0}), ("gaussian", {})]


@pytest.mark.parametrize("kind, params", CLOSED)
@pytest.mark.parametrize("tau", [0.5, 1.0, 2.0])
def test_closed_forms_equal_the_quadrature_route(kind, params, tau):
    act = ACTIVATIONS.build({"kind": kind, **params})
    s = tau * tau
    for fn in (duals.dual, duals.derivative_dual):
        closed, quad = fn(act, s, s * T, s, "closed"), fn(act, s, s * T, s, "quadrature")
        scale = max(np.abs(closed).max(), 1e-300)
        assert np.abs(closed - quad).max() <= 1e-10 * scale, (fn.__name__, np.abs(closed - quad).max() / scale)


@pytest.mark.parametrize("kind", ["tanh", "gelu", "erf"])
def test_mehler_route_equals_a_two_dimensional_gauss_hermite_rule(kind):
    act = ACTIVATIONS.build(kind)
    for f in (act.f, act.df):
        a = duals.mehler_dual(f, f, 0.7, 0.7 * T, 0.7)
        b = duals.hermite_dual(f, f, 0.7, 0.7 * T, 0.7, nodes=160)
        np.testing.assert_allclose(a, b, atol=1e-9)
    # unequal variances (the general 2 x 2 covariance)
    a = duals.mehler_dual(act.f, act.f, 0.5, 0.3 * T, 1.8)
    b = duals.hermite_dual(act.f, act.f, 0.5, 0.3 * T, 1.8, nodes=160)
    np.testing.assert_allclose(a, b, atol=1e-9)


def test_relu_kernels_are_the_projects_kernels():
    relu = ACTIVATIONS.build("relu")
    for bias in (True, False):
        np.testing.assert_allclose(duals.two_layer_ntk(T, relu, tau=1.7, bias=bias), ntk.two_layer_ntk(T, bias), atol=1e-15)
    assert duals.weight_variance(relu) == pytest.approx(2.0, abs=1e-14)
    for depth in (2, 3, 7):
        np.testing.assert_allclose(duals.deep_ntk(T, relu, depth), deep.relu_ntk(T, depth), rtol=1e-13, atol=1e-13)


def _sphere(n, dim, seed):
    x = np.random.default_rng(seed).standard_normal((n, dim))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.parametrize("kind, params", [("tanh", {}), ("erf", {}), ("sin", {"omega0": 2.0}), ("gelu", {}),
                                          ("gaussian", {}), ("abs", {})])
def test_two_layer_kernel_matches_a_wide_net(kind, params):
    """Empirical GD Gram kernel (1/m) Σ_r σ′(w_r·x)σ′(w_r·x') (x·x' + 1) of a 100,000-unit net, w ~ N(0, τ²)."""
    act = ACTIVATIONS.build({"kind": kind, **params})
    x = _sphere(12, 3, 0)
    tau, m = 1.3, 100_000
    w = np.random.default_rng(1).standard_normal((m, 3)) * tau
    d = act.df(x @ w.T)  # (n, m)
    empirical = (d @ d.T) / m * (x @ x.T + 1)
    analytic = duals.two_layer_ntk(np.clip(x @ x.T, -1, 1), act, tau=tau)
    np.testing.assert_allclose(empirical, analytic, atol=0.01, rtol=0.05)


@pytest.mark.parametrize("kind, params", [("tanh", {}), ("erf", {}), ("sin", {"omega0": 1.5}), ("relu", {})])
@pytest.mark.parametrize("depth, width, nets", [(2, 8192, 4), (3, 2048, 6)])
def test_deep_kernel_matches_the_mean_of_wide_nets(kind, params, depth, width, nets):
    """Empirical NTK (all layers trained, NTK parameterisation, weight variance c after the first
    layer), averaged over several nets, against the recursion (the gap shrinks as width^-1/2)."""
    act = ACTIVATIONS.build({"kind": kind, **params})
    c = duals.weight_variance(act)
    x = torch.tensor(_sphere(8, 3, 2))
    kernels = []
    for seed in range(nets):
        gen = torch.Generator().manual_seed(seed)
        ws = [torch.randn(width, 3, generator=gen, dtype=torch.float64)]
        ws += [torch.randn(width, width, generator=gen, dtype=torch.float64) for _ in range(depth - 2)]
        ws += [torch.randn(1, width, generator=gen, dtype=torch.float64)]

        def f(params, xi):
            h = xi
            for i, w in enumerate(params):
                h = w @ h * (1.0 if i == 0 else (c / w.shape[1]) ** 0.5)
                if i < len(params) - 1:
                    h = act(h)
            return h[0]

        jac = torch.func.vmap(torch.func.jacrev(f), in_dims=(None, 0))(ws, x)
        flat = torch.cat([j.reshape(len(x), -1) for j in jac], dim=1)
        kernels.append((flat @ flat.T).numpy())
    empirical = np.mean(kernels, axis=0)
    analytic = duals.deep_ntk(np.clip(x.numpy() @ x.numpy().T, -1, 1), act, depth, c=c)
    np.testing.assert_allclose(empirical, analytic, atol=0.01 * np.abs(analytic).max(), rtol=0.05)


def test_decay_laws_power_for_relu_and_faster_for_smooth_activations():
    relu, erf = ACTIVATIONS.build("relu"), ACTIVATIONS.build("erf")
    k = np.arange(41)
    lam = deep.funk_hecke_eigenvalues(lambda t: duals.two_layer_ntk(t, relu), 2, 40)
    law = duals.decay_law(k, lam, (10, 40))
    assert law["law"] == "power" and abs(law["power_slope"] + 2) < 0.1
    lam = deep.funk_hecke_eigenvalues(lambda t: duals.two_layer_ntk(t, erf, tau=1.0), 2, 40)
    law = duals.decay_law(k, lam, (4, 20))
    assert law["law"] == "exponential" and law["exp_r2"] > 0.99
    wide = duals.decay_law(k, deep.funk_hecke_eigenvalues(lambda t: duals.two_layer_ntk(t, erf, tau=3.0), 2, 40), (4, 20))
    assert wide["exp_rate"] < law["exp_rate"]  # a larger tau slows the decay

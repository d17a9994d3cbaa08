"""Deep ReLU NTK: recursion special cases, empirical NTK (layer-wise vs torch.func), wide nets,
and Funk-Hecke spectra against the circulant FFT and dense eigensolvers."""
import numpy as np
import pytest
import torch

from specbias import deep, ntk


def unit(n, d, seed=0):
    x = torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return x / x.norm(dim=1, keepdim=True)


def test_recursion_special_cases():
    with pytest.raises(ValueError, match="depth"):
        deep.relu_ntk(0.3, 1)
    for depth in (2, 3, 7):  # Σ^(h)(x, x) = 1 and Σ̇ = 1 on the diagonal, so Θ(x, x) = depth
        assert abs(deep.relu_ntk(1.0, depth) - depth) < 1e-12
    t = np.linspace(0.01, np.pi - 0.01, 9)
    closed = np.cos(t) * (np.pi - t) / np.pi + (np.sin(t) + (np.pi - t) * np.cos(t)) / np.pi  # depth 2
    np.testing.assert_allclose(deep.relu_ntk(np.cos(t), 2), closed, rtol=1e-12)
    assert np.isfinite(deep.relu_ntk(np.array([1 + 1e-12, -1 - 1e-12]), 5)).all()  # clipped before arccos


def one_net(weights) -> deep.DeepEnsemble:
    """A single net (a list of weight matrices) as a one-run ensemble, the workflow's own object."""
    return deep.DeepEnsemble([w[None] for w in weights])


def jacobian_ntk(weights, x):
    """Reference: the kernel from full per-sample Jacobians of :func:`deep.mlp_forward` (``torch.func.jacrev``)."""
    params = tuple(weights)
    jac = torch.func.jacrev(lambda *ws: deep.mlp_forward(list(ws), x), argnums=tuple(range(len(params))))(*params)
    flat = torch.cat([j.reshape(x.shape[0], -1) for j in jac], dim=1)
    return flat @ flat.T


def test_layerwise_empirical_ntk_equals_jacobian_contraction():
    x = unit(12, 3)
    weights = deep.init_mlp(3, 48, 4, seed=2)
    fast = one_net(weights).empirical_ntk(x)[0]
    ref = jacobian_ntk(weights, x)
    assert torch.max(torch.abs(fast - ref)) / torch.max(torch.abs(ref)) < 1e-10


@pytest.mark.parametrize("dim, depth", [(2, 3), (3, 4)])
def test_wide_nets_match_analytic_kernel(dim, depth):
    """One width-4096 net is within ~3-7% (Frobenius) of the analytic kernel; the mean of four
    independent nets, whose fluctuations average out, within 4%."""
    x = unit(30, dim, seed=dim)
    ana = deep.relu_ntk((x @ x.T).numpy(), depth)
    emps = [one_net(deep.init_mlp(dim, 4096, depth, seed=s)).empirical_ntk(x)[0].numpy() for s in range(4)]
    single = [np.linalg.norm(e - ana) / np.linalg.norm(ana) for e in emps]
    assert max(single) < 0.1, single
    assert np.linalg.norm(np.mean(emps, axis=0) - ana) / np.linalg.norm(ana) < 0.04


def test_funk_hecke_on_circle_matches_fft_and_closed_form():
    for depth in (2, 3, 10):
        fh = deep.funk_hecke_eigenvalues(lambda c: deep.relu_ntk(c, depth), 2, 300)
        fft = ntk.circulant_operator_spectrum(lambda c: deep.relu_ntk(c, depth), 1 << 15, 300)
        np.testing.assert_allclose(fh, fft, rtol=0, atol=1e-8 * fh[0])
    q = np.arange(0, 61)
    fh = deep.funk_hecke_eigenvalues(lambda c: ntk.p1_kernel(c, True), 2, 60)
    np.testing.assert_allclose(fh, ntk.uniform_operator_eigenvalues(q, ntk.p1_cosine_coefficients(q, True)), atol=1e-9)


def test_funk_hecke_on_sphere_matches_dense_eigh():
    n = 3000  # Fibonacci points: a near-uniform quadrature of S^2
    i = np.arange(n) + 0.5
    z = 1 - 2 * i / n
    phi = np.pi * (1 + 5**0.5) * i
    pts = np.stack([np.sqrt(1 - z**2) * np.cos(phi), np.sqrt(1 - z**2) * np.sin(phi), z], 1)
    kern = lambda c: deep.relu_ntk(c, 3)  # noqa: E731
    dense = np.sort(np.linalg.eigvalsh(kern(pts @ pts.T)))[::-1] / n
    lam = deep.funk_hecke_eigenvalues(kern, 3, 6)
    mult = deep.multiplicity(3, np.arange(7))
    assert list(mult) == [1, 3, 5, 7, 9, 11, 13]
    order = np.argsort(-lam)
    expected = np.repeat(lam[order], mult[order])[:30]
    np.testing.assert_allclose(dense[:30], expected, rtol=0.02)


def test_bias_free_depth_two_has_no_odd_frequencies():
    lam = deep.funk_hecke_eigenvalues(lambda c: deep.relu_ntk(c, 2), 2, 40)
    assert np.max(np.abs(lam[3::2])) < 1e-12 * lam[0]
    assert list(deep.nonzero_degrees(lam)[:5]) == [0, 1, 2, 4, 6]
    lam3 = deep.funk_hecke_eigenvalues(lambda c: deep.relu_ntk(c, 3), 2, 40)
    assert np.min(lam3[3::2]) > 1e-6 * lam3[0]  # deeper nets learn odd frequencies (P1 F10)


def test_deep_ensemble_gradient_matches_autograd_and_single_nets():
    """Hand-written back-propagation of the batched ensemble = autograd of each single net."""
    torch.manual_seed(0)
    x = torch.nn.functional.normalize(torch.randn(20, 3, dtype=torch.float64), dim=1)
    y = torch.randn(2, 20, dtype=torch.float64)
    ens = deep.init_deep_ensemble([3, 4], 3, 16, 4, dtype=torch.float64)
    r, grads = ens.residual_and_grad(x, y)
    for run, seed in enumerate([3, 4]):
        ws = [w.requires_grad_(True) for w in deep.init_mlp(3, 16, 4, seed)]
        f = deep.mlp_forward(ws, x)
        torch.testing.assert_close(r[run], (f - y[run]).detach())
        auto = torch.autograd.grad(0.5 * ((f - y[run]) ** 2).sum(), ws)
        for g, a in zip(grads, auto):
            torch.testing.assert_close(g[run], a, rtol=1e-10, atol=1e-12)


def test_deep_ensemble_trains_and_freezes_stopped_runs():
    x = torch.nn.functional.normalize(torch.randn(40, 2, dtype=torch.float64), dim=1)
    theta = torch.atan2(x[:, 1], x[:, 0])
    y = torch.sin(2 * theta) / torch.sin(2 * theta).norm()
    ens = deep.init_deep_ensemble([0, 1], 2, 64, 3, dtype=torch.float64)
    before = [w.clone() for w in ens.weights]
    loss0 = 0.5 * ((ens.forward(x) - y) ** 2).sum(1)
    for _ in range(50):
        _, g = ens.residual_and_grad(x, y.expand(2, -1))
        ens.update(g, 0.05, torch.tensor([True, False]))
    loss1 = 0.5 * ((ens.forward(x) - y) ** 2).sum(1)
    assert loss1[0] < 0.5 * loss0[0]
    assert torch.equal(ens.weights[1][1], before[1][1])  # the frozen run did not move


@pytest.mark.parametrize("depth", [2, 5])
def test_blocked_gram_equals_numpy_recursion_also_in_place(depth):
    x = np.random.default_rng(1).standard_normal((300, 3))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    cos = x @ x.T
    ref = deep.relu_ntk(cos, depth)
    np.testing.assert_allclose(deep.relu_ntk_gram(cos, depth, rows=7), ref, rtol=1e-13, atol=1e-14)
    deep.relu_ntk_gram(cos, depth, out=cos)  # overwrite the cosines
    np.testing.assert_allclose(cos, ref, rtol=1e-13, atol=1e-14)


def test_blocked_gram_on_an_explicit_device_equals_numpy():
    x = np.random.default_rng(4).standard_normal((120, 3))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    cos = x @ x.T
    got = deep.relu_ntk_gram(cos, 3, device=torch.device("cpu"), rows=50)
    np.testing.assert_allclose(got, deep.relu_ntk(cos, 3), rtol=1e-13, atol=1e-14)

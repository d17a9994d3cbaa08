"""The two-layer NTK against its closed forms (docs/methods.md §3) and against wide finite nets."""
import numpy as np
import pytest
import torch

from specbias import models, ntk


def numerical_cosine_coefficients(kernel, qmax, n_grid=1 << 16):
    theta = 2 * np.pi * np.arange(n_grid) / n_grid
    c = np.fft.rfft(kernel(np.cos(theta))).real / n_grid
    c[1:] *= 2  # k = c0 + sum_q c_q cos(q theta)
    return c[: qmax + 1]


@pytest.mark.parametrize("bias", [True, False])
def test_p1_cosine_coefficients_match_series(bias):
    q = np.arange(0, 41)
    num = numerical_cosine_coefficients(lambda c: ntk.p1_kernel(c, bias), 40)
    np.testing.assert_allclose(ntk.p1_cosine_coefficients(q, bias), num, rtol=0, atol=1e-8)


def test_p1_table_values():
    pi2 = np.pi**2
    c = ntk.p1_cosine_coefficients(np.array([0, 1, 2, 3, 4]), bias=True)
    np.testing.assert_allclose(c, [1 / (2 * pi2) + 1 / 8, 1 / pi2 + 1 / 8, 5 / (9 * pi2), 1 / (9 * pi2), 17 / (225 * pi2)])
    c_nb = ntk.p1_cosine_coefficients(np.array([0, 1, 3, 5, 7]), bias=False)
    np.testing.assert_allclose(c_nb, [1 / pi2, 1 / 4, 0, 0, 0], atol=0)


def test_network_kernel_is_twice_p1_with_bias_and_equal_without():
    c = np.linspace(-1, 1, 101)
    np.testing.assert_allclose(ntk.two_layer_ntk(c, True), 2 * ntk.p1_kernel(c, True))
    np.testing.assert_allclose(ntk.two_layer_ntk(c, False), ntk.p1_kernel(c, False))
    theta = np.linspace(0, np.pi, 7)
    np.testing.assert_allclose(ntk.p1_kernel(np.cos(theta), True), (1 + np.cos(theta)) * (np.pi - theta) / (4 * np.pi))


@pytest.mark.parametrize("bias", [True, False])
def test_wide_net_empirical_ntk_matches_analytic(bias):
    n, m = 40, 50_000
    theta = np.linspace(-np.pi, np.pi, n, endpoint=False)
    x = torch.tensor(np.stack([np.cos(theta), np.sin(theta)], 1))
    net = models.init_two_layer([7], m, 2, tau=0.7, bias=bias, dtype=torch.float64)
    emp = net.empirical_ntk(x)[0].numpy()
    ana = ntk.circle_gram(theta, bias)
    np.testing.assert_allclose(emp, ana, atol=0.01, rtol=0.05)


def test_empirical_ntk_equals_jacobian_contraction():
    """The closed-form empirical kernel against autograd Jacobians of the same finite net."""
    n, m = 6, 37
    theta = np.linspace(0, 2 * np.pi, n, endpoint=False)
    x = torch.tensor(np.stack([np.cos(theta), np.sin(theta)], 1))
    net = models.init_two_layer([3], m, 2, tau=1.0, bias=True, dtype=torch.float64)
    net.wb[..., -1] = torch.randn(1, m, dtype=torch.float64) * 0.3  # non-zero bias
    wb = net.wb.clone().requires_grad_(True)
    rows = []
    for i in range(n):
        net.wb = wb
        out = net.forward(x[i : i + 1])[0, 0]
        (g,) = torch.autograd.grad(out, wb)
        rows.append(g.flatten())
    jac = torch.stack(rows)
    net.wb = wb.detach()
    np.testing.assert_allclose(net.empirical_ntk(x)[0].numpy(), (jac @ jac.T).numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("bias", [True, False])
def test_circulant_spectrum_matches_dense_eigh(bias):
    n = 256
    theta = 2 * np.pi * np.arange(n) / n
    dense = np.sort(np.linalg.eigvalsh(ntk.circle_gram(theta, bias)))[::-1] / n
    lam = ntk.circulant_operator_spectrum(lambda c: ntk.two_layer_ntk(c, bias), n, n // 2)
    # each q in 1..n/2-1 appears twice (cos, sin); q = 0 and q = n/2 once
    full = np.sort(np.concatenate([lam, lam[1 : n // 2]]))[::-1]
    np.testing.assert_allclose(full, dense, atol=1e-10 * dense[0])


def test_operator_spectrum_converges_to_closed_form():
    q = np.arange(0, 65)
    lam = ntk.circulant_operator_spectrum(lambda c: ntk.two_layer_ntk(c, True), 1 << 14, 64)
    closed = ntk.uniform_operator_eigenvalues(q, ntk.two_layer_ntk_cosine_coefficients(q, True))
    # the trapezoidal rule aliases c_{q + jN} into c_q: an absolute error ~ 1/N^2
    np.testing.assert_allclose(lam, closed, rtol=0, atol=1e-8)


def test_no_bias_odd_frequencies_have_zero_eigenvalue():
    lam = ntk.circulant_operator_spectrum(lambda c: ntk.two_layer_ntk(c, False), 4096, 50)
    odd = np.arange(3, 51, 2)
    assert np.max(np.abs(lam[odd])) < 1e-9 * lam[1]
    assert np.min(lam[np.arange(2, 51, 2)]) > 1e-6 * lam[1]


def test_gram_eigenvalues_scale_with_n_on_random_samples(rng):
    n = 800
    theta = rng.uniform(-np.pi, np.pi, n)
    evals, evecs = ntk.eigendecompose(ntk.circle_gram(theta))
    assert np.all(np.diff(evals) <= 1e-9)
    np.testing.assert_allclose(evecs.T @ evecs, np.eye(n), atol=1e-9)
    closed = ntk.uniform_operator_eigenvalues(np.array([0, 1]), ntk.two_layer_ntk_cosine_coefficients(np.array([0, 1]), True))
    # top eigenvalue is the constant mode: n * c0 (Monte-Carlo error ~ 1/sqrt(n))
    assert abs(evals[0] / n - closed[0]) / closed[0] < 0.05
    assert abs(evals[1] / n - closed[1]) / closed[1] < 0.1


def test_eigendecompose_rejects_bad_input():
    with pytest.raises(ValueError, match="square"):
        ntk.eigendecompose(np.ones((3, 4)))
    with pytest.raises(ValueError, match="non-finite"):
        ntk.eigendecompose(np.full((2, 2), np.nan))


def test_torch_eigensolver_path_equals_lapack():
    """The path the stages take on a GPU (torch.linalg.eigh, float64), run here on the CPU."""
    import torch

    theta = np.random.default_rng(2).uniform(-np.pi, np.pi, 80)
    H = ntk.circle_gram(theta)
    w0, v0 = ntk.eigendecompose(H)
    w1, v1 = ntk.eigendecompose(H, device=torch.device("cpu"))
    np.testing.assert_allclose(w1, w0, rtol=1e-10, atol=1e-12)
    gap = np.abs(np.diff(w0)) > 1e-8 * w0[0]
    simple = np.concatenate([[gap[0]], gap[:-1] & gap[1:], [gap[-1]]])
    np.testing.assert_allclose(np.abs(np.sum(v0 * v1, axis=0))[simple], 1.0, atol=1e-8)
    w2, _ = ntk.eigendecompose(H, count=5, device=torch.device("cpu"))
    np.testing.assert_allclose(w2, w0[:5], rtol=1e-10)

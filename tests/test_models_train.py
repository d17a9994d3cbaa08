"""The batched two-layer ensemble and its GD loop."""
import numpy as np
import pytest
import torch

from specbias import accel, common, dynamics, models, ntk, train
from specbias.criteria import Criterion


def circle(n, seed=0):
    theta = np.sort(np.random.default_rng(seed).uniform(-np.pi, np.pi, n))
    return theta, torch.tensor(np.stack([np.cos(theta), np.sin(theta)], 1))


@pytest.mark.parametrize("bias", [True, False])
def test_manual_gradient_matches_autograd(bias):
    _, x = circle(30)
    net = models.init_two_layer([0, 1], 17, 2, tau=1.0, bias=bias, dtype=torch.float64)
    if bias:
        net.wb[..., -1] = 0.2 * torch.randn(2, 17, dtype=torch.float64)
    y = torch.randn(2, 30, dtype=torch.float64)
    r, grad = net.residual_and_grad(x, y, models.StepPlan(1, 7, models._block_matmul))
    wb = net.wb.clone().requires_grad_(True)
    net.wb = wb
    loss = 0.5 * ((net.forward(x) - y) ** 2).sum()
    (auto,) = torch.autograd.grad(loss, wb)
    torch.testing.assert_close(grad, auto, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(r, (net.forward(x) - y).detach())


@pytest.mark.parametrize("block", [models._block_matmul, models._block_unrolled])
def test_blocking_does_not_change_the_step(block):
    _, x = circle(50)
    x = x.float()
    net = models.init_two_layer([0, 1, 2], 64, 2, tau=1.0)
    y = torch.randn(3, 50)
    r1, g1 = net.residual_and_grad(x, y, models.StepPlan(3, 50, models._block_matmul))
    r2, g2 = net.residual_and_grad(x, y, models.StepPlan(2, 7, block))
    torch.testing.assert_close(r1, r2, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(g1, g2, rtol=1e-5, atol=1e-6)


def test_compiled_step_matches_eager_and_falls_back(monkeypatch):
    """The fused compiled block gives the eager step's numbers; a failing compiler means eager."""
    _, x = circle(96)
    x = x.float()
    net = models.init_two_layer([0, 1, 2, 3], 32, 2, tau=1.0)
    y = torch.randn(4, 96)
    plan = net.plan(96, "auto", block_elements=2 * 48 * 32)
    assert (plan.run_chunk, plan.sample_chunk) == (1, 96)  # fewer than 64 samples' worth per run
    r1, g1 = net.residual_and_grad(x, y, net.plan(96, "off"))
    r2, g2 = net.residual_and_grad(x, y, plan)
    torch.testing.assert_close(r1, r2, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(g1, g2, rtol=1e-5, atol=1e-5)
    if accel.compiler_available(x.device)[0]:
        assert plan.block.is_compiled

    def broken(*args, **kwargs):
        raise RuntimeError("inductor exploded")

    bad = net.plan(96, "auto")
    monkeypatch.setattr(bad.block, "compiled", broken)
    r3, g3 = net.residual_and_grad(x, y, bad)
    assert not bad.block.is_compiled
    torch.testing.assert_close(r1, r3)
    with pytest.raises(ValueError, match="compile must be one of"):
        net.plan(96, "fast")


def test_init_is_seeded_and_antisymmetric_starts_at_zero():
    _, x = circle(20)
    a = models.init_two_layer([5, 6], 10, 2, tau=1.0, dtype=torch.float64)
    b = models.init_two_layer([5, 6], 10, 2, tau=1.0, dtype=torch.float64)
    torch.testing.assert_close(a.wb, b.wb)
    assert not torch.equal(a.wb[0], a.wb[1])
    torch.testing.assert_close(a.b, torch.zeros(2, 10, dtype=torch.float64))  # b = 0 at init
    anti = models.init_two_layer([5], 10, 2, tau=1.0, init="antisymmetric", dtype=torch.float64)
    assert torch.max(torch.abs(anti.forward(x))) < 1e-12
    with pytest.raises(ValueError, match="even width"):
        models.init_two_layer([0], 7, 2, tau=1.0, init="antisymmetric")


def test_wide_net_follows_linearised_prediction():
    """A wide net (m = 20,000) with small steps follows r_t = (I - eta H)^t r_0."""
    n, kappa = 64, 3
    theta, x = circle(n, seed=3)
    y = np.sin(kappa * theta)
    y /= np.linalg.norm(y)
    net = models.init_two_layer([0], 20_000, 2, tau=1.0, init="antisymmetric", dtype=torch.float64)
    evals, evecs = ntk.eigendecompose(ntk.circle_gram(theta))
    lr = 0.5 / evals[0]
    steps = np.array([0, 10, 30, 100, 300])
    crit = Criterion("half_sq_norm", 0.05)
    res = train.train_gd(net, x, torch.tensor(y), lr, 300, steps, crit)
    pred = dynamics.predict_residuals(evals, evecs, res.residual[:, :, 0], lr, steps)
    rel = np.linalg.norm(res.residual - pred, axis=1) / np.linalg.norm(y)
    assert rel.max() < 0.03, rel
    pred_step = dynamics.predict_convergence_step(evals, evecs, res.residual[:, :, 0], y, lr, crit, 300)
    assert abs(res.converged_step[0] - pred_step[0]) <= max(2, 0.05 * pred_step[0])


def test_convergence_step_is_the_first_step_meeting_the_criterion():
    n = 32
    theta, x = circle(n)
    y = torch.tensor(np.sin(2 * theta) / np.linalg.norm(np.sin(2 * theta)))
    net = models.init_two_layer([0, 1], 200, 2, tau=1.0, dtype=torch.float64)
    crit = Criterion("half_sq_norm", 0.05)
    steps = np.arange(0, 151)
    res = train.train_gd(net, x, y, 0.02, 150, steps, crit)
    for run in range(2):
        ok = np.nonzero(res.loss[run] < 0.05)[0]
        assert len(ok) and res.converged_step[run] == steps[ok[0]]
        assert res.diverged_step[run] == -1


def test_divergence_is_detected_and_the_run_frozen():
    """An exploding run (huge step) and a NaN run are flagged at the right step and frozen;
    a healthy run in the same ensemble is unaffected."""
    theta, x = circle(64)
    y = torch.tensor(np.sin(2 * theta) / np.linalg.norm(np.sin(2 * theta)))
    crit = Criterion("half_sq_norm", 0.05)
    steps = train.log_spaced_steps(300, 20)
    evals, _ = ntk.eigendecompose(ntk.circle_gram(theta))
    assert not dynamics.stability(evals, 1e9 / evals[0])[0]
    net = models.init_two_layer([0, 1], 100, 2, tau=1.0, dtype=torch.float64)
    res = train.train_gd(net, x, y, 1e9 / evals[0], 300, steps, crit)
    assert np.all(res.diverged_step == 1)  # the first update explodes the loss
    assert np.all(res.converged_step == -1)
    assert np.all(np.isnan(res.loss[:, 2:]))  # frozen: no loss reported after divergence

    net = models.init_two_layer([0, 1], 100, 2, tau=1.0, dtype=torch.float64)
    net.wb[1, 0, 0] = float("nan")  # run 1 is broken from the start
    res = train.train_gd(net, x, y, 0.5 / evals[0], 300, steps, crit)
    assert res.diverged_step[1] == 0 and res.converged_step[1] == -1
    assert res.diverged_step[0] == -1 and res.converged_step[0] > 0
    assert np.all(np.isfinite(res.loss[0]))


def test_same_seed_same_numbers_on_cpu():
    theta, x = circle(40)
    y = torch.tensor(np.sin(3 * theta), dtype=torch.float32)
    out = []
    for _ in range(2):
        net = models.init_two_layer([4, 9], 64, 2, tau=1.0)
        res = train.train_gd(net, x.float(), y, 0.01, 50, train.log_spaced_steps(50, 8), Criterion("half_sq_norm", 0.05))
        out.append(res.residual)
    np.testing.assert_array_equal(out[0], out[1])


def test_log_spaced_steps():
    s = train.log_spaced_steps(1000, 20)
    assert s[0] == 0 and s[-1] == 1000 and np.all(np.diff(s) > 0)
    with pytest.raises(ValueError):
        train.log_spaced_steps(0, 5)


def test_pick_device():
    assert common.pick_device("cpu").type == "cpu"
    assert common.pick_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="no CUDA"):
            common.pick_device("cuda")


@pytest.mark.parametrize("max_steps,count", [(2, 2), (1000, 2), (1, 5), (50, 8), (2000, 25)])
def test_log_spaced_steps_start_at_zero_and_end_at_the_last_step(max_steps, count):
    steps = train.log_spaced_steps(max_steps, count)
    assert steps[0] == 0 and steps[-1] == max_steps and np.all(np.diff(steps) > 0) and len(steps) <= count

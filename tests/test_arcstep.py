"""The exact arc step on S¹ against the dense step: same residual, gradient and training."""
import math

import numpy as np
import pytest
import torch

from specbias import accel, arcstep, models, train
from specbias.criteria import Criterion


def circle(n, seed=0, dtype=torch.float64, density=None):
    rng = np.random.default_rng(seed)
    theta = rng.uniform(-np.pi, np.pi, n)
    if density == "clumped":  # 1:2:4 arcs, as the per-region experiments
        theta = np.concatenate([rng.uniform(-np.pi, -np.pi / 3, n // 7), rng.uniform(-np.pi / 3, np.pi / 3, 2 * n // 7),
                                rng.uniform(np.pi / 3, np.pi, n - n // 7 - 2 * n // 7)])
        rng.shuffle(theta)
    return theta, torch.tensor(np.stack([np.cos(theta), np.sin(theta)], 1), dtype=dtype)


def random_net(runs, m, bias, init, dtype=torch.float64, seed=0):
    net = models.init_two_layer(range(seed, seed + runs), m, 2, tau=1.0, bias=bias, init=init, dtype=dtype)
    if bias:  # non-zero biases: arcs of every length, full and empty ones included
        g = torch.Generator().manual_seed(seed + 100)
        net.wb[..., -1] = (1.5 * torch.randn(runs, m, generator=g, dtype=torch.float64)).to(dtype)
    return net


def rel(a, b):
    return float((a.double() - b.double()).abs().max() / b.double().abs().max())


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("init", ["independent", "antisymmetric"])
def test_arc_step_equals_dense_step(bias, init):
    _, x = circle(301, seed=1)
    net = random_net(3, 400, bias, init)
    y = torch.randn(3, 301, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    r_dense, g_dense = net.residual_and_grad(x, y, net.plan(301, "off"))
    plan = train.make_plan(net, x, "off", "arc")
    assert isinstance(plan, arcstep.ArcPlan)
    r_arc, g_arc = net.residual_and_grad(x, y, plan)
    assert rel(r_arc, r_dense) < 1e-12
    assert rel(g_arc, g_dense) < 1e-12
    if bias:  # the test covers full, empty and wrapped arcs
        s, e, wrap = plan.ranges(net.wb)
        assert bool(wrap.any())
        assert bool(((s == 0) & (e == 301)).any())
        assert bool((s == e).any() & ~wrap.all())


def test_boundary_points_and_degenerate_units():
    """Points exactly on an arc's end have pre-activation 0 and ReLU'(0) = 0, as in the dense test;
    a unit with w = 0 is on everywhere (b > 0) or nowhere (b <= 0)."""
    theta = np.array([0.0, np.pi / 2, np.pi, -np.pi / 2, 0.3, 2.0, -2.5])
    x = torch.tensor(np.stack([np.cos(theta), np.sin(theta)], 1))
    x = torch.where(x.abs() < 1e-15, 0.0, x)  # exact axis points
    wb = torch.tensor([[[0.0, 1.0, 0.0],    # active on (0, π): θ = 0 and π are on its ends
                        [1.0, 0.0, -1.0],   # -b/|w| = 1: empty, θ = 0 has pre = 0
                        [0.0, 0.0, 0.5],    # w = 0, b > 0: everywhere
                        [0.0, 0.0, -0.5],   # w = 0, b < 0: nowhere
                        [0.0, 0.0, 0.0],    # w = 0, b = 0: nowhere
                        [-1.0, 0.0, 2.0],   # -b/|w| = -2: the whole circle
                        [0.6, -0.8, 0.0]]], dtype=torch.float64)
    net = models.TwoLayerEnsemble(wb=wb, a=torch.tensor([[1.0, -1.0, 1.0, 1.0, -1.0, 1.0, -1.0]], dtype=torch.float64), bias=True)
    y = torch.linspace(-1, 1, len(theta), dtype=torch.float64)[None]
    r_dense, g_dense = net.residual_and_grad(x, y, net.plan(len(theta), "off"))
    r_arc, g_arc = net.residual_and_grad(x, y, arcstep.ArcPlan(x, True))
    torch.testing.assert_close(r_arc, r_dense, rtol=0, atol=1e-14)
    torch.testing.assert_close(g_arc, g_dense, rtol=0, atol=1e-14)


def test_float32_arcs_are_computed_in_float64():
    """In float32 the arc step agrees with the exact (float64) gradient at least as well as the
    dense float32 step does: the arc ends and prefix sums are float64."""
    _, x64 = circle(1001, seed=2)
    net64 = random_net(4, 4000, True, "independent")
    y64 = torch.sin(7 * torch.atan2(x64[:, 1], x64[:, 0]))[None].expand(4, -1).contiguous()
    _, exact = net64.residual_and_grad(x64, y64, net64.plan(1001, "off"))
    net32 = models.TwoLayerEnsemble(net64.wb.float(), net64.a.float(), True)
    x32, y32 = x64.float(), y64.float()
    _, g_dense = net32.residual_and_grad(x32, y32, net32.plan(1001, "off"))
    _, g_arc = net32.residual_and_grad(x32, y32, arcstep.ArcPlan(x32, True))
    # float32 inputs move the points by ~1e-8: the reference is float64 arithmetic on float32 data
    _, exact32 = models.TwoLayerEnsemble(net32.wb.double(), net32.a.double(), True).residual_and_grad(
        x32.double(), y32.double(), net32.plan(1001, "off"))
    assert rel(g_arc, exact32) < 1e-6
    assert rel(g_arc, exact32) <= 2 * rel(g_dense, exact32) + 1e-7
    assert rel(exact32, exact) < 1e-3  # the float32 rounding of the data itself


def test_prefix_sums_keep_accuracy_at_16384_points():
    """At n = 16,384 an arc's sum is a difference of two long prefix sums; accumulated in float64 it
    matches the dense float64 sum to ~1e-12 of the gradient's scale even where the residual has a
    large mean (the worst case for cancellation)."""
    n = 16384
    _, x = circle(n, seed=4)
    net = random_net(2, 600, True, "independent", seed=4)
    y = 50.0 + torch.randn(2, n, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    _, g_dense = net.residual_and_grad(x, y, net.plan(n, "off"))
    _, g_arc = net.residual_and_grad(x, y, arcstep.ArcPlan(x, True))
    assert rel(g_arc, g_dense) < 1e-11


@pytest.mark.parametrize("bias,init,criterion", [
    (True, "antisymmetric", {"kind": "half_sq_norm", "threshold": 0.05}),
    (False, "independent", {"kind": "half_sq_norm", "threshold": 0.05}),
    (True, "independent", {"kind": "per_region", "threshold": 0.05}),
])
def test_whole_training_matches_dense_path(bias, init, criterion):
    """2,000 GD steps in float64: the same loss curve, snapshots and convergence steps (per region
    too) as the dense step."""
    theta, x = circle(210, seed=6, density="clumped")
    regions = np.digitize(theta, [-np.pi / 3, np.pi / 3])
    y = torch.tensor(np.sin(2 * theta) / np.sqrt(105.0))  # even: learnable without bias too
    crit = Criterion(**criterion)
    snaps = train.log_spaced_steps(2000, 25)
    out = {}
    for step in ("dense", "arc"):
        net = models.init_two_layer([0, 1, 2], 512, 2, tau=1.0, bias=bias, init=init, dtype=torch.float64)
        out[step] = train.train_gd(net, x, y, 0.05, 2000, snaps, crit, regions=regions, compile="off", step=step,
                                   progress_interval=1e9)
    d, a = out["dense"], out["arc"]
    np.testing.assert_allclose(a.loss, d.loss, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(a.residual, d.residual, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(a.converged_step, d.converged_step)
    assert (a.converged_step > 0).all()
    if crit.per_region:
        np.testing.assert_array_equal(a.region_converged_step, d.region_converged_step)


def test_step_choice():
    _, x = circle(20)
    net = random_net(1, 8, True, "independent")
    assert isinstance(train.make_plan(net, x, "off", "arc"), arcstep.ArcPlan)
    assert isinstance(train.make_plan(net, x, "off", "dense"), models.StepPlan)
    # auto: arc when compiled; uncompiled only from EAGER_ARC_MIN_POINTS points on
    assert isinstance(train.make_plan(net, x, "off", "auto"), models.StepPlan)
    _, big = circle(train.EAGER_ARC_MIN_POINTS)
    assert isinstance(train.make_plan(net, big, "off", "auto"), arcstep.ArcPlan)
    if accel.compiler_available(x.device)[0]:
        assert isinstance(train.make_plan(net, x, "auto", "auto"), arcstep.ArcPlan)
    x3 = torch.nn.functional.normalize(torch.randn(20, 3, dtype=torch.float64), dim=1)
    net3 = models.init_two_layer([0], 8, 3, tau=1.0, dtype=torch.float64)
    assert isinstance(train.make_plan(net3, x3, "off", "auto"), models.StepPlan)  # S^2: dense
    with pytest.raises(ValueError, match="unit circle"):
        train.make_plan(net3, x3, "off", "arc")
    with pytest.raises(ValueError, match="unit circle"):
        train.make_plan(net, 2 * x, "off", "arc")  # off the circle
    with pytest.raises(ValueError, match="step must be one of"):
        train.make_plan(net, x, "off", "fast")
    assert not arcstep.on_circle(torch.zeros(0, 2))
    plan = arcstep.ArcPlan(x, True)
    assert bool((plan.key[1:] >= plan.key[:-1]).all()) and 0 <= float(plan.key[0]) and float(plan.key[-1]) < 4
    torch.testing.assert_close(plan.xa[plan.inverse, :2], x)  # the sort is undone exactly


@pytest.mark.parametrize("density", [None, "clumped"])
def test_bucket_lookup_equals_binary_search_and_compiles_to_the_same(density):
    """The bucket-table count and torch.searchsorted give identical arcs (also for arc ends exactly
    on sample points and queries exactly on bucket edges), and the compiled step the eager one's numbers."""
    theta, x = circle(734, seed=7, density=density)
    net = random_net(4, 1000, True, "independent", seed=7)
    plan = arcstep.ArcPlan(x, True, compile="off")
    assert plan.scan <= plan.MAX_SCAN
    for a, b in zip(plan.ranges(net.wb, table=True), plan.ranges(net.wb, table=False)):
        assert torch.equal(a, b)
    wb = net.wb.clone()  # w perpendicular to x_i, b = 0: the arc starts exactly at x_i
    wb[0, :734, 0], wb[0, :734, 1], wb[0, :734, 2] = -x[:, 1], x[:, 0], 0.0
    for a, b in zip(plan.ranges(wb, table=True), plan.ranges(wb, table=False)):
        assert torch.equal(a, b)
    edges = torch.arange(plan.table.shape[0], dtype=torch.float64) / plan.inv_width
    queries = torch.cat([edges, torch.nextafter(edges, edges - 1), plan.key, torch.nextafter(plan.key, plan.key + 1)])
    for right in (True, False):
        got = arcstep._count_below(queries, plan.key_pad, plan.table, plan.inv_width, plan.scan, right)
        assert torch.equal(got, torch.searchsorted(plan.key, queries, right=right))
    y = torch.randn(4, 734, dtype=torch.float64)
    compiled = arcstep.ArcPlan(x, True, compile="auto")
    r1, g1 = plan.residual_and_grad(net, y)
    r2, g2 = compiled.residual_and_grad(net, y)
    torch.testing.assert_close(r2, r1, rtol=1e-12, atol=1e-13)
    torch.testing.assert_close(g2, g1, rtol=1e-12, atol=1e-13)


def test_pseudo_angle_orders_like_the_angle():
    theta = torch.linspace(0, 2 * math.pi, 10001, dtype=torch.float64)[:-1]
    key = arcstep.pseudo_angle(torch.cos(theta), torch.sin(theta))
    assert bool((key[1:] > key[:-1]).all()) and float(key[0]) == 0.0 and float(key[-1]) < 4.0
    torch.testing.assert_close(arcstep.pseudo_angle(-torch.cos(theta[:5000]), -torch.sin(theta[:5000])), key[:5000] + 2)
    torch.testing.assert_close(arcstep.pseudo_angle(3 * torch.cos(theta), 3 * torch.sin(theta)), key)  # direction only


def test_repeated_angles_fall_back_to_binary_search():
    theta = np.repeat(np.linspace(-3, 3, 10), 20)
    x = torch.tensor(np.stack([np.cos(theta), np.sin(theta)], 1))
    plan = arcstep.ArcPlan(x, True)
    assert plan.scan > plan.MAX_SCAN and "binary search" in plan.describe()
    wb = random_net(1, 30, True, "independent").wb
    assert torch.equal(plan.ranges(wb, table=True)[0], plan.ranges(wb, table=False)[0])
    net = random_net(2, 50, True, "independent")
    y = torch.randn(2, 200, dtype=torch.float64)
    r1, g1 = net.residual_and_grad(x, y, net.plan(200, "off"))
    r2, g2 = net.residual_and_grad(x, y, plan)
    assert rel(r2, r1) < 1e-12 and rel(g2, g1) < 1e-12

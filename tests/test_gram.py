"""The fast NTK Gram builder (specbias.gram): both routes against the elementwise kernels of
specbias.duals, the tabulated route against 40-digit values, and the symmetric block driver."""

import subprocess
import sys

import mpmath
import numpy as np
import pytest
import torch

from specbias import deep, duals, gram
from specbias.registry import ACTIVATIONS, MODELS

CLOSED = ["relu", {"kind": "leaky_relu", "negative_slope": 0.1}, "abs", "erf", {"kind": "sin", "omega0": 2.0}, "gaussian"]


def _points(n, d=3, seed=0):
    x = np.random.default_rng(seed).standard_normal((n, d))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.parametrize("spec", CLOSED, ids=lambda s: s if isinstance(s, str) else s["kind"])
@pytest.mark.parametrize("depth", [None, 2, 4])
def test_closed_form_and_tabulated_routes_agree_with_the_elementwise_kernel(spec, depth):
    act = ACTIVATIONS.build(spec)
    x = _points(150)
    cos = gram.cosines(x)
    ref = duals.two_layer_ntk(cos, act, 1.3) if depth is None else duals.deep_ntk(cos, act, depth)
    scale = np.abs(ref).max()
    closed = gram.ntk_gram(x, act, depth, tau=1.3, method="closed")
    np.testing.assert_allclose(closed, ref, rtol=1e-13, atol=1e-14 * scale)
    table = gram.ntk_gram(x, act, depth, tau=1.3, method="quadrature")
    away = np.abs(cos) < 1 - 1e-6  # near t = ±1 the closed-form recursion itself loses digits (next test)
    assert np.abs(table - ref)[away].max() <= 1e-10 * scale
    assert np.abs(table - ref).max() <= 1e-8 * scale


@pytest.mark.parametrize("spec", ["tanh", "gelu"])
def test_tabulated_route_reproduces_the_pointwise_quadrature(spec):
    act = ACTIVATIONS.build(spec)
    x = _points(120, seed=1)
    cos = gram.cosines(x)
    ref = duals.deep_ntk(cos, act, 3, method="quadrature")
    got = gram.ntk_gram(x, act, 3)  # auto: no closed form, so the table
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12 * np.abs(ref).max())


def _relu_ntk_exact(t, depth):
    """The depth-D ReLU NTK at one cosine, in 40-digit arithmetic."""
    with mpmath.workdps(40):
        s = mpmath.mpf(t)
        theta = s
        for _ in range(depth - 1):
            a = mpmath.acos(s)
            s, dot = (s * (mpmath.pi - a) + mpmath.sqrt(1 - s * s)) / mpmath.pi, (mpmath.pi - a) / mpmath.pi
            theta = theta * dot + s
        return float(theta)


def test_tabulated_route_is_accurate_to_1e_11_even_where_the_recursion_rounds():
    t = np.concatenate([np.linspace(-1, 1, 81), 1 - np.logspace(-13, -2, 12), -1 + np.logspace(-13, -2, 12)])
    exact = np.array([_relu_ntk_exact(v, 4) for v in t])
    table = gram.ntk_rows(ACTIVATIONS.build("relu"), 4, method="quadrature")
    got = table(torch.from_numpy(t)).numpy()
    assert np.abs(got - exact).max() <= 1e-11 * np.abs(exact).max()
    # the closed-form recursion in float64 is the less accurate one near t = 1 (arccos amplifies its last bit)
    closed = deep.relu_ntk(t, 4)
    assert np.abs(closed - exact).max() > np.abs(got - exact).max()


def test_symmetric_driver_mirrors_exactly_and_may_overwrite_its_input():
    x = _points(97, seed=2)
    rows = gram.ntk_rows(ACTIVATIONS.build("erf"), 3)
    full = rows(torch.from_numpy(gram.cosines(x))).numpy()  # every entry computed, no mirroring
    cos = gram.cosines(x)
    got = gram.symmetric_gram(cos, rows, out=cos, rows=7)  # 14 blocks, in place
    assert got is cos
    np.testing.assert_array_equal(got, got.T)
    np.testing.assert_allclose(got, full, rtol=1e-13)
    np.testing.assert_array_equal(gram.symmetric_gram(gram.cosines(x), rows), got)  # one block == 14 blocks
    with pytest.raises(ValueError, match="square"):
        gram.symmetric_gram(np.zeros((3, 4)), rows)


def test_model_kinds_build_their_gram_through_the_fast_routes():
    x = _points(64, seed=3)
    cos = gram.cosines(x)
    for model, ref in [({"kind": "deep", "depth": 4, "width": 8}, deep.relu_ntk(cos, 4)),
                       ({"kind": "deep", "depth": 3, "width": 8, "activation": "tanh"},
                        duals.deep_ntk(cos, ACTIVATIONS.build("tanh"), 3, method="quadrature")),
                       ({"kind": "two_layer", "width": 8, "bias": True, "tau": 1.0, "init": "gaussian",
                         "activation": {"kind": "sin", "omega0": 3.0}},
                        duals.two_layer_ntk(cos, ACTIVATIONS.build({"kind": "sin", "omega0": 3.0}), 1.0, True))]:
        got = MODELS.build(model).gram(x)
        np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12 * np.abs(ref).max())


def test_bad_routes_are_refused():
    with pytest.raises(ValueError, match="no closed-form"):
        gram.ntk_rows(ACTIVATIONS.build("tanh"), 3, method="closed")
    with pytest.raises(ValueError, match="method"):
        gram.ntk_rows(ACTIVATIONS.build("relu"), 3, method="fast")
    with pytest.raises(ValueError, match="depth"):
        gram.ntk_rows(ACTIVATIONS.build("relu"), 1)


COMPILED_CHECK = """
import numpy as np
from specbias import gram
from specbias.registry import ACTIVATIONS
x = np.random.default_rng(4).standard_normal((300, 3))
x /= np.linalg.norm(x, axis=1, keepdims=True)
for spec in ["relu", "gaussian"]:
    fn = gram.ntk_rows(ACTIVATIONS.build(spec), 3)
    eager = gram.points_gram(x, fn, compile="off")
    fused = gram.points_gram(x, fn, compile="on", rows=64)  # 5 blocks of one compiled kernel
    np.testing.assert_array_equal(fused, fused.T)
    np.testing.assert_allclose(fused, eager, rtol=1e-12, atol=1e-7)  # arccos near rho = 1 may round differently
    assert np.abs(fused - eager)[np.abs(gram.cosines(x)) < 1 - 1e-6].max() <= 1e-12 * np.abs(eager).max()
print("compiled == eager")
"""


def test_compiled_blocks_give_the_eager_gram():
    # in its own interpreter: the generated kernels stay out of the test process
    proc = subprocess.run([sys.executable, "-c", COMPILED_CHECK], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and "compiled == eager" in proc.stdout, proc.stdout[-2000:] + proc.stderr[-3000:]

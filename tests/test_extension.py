"""The extension points, each used once the way docs/extending.md says: a model kind, an
activation, a circle density, an encoding and a circle target are each one registered class
(a study is a plug-in: tests/test_plugins.py)."""
import logging
import math

import numpy as np
import pytest
import torch

from specbias import common, encodings, mlp, registry, sampling, targets
from specbias.activations import Activation
from specbias.encodings import Encoding
from specbias.models import Ensemble, ModelKind
from specbias.sampling import Density
from specbias.targets import CircleTarget


# -- a model kind: random ReLU features with a trained read-out -------------------------------------

class ReadoutEnsemble:
    """f(x) = m^-1/2 Σ_r a_r ReLU(w_r·x), w fixed, a trained: linear in its parameters."""

    def __init__(self, w, a):
        self.w, self.a = w, a

    @property
    def runs(self):
        return self.a.shape[0]

    def features(self, x):
        return torch.relu(torch.matmul(x, self.w.transpose(1, 2))) / math.sqrt(self.w.shape[1])  # (R, n, m)

    def forward(self, x):
        return torch.matmul(self.features(x), self.a[:, :, None])[..., 0]

    def plan(self, n, compile="auto"):
        return None

    def residual_and_grad(self, x, y, plan=None):
        phi = self.features(x)
        r = torch.matmul(phi, self.a[:, :, None])[..., 0] - y
        return r, torch.matmul(r[:, None, :], phi)[:, 0]

    def update(self, grad, lr, keep):
        self.a = torch.where(keep[:, None], self.a - lr * grad, self.a)


@registry.MODELS.register("test_readout")
class Readout(ModelKind):
    """Kernel E[ReLU(w·x)ReLU(w·x')] = (sin t + (π − t) cos t)/(2π) for unit x, x', w ~ N(0, I)."""

    def ensemble(self, seeds, dim, dtype=torch.float32, device="cpu"):
        ws, as_ = [], []
        for seed in seeds:
            gen = torch.Generator().manual_seed(int(seed))
            ws.append(torch.randn(self.cfg["width"], dim, generator=gen, dtype=torch.float64))
            as_.append(torch.zeros(self.cfg["width"], dtype=torch.float64))
        return ReadoutEnsemble(torch.stack(ws).to(device, dtype), torch.stack(as_).to(device, dtype))

    def kernel(self, cos):
        t = np.arccos(np.clip(cos, -1, 1))
        return (np.sin(t) + (np.pi - t) * np.cos(t)) / (2 * np.pi)


def test_a_new_model_kind_trains_through_the_shared_path_and_follows_its_kernel():
    model = {"kind": "test_readout", "width": 20000}
    assert "test_readout" in registry.MODELS.names()
    theta = np.linspace(-np.pi, np.pi, 24, endpoint=False)
    x = np.stack([np.cos(theta), np.sin(theta)], 1)
    kind = registry.MODELS.build(model)
    net = kind.ensemble([0], 2, torch.float64)
    assert isinstance(net, Ensemble)
    phi = net.features(torch.tensor(x))[0]
    np.testing.assert_allclose((phi @ phi.T).numpy(), kind.gram(x), atol=0.04)  # empirical vs analytic (sd ~0.008)
    y = np.cos(2 * theta)
    y /= np.linalg.norm(y)
    evals, evecs = np.linalg.eigh(kind.gram(x))
    evals, evecs = evals[::-1], evecs[:, ::-1]
    lr = 1.0 / evals[0]
    tcfg = {"dtype": "float64", "max_steps": 4000, "snapshots": 10, "divergence_factor": 1e6,
            "criterion": {"kind": "half_sq_norm", "threshold": 0.01}}
    result, crit, _ = common.train_runs(model, [0, 1], x, y, lr, tcfg, what="cos 2t", log=logging.getLogger("t"), device="cpu")
    pred, _ = common.predicted_steps(evals, evecs, result.residual[:, :, 0], y, None, crit, lr, 4000)
    assert (result.converged_step > 0).all()
    np.testing.assert_allclose(result.converged_step, pred, rtol=0.1)  # a linear model: the NTK is the whole story
    # Funk–Hecke eigenvalues of the kernel from the base class: degree 1 on S^1 is E[t ...] > degree 3 (= 0 for ReLU features)
    lam = kind.zonal_eigenvalues(2, 4)
    assert lam[0] > lam[1] > lam[2] > 0 and abs(lam[3]) < 1e-10


# -- an activation --------------------------------------------------------------------------------

@registry.ACTIVATIONS.register("test_softplus")
class Softplus(Activation):
    def __call__(self, x):
        return torch.nn.functional.softplus(x)


def test_a_new_activation_drives_the_coordinate_mlp():
    ens = mlp.init_mlp_ensemble([3], 2, [5, 4], 1, dtype=torch.float64, activation="test_softplus")
    x = torch.rand(7, 2, dtype=torch.float64)
    want = x
    for i, (w, b) in enumerate(zip(ens.weights, ens.biases)):
        want = want @ w[0].T + b[0]
        if i < 2:
            want = torch.nn.functional.softplus(want)
    torch.testing.assert_close(ens.forward(x)[0], want)
    with pytest.raises(ValueError, match="unknown activation 'nope'"):
        mlp.init_mlp_ensemble([0], 2, [3], 1, activation="nope")


# -- a circle density -----------------------------------------------------------------------------

@registry.CIRCLE_DENSITIES.register("test_ramp")
class Ramp(Density):
    """p(θ) = (1 + a θ/π)/(2π), |a| < 1, sampled by inverting its CDF."""

    slope: float = 0.5
    parameters = {"slope": {"description": "test_ramp: a in (1 + a theta/pi)/(2 pi)", "type": "number",
                            "exclusiveMinimum": -1, "exclusiveMaximum": 1}}

    @classmethod
    def from_config(cls, cfg):
        obj = cls()
        object.__setattr__(obj, "slope", float(cfg.get("slope", 0.5)))
        return obj

    def pdf(self, theta):
        return (1 + self.slope * np.asarray(theta) / np.pi) / (2 * np.pi)

    def sample(self, n, rng):
        u, a = rng.uniform(size=n), self.slope
        s = (-1 + np.sqrt((1 - a) ** 2 + 4 * a * u)) / a  # s = θ/π solves (s + 1 + a(s² − 1)/2)/2 = u
        return np.pi * s

    def sqrt_mass(self):
        t = -np.pi + 2 * np.pi * (np.arange(8192) + 0.5) / 8192
        return float(np.mean(np.sqrt(self.pdf(t))))

    def describe(self):
        return f"ramp, slope {self.slope:g}"


def test_a_new_circle_density_samples_what_its_pdf_says():
    dens = sampling.make_density({"kind": "test_ramp", "slope": 0.8})
    theta = sampling.sample_circle(200000, 0, {"kind": "test_ramp", "slope": 0.8})
    hist, edges = np.histogram(theta, bins=20, range=(-np.pi, np.pi), density=True)
    mids = (edges[1:] + edges[:-1]) / 2
    np.testing.assert_allclose(hist, dens.pdf(mids), rtol=0.05)  # ~1% noise per bin
    assert dens.regions == 1 and (dens.region_of(theta) == 0).all()


def test_a_new_density_and_its_keys_are_configured_through_its_class_alone():
    """The class declares its key; every study taking circle densities accepts it, checked by its schema."""
    from specbias import schema
    from specbias.config import ConfigError, validate

    sch = schema.assemble()
    conv = {"data": {"n": 16, "density": {"kind": "test_ramp", "slope": 0.8}}, "model": {"width": 8},
            "target": {"kappas": [1]}, "train": {"lr": 0.1, "max_steps": 100}}
    cfg = validate({"convergence": {"c": conv}, "spectral": {"r": {"density": {"kind": "test_ramp", "slope": 0.8}}}}, sch)
    assert cfg["convergence"]["c"]["data"]["density"] == {"kind": "test_ramp", "slope": 0.8}
    with pytest.raises(ConfigError, match=r"spectral\.r\.density\.slope: 3 is greater than or equal to the maximum of 1"):
        validate({"spectral": {"r": {"density": {"kind": "test_ramp", "slope": 3}}}}, sch)


# -- an encoding and a circle target ----------------------------------------------------------------

@registry.ENCODINGS.register("test_square")
class Square(Encoding):
    """[x, x²] per coordinate."""

    def width(self, dims):
        return 2 * dims

    def encode(self, x, seed=0):
        return torch.cat([x, x * x], dim=1)


@registry.CIRCLE_TARGETS.register("test_square_wave")
class SquareWave(CircleTarget):
    def values(self, theta, kappa):
        return np.sign(np.sin(kappa * np.asarray(theta)))


def test_a_new_encoding_knows_its_width_and_a_new_target_is_normalised():
    from specbias.studies.coordinate import stages as coordinate

    assert coordinate.input_features({"kind": "test_square"}, 2) == 4
    assert encodings.encode(torch.rand(5, 2), {"kind": "test_square"}).shape == (5, 4)
    theta = np.linspace(-np.pi, np.pi, 50, endpoint=False) + 0.01
    y = targets.harmonic(theta, 3, "test_square_wave")
    assert np.isclose(np.linalg.norm(y), 1) and set(np.sign(y)) == {-1.0, 1.0}


def test_a_registered_name_cannot_be_taken_twice():
    with pytest.raises(ValueError, match="registered twice"):
        registry.ENCODINGS.register("raw")(Square)

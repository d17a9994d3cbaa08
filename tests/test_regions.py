"""Per-region convergence (P1 F7): criterion, training loop, linearised prediction, claim C5."""
import numpy as np
import pytest
import torch
import xarray as xr

from specbias import claims, dynamics, io, models, ntk, sampling, train
from specbias.criteria import Criterion

THREE = {"kind": "piecewise", "lengths": [1, 1, 1], "weights": [1, 2, 4]}


def three_region_points(n=60, seed=0):
    d = sampling.make_density(THREE)
    theta = sampling.sample_circle(n, seed, THREE)
    return theta, d.region_of(theta), torch.tensor(sampling.embed(theta))


def test_per_region_criterion_limits():
    crit = Criterion("per_region", 0.05)
    np.testing.assert_allclose(crit.region_limits(np.array([10.0, 30.0]), 40), [2 * 10 * 0.05 / 40, 2 * 30 * 0.05 / 40])
    with pytest.raises(ValueError, match="region by region"):
        crit.holds_sq_norm(1.0, np.ones(3))
    with pytest.raises(ValueError, match="no per-region form"):
        Criterion("half_sq_norm", 0.05).region_limits(np.array([1.0]), 1)


def test_training_tracks_each_region_exactly():
    theta, regions, x = three_region_points()
    y = torch.tensor(np.sin(2 * theta) / np.linalg.norm(np.sin(2 * theta)))
    net = models.init_two_layer([0, 1], 300, 2, tau=1.0, init="antisymmetric", dtype=torch.float64)
    crit = Criterion("per_region", 0.02)
    steps = np.arange(0, 801)
    res = train.train_gd(net, x, y, 0.5 / 0.36 / len(theta), 800, steps, crit, regions=regions)
    limits = crit.region_limits(np.bincount(regions, minlength=3).astype(float), len(theta))
    for run in range(2):
        per_region = np.stack([(res.residual[run, regions == j] ** 2).sum(0) for j in range(3)])  # (J, step)
        for j in range(3):
            ok = np.nonzero(per_region[j] < limits[j])[0]
            assert len(ok) and res.region_converged_step[run, j] == steps[ok[0]], (run, j)
        assert res.converged_step[run] == res.region_converged_step[run].max()
    with pytest.raises(ValueError, match="region labels"):
        train.train_gd(net, x, y, 0.01, 5, np.arange(6), crit)


def test_predicted_region_convergence_matches_brute_force():
    theta, regions, _ = three_region_points(80, 3)
    evals, evecs = ntk.eigendecompose(ntk.circle_gram(theta))
    lr = 1.0 / evals[0]
    y = np.sin(3 * theta)
    limits = Criterion("per_region", 0.05).region_limits(np.bincount(regions, minlength=3).astype(float), len(theta))
    got = dynamics.predict_region_convergence(evals, evecs, -y[None], regions, limits, lr, 4000)[0]
    resid = dynamics.predict_residuals(evals, evecs, -y[None], lr, np.arange(4001))[0]  # (sample, step)
    for j in range(3):
        sq = (resid[regions == j] ** 2).sum(0)
        brute = np.nonzero(sq < limits[j])[0]
        assert got[j] == (brute[0] if len(brute) else -1), (j, got[j], brute[:3])


def _regions(meas, pred, p=(1.0, 2.0, 4.0)):
    meas, pred = np.asarray(meas), np.asarray(pred)
    return xr.Dataset(
        {
            "region_measured_step": (("kappa", "seed", "region_index"), meas, io.meta("m")),
            "region_predicted_step": (("kappa", "seed", "region_index"), pred, io.meta("p")),
            "region_density": ("region_index", np.asarray(p), io.meta("d")),
        },
        coords={"kappa": [4, 8], "seed": [0], "region_index": [0, 1, 2]},
    )


CIRCLE = {"domain": "circle"}


def test_c5_on_constructed_times():
    exact = [[[400, 200, 100]], [[1600, 800, 400]]]  # t = kappa^2 / p
    row = claims.claim_region_ratio(_regions(exact, exact), "t", 0.15, CIRCLE)
    assert row.claim == "C5" and row.verdict == "pass" and row.our_value == "1.00 : 2.00 : 4.00"
    assert "2.00, 2.00, 2.00" in row.note  # slope of time vs kappa in each region
    assert "time vs density p -1.00" in row.note
    off = [[[200, 200, 100]], [[800, 800, 400]]]  # the sparsest region only 2x slower
    assert claims.claim_region_ratio(_regions(off, exact), "t", 0.15, CIRCLE).verdict == "fail"
    never = [[[-1, 200, 100]], [[-1, 800, 400]]]
    row = claims.claim_region_ratio(_regions(never, exact), "t", 0.15, CIRCLE)
    assert row.verdict == "not_evaluated" and "never converged" in row.note

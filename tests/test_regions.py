"""Per-region convergence (P1 F7): criterion, training loop, linearised prediction, claim C5."""
import numpy as np
import pytest
import torch
import xarray as xr

from specbias import claims, dynamics, io, models, ntk, sampling, train
from specbias.criteria import Criterion
from specbias.studies.convergence import claims as convergence_claims

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
    row = convergence_claims.claim_region_ratio(_regions(exact, exact), "t", 0.15, CIRCLE)
    assert row.claim == "C5" and row.verdict == "pass" and row.our_value == "1.00 : 2.00 : 4.00"
    assert "2.00, 2.00, 2.00" in row.note  # slope of time vs kappa in each region
    assert "time vs density p -1.00" in row.note
    off = [[[200, 200, 100]], [[800, 800, 400]]]  # the sparsest region only 2x slower
    assert convergence_claims.claim_region_ratio(_regions(off, exact), "t", 0.15, CIRCLE).verdict == "fail"
    never = [[[-1, 200, 100]], [[-1, 800, 400]]]
    row = convergence_claims.claim_region_ratio(_regions(never, exact), "t", 0.15, CIRCLE)
    assert row.verdict == "not_evaluated" and "never converged" in row.note


def test_p2_boundary_distance_is_the_minimum_over_layers_then_the_mean():
    from specbias import activation_regions

    dist = np.array([[[0.5, 0.1, 0.3], [0.2, 0.4, 0.05]]])  # (run, layer, input)
    np.testing.assert_allclose(activation_regions.boundary_distance_p2(dist), [(0.2 + 0.1 + 0.05) / 3])
    assert activation_regions.boundary_distance_p2(dist)[0] < dist.mean(-1).min()  # not a per-layer mean


def test_p2_pair_protocol():
    from specbias import activation_regions

    shape = (64, 64)
    local = activation_regions.local_pairs_p2(shape, 4000, 50, seed=0)
    rows, cols = np.unravel_index(local, shape)
    assert rows.max() - rows.min() < 50 and cols.max() - cols.min() < 50  # one 50 x 50 patch
    assert (local[:, 0] == local[:, 1]).any()  # a point may pair with itself
    far = activation_regions.global_pairs_p2(shape, 1000, seed=1)
    r, c = np.unravel_index(far, shape)
    qa, qb = np.stack([r[:, 0] // 32, c[:, 0] // 32], 1), np.stack([r[:, 1] // 32, c[:, 1] // 32], 1)
    assert ((qa + qb) == 1).all()  # the opposite block along every axis
    main = (qa[:, 0] == qa[:, 1])
    assert 0.4 < main.mean() < 0.6  # both diagonals
    line = activation_regions.global_pairs_p2((100,), 50, seed=2)
    assert (line[:, 0] // 50 != line[:, 1] // 50).all()  # the two halves of a signal


def test_coordinate_study_stores_p2_metrics_beside_ours():
    from specbias.config import load_schema, validate
    from specbias.studies.coordinate import stages as coordinate
    from wfutil import ROOT

    cfg = {"signal": {"kind": "image", "name": "camera", "size": 16},
           "encodings": {"raw": {"kind": "raw"}}, "model": {"hidden": [8, 8]}, "train": {"lr": 0.01, "epochs": 4},
           "metrics": {"pairs": 30, "records": 2, "pair_protocol": "p2", "patch": 6}}
    cfg = validate({"coordinate": {"c": cfg}}, load_schema(ROOT / "schemas" / "config.schema.yaml"))["coordinate"]["c"]
    ds = coordinate.train_group(cfg, ["raw"], "cpu")
    p2, ours = ds.boundary_distance_p2.values, ds.boundary_distance.values  # (enc, seed, epoch), (enc, seed, layer, epoch)
    assert p2.shape == ours[:, :, 0].shape and (p2 <= ours.min(2) + 1e-12).all()
    rows, cols = np.unravel_index(ds.pair_local.values, (16, 16))
    assert rows.max() - rows.min() < 6 and cols.max() - cols.min() < 6

"""Linearised dynamics against matrix powers; criteria on constructed residuals; fits."""
import numpy as np
import pytest
import xarray as xr

from specbias import analysis, claims, dynamics, io, ntk
from specbias.criteria import Criterion
from specbias.studies.convergence import claims as convergence_claims


def test_predicted_residuals_equal_matrix_powers(rng):
    n = 24
    theta = rng.uniform(-np.pi, np.pi, n)
    H = ntk.circle_gram(theta)
    evals, evecs = ntk.eigendecompose(H)
    lr = 0.9 / evals[0]
    r0 = rng.normal(size=(2, n))
    steps = np.array([0, 1, 5, 17])
    pred = dynamics.predict_residuals(evals, evecs, r0, lr, steps)
    A = np.eye(n) - lr * H
    for j, t in enumerate(steps):
        np.testing.assert_allclose(pred[:, :, j], r0 @ np.linalg.matrix_power(A, t).T, atol=1e-12)


def test_truncated_eigenpairs_predict_the_rank_k_kernel(rng):
    """With only the k largest pairs, the prediction is exact GD on V_k Λ_k V_kᵀ (the rest frozen)."""
    n, k = 40, 9
    theta = rng.uniform(-np.pi, np.pi, n)
    H = ntk.circle_gram(theta, rows=7)
    np.testing.assert_allclose(H, ntk.two_layer_ntk(np.cos(theta[:, None] - theta[None, :])), rtol=0, atol=1e-15)
    evals, evecs = ntk.eigendecompose(H, count=k)
    full_vals, full_vecs = ntk.eigendecompose(H)
    np.testing.assert_allclose(evals, full_vals[:k], rtol=1e-10)
    np.testing.assert_allclose(np.abs(np.sum(evecs * full_vecs[:, :k], axis=0)), 1.0, atol=1e-8)
    Hk = (evecs * evals) @ evecs.T
    lr = 0.9 / evals[0]
    r0 = rng.normal(size=(2, n))
    steps = np.array([0, 3, 40])
    pred = dynamics.predict_residuals(evals, evecs, r0, lr, steps)
    for j, t in enumerate(steps):
        np.testing.assert_allclose(pred[:, :, j], r0 @ np.linalg.matrix_power(np.eye(n) - lr * Hk, t).T, atol=1e-10)
    crit = Criterion("half_sq_norm", 0.5 * np.sum(dynamics.complement(evecs, r0[:1]) ** 2) + 1e-3)
    got = dynamics.predict_convergence_step(evals, evecs, r0[:1], np.ones(n), lr, crit, 100000)[0]
    norms = [np.sum(r**2) for r in dynamics.predict_residuals(evals, evecs, r0[:1], lr, np.arange(got + 1))[0].T]
    assert got > 0 and crit.holds_sq_norm(norms[got], np.ones(n)) and not crit.holds_sq_norm(norms[got - 1], np.ones(n))


def test_predicted_convergence_step_matches_brute_force(rng):
    n = 30
    theta = rng.uniform(-np.pi, np.pi, n)
    evals, evecs = ntk.eigendecompose(ntk.circle_gram(theta))
    lr = 0.5 / evals[0]
    y = np.sin(4 * theta)
    y /= np.linalg.norm(y)
    for crit in (Criterion("half_sq_norm", 0.05), Criterion("relative_mse", 0.05)):
        got = dynamics.predict_convergence_step(evals, evecs, -y[None], y, lr, crit, 5000)[0]
        norms = [np.sum(r**2) for r in dynamics.predict_residuals(evals, evecs, -y[None], lr, np.arange(5001))[0].T]
        brute = next(t for t, s in enumerate(norms) if crit.holds_sq_norm(s, y))
        assert got == brute
    assert dynamics.predict_convergence_step(evals, evecs, -y[None], y, 3.0 / evals[0], Criterion("half_sq_norm", 0.05), 5000)[0] == -1


def test_criteria_on_constructed_residuals():
    y = np.ones(100) / 10.0  # ||y|| = 1
    half = Criterion("half_sq_norm", 0.05)
    assert half.holds_sq_norm(0.099, y) and not half.holds_sq_norm(0.1, y)
    rel = Criterion("relative_mse", 0.05)
    r = np.full(100, np.sqrt(0.049) / 10)  # ||r||^2 = 0.049 < 0.05 ||y||^2
    assert rel.holds_sq_norm(np.sum(r**2), y)
    assert not rel.holds_sq_norm(np.sum((2 * r) ** 2), y)
    with pytest.raises(ValueError, match="unknown convergence criterion"):
        Criterion("eyeball", 0.1)
    with pytest.raises(ValueError, match="positive"):
        Criterion("half_sq_norm", -1)


def test_power_law_fit_recovers_slope(rng):
    k = np.repeat(np.arange(2, 20), 3).astype(float)
    y = 7 * k**2 * np.exp(rng.normal(0, 0.05, len(k)))
    fit = analysis.fit_power_law(k, y)
    assert fit.ci_low < 2 < fit.ci_high and abs(fit.slope - 2) < 0.05
    exact = analysis.fit_power_law([1, 2, 4], [3, 12, 48])
    assert abs(exact.slope - 2) < 1e-12
    with pytest.raises(ValueError, match="two distinct"):
        analysis.fit_power_law([2, 2], [1, 3])


def _conv(measured, status, predicted):
    kappas = np.array([2, 4, 8])
    ds = xr.Dataset(
        {
            "measured_step": (("kappa", "seed"), np.array(measured), io.meta("m")),
            "predicted_step": (("kappa", "seed"), np.array(predicted), io.meta("p")),
            "status": (("kappa", "seed"), np.array(status, dtype=np.int8), io.meta("s")),
            "spectrum_error": (("kappa", "seed"), np.zeros((3, 2)), io.meta("e")),
        },
        coords={"kappa": kappas, "seed": [0, 1]},
        attrs={"criterion": "test criterion"},
    )
    return ds


def test_c1_excludes_diverged_runs_with_a_warning():
    measured = [[40, 40], [160, 160], [640, 5]]
    status = [[0, 0], [0, 0], [0, 2]]  # the last run diverged: its "step" must not enter the fit
    conv = _conv(measured, status, [[40, 40], [160, 160], [640, 640]])
    row = convergence_claims.claim_slope(conv, "t", 2, 1, 0.25)
    fits, _ = analysis.kappa_fits(conv, 1)
    assert abs(fits["measured"].slope - 2) < 1e-9 and fits["measured"].points == 5
    assert row.verdict == "pass" and "diverged" in row.note and "WARNING" in row.note


def test_c1_fails_when_slope_is_off():
    conv = _conv([[10, 10], [20, 20], [40, 40]], [[0, 0]] * 3, [[10, 10], [20, 20], [40, 40]])
    row = convergence_claims.claim_slope(conv, "t", 2, 1, 0.25)
    assert row.verdict == "fail" and row.our_value.startswith("1.000")


def test_scorecard_markdown_lists_every_row():
    rows = [claims.ClaimRow("e", c, "s", "p", "o", "t", v, "n|x") for c, v in (("C11", "fail"), ("C1", "pass"))]
    md = claims.scorecard_markdown(claims.claims_frame(rows))
    assert md.index("| C1 |") < md.index("| C11 |")
    assert "1 pass, 1 fail" in md and "n\\|x" in md


def test_pool_runs_stacks_point_samples_along_run():
    def table(value, seeds):
        return xr.Dataset({"step": (("kappa", "seed"), np.full((2, len(seeds)), value)), "p": ("region_index", [1.0, 3.0])},
                          coords={"kappa": ("kappa", [2, 3], io.meta("k")), "seed": ("seed", seeds, io.meta("s")),
                                  "region_index": ("region_index", [0, 1], io.meta("r"))})

    pooled = analysis.pool_runs([table(1, [0, 1]), table(2, [0, 1])], [5, 6])
    assert pooled.step.dims == ("kappa", "run") and pooled.step.values[0].tolist() == [1, 1, 2, 2]
    assert pooled.seed.values.tolist() == [0, 1, 0, 1] and pooled.data_seed.values.tolist() == [5, 5, 6, 6]
    assert pooled.p.dims == ("region_index",)  # variables without a seed dim are shared, not repeated


def test_region_law_predictions_grow_as_the_threshold_shrinks():
    """NTK-only per-region times on two arcs 3:1: a stricter delta takes longer in every region, the
    sparse arc takes longer than the dense one, and the ratios are summarised per delta."""
    from specbias.studies.convergence import stages as convergence

    exp = {"data": {"domain": "circle", "n": 96, "seed": 3, "sampling": "random",
                    "density": {"kind": "piecewise", "lengths": [1, 1], "weights": [3, 1]}},
           "model": {"bias": True}, "target": {"kappas": [3, 4], "kind": "sin", "normalise": "unit_norm"},
           "train": {"lr": 0.02, "max_steps": 2000, "criterion": {"kind": "per_region", "threshold": 0.05 * 2 / 96}},
           "analysis": {"law_samples": 3, "law_delta_factors": [0.2, 1.0, 5.0]}}
    law = convergence.region_law(exp)
    steps = law.region_predicted_step
    assert steps.dims == ("data_seed", "delta_factor", "kappa", "region_index") and (steps > 0).all()
    assert law.data_seed.values.tolist() == [3, 4, 5]
    assert (steps.diff("delta_factor") <= 0).all()  # larger delta: sooner
    assert (steps.isel(region_index=1) > steps.isel(region_index=0)).all()  # p = 1/4 of the mass per length: slower
    ratios = analysis.law_ratios(law)
    assert ratios.ratio.sel(region_index=0).values.tolist() == [1.0, 1.0, 1.0]
    assert ((ratios.ratio_q1 <= ratios.ratio) & (ratios.ratio <= ratios.ratio_q3)).sel(region_index=1).all()

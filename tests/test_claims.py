"""Every claim's function on constructed inputs with a known verdict, a passing and a failing case.

C1 and C5 are tested beside their tables (tests/test_dynamics_analysis.py, tests/test_regions.py);
the registry test below checks that every claim id is covered by a test somewhere.
"""
import json
import re
from pathlib import Path

import numpy as np
import xarray as xr

from specbias import claims, io
from specbias.studies.lazy import stages as lazy
from specbias.studies.convergence import claims as convergence_claims
from specbias.studies.coordinate import claims as coordinate_claims
from specbias.studies.depth import claims as depth_claims
from specbias.studies.holdout import claims as holdout_claims
from specbias.studies.kernels import claims as kernels_claims
from specbias.studies.spectral import claims as spectral_claims

TESTS = Path(__file__).resolve().parent


def test_registry_is_complete_and_every_claim_is_tested():
    assert list(claims.CLAIMS) == [f"C{i}" for i in range(1, 29)]
    for c in claims.CLAIMS.values():
        assert c.claim and c.paper and c.tolerance and c.studies
    assert claims.verdict(True) == "pass" and claims.verdict(False) == "fail" and claims.verdict(None) == "not_evaluated"
    tested = set()
    for f in TESTS.glob("test_*.py"):
        text = f.read_text()
        tested |= {f"C{n}" for n in re.findall(r"def test_c(\d+)_", text)}
    assert tested >= set(claims.CLAIMS), sorted(set(claims.CLAIMS) - tested)


# --- C3 (two-layer, circle FFT) ----------------------------------------------------------------


def _ntk(slope, aliased=0.0):
    q = np.arange(1, 1001)
    lam = q.astype(float) ** slope
    return xr.Dataset({"closed_form_eigenvalue": ("frequency", lam, io.meta("lambda")),
                       "operator_eigenvalue": ("frequency", lam * (1 + aliased * (q / 2048) ** 2), io.meta("lambda"))},
                      coords={"frequency": q}, attrs={"grid_size": 2048})


def test_c3_two_layer_slope():
    assert convergence_claims.claim_c3(_ntk(-2.0), "t", (50, 500), 0.1)[0].verdict == "pass"
    assert convergence_claims.claim_c3(_ntk(-2.3), "t", (50, 500), 0.1)[0].verdict == "fail"
    row, fit = convergence_claims.claim_c3(_ntk(-2.0, aliased=40.0), "t", (50, 500), 0.01)  # an aliased FFT does not move the fit
    assert abs(fit.slope + 2) < 1e-12 and "circulant FFT" in row.note


# --- C3 / C4 / C10 (deep NTK spectra vs depth) ------------------------------------------------


def _depth(dim, large_slope, low_slopes, name="s"):
    k = np.arange(0, 201)
    kk = np.maximum(k, 1).astype(float)
    lam = np.stack([np.where(k <= 10, kk ** low, 10.0 ** low * (kk / 10) ** large_slope) for low in low_slopes])
    spec = xr.Dataset({"eigenvalue": (("depth", "degree"), lam, io.meta("lambda"))},
                      coords={"depth": [3, 5, 10][: len(low_slopes)], "degree": k})
    cfg = {"dim": dim, "large_k_range": [50, 200], "low_k_range": [1, 10], "slope_tolerance": 0.1}
    return spec, name, cfg


def test_c3_c10_deep_on_the_circle():
    rows = {r.claim: r for r in depth_claims.depth_claim_rows(*_depth(2, -2.0, [-2.4, -1.9, -1.4]))}
    assert rows["C3"].verdict == "pass" and rows["C10"].verdict == "pass"
    rows = {r.claim: r for r in depth_claims.depth_claim_rows(*_depth(2, -2.5, [-1.4, -1.9, -2.4]))}
    assert rows["C3"].verdict == "fail" and rows["C10"].verdict == "fail"  # steeper; steepening with depth


def test_c4_deep_on_the_sphere():
    (row, _) = depth_claims.depth_claim_rows(*_depth(3, -3.0, [-2.4, -1.9, -1.4]))
    assert row.claim == "C4" and row.verdict == "pass"
    (row, _) = depth_claims.depth_claim_rows(*_depth(3, -2.0, [-2.4, -1.9, -1.4]))
    assert row.verdict == "fail"


def test_c10_flattening():
    good = {r.claim: r.verdict for r in depth_claims.depth_claim_rows(*_depth(2, -2.0, [-2.4, -1.9, -1.4]))}
    flat = {r.claim: r.verdict for r in depth_claims.depth_claim_rows(*_depth(2, -2.0, [-1.9, -1.9, -1.9]))}
    assert good["C10"] == "pass" and flat["C10"] == "fail"


# --- C7, C8 (eigenfunctions under a density) ----------------------------------------------------


def _spectral(local_scale=1.0, law_value=1 / np.pi):
    p = np.array([1.0, 2.0, 4.0])
    q = np.arange(0, 60)
    pred = q[:, None] * np.sqrt(p)[None, :]
    local = pred * np.array([local_scale, 1.0, 1.0])[None, :]
    lam = np.where(q > 0, 1.0 / np.maximum(q, 1) ** 2, 1.0)
    return xr.Dataset(
        {"region_density": ("region", p, io.meta("p")),
         "local_frequency": (("mode", "region"), local.astype(float), io.meta("lf")),
         "predicted_local_frequency": (("mode", "region"), pred.astype(float), io.meta("plf")),
         "eigenvalue_law": ("mode", np.where(q > 0, law_value, np.nan), io.meta("law")),
         "eigenvalue": ("mode", lam, io.meta("lam")),
         "nystrom_eigenvalue": ("mode", lam * 1.01, io.meta("nys")),
         "sqrt_mass": ((), 1.2, io.meta("Z")),
         "theta": ("grid_point", np.linspace(-np.pi, np.pi, 100), io.meta("theta"))},
        coords={"frequency_index": ("mode", q)}, attrs={"density": "piecewise 1:2:4"})


def test_c7_local_frequency_ratios():
    assert spectral_claims.claim_c7(_spectral(), "d", 5, 50, 0.02).verdict == "pass"
    assert spectral_claims.claim_c7(_spectral(local_scale=1.1), "d", 5, 50, 0.02).verdict == "fail"


def test_c8_eigenvalue_law():
    assert spectral_claims.claim_c8(_spectral(), "d", (10, 50), 0.05).verdict == "pass"
    assert spectral_claims.claim_c8(_spectral(law_value=1 / np.pi**2), "d", (10, 50), 0.05).verdict == "fail"  # eq. 20's constant


# --- C11 (circle: residual spectra vs the linearised prediction) -------------------------------


def _gap(err):
    return xr.Dataset(
        {"spectrum_error": (("kappa", "run"), np.asarray(err, dtype=float), io.meta("e")),
         "status": (("kappa", "run"), np.zeros((2, 2), dtype=np.int8), io.meta("s")),
         "measured_step": (("kappa", "run"), np.array([[100, 110], [400, 420]]), io.meta("m")),
         "predicted_step": (("kappa", "run"), np.array([[100, 100], [400, 400]]), io.meta("p"))},
        coords={"kappa": [2, 4], "run": [0, 1]})


NET = {"kind": "two_layer", "width": 1000, "activation": "relu"}


def test_c11_spectral_gap():
    assert convergence_claims.claim_c11(_gap([[0.02, 0.03], [0.04, 0.05]]), "t", 0.1, NET).verdict == "pass"
    assert convergence_claims.claim_c11(_gap([[0.2, 0.3], [0.4, 0.5]]), "t", 0.1, NET).verdict == "fail"
    assert convergence_claims.claim_c11(_gap([[np.nan] * 2] * 2), "t", 0.1, NET).verdict == "not_evaluated"


def test_c21_empirical_kernel_prediction_uses_the_c11_criterion():
    def conv(gaps, broke=(-1, -1)):
        ds = _gap([[0.01, 0.02], [0.02, 0.01]])
        ds["kernel_spectrum_error"] = (("kappa", "run"), np.asarray(gaps), io.meta("g"))
        ds["kernel_lr_lambda_max"] = (("kappa", "run"), np.full((2, 2), 0.5), io.meta("l"))
        ds["linearisation_break_step"] = (("kappa", "run"), np.asarray([broke, broke]), io.meta("b", tolerance=0.1))
        return ds
    row = convergence_claims.claim_c21(conv([[0.03, 0.04], [0.05, 0.06]]), "t", 0.1, NET)
    assert row.verdict == "pass" and row.our_value == "0.045" and "never" not in row.note and "0 of 4 runs" in row.note
    row = convergence_claims.claim_c21(conv([[0.3, 0.4], [0.5, 0.6]], broke=(9, -1)), "t", 0.1, NET)
    assert row.verdict == "fail" and "2 of 4 runs (first at step 9)" in row.note
    assert convergence_claims.claim_c21(conv([[np.nan] * 2] * 2), "t", 0.1, NET).verdict == "not_evaluated"


def test_c21_without_spectra_uses_the_residual_gap():
    """Entries without recorded spectra: the worst recorded residual gap per run (diverged runs
    and unrecorded steps left out), then the same median criterion."""
    from specbias import analysis

    gaps = np.array([[0.01, 0.04, np.nan], [0.02, 0.5, 0.3], [0.01, 0.02, 0.03]])
    worst = analysis.worst_recorded(gaps, np.array([0, 2, 0]))  # run 1 diverged
    np.testing.assert_allclose(worst, [0.04, np.nan, 0.03])
    ds = _gap([[0.01, 0.02], [0.02, 0.01]]).drop_vars("spectrum_error")
    ds["kernel_residual_error"] = (("kappa", "run"), np.array([[0.04, 0.03], [0.2, 0.05]]), io.meta("g"))
    row = convergence_claims.claim_c21(ds, "t", 0.1, NET)
    assert row.verdict == "pass" and row.our_value == "0.045" and "no spectra recorded" in row.note


def _lazy_table(widths, exponent, seeds=3):
    rng = np.random.default_rng(0)
    w = np.asarray(widths, dtype=float)[:, None]
    change = 0.3 * w ** exponent * np.exp(0.02 * rng.standard_normal((len(widths), seeds)))
    return xr.Dataset({"kernel_change_final": (("width", "seed"), change, io.meta("c")),
                       "prediction_error_max": (("width", "seed"), 2 * change, io.meta("p"))},
                      coords={"width": np.asarray(widths), "seed": np.arange(seeds)})


def test_c22_kernel_change_against_width():
    row, fit = lazy.claim_c22(_lazy_table([256, 1024, 4096], -0.5), "w", 0.15)
    assert row.verdict == "pass" and abs(fit.slope + 0.5) < 0.05
    row, fit = lazy.claim_c22(_lazy_table([256, 1024, 4096], -0.75), "w", 0.15)
    assert row.verdict == "fail" and row.our_value.startswith("-0.7")
    row, fit = lazy.claim_c22(_lazy_table([256], -0.5), "w", 0.15)
    assert row.verdict == "not_evaluated" and fit is None


def test_c23_encoded_kernel_is_flatter():
    def conv(slopes):
        names = list(slopes)
        return xr.Dataset({"kernel_response_slope": (("encoding", "seed"), np.asarray([slopes[n] for n in names]), io.meta("s"))},
                          coords={"encoding": names, "seed": [0, 1]})
    order, raws, pes = ["raw01", "raw11", "octave"], ["raw01", "raw11"], ["octave"]
    row = coordinate_claims.claim_c23(conv({"raw01": [-2.0, -1.9], "raw11": [-2.1, -2.0], "octave": [-0.7, -0.8]}), "t", raws, pes, order)
    assert row.verdict == "pass" and "octave -0.75" in row.our_value
    assert coordinate_claims.claim_c23(conv({"raw01": [-2.0, -1.9], "raw11": [-1.2, -1.2], "octave": [-1.5, -1.5]}), "t", raws, pes,
                            order).verdict == "fail"
    assert coordinate_claims.claim_c23(conv({"raw01": [np.nan] * 2, "raw11": [-1.2] * 2, "octave": [-1.5] * 2}), "t", raws, pes,
                            order).verdict == "not_evaluated"


# --- C2, C6, C9, C11 on spheres (the convergence study's sphere domain) -----------------------


def _sphere_conv(degrees, measured, predicted, regions=None, pregions=None, density=(2 / 3, 2.0)):
    """A pooled convergence table (kappa, run) as the analysis writes it; regions: (kappa, run, region)."""
    k = np.asarray(degrees)
    meas = np.asarray(measured)
    ds = xr.Dataset(
        {"measured_step": (("kappa", "run"), meas, io.meta("m")),
         "predicted_step": (("kappa", "run"), np.asarray(predicted), io.meta("p")),
         "status": (("kappa", "run"), np.where(meas >= 0, 0, 1).astype(np.int8), io.meta("s"))},
        coords={"kappa": k, "run": [0, 1]}, attrs={"criterion": "test"})
    if regions is not None:
        ds["region_measured_step"] = (("kappa", "run", "region_index"), np.asarray(regions), io.meta("r"))
        ds["region_predicted_step"] = (("kappa", "run", "region_index"), np.asarray(pregions), io.meta("pr"))
        ds["region_density"] = ("region_index", np.asarray(density), io.meta("d"))
    return ds


def _cfg(dim=3, kind="two_layer", bias=True, density=None, depth=None):
    return {"model": {"kind": kind, "bias": bias, "width": 256, "depth": depth, "activation": "relu"},
            "data": {"domain": "sphere", "dim": dim, "density": density or {"kind": "uniform"}},
            "train": {"max_steps": 10000},
            "analysis": {"fit_kappa_min": 2, "slope_tolerance": 0.25, "region_ratio_tolerance": 0.2,
                         "agreement_tolerance": 0.25}}


def test_c2_cubic_law_on_s2():
    k = [2, 3, 4, 5]
    steps = [[int(10 * d**3)] * 2 for d in k]
    (row,) = convergence_claims.convergence_rows(_sphere_conv(k, steps, steps), "s2", _cfg())
    assert row.claim == "C2" and row.verdict == "pass"
    quad = [[int(10 * d**2)] * 2 for d in k]
    (row,) = convergence_claims.convergence_rows(_sphere_conv(k, quad, steps), "s2", _cfg())
    assert row.verdict == "fail"


def test_rows_say_how_many_runs_were_excluded():
    """A diverged and a never-converged run: the row still passes on the rest and says so."""
    k = [2, 3, 4, 5]
    steps = [[int(10 * d**3)] * 2 for d in k]
    conv = _sphere_conv(k, steps, steps)
    conv["status"][0, 0] = 2  # diverged
    conv["measured_step"][1, 1] = -1
    conv["status"][1, 1] = 1  # never met the criterion
    (row,) = convergence_claims.convergence_rows(conv, "s2", _cfg())
    assert "excluded: 1 diverged and 1 not-converged run(s) of 8" in row.note
    (clean,) = convergence_claims.convergence_rows(_sphere_conv(k, steps, steps), "s2", _cfg())
    assert "excluded" not in clean.note


def test_c6_hemisphere_ratio():
    k = [3, 4]
    steps = [[100, 100], [200, 200]]
    good = [[[300, 100]] * 2, [[600, 200]] * 2]  # sparse 3x slower than dense: r = 3
    cfg = _cfg(density={"kind": "hemispheres", "ratio": 3})
    rows = {r.claim: r for r in convergence_claims.convergence_rows(_sphere_conv(k, steps, steps, good, good), "h", cfg)}
    assert rows["C6"].verdict == "pass" and rows["C6"].our_value == "1.00 : 3.00"
    bad = [[[200, 100]] * 2, [[400, 200]] * 2]
    rows = {r.claim: r for r in convergence_claims.convergence_rows(_sphere_conv(k, steps, steps, bad, good), "h", cfg)}
    assert rows["C6"].verdict == "fail"


def test_c9_odd_degrees_without_bias_and_with_depth():
    k = [2, 3, 4, 5, 6]
    never_odd = [[40, 40], [-1, -1], [160, 160], [-1, -1], [360, 360]]
    pred = [[40, 40], [-1, -1], [160, 160], [-1, -1], [360, 360]]
    cfg = _cfg(dim=2, bias=False)
    (row,) = convergence_claims.convergence_rows(_sphere_conv(k, never_odd, pred), "nb", cfg)
    assert row.claim == "C9" and row.verdict == "pass"
    learned_odd = [[40, 40], [90, 90], [160, 160], [250, 250], [360, 360]]
    (row,) = convergence_claims.convergence_rows(_sphere_conv(k, learned_odd, pred), "nb", cfg)
    assert row.verdict == "fail"  # odd degrees must never converge without bias
    deep = _cfg(dim=2, kind="deep", depth=3)
    rows = {r.claim: r for r in convergence_claims.convergence_rows(_sphere_conv(k, learned_odd, learned_odd), "d3", deep)}
    assert rows["C9"].verdict == "pass"  # deep nets learn odd k
    rows = {r.claim: r for r in convergence_claims.convergence_rows(_sphere_conv(k, never_odd, learned_odd), "d3", deep)}
    assert rows["C9"].verdict == "fail"


def test_c11_deep_nets_against_their_ntk():
    k = [2, 3, 4]
    pred = [[100, 100], [200, 200], [300, 300]]
    close = [[110, 110], [190, 190], [320, 320]]
    far = [[300, 300], [200, 200], [300, 300]]
    deep = _cfg(dim=2, kind="deep", depth=3)
    rows = {r.claim: r for r in convergence_claims.convergence_rows(_sphere_conv(k, close, pred), "d3", deep)}
    assert rows["C11"].verdict == "pass"
    rows = {r.claim: r for r in convergence_claims.convergence_rows(_sphere_conv(k, far, pred), "d3", deep)}
    assert rows["C11"].verdict == "fail"


# --- C12-C15 (coordinate MLPs) ----------------------------------------------------------------


def _coord_run(enc, regions, hamming, confusion_sd):
    rng = np.random.default_rng(0)
    seeds, stats, pairs = 2, 3, 400
    conf = rng.normal(0, confusion_sd, (stats, pairs)).clip(-1, 1)
    return xr.Dataset(
        {"region_count": (("seed", "stat_epoch"), np.full((seeds, stats), float(regions)), io.meta("r")),
         "hamming_local": (("seed", "stat_epoch", "pair"), np.full((seeds, stats, pairs), float(hamming)), io.meta("h")),
         "confusion_local": (("stat_epoch", "pair"), conf, io.meta("c")),
         "loss": (("seed", "epoch"), np.ones((seeds, 5)), io.meta("l"))},
        coords={"seed": [0, 1], "stat_epoch": np.arange(stats)}, attrs={"encoding": enc, "inputs": 1024})


def _coord(values, learned, slopes):
    """values: encoding -> (regions, hamming, confusion sd); learned: encoding -> frequencies learned."""
    cfg = {"encodings": {"raw01": {"kind": "raw", "range": [0, 1]}, "raw11": {"kind": "raw", "range": [-1, 1]},
                         "octave5": {"kind": "octave", "octaves": 5}},
           "analysis": {"learned_threshold": 0.1, "hamming_ratio": 2.0}}
    runs = [_coord_run(e, *values[e]) for e in values]
    conv = xr.Dataset({"learned_count": ("encoding", [learned[e] for e in values], io.meta("n"))},
                      coords={"encoding": list(values), "frequency": np.arange(10)})
    fits = {e: (None if slopes[e] is None else type("Fit", (), {"slope": slopes[e]})()) for e in values}
    alive = {e: np.array([True, True]) for e in values}
    return {r.claim: r for r in coordinate_claims.coordinate_rows(runs, conv, fits, alive, "g", cfg)}


GOOD = {"raw01": (100, 1.0, 0.5), "raw11": (200, 2.0, 0.5), "octave5": (900, 20.0, 0.05)}


def test_c12_region_ordering():
    assert _coord(GOOD, {"raw01": 2, "raw11": 3, "octave5": 10}, {"raw01": 2.0, "raw11": 1.8, "octave5": 0.3})["C12"].verdict == "pass"
    bad = dict(GOOD, raw11=(50, 2.0, 0.5))  # the wider raw range uses fewer regions
    assert _coord(bad, {"raw01": 2, "raw11": 3, "octave5": 10}, {"raw01": 2.0, "raw11": 1.8, "octave5": 0.3})["C12"].verdict == "fail"


def test_c13_hamming_ratio():
    learned, slopes = {"raw01": 2, "raw11": 3, "octave5": 10}, {"raw01": 2.0, "raw11": 1.8, "octave5": 0.3}
    assert _coord(GOOD, learned, slopes)["C13"].verdict == "pass"
    assert _coord(dict(GOOD, octave5=(900, 1.5, 0.05)), learned, slopes)["C13"].verdict == "fail"


def test_c14_confusion_spread():
    learned, slopes = {"raw01": 2, "raw11": 3, "octave5": 10}, {"raw01": 2.0, "raw11": 1.8, "octave5": 0.3}
    assert _coord(GOOD, learned, slopes)["C14"].verdict == "pass"
    assert _coord(dict(GOOD, octave5=(900, 20.0, 0.9)), learned, slopes)["C14"].verdict == "fail"


def test_c15_flatter_learning_curve():
    assert _coord(GOOD, {"raw01": 2, "raw11": 3, "octave5": 10}, {"raw01": 2.0, "raw11": 1.8, "octave5": 0.3})["C15"].verdict == "pass"
    assert _coord(GOOD, {"raw01": 10, "raw11": 10, "octave5": 10}, {"raw01": 0.2, "raw11": 0.2, "octave5": 1.5})["C15"].verdict == "fail"
    none = _coord(GOOD, {"raw01": 0, "raw11": 0, "octave5": 0}, {"raw01": None, "raw11": None, "octave5": None})
    assert none["C15"].verdict == "not_evaluated"


# --- C16, C17 (kernels of any activation) --------------------------------------------------------


def _kernel_spec(entries):
    """entries: name -> (homogeneous, power slope, power R^2, exponential R^2)."""
    names = list(entries)
    col = lambda i: np.array([entries[n][i] for n in names], dtype=float)  # noqa: E731
    return xr.Dataset({"homogeneous": ("activation", col(0).astype(np.int8), io.meta("h")),
                       "power_slope": ("activation", col(1), io.meta("s")), "power_r2": ("activation", col(2), io.meta("r")),
                       "exp_rate": ("activation", np.ones(len(names)), io.meta("e")),
                       "exp_r2": ("activation", col(3), io.meta("x"))}, coords={"activation": names})


_KCFG = {"dim": 2, "fit_range": [4, 40], "power_tolerance": 0.15, "model": {"kind": "two_layer", "tau": 1.0, "bias": True}}


def test_c16_relu_family_power_law():
    rows = {r.claim: r for r in kernels_claims.kernel_claim_rows(_kernel_spec({"relu": (1, -2.03, 0.999, 0.91)}), "k", _KCFG)}
    assert rows["C16"].verdict == "pass" and "C17" not in rows
    rows = {r.claim: r for r in kernels_claims.kernel_claim_rows(_kernel_spec({"relu": (1, -2.4, 0.999, 0.91)}), "k", _KCFG)}
    assert rows["C16"].verdict == "fail"  # slope off by 0.4
    rows = {r.claim: r for r in kernels_claims.kernel_claim_rows(_kernel_spec({"relu": (1, -2.0, 0.90, 0.99)}), "k", _KCFG)}
    assert rows["C16"].verdict == "fail"  # the exponential law fits better


def test_c17_smooth_activations_decay_faster_than_any_power():
    good = _kernel_spec({"relu": (1, -2.0, 0.999, 0.9), "erf": (0, -13.6, 0.93, 0.998)})
    rows = {r.claim: r for r in kernels_claims.kernel_claim_rows(good, "k", _KCFG)}
    assert rows["C17"].verdict == "pass" and rows["C16"].verdict == "pass"
    bad = _kernel_spec({"erf": (0, -3.1, 0.999, 0.95)})
    assert kernels_claims.kernel_claim_rows(bad, "k", _KCFG)[0].verdict == "fail"



# --- C18, C19 (trained nets: another activation against ReLU) -----------------------------------


def _steps_table(k, steps, activation):
    k = np.asarray(k)
    meas = np.asarray(steps)
    ds = _sphere_conv(k, meas, meas)
    ds.attrs["config_json"] = json.dumps({"model": {"activation": activation}})
    return ds


def _cmp_cfg(expect, activation):
    cfg = _cfg(dim=2)
    cfg["model"]["activation"] = activation
    cfg["analysis"]["compare_to"] = {"entry": "ref", "expect": expect, "margin": 1.0}
    return cfg


def test_c18_smooth_activation_learns_high_frequencies_later():
    k = [2, 3, 4, 5, 6]
    relu = _steps_table(k, [[int(10 * d**2)] * 2 for d in k], "relu")
    steep = _steps_table(k, [[int(np.exp(1.5 * d))] * 2 for d in k], "tanh")  # exponential in kappa
    rows = {r.claim: r for r in convergence_claims.convergence_rows(steep, "t", _cmp_cfg("steeper", "tanh"), reference=relu)}
    assert rows["C18"].verdict == "pass" and "exponential" in rows["C18"].note
    same = _steps_table(k, [[int(12 * d**2)] * 2 for d in k], "tanh")
    rows = {r.claim: r for r in convergence_claims.convergence_rows(same, "t", _cmp_cfg("steeper", "tanh"), reference=relu)}
    assert rows["C18"].verdict == "fail"


def test_c19_sin_activation_flattens_learning_time():
    k = [2, 3, 4, 5, 6]
    relu = _steps_table(k, [[int(10 * d**2)] * 2 for d in k], "relu")
    flat = _steps_table(k, [[20 + d] * 2 for d in k], {"kind": "sin", "omega0": 6.0})
    sin = {"kind": "sin", "omega0": 6.0}
    rows = {r.claim: r for r in convergence_claims.convergence_rows(flat, "s", _cmp_cfg("flatter", sin), reference=relu)}
    assert rows["C19"].verdict == "pass" and rows["C19"].statement.startswith("sin (omega0 6) vs relu")
    rows = {r.claim: r for r in convergence_claims.convergence_rows(relu, "s", _cmp_cfg("flatter", sin), reference=relu)}
    assert rows["C19"].verdict == "fail"


# --- C20 (held-out PSNR by encoding) -----------------------------------------------------------


def _psnr_table(values):
    names = ["none", "basic", "octave", "gauss10"]
    return xr.Dataset({"test_psnr": ("variant", np.asarray(values, dtype=float)),
                       "published_psnr": ("variant", np.array([19.32, 21.72, 24.95, 25.57]))},
                      coords={"variant": names},
                      attrs={"config_json": json.dumps({"image": {"name": "astronaut", "size": 64}})})


def test_c20_held_out_psnr_order():
    order = ["none", "basic", "octave", "gauss10"]
    row = holdout_claims.claim_c20(_psnr_table([17.0, 20.0, 22.0, 23.0]), "h", order)
    assert row.verdict == "pass" and row.paper_value.startswith("none 19.32 <") and "512x512" in row.note
    assert holdout_claims.claim_c20(_psnr_table([17.0, 20.0, 23.5, 23.0]), "h", order).verdict == "fail"
    assert holdout_claims.claim_c20(_psnr_table([17.0, 20.0, 22.0, 23.0]), "h", order + ["siren"]).verdict == "not_evaluated"


def test_scorecard_rows_carry_their_study():
    """A depth entry and a convergence entry of the same name: two C3 rows told apart by study."""
    row = lambda: claims.claims_frame([claims.ClaimRow("tiny", "C3", "s", "-2", "-2.0", "t", "pass", "")])  # noqa: E731
    frame, md = claims.scorecard({"depth": [row()], "convergence": [row()]})
    assert frame[["study", "entry"]].values.tolist() == [["convergence", "tiny"], ["depth", "tiny"]]
    assert list(frame.columns[:3]) == ["claim", "study", "entry"]
    assert "| C3 | depth | tiny |" in md and "| C3 | convergence | tiny |" in md

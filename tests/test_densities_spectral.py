"""Densities and samplers on S¹; NTK eigenfunctions under a density (docs/methods.md §4)."""
import numpy as np
import pytest
from scipy import integrate, stats

from specbias import eigenfunctions as ef
from specbias import ntk, sampling
from specbias.studies.spectral import stages as spectral
from specbias.sampling import DensityError, make_density

THREE = {"kind": "piecewise", "lengths": [1, 1, 1], "weights": [1, 2, 4]}
P1_KERNEL = lambda c: ntk.p1_kernel(c, True)  # noqa: E731


@pytest.mark.parametrize("cfg", [THREE, {"kind": "piecewise", "lengths": [3, 1], "weights": [0.5, 7]},
                                 {"kind": "cosine", "modulation": 2 / 3, "harmonic": 2, "phase": np.pi}, "uniform"])
def test_densities_integrate_to_one(cfg):
    d = make_density(cfg)
    total, _ = integrate.quad(lambda t: float(d.pdf(t)), -np.pi, np.pi, points=list(d.edges[1:-1]) or None, limit=200)
    assert abs(total - 1) < 1e-8


def test_piecewise_regions_and_ratios():
    d = make_density(THREE)
    np.testing.assert_allclose(np.array(d.values) / d.values[0], [1, 2, 4])
    np.testing.assert_allclose(d.edges, [-np.pi, -np.pi / 3, np.pi / 3, np.pi])
    assert list(d.region_of(np.array([-3.0, 0.0, 3.0, np.pi]))) == [0, 1, 2, 0]  # pi wraps to -pi
    np.testing.assert_allclose(np.array(d.values) * 2 * np.pi / 3, [1 / 7, 2 / 7, 4 / 7])  # P1 F2's 3/(2pi){1,2,4}/7
    # Z for equal arcs = (1/l) sum sqrt(p_j)
    assert abs(d.sqrt_mass() - np.mean(np.sqrt(d.values))) < 1e-12


def test_f5_cosine_density_matches_p1_formula():
    d = make_density({"kind": "cosine", "modulation": 2 / 3, "harmonic": 2, "phase": np.pi})
    t = np.linspace(-np.pi, np.pi, 101)
    np.testing.assert_allclose(d.pdf(t), (3 * np.cos(2 * t + np.pi) + 4.5) / (9 * np.pi))


def test_piecewise_sampler_matches_region_masses():
    d = make_density(THREE)
    theta = sampling.sample_circle(70000, 5, THREE)
    counts = np.bincount(d.region_of(theta), minlength=3)
    assert stats.chisquare(counts, 70000 * np.array([1, 2, 4]) / 7).pvalue > 1e-3
    within = theta[d.region_of(theta) == 2]  # uniform inside its arc
    assert stats.kstest(within, stats.uniform(loc=np.pi / 3, scale=2 * np.pi / 3).cdf).pvalue > 1e-3


def test_cosine_sampler_matches_its_cdf():
    cfg = {"kind": "cosine", "modulation": 2 / 3, "harmonic": 2, "phase": np.pi}
    d = make_density(cfg)
    theta = sampling.sample_circle(40000, 9, cfg)
    cdf = lambda t: (t + np.pi + (2 / 3) * (np.sin(2 * t + np.pi) - np.sin(-2 * np.pi + np.pi)) / 2) / (2 * np.pi)  # noqa: E731
    assert stats.kstest(theta, cdf).pvalue > 1e-3
    np.testing.assert_array_equal(theta, sampling.sample_circle(40000, 9, cfg))
    assert d.kind == "cosine"


@pytest.mark.parametrize("cfg, words", [
    ({"kind": "piecewise", "lengths": [1, 1], "weights": [1, -2]}, "non-negative"),
    ({"kind": "piecewise", "lengths": [1, 1], "weights": [0, 0]}, "positive finite"),
    ({"kind": "piecewise", "lengths": [1, 1], "weights": [1]}, "as many lengths"),
    ({"kind": "piecewise", "lengths": [1, 0], "weights": [1, 1]}, "positive"),
    ({"kind": "piecewise", "lengths": [1, 1], "weights": [1, float("inf")]}, "finite"),
    ({"kind": "cosine", "modulation": 1.0, "harmonic": 2}, "modulation"),
    ({"kind": "lumpy"}, "unknown circle density"),
])
def test_invalid_densities_are_rejected(cfg, words):
    with pytest.raises(DensityError, match=words):
        make_density(cfg)


def test_uniform_quadrature_matches_closed_form():
    theta, w, lam, f = ef.quadrature_eigen(P1_KERNEL, make_density("uniform"), 1024, 41)
    q = ef.frequency_index(np.arange(41))
    closed = ntk.uniform_operator_eigenvalues(q, ntk.p1_cosine_coefficients(q, True))
    # midpoint rule on a kernel with a kink: an absolute aliasing error ~ 1/N^2 (1.6e-7 here)
    np.testing.assert_allclose(lam, closed, rtol=0, atol=5e-7)
    np.testing.assert_allclose((w[:, None] * f * f).sum(0), 1, atol=1e-10)  # ∫ f² p = 1


def test_nystrom_and_quadrature_agree_under_a_density():
    d = make_density(THREE)
    _, _, lam, _ = ef.quadrature_eigen(P1_KERNEL, d, 1024, 41)
    nys, _ = ef.nystrom_eigen(P1_KERNEL, sampling.sample_circle(1500, 0, THREE), 41)
    np.testing.assert_allclose(nys, lam, rtol=0.1)
    assert abs(np.median(nys / lam) - 1) < 0.02


def test_local_frequency_law_on_three_regions():
    d = make_density(THREE)
    theta, w, lam, f = ef.quadrature_eigen(P1_KERNEL, d, 2048, 81)
    q = ef.frequency_index(np.arange(81))
    local = ef.local_frequencies(theta, f, d)
    pred = ef.predicted_local_frequencies(q, d)
    sel = q >= 20
    np.testing.assert_allclose(local[sel], pred[sel], rtol=0.02)
    # eigenvalue law: lambda q^2 / Z^2 -> 1/pi (docs/methods.md §4), not 1/pi^2
    law = lam[sel] * q[sel] ** 2 / d.sqrt_mass() ** 2
    assert abs(np.median(law) * np.pi - 1) < 0.02
    # amplitude: sparser region larger, ratio within 1 .. sqrt(p_{j+1}/p_j)
    amp = ef.region_amplitudes(theta, f, d)
    for m in np.nonzero(sel)[0]:
        for j in range(2):
            ratio = amp[m, j] / amp[m, j + 1]
            assert 1 - 0.03 <= ratio <= np.sqrt(d.values[j + 1] / d.values[j]) + 0.03, (m, j, ratio)


def test_projection_peaks_at_predicted_indices():
    cfg = {"kind": "piecewise", "lengths": [1, 1, 1], "weights": [11, 1, 3]}
    d = make_density(cfg)
    theta, w, lam, f = ef.quadrature_eigen(P1_KERNEL, d, 2048, 121)
    c = np.abs(ef.projection(w, f, np.sin(14 * theta)))
    peaks = ef.predicted_peaks(14, d)
    for qj in peaks:  # a local maximum of |c| within 2 modes of 2 q_j
        lo = int(np.floor(2 * qj)) - 2
        window = c[lo : lo + 5]
        assert window.max() > 3 * np.median(c), (qj, window)
    assert abs(np.argmax(c) - 2 * peaks[0]) <= 2  # the densest region dominates


def test_spectral_stage_dataset():
    ds = spectral.eigen({"density": THREE, "bias": True, "grid_size": 512, "modes": 41, "nystrom_n": 400,
                          "nystrom_seed": 0, "region_margin": 0.05, "projection_kappa": 5, "law_q_range": [5, 15]})
    assert ds.sizes["mode"] == 41 and ds.sizes["region_index"] == 3
    assert "projection" in ds and np.isfinite(ds.predicted_peak).all()

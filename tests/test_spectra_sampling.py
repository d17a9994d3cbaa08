"""Fourier amplitudes against analytic DFTs and Parseval; samplers against their density."""
import numpy as np
import pytest
from scipy import stats

from specbias import sampling, spectra, targets


def test_amplitude_of_a_sinusoid_on_a_grid_is_exact():
    n = 128
    theta = sampling.sample_circle(n, 0, method="grid")
    v = 3.0 * np.sin(5 * theta + 0.3) + 0.5 + 0.25 * np.cos(17 * theta)
    amps = spectra.harmonic_amplitudes(theta, v, np.arange(n // 2), sampling.density_pdf("uniform", theta))
    expected = np.zeros(n // 2)
    expected[[0, 5, 17]] = [0.5, 3.0, 0.25]
    np.testing.assert_allclose(amps, expected, atol=1e-12)


def test_parseval_on_a_grid(rng):
    n = 64
    theta = sampling.sample_circle(n, 0, method="grid")
    q = np.arange(1, n // 2)
    v = rng.normal() + (rng.normal(size=(len(q), 1)) * np.cos(q[:, None] * theta + rng.uniform(0, 6, (len(q), 1)))).sum(0)
    amps = spectra.harmonic_amplitudes(theta, v, np.arange(n // 2), np.full(n, 1 / (2 * np.pi)))
    np.testing.assert_allclose(np.mean(v**2), amps[0] ** 2 + 0.5 * np.sum(amps[1:] ** 2), rtol=1e-10)


def test_monte_carlo_amplitude_on_random_samples():
    theta = sampling.sample_circle(20000, 1)
    v = 2.0 * np.cos(7 * theta)
    amps = spectra.harmonic_amplitudes(theta, v, [3, 7], sampling.density_pdf("uniform", theta))
    assert abs(amps[1] - 2.0) < 0.05 and amps[0] < 0.05


def test_three_dimensional_layout_matches_two_dimensional(rng):
    theta = sampling.sample_circle(50, 2)
    vals = rng.normal(size=(3, 50, 4))
    pdf = np.full(50, 1 / (2 * np.pi))
    a3 = spectra.harmonic_amplitudes(theta, vals, np.arange(10), pdf)
    a2 = spectra.harmonic_amplitudes(theta, vals[:, :, 2], np.arange(10), pdf)
    np.testing.assert_allclose(a3[:, :, 2], a2)


def test_dominant_frequency(rng):
    theta = sampling.sample_circle(256, 0, method="grid")
    vecs = np.stack([np.sin(4 * theta), np.cos(9 * theta) + 0.1 * np.cos(2 * theta)], 1)
    dom, frac = spectra.dominant_frequency(theta, vecs, np.full(256, 1 / (2 * np.pi)), 64)
    assert list(dom) == [4, 9]
    assert frac[0] > 0.999 and 0.98 < frac[1] < 1


def test_uniform_sampler_matches_its_density():
    theta = sampling.sample_circle(50000, 42)
    assert np.all((theta >= -np.pi) & (theta < np.pi)) and np.all(np.diff(theta) >= 0)
    counts, _ = np.histogram(theta, bins=40, range=(-np.pi, np.pi))
    assert stats.chisquare(counts).pvalue > 1e-3
    assert stats.kstest(theta, stats.uniform(loc=-np.pi, scale=2 * np.pi).cdf).pvalue > 1e-3


def test_sampler_is_seeded_and_grid_is_even():
    np.testing.assert_array_equal(sampling.sample_circle(100, 3), sampling.sample_circle(100, 3))
    assert not np.array_equal(sampling.sample_circle(100, 3), sampling.sample_circle(100, 4))
    g = sampling.sample_circle(8, 0, method="grid")
    np.testing.assert_allclose(np.diff(g), 2 * np.pi / 8)
    with pytest.raises(ValueError, match="unknown circle density"):
        sampling.sample_circle(10, 0, density="lumpy")


def test_targets():
    theta = sampling.sample_circle(100, 0)
    y = targets.harmonic(theta, 3)
    assert abs(np.linalg.norm(y) - 1) < 1e-12
    np.testing.assert_allclose(targets.harmonic(theta, 3, normalise="none"), np.sin(3 * theta))
    with pytest.raises(ValueError, match="vanishes"):
        targets.harmonic(np.zeros(5), 2)

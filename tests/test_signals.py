"""Targets of coordinate MLPs: the radial spectrum against images of known frequency and
Parseval, the bundled images against their table, seeded random images."""
import numpy as np
import pytest

from specbias import signals


def _plane_wave(size, u, v, channels=1):
    i, j = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    return np.repeat(np.cos(2 * np.pi * (u * i + v * j) / size)[:, :, None], channels, axis=2)


def test_radial_spectrum_of_a_plane_wave_sits_at_its_radius():
    size = 32
    spec = signals.radial_spectrum(_plane_wave(size, 3, 4))  # |(3, 4)| = 5
    assert spec.shape == (16,)
    assert np.flatnonzero(spec > 1e-9).tolist() == [4]  # k = 5 only
    count = int((signals.radial_index(size) == 5).sum())
    # two bins (±(3, 4)) of |F| = S²/2 each, averaged over the annulus of radius 5
    np.testing.assert_allclose(spec[4], np.sqrt(2 * (size**2 / 2) ** 2 / count), rtol=1e-12)
    two = signals.radial_spectrum(_plane_wave(size, 3, 4) + 2 * _plane_wave(size, 0, 9))
    np.testing.assert_allclose(two[8] / two[4], 2 * np.sqrt(int((signals.radial_index(size) == 5).sum())
                                                              / int((signals.radial_index(size) == 9).sum())), rtol=1e-12)


def test_radial_spectrum_obeys_parseval_and_sums_channels():
    rng = np.random.default_rng(0)
    img = rng.normal(size=(2, 24, 24, 3))
    spec = signals.radial_spectrum(img)  # (2, 12)
    idx = signals.radial_index(24)
    counts = np.bincount(idx.reshape(-1))[1:13]
    power = (np.abs(np.fft.fft2(img, axes=(1, 2))) ** 2).sum(-1)  # (2, 24, 24)
    rest = power[:, (idx == 0) | (idx > 12)].sum(-1)  # DC and the corners beyond S/2
    np.testing.assert_allclose((counts * spec**2).sum(-1) + rest, 24**2 * (img**2).sum((1, 2, 3)), rtol=1e-10)
    per_channel = [signals.radial_spectrum(img[..., c : c + 1]) ** 2 for c in range(3)]
    np.testing.assert_allclose(spec**2, sum(per_channel), rtol=1e-12)


def test_target_spectrum_normalised_by_itself_is_one():
    t = signals.load({"kind": "random_image", "size": 16, "channels": 3, "seed": 1})
    assert t.shape == (16, 16) and t.values.shape == (256, 3) and t.frequencies.tolist() == list(range(1, 9))
    np.testing.assert_allclose(t.spectrum(t.values[None])[0] / t.spectrum(t.values), 1.0)
    again = signals.load({"kind": "random_image", "size": 16, "channels": 3, "seed": 1})
    assert np.array_equal(t.values, again.values)
    assert not np.array_equal(t.values, signals.load({"kind": "random_image", "size": 16, "seed": 2}).values)
    s1 = signals.load({"kind": "sines", "length": 64, "frequencies": [3, 7]})
    assert s1.shape == (64,) and s1.values.shape == (64, 1)
    np.testing.assert_allclose(s1.spectrum(s1.values), 32.0, rtol=1e-10)  # amplitude 1: |DFT| = N/2


@pytest.mark.parametrize("name", list(signals.BUNDLED_IMAGES))
def test_bundled_images_load_without_network_and_match_their_table(name):
    import skimage.data

    raw = getattr(skimage.data, name)()
    assert min(raw.shape[:2]) == signals.natural_image_side(name)
    img = signals.natural_image(name, 32)
    assert img.shape[:2] == (32, 32) and img.shape[2] in (1, 3) and 0 <= img.min() and img.max() <= 1
    assert img.std() > 0.01  # a picture, not a blank


def test_bad_images_are_rejected():
    with pytest.raises(ValueError, match="not one scikit-image ships"):
        signals.natural_image("lena", 32)
    with pytest.raises(ValueError, match="would upsample"):
        signals.natural_image("chelsea", 301)
    with pytest.raises(ValueError, match="square"):
        signals.radial_spectrum(np.zeros((8, 6, 1)))

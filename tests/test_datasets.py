"""Tests for nnpy.datasets: the 2-D generators (against TF Playground's formulas) and feature maps."""

import math

import numpy as np
import pytest

from nnpy.data import DataError
from nnpy.datasets import DATASETS, FEATURES, feature_map, make_dataset

# ------------------------------------------------------------- generators

CLASSIFICATION = [name for name, info in DATASETS.items() if info["task"] == "classification"]
REGRESSION = [name for name, info in DATASETS.items() if info["task"] == "regression"]


@pytest.mark.parametrize("name", list(DATASETS))
def test_generator_shape_domain_and_seeds(name):
    X, y = make_dataset(name, seed=7, noise=0.2, num_classes=3)
    assert X.shape == (500, 2) and X.dtype == np.float64
    if name != "gauss":  # TF's Gaussian clouds are not clipped
        assert np.all(np.abs(X) <= 6)
    X2, y2 = make_dataset(name, seed=7, noise=0.2, num_classes=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make_dataset(name, seed=8, noise=0.2, num_classes=3)
    assert not np.allclose(X, X3)
    X4, y4 = make_dataset(name, seed=np.random.default_rng(7), noise=0.2, num_classes=3)
    np.testing.assert_array_equal(X4, X)


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_classes_are_balanced(name):
    k = 4 if DATASETS[name]["num_classes"] == "K" else 2
    _, y = make_dataset(name, n=501, num_classes=k, seed=0)
    counts = np.bincount(y, minlength=k)
    assert y.dtype == np.int64 and len(counts) == k
    if name not in ("circle", "xor"):  # their labels come from the geometry
        assert counts.max() - counts.min() <= 1


@pytest.mark.parametrize("name", REGRESSION)
def test_regression_targets(name):
    X, y = make_dataset(name, n=2000, noise=0.5, seed=1)
    assert y.shape == (2000, 1) and y.dtype == np.float64
    assert y.min() >= -1 and y.max() <= 1 and y.std() > 0.2


def test_circle_clean_geometry_and_noise_flips_labels_only():
    X, y = make_dataset("circle", n=1000, seed=3)
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_array_equal(y, (r < 2.5).astype(int))
    assert np.all((r <= 2.5) | ((r >= 3.5) & (r <= 5)))
    Xn, yn = make_dataset("circle", n=1000, noise=0.5, seed=3)
    np.testing.assert_array_equal(Xn, X)  # positions do not depend on noise
    assert 0 < np.mean(yn != y) < 0.5


@pytest.mark.parametrize("name, clean_label", [
    ("circle", lambda P: np.hypot(P[..., 0], P[..., 1]) < 2.5),
    ("xor", lambda P: P[..., 0] * P[..., 1] >= 0),
])
def test_noise_flips_labels_as_often_as_tf_formula_predicts(name, clean_label):
    X, y = make_dataset(name, n=2000, noise=0.5, seed=3)
    jitter = np.random.default_rng(0).uniform(-5, 5, (400, 1, 2)) * 0.5  # TF: randUniform(-5, 5) * noise
    flip_probability = np.mean(clean_label(X[None] + jitter) != clean_label(X)[None], axis=0)
    observed = np.mean(y != clean_label(X))
    assert abs(observed - flip_probability.mean()) < 0.03  # about 3 standard errors
    assert np.all(y[flip_probability == 0] == clean_label(X)[flip_probability == 0])


def test_xor_clean_geometry():
    X, y = make_dataset("xor", n=1000, seed=3)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] >= 0).astype(int))
    assert np.all(np.abs(X) >= 0.3) and np.all(np.abs(X) <= 5.3)


def test_gauss_centres_and_spread_follow_tf():
    for noise in (0.0, 0.5):
        X, y = make_dataset("gauss", n=4000, noise=noise, seed=2)
        std = math.sqrt(0.5 + 7 * noise)  # TF: variance 0.5 at noise 0, 4 at noise 0.5
        np.testing.assert_allclose(X[y == 1].mean(axis=0), [2, 2], atol=0.15)
        np.testing.assert_allclose(X[y == 0].mean(axis=0), [-2, -2], atol=0.15)
        np.testing.assert_allclose(X[y == 1].std(axis=0), std, rtol=0.06)


def _spiral_arm_offset(X):
    """Angle offset deltaT of each point on TF's arm x = r sin t, y = r cos t, t = 1.75*2*pi*r/5 + deltaT."""
    r = np.hypot(X[:, 0], X[:, 1])
    angle = np.arctan2(X[:, 0], X[:, 1])  # sin over cos: the angle t of the point
    return np.mod(angle - 1.75 * 2 * np.pi * r / 5, 2 * np.pi)


def _circular_distance(a, b):
    d = np.abs(np.mod(a - b, 2 * np.pi))
    return np.minimum(d, 2 * np.pi - d)


def test_spiral_clean_geometry_is_tf_formula():
    X, y = make_dataset("spiral", n=500, seed=0)
    offset = _spiral_arm_offset(X)
    far = np.hypot(X[:, 0], X[:, 1]) > 1e-9  # the arm origin has no angle
    expected = np.where(y == 1, 0.0, np.pi)  # TF: label +1 at deltaT 0, -1 at pi
    assert np.all(_circular_distance(offset, expected)[far] < 1e-9)


def test_spiral_classes_interleave_along_a_ray():
    X, y = make_dataset("spiral", n=4000, seed=0)
    angle = np.arctan2(X[:, 0], X[:, 1])
    ray = np.abs(angle - 0.5) < 0.02
    classes_by_radius = y[ray][np.argsort(np.hypot(*X[ray].T))]
    runs = 1 + np.count_nonzero(np.diff(classes_by_radius))
    assert runs >= 3  # 1.75 turns: a ray crosses the two arms alternately


@pytest.mark.parametrize("k", [2, 3, 6])
def test_k_spirals_follow_their_arms(k):
    X, y = make_dataset("spirals", n=600, num_classes=k, seed=0)
    offset = _spiral_arm_offset(X)
    far = np.hypot(X[:, 0], X[:, 1]) > 1e-9
    expected = 2 * np.pi * (y + 1) / k
    assert np.all(_circular_distance(offset, expected)[far] < 1e-9)
    assert np.bincount(y).tolist() == [600 // k] * k


@pytest.mark.parametrize("name, amplitude", [("spiral", 1.0), ("spirals", 1.0), ("moons", 3.0)])
def test_jitter_is_uniform_with_tf_amplitude(name, amplitude):
    clean, y = make_dataset(name, n=2000, seed=6, num_classes=3)
    noisy, y2 = make_dataset(name, n=2000, noise=0.5, seed=6, num_classes=3)
    np.testing.assert_array_equal(y, y2)  # same seed: same points, only jittered
    jitter = (noisy - clean) / (0.5 * amplitude)  # TF: randUniform(-1, 1) * noise
    assert np.all(np.abs(jitter) <= 1 + 1e-12) and np.abs(jitter).max() > 0.99
    np.testing.assert_allclose(jitter.std(axis=0), 1 / math.sqrt(3), rtol=0.05)


def test_two_spirals_equal_spiral():
    for noise in (0.0, 0.3):
        a = make_dataset("spiral", n=300, noise=noise, seed=5)
        b = make_dataset("spirals", n=300, noise=noise, seed=5, num_classes=2)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])


def test_moons_clean_geometry():
    X, y = make_dataset("moons", n=400, seed=1)
    P = X / 3 + [0.5, 0.25]  # back to the unit half circles
    top, bottom = P[y == 0], P[y == 1]
    np.testing.assert_allclose(np.hypot(*top.T), 1)
    np.testing.assert_allclose(np.hypot(*(bottom - [1, 0.5]).T), 1)
    assert top[:, 1].min() >= 0 and bottom[:, 1].max() <= 0.5


def test_blobs_centres():
    X, y = make_dataset("blobs", n=1200, num_classes=3, seed=1)
    angle = np.pi / 4 + 2 * np.pi * np.arange(3) / 3
    centres = 3.5 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    for c in range(3):
        np.testing.assert_allclose(X[y == c].mean(axis=0), centres[c], atol=0.15)


def _tf_reg_gauss_label(x, y):
    """TF Playground's regressGaussian getLabel, transcribed point by point."""
    gaussians = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]
    label = 0.0
    for cx, cy, sign in gaussians:
        d = math.hypot(x - cx, y - cy)
        new = sign * min(1.0, max(0.0, 1 - d / 2))
        if abs(new) > abs(label):
            label = new
    return label


def test_regression_clean_targets_match_tf_formulas():
    X, y = make_dataset("reg-gauss", n=400, seed=9)
    np.testing.assert_allclose(y[:, 0], [_tf_reg_gauss_label(a, b) for a, b in X], atol=1e-15)
    X, y = make_dataset("reg-plane", n=400, seed=9)
    np.testing.assert_allclose(y[:, 0], np.clip((X[:, 0] + X[:, 1]) / 10, -1, 1))


def test_make_dataset_rejects_bad_arguments():
    with pytest.raises(DataError, match="unknown dataset 'spiralz'. Valid names: circle, xor"):
        make_dataset("spiralz")
    with pytest.raises(DataError, match="noise must be a fraction"):
        make_dataset("xor", noise=30)
    with pytest.raises(DataError, match="num_classes .* 2..6"):
        make_dataset("blobs", num_classes=7)
    with pytest.raises(DataError, match="n must be"):
        make_dataset("xor", n=0)


# ------------------------------------------------------------ feature maps


def test_feature_map_against_hand_computed_values():
    X = np.array([[2.0, 3.0], [-1.0, 0.5]])
    out = feature_map(X, FEATURES)
    expected = [[2, 3, 4, 9, 6, math.sin(2), math.sin(3)],
                [-1, 0.5, 1, 0.25, -0.5, math.sin(-1), math.sin(0.5)]]
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(feature_map(X, ["x1*x2", "x1"]), [[6, 2], [-0.5, -1]])
    assert feature_map(np.zeros((10000, 2)), ["sin(x2)"]).shape == (10000, 1)


def test_feature_map_rejects_bad_input():
    with pytest.raises(DataError, match="unknown feature 'x3'. Valid names: x1, x2"):
        feature_map(np.zeros((1, 2)), ["x1", "x3"])
    with pytest.raises(DataError, match="sequence of feature names"):
        feature_map(np.zeros((1, 2)), "x1")
    with pytest.raises(DataError, match=r"shape \(n, 2\)"):
        feature_map(np.zeros((1, 3)), ["x1"])

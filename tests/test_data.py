"""Tests for nnpy.data: CSV, generators, feature maps, splits, MNIST, digit preprocessing."""

import io
import math

import numpy as np
import pytest

from nnpy.data import (
    DATASETS, FEATURES, DataError, as_generator, feature_map, load_csv, load_mnist,
    make_dataset, normalize_pixels, one_hot, preprocess_digit, save_csv, save_mnist,
    standardize, train_test_split,
)

# ------------------------------------------------------------------- CSV


def test_header_is_detected_and_data_parsed():
    X, y = load_csv("label,x1,x2\n1,0.5,2\n0,-1,3e2\n")
    assert X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(X, [[0.5, 2.0], [-1.0, 300.0]])
    np.testing.assert_array_equal(y, [1, 0])


def test_numeric_first_row_is_data_not_header():
    X, y = load_csv("1,0.5,2\n0,-1,3\n")
    assert X.shape == (2, 2)
    np.testing.assert_array_equal(y, [1, 0])


def test_header_forced_on_and_off():
    X, y = load_csv("1,0.5,2\n0,-1,3\n", header=True)
    assert X.shape == (1, 2) and y.tolist() == [0]
    with pytest.raises(DataError, match=r"row 1 \(there is no header row\), column 2: 'x1' is not a number"):
        load_csv("7,x1\n1,2\n", header=False)


@pytest.mark.parametrize("text, message", [
    ("label,a,b\n1,2,3\n\n0,1\n",
     r"row 4 \(counting the header as row 1\) has 2 columns, expected 3 like the header"),
    ("1,2,3\n0,1,2,5\n", r"row 2 \(there is no header row\) has 4 columns, expected 3 like row 1"),
    ("1,2,3\n0,x7,4\n", r"row 2 \(there is no header row\), column 2: 'x7' is not a number"),
    ("a,b\n1,2\n0,\n", r"row 3 \(counting the header as row 1\), column 2 is empty"),
    ("1,2\n1,1_0\n", r"row 2 \(there is no header row\), column 2: '1_0' is not a number"),
    ("label,a\n1,2\n0,nan\n", r"row 3 \(counting the header as row 1\), column 2: 'nan' is not a finite"),
    ("1,2\n0, -inf\n", r"row 2 \(there is no header row\), column 2: '-inf' is not a finite"),
    ("1,2\n0.5,3\n", r"row 2 \(there is no header row\), column 1 \(the label\): '0.5' is not an integer"),
    ("a,b\n1,2\n-1,3\n", r"row 3 \(counting the header as row 1\), column 1 \(the label\): '-1' is negative"),
    ("1,2\n3,3\n", r"row 2 \(there is no header row\), column 1 \(the label\): '3' is out of range: "
                   r"labels must be 0..2 \(num_classes=3\)"),
    ("", r"empty"),
    ("\n  \n\n", r"empty"),
    ("label,x\n", r"header row but no data rows"),
    ("1\n2\n", r"single column"),
])
def test_csv_errors_name_row_column_and_value(text, message):
    with pytest.raises(DataError, match=message):
        load_csv(text, num_classes=3)


def test_bom_crlf_blank_lines_spaces_and_quotes():
    X, y = load_csv('\ufeff"label", "x"\r\n 1 , "2.5"\r\n\r\n0,3\r\n\r\n\r\n')
    np.testing.assert_array_equal(X, [[2.5], [3.0]])
    np.testing.assert_array_equal(y, [1, 0])
    X, y = load_csv(b"\xef\xbb\xbflabel;x\n1;2\n", delimiter=";")
    assert X.tolist() == [[2.0]] and y.tolist() == [1]


def test_blank_lines_count_in_row_numbers():
    with pytest.raises(DataError, match=r"row 5 \(counting the header as row 1\), column 3: 'oops'"):
        load_csv("y,a,b\n1,2,3\n\n\n0,2,oops\n")


def test_sources_path_file_objects_bytes(tmp_path):
    text = "label,x1,x2\n2,0.25,-1\n0,1,1\n"
    path = tmp_path / "d.csv"
    path.write_text(text)
    expected = load_csv(text)
    for source in (path, str(path), io.StringIO(text), io.BytesIO(text.encode()), text.encode()):
        X, y = load_csv(source)
        np.testing.assert_array_equal(X, expected[0])
        np.testing.assert_array_equal(y, expected[1])
    with pytest.raises(DataError, match="cannot read CSV file .*missing.csv"):
        load_csv(str(tmp_path / "missing.csv"))


def test_label_column_by_index_and_name_and_float_labels():
    X, y = load_csv("a,b,target\n1,2,0\n3,4,1\n", label_column=-1)
    assert X.tolist() == [[1, 2], [3, 4]] and y.tolist() == [0, 1]
    X, y = load_csv("a,target,b\n1,0,2\n3,1,4\n", label_column="target")
    assert X.tolist() == [[1, 2], [3, 4]] and y.tolist() == [0, 1]
    with pytest.raises(DataError, match="'nope' is not a column name"):
        load_csv("a,b\n1,2\n", label_column="nope")
    X, y = load_csv("0.25,1\n-0.5,2\n", label_type="float")
    assert y.dtype == np.float64 and y.shape == (2, 1) and y[:, 0].tolist() == [0.25, -0.5]


def test_fast_and_careful_parsers_agree():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(50, 4))
    y = rng.integers(0, 3, 50)
    text = save_csv(None, X, y)
    fast = load_csv(text)
    lines = text.split("\n")
    lines[10] = ",".join(f'"{c}"' for c in lines[10].split(","))  # quotes force the careful parser
    careful = load_csv("\n".join(lines))
    for a, b in zip(fast, careful):
        np.testing.assert_array_equal(a, b)


def test_save_load_round_trip_is_exact(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3)) * np.array([1e-300, 1.0, 1e300])
    X[0, 1] = 0.1
    y = rng.integers(0, 4, 40)
    path = tmp_path / "round.csv"
    save_csv(path, X, y, header=True)
    assert path.read_text().splitlines()[0] == "label,x1,x2,x3"
    X2, y2 = load_csv(path)
    np.testing.assert_array_equal(X2, X)  # bit for bit
    np.testing.assert_array_equal(y2, y)


def test_save_csv_pixels_as_integers_and_regression_targets():
    pixels = np.array([[0, 255, 7]], dtype=np.uint8)
    assert save_csv(None, pixels, np.array([3])) == "3,0,255,7\n"
    X, y = make_dataset("reg-plane", 30, noise=0.1, seed=4)
    X2, y2 = load_csv(save_csv(None, X, y, header=["t", "a", "b"]), label_type="float")
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)


def test_save_csv_rejects_bad_input_and_keeps_the_file(tmp_path):
    path = tmp_path / "keep.csv"
    path.write_text("1,2\n")
    with pytest.raises(DataError, match="NaN"):
        save_csv(path, np.array([[np.nan]]), np.array([0]))
    with pytest.raises(DataError, match=r"y must have shape \(2,\)"):
        save_csv(path, np.zeros((2, 2)), np.zeros(3))
    with pytest.raises(DataError, match="header needs 3 names"):
        save_csv(path, np.zeros((2, 2)), np.zeros(2), header=["a", "b"])
    assert path.read_text() == "1,2\n"


# ---------------------------------------------------------- preprocessing


def test_as_generator():
    assert as_generator(5).random() == as_generator(5).random()
    g = np.random.default_rng(1)
    assert as_generator(g) is g
    with pytest.raises(TypeError, match="seed must be"):
        as_generator(1.5)
    with pytest.raises(ValueError, match="non-negative"):
        as_generator(-1)


def test_one_hot():
    np.testing.assert_array_equal(one_hot([2, 0, 1]), np.eye(3)[[2, 0, 1]])
    assert one_hot(np.array([[1], [0]]), 4).shape == (2, 4)
    with pytest.raises(DataError, match="out of range"):
        one_hot([3], 3)
    with pytest.raises(DataError, match=r"y\[1\] = -1 is negative"):
        one_hot([0, -1])
    with pytest.raises(DataError, match="not an integer"):
        one_hot([0.5])


def test_standardize_uses_given_statistics_and_guards_zero_std():
    X = np.array([[1.0, 5.0, 0.0], [3.0, 5.0, 4.0], [5.0, 5.0, 8.0]])
    Xs, mean, std = standardize(X)
    np.testing.assert_allclose(Xs.mean(axis=0), 0, atol=1e-15)
    np.testing.assert_allclose(Xs.std(axis=0), [1, 0, 1])
    assert std[1] == 1.0 and np.all(np.isfinite(Xs))
    test, _, _ = standardize([[3.0, 6.0, 4.0]], mean, std)
    np.testing.assert_allclose(test, [[0.0, 1.0, 0.0]])
    with pytest.raises(DataError, match=r"mean must have shape \(3,\)"):
        standardize(X, mean=[0.0])


def test_normalize_pixels():
    np.testing.assert_allclose(normalize_pixels(np.array([0, 51, 255], dtype=np.uint8)), [0, 0.2, 1])
    with pytest.raises(DataError, match=r"\[0, 255\]"):
        normalize_pixels([300])


def test_split_sizes_disjoint_and_reproducible():
    X = np.arange(50, dtype=np.float64)[:, None]
    y = np.arange(50) % 2
    a = train_test_split(X, y, 0.3, seed=1)
    b = train_test_split(X, y, 0.3, seed=1)
    c = train_test_split(X, y, 0.3, seed=2)
    assert len(a[0]) == 35 and len(a[2]) == 15
    assert sorted(np.concatenate([a[0][:, 0], a[2][:, 0]]).tolist()) == list(range(50))
    np.testing.assert_array_equal(a[1], a[0][:, 0].astype(int) % 2)  # rows stay with their labels
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[2], c[2])
    with pytest.raises(DataError, match="test_fraction"):
        train_test_split(X, y, 1.0)
    with pytest.raises(DataError, match="same number of samples"):
        train_test_split(X, y[:-1])


def test_stratified_split_keeps_class_proportions():
    y = np.repeat([0, 1, 2], [100, 50, 30])
    X = np.arange(180, dtype=np.float64)[:, None]
    X_train, y_train, X_test, y_test = train_test_split(X, y, 0.2, seed=0, stratify=True)
    assert np.bincount(y_test).tolist() == [20, 10, 6]
    assert np.bincount(y_train).tolist() == [80, 40, 24]
    _, _, _, y_test_oh = train_test_split(X, one_hot(y), 0.2, seed=0, stratify=True)
    assert y_test_oh.sum(axis=0).tolist() == [20, 10, 6]


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


# ------------------------------------------------------------------ MNIST


def _digits(counts=(30, 34, 28, 31, 29, 27, 30, 32, 28, 31), seed=0):
    """Synthetic digits: pixel 0 holds the label * 20 and pixels 1-2 the sample's index."""
    labels = np.repeat(np.arange(10), counts).astype(np.uint8)
    labels = np.random.default_rng(seed).permutation(labels)
    images = np.random.default_rng(seed).integers(0, 256, (len(labels), 784)).astype(np.uint8)
    images[:, 0] = labels * 20
    images[:, 1], images[:, 2] = np.arange(len(labels)) // 256, np.arange(len(labels)) % 256
    return images, labels


def test_load_mnist_stratified_split_from_path_bytes_and_file(tmp_path):
    images, labels = _digits()
    path = tmp_path / "mnist.npz"
    np.savez_compressed(path, images=images, labels=labels)
    X_train, y_train, X_test, y_test = load_mnist(path)
    assert X_train.shape == (240, 784) and X_test.shape == (60, 784)
    assert X_train.dtype == np.float64 and y_train.dtype == np.int64
    assert X_train.min() >= 0 and X_train.max() <= 1
    np.testing.assert_array_equal(np.round(X_test[:, 0] * 255), y_test * 20)  # labels stay with images
    test_share = np.bincount(y_test, minlength=10) / np.bincount(labels)
    assert np.all(np.abs(test_share - 0.2) < 1 / 27)  # each class within one sample of 20 %
    index = np.round(X_train[:, 1] * 255) * 256 + np.round(X_train[:, 2] * 255)
    index_test = np.round(X_test[:, 1] * 255) * 256 + np.round(X_test[:, 2] * 255)
    assert sorted(np.concatenate([index, index_test]).tolist()) == list(range(300))
    data = path.read_bytes()
    for source in (data, io.BytesIO(data), str(path)):
        again = load_mnist(source)
        for a, b in zip(again, (X_train, y_train, X_test, y_test)):
            np.testing.assert_array_equal(a, b)
    other = load_mnist(data, seed=1)
    assert not np.array_equal(other[3], y_test) or not np.array_equal(other[2], X_test)


def test_load_mnist_subset_counts_and_raw_pixels(tmp_path):
    images, labels = _digits()
    path = tmp_path / "mnist.npz"
    save_mnist(path, images, labels)
    X_train, y_train, X_test, y_test = load_mnist(path, n=100, test_size=20, normalize=False)
    assert len(y_train) == 80 and len(y_test) == 20
    subset = np.bincount(np.concatenate([y_train, y_test]), minlength=10)
    assert np.all(np.abs(subset - np.bincount(labels) / 3) < 1)  # each class keeps its share
    np.testing.assert_array_equal(X_test[:, 0], y_test * 20)
    assert X_train.max() > 1  # raw 0..255


@pytest.mark.parametrize("arrays, message", [
    ({"pixels": np.zeros((3, 784), np.uint8), "labels": np.zeros(3, np.uint8)}, r"lacks \['images'\]"),
    ({"images": np.zeros((3, 784)), "labels": np.zeros(3, np.uint8)}, "'images' must be uint8"),
    ({"images": np.zeros((3, 784), np.uint8), "labels": np.zeros(3, np.int64)}, "'labels' must be uint8"),
    ({"images": np.zeros((3, 100), np.uint8), "labels": np.zeros(3, np.uint8)}, r"shape \(N, 784\)"),
    ({"images": np.zeros((3, 784), np.uint8), "labels": np.zeros(4, np.uint8)}, r"shape \(3,\)"),
    ({"images": np.zeros((2, 784), np.uint8), "labels": np.array([1, 12], np.uint8)},
     r"labels\[1\] = 12 is not a digit"),
    ({"images": np.array([{"a": 1}, None], dtype=object), "labels": np.zeros(2, np.uint8)},
     "Python objects"),
])
def test_load_mnist_rejects_bad_files(tmp_path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(DataError, match=message):
        load_mnist(path)


def test_load_mnist_rejects_non_archives(tmp_path):
    images, labels = _digits()
    buffer = io.BytesIO()
    np.savez_compressed(buffer, images=images, labels=labels)
    with pytest.raises(DataError, match="unreadable|not an .npz"):
        load_mnist(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(DataError, match="not an .npz"):
        load_mnist(b"label,pixel1\n1,2\n")
    npy = io.BytesIO()
    np.save(npy, images)
    with pytest.raises(DataError, match="single .npy array"):
        load_mnist(npy.getvalue())
    with pytest.raises(DataError, match="cannot read"):
        load_mnist(tmp_path / "missing.npz")
    with pytest.raises(DataError, match="test_size"):
        load_mnist(buffer.getvalue(), n=10, test_size=10)


# --------------------------------------------------------- a drawn digit


def _centre_of_mass(image):
    image = image.reshape(28, 28)
    rows, cols = np.indices(image.shape)
    return (rows * image).sum() / image.sum(), (cols * image).sum() / image.sum()


def _bounding_box(image, threshold=0.0):
    ink = image.reshape(28, 28) > threshold
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def test_digit_output_shape_range_and_blank():
    canvas = np.zeros((280, 280))
    canvas[40:120, 30:60] = 255
    x = preprocess_digit(canvas)
    assert x.shape == (784,) and x.dtype == np.float64
    assert x.min() >= 0 and x.max() == 1
    np.testing.assert_array_equal(preprocess_digit(np.zeros((50, 40))), np.zeros(784))
    np.testing.assert_array_equal(preprocess_digit(canvas / 255), x)  # scale of the input is irrelevant


def test_centred_mnist_digit_stays_where_it_is():
    digit = np.zeros((28, 28))
    digit[4:24, 10:18] = 0.6  # a 20-px-tall bar, already MNIST-shaped
    digit[6:22, 12:16] = 1.0
    digit[4:8, 10:12] = 0.3
    cy, cx = _centre_of_mass(digit)
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5
    np.testing.assert_array_equal(preprocess_digit(digit), digit.reshape(784))  # a fixed point


def test_random_strokes_are_centred_by_mass():
    rng = np.random.default_rng(4)
    checked = 0
    for _ in range(40):
        canvas = np.zeros((200, 160))
        for _ in range(3):
            top, left = rng.integers(0, 170), rng.integers(0, 130)
            canvas[top:top + rng.integers(3, 30), left:left + rng.integers(3, 30)] += rng.uniform(0.3, 1)
        x = preprocess_digit(canvas)
        assert max(_bounding_box(x)) == 20
        cy, cx = _centre_of_mass(x)
        ink = x.reshape(28, 28) > 0
        rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
        if rows[0] > 0 and rows[-1] < 27:  # else the shift was clipped to keep the ink inside
            assert abs(cy - 14) <= 0.5
            checked += 1
        if cols[0] > 0 and cols[-1] < 27:
            assert abs(cx - 14) <= 0.5
            checked += 1
    assert checked >= 60


def test_corner_digit_is_recentred_and_scaled():
    canvas = np.zeros((280, 280))
    canvas[5:95, 200:230] = 1.0  # a tall stroke in the top-right corner
    canvas[5:20, 200:270] = 1.0  # and a bar: an asymmetric "7"-like shape
    x = preprocess_digit(canvas)
    cy, cx = _centre_of_mass(x)
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5
    h, w = _bounding_box(x)
    assert max(h, w) == 20 and abs(w / h - 70 / 90) < 0.1


def test_downscaling_averages_areas():
    canvas = np.zeros((100, 100))
    canvas[0:100, 0:50] = 1.0  # a 100x50 block becomes a 20x10 uniform block
    x = preprocess_digit(canvas).reshape(28, 28)
    assert _bounding_box(x) == (20, 10)
    ink = x[x > 0]
    np.testing.assert_allclose(ink, 1.0)
    stripes = np.zeros((40, 40))
    stripes[:, ::2] = 1.0  # a 1-px stripe pattern halves to a flat grey before rescaling
    y = preprocess_digit(stripes).reshape(28, 28)
    core = y[y > 0]
    assert core.max() == 1 and core.min() > 0.2  # anti-aliased, not stripes sampled


def test_area_average_at_a_fractional_ratio():
    canvas = np.random.default_rng(2).uniform(0.2, 1.0, (30, 24))  # ink everywhere: the box is the canvas
    x = preprocess_digit(canvas).reshape(28, 28)
    h, w = _bounding_box(x)
    assert (h, w) == (20, 16)
    # 30 -> 20 is 2/3: split each pixel in two, then average blocks of three
    fine = np.repeat(np.repeat(canvas, 2, axis=0), 2, axis=1)
    reference = fine.reshape(20, 3, 16, 3).mean(axis=(1, 3))
    rows, cols = np.flatnonzero(x.any(axis=1)), np.flatnonzero(x.any(axis=0))
    np.testing.assert_allclose(x[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1],
                               reference / reference.max(), rtol=1e-12)


def test_digit_rejects_bad_input():
    with pytest.raises(DataError, match="2-D"):
        preprocess_digit(np.zeros(784))
    with pytest.raises(DataError, match="NaN"):
        preprocess_digit(np.full((5, 5), np.nan))

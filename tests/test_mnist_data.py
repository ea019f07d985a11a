"""Tests for nnpy.mnist: the digits file, its stratified split, pixel scaling, a drawn digit."""

import io
import pickle

import numpy as np
import pytest

from nnpy.data import DataError
from nnpy.mnist import load_mnist, normalize_pixels, preprocess_digit, save_mnist


def test_normalize_pixels():
    np.testing.assert_allclose(normalize_pixels(np.array([0, 51, 255], dtype=np.uint8)), [0, 0.2, 1])
    with pytest.raises(DataError, match=r"\[0, 255\]"):
        normalize_pixels([300])


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
    for not_npz in (b"label,pixel1\n1,2\n", pickle.dumps({"images": [1]})):
        with pytest.raises(DataError, match="not an .npz") as caught:
            load_mnist(not_npz)
        # numpy's own text goes on "If you trust the file you can load it unsafely ...": never
        assert "never loads" in str(caught.value) and "unsafely" not in str(caught.value)
        assert "allow_pickle" not in str(caught.value), caught.value
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


def test_an_npz_whose_headers_claim_more_than_it_holds_is_refused_before_numpy_allocates(monkeypatch):
    import struct
    import tracemalloc
    import zipfile

    def npy_header(shape):
        text = f"{{'descr': '|u1', 'fortran_order': False, 'shape': {shape}, }}".encode()
        text += b" " * ((64 - (10 + len(text) + 1) % 64) % 64) + b"\n"
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text

    cases = [((10**7, 784), bytes(1000), "declares shape .* but its entry holds 1,000"),   # 7.8 GB
             ((100, 784), bytes(100 * 784), "more than the 50,000-byte limit")]
    monkeypatch.setattr("nnpy.mnist.MAX_NPZ_ARRAY_BYTES", 50_000)   # 256 MB in use
    for shape, data, message in cases:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("images.npy", npy_header(shape) + data)
            archive.writestr("labels.npy", npy_header((10,)) + bytes(10))
        tracemalloc.start()
        try:
            with pytest.raises(DataError, match=message):
                load_mnist(buffer.getvalue())
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 8 * 2**20 + len(buffer.getvalue()), peak

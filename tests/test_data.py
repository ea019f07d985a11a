"""Tests for nnpy.data: CSV, splits, one-hot and standardisation."""

import io

import numpy as np
import pytest

from nnpy.data import (
    DataError, as_generator, load_csv, one_hot, save_csv, standardize, train_test_split,
)
from nnpy.datasets import make_dataset

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

"""Tests for nnpy.metrics: accuracy and the confusion matrix against hand-computed values."""

import numpy as np
import pytest

from nnpy.metrics import accuracy, class_indices, confusion_matrix


def test_accuracy_from_indices_one_hot_and_probabilities():
    y = np.array([0, 2, 1, 2])
    assert accuracy(y, [0, 2, 2, 2]) == 0.75
    assert accuracy(np.eye(3)[y], [0, 2, 2, 2]) == 0.75  # one-hot truth
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3], [0.5, 0.1, 0.4]])
    assert accuracy(y, probs) == 0.75  # argmax: 0, 2, 1, 0
    assert accuracy(y.reshape(-1, 1), probs) == 0.75


def test_accuracy_binary_probabilities_threshold_at_one_half():
    y = np.array([[1], [0], [1], [0], [0]])
    p = np.array([[0.9], [0.2], [0.4], [0.5], [0.51]])  # classes 1, 0, 0, 0 (0.5 is not > 0.5), 1
    assert accuracy(y, p) == 0.6
    assert accuracy(y[:, 0].astype(float), p[:, 0]) == 0.6
    assert accuracy([1, 0], [1.0, 0.0]) == 1.0  # whole-number floats are indices
    assert accuracy([0, 1], [-0.3, 0.8]) == 1.0  # tanh-like scores are thresholded too


def test_confusion_matrix_hand_computed():
    y_true = [0, 0, 1, 1, 1, 2, 2]
    y_pred = [0, 1, 1, 1, 2, 2, 0]
    expected = [[1, 1, 0],
                [0, 2, 1],
                [1, 0, 1]]
    m = confusion_matrix(y_true, y_pred)
    assert m.dtype == np.int64
    np.testing.assert_array_equal(m, expected)
    padded = confusion_matrix(y_true, y_pred, num_classes=5)
    assert padded.shape == (5, 5)
    np.testing.assert_array_equal(padded[:3, :3], expected)
    assert padded[3:].sum() == 0 and padded[:, 3:].sum() == 0


def test_confusion_matrix_from_probabilities_takes_their_width():
    probs = np.array([[0.1, 0.9, 0.0, 0.0], [0.8, 0.1, 0.1, 0.0]])
    m = confusion_matrix([1, 1], probs)
    assert m.shape == (4, 4)
    assert m[1, 1] == 1 and m[1, 0] == 1 and m.sum() == 2
    binary = confusion_matrix([0, 0, 1], np.array([[0.2], [0.7], [0.9]]))
    np.testing.assert_array_equal(binary, [[1, 1], [0, 1]])


def test_confusion_matrix_agrees_with_a_loop_and_with_accuracy():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 6, 1000)
    scores = rng.normal(size=(1000, 6))
    scores[np.arange(1000), y_true] += 1.0
    m = confusion_matrix(y_true, scores)
    reference = np.zeros((6, 6), dtype=np.int64)
    for t, p in zip(y_true, scores.argmax(axis=1)):
        reference[t, p] += 1
    np.testing.assert_array_equal(m, reference)
    assert m.sum() == 1000
    np.testing.assert_array_equal(m.sum(axis=1), np.bincount(y_true, minlength=6))
    assert np.trace(m) / 1000 == accuracy(y_true, scores)


@pytest.mark.parametrize("y_true, y_pred, kwargs, message", [
    ([0, 1, 1], [0, 1], {}, "y_true has 3 samples but y_pred has 2"),
    ([], [], {}, "empty"),
    ([0, -1], [0, 1], {}, r"y_true\[1\] = -1 is negative"),
    ([0, 1], [0, np.nan], {}, "NaN"),
    ([0, 3], [0, 1], {"num_classes": 3}, "class 3 is out of range for num_classes=3"),
    ([0, 1], [0, 1], {"num_classes": 0}, "num_classes must be a positive int"),
    (["a"], [0], {}, "must hold numbers"),
    (np.zeros((2, 2, 2)), [0, 1], {}, r"shape \(n,\), \(n, 1\) or \(n, C\)"),
])
def test_bad_input_is_named(y_true, y_pred, kwargs, message):
    with pytest.raises(ValueError, match=message):
        confusion_matrix(y_true, y_pred, **kwargs)
    if "num_classes" not in kwargs:
        with pytest.raises(ValueError, match=message):
            accuracy(y_true, y_pred)


def test_class_indices_reports_the_width():
    assert class_indices(np.eye(4)[[3, 1]])[1] == 4
    assert class_indices([0.2, 0.7])[1] == 2
    idx, width = class_indices(np.array([[2], [5]], dtype=np.uint8))
    assert idx.tolist() == [2, 5] and idx.dtype == np.int64 and width == 0

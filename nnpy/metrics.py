"""Metrics: accuracy and the confusion matrix.

Both accept labels and predictions in every form the framework produces:

- class indices of shape ``(n,)`` or ``(n, 1)`` (integers, or floats that
  are all whole numbers);
- one-hot labels, probabilities or scores of shape ``(n, C)``, ``C >= 2``:
  the class is the argmax of the row;
- binary probabilities of shape ``(n,)`` or ``(n, 1)`` that are not all whole
  numbers (a sigmoid output): class 1 where ``p > 0.5``, else class 0.
"""

import numpy as np


def class_indices(y, name="y"):
    """Class indices of labels or predictions in any of the forms above.

    Args:
        y: of shape ``(n,)``, ``(n, 1)`` or ``(n, C)``.
        name: what to call ``y`` in error messages.

    Returns:
        ``(indices, width)``: int64 of shape ``(n,)``, and the number of
        classes the shape implies (``C`` for ``(n, C)``, 2 for thresholded
        probabilities, 0 when only the values say it).

    Example:
        >>> class_indices([[0.2], [0.9]])[0].tolist()
        [0, 1]
    """
    a = np.asarray(y)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim not in (1, 2) or (a.ndim == 2 and a.shape[1] == 0):
        raise ValueError(f"{name} must have shape (n,), (n, 1) or (n, C). Received shape {np.shape(y)}")
    if a.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold numbers. Received dtype {a.dtype}")
    if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
        i = int(np.argmax(~np.isfinite(a).reshape(len(a), -1).all(axis=1)))
        raise ValueError(f"{name} holds a NaN or infinite value (sample {i})")
    if a.ndim == 2:
        return np.argmax(a, axis=1).astype(np.int64), a.shape[1]
    if a.dtype.kind == "f" and np.any(a != np.floor(a)):
        return (a > 0.5).astype(np.int64), 2
    if a.size and a.min() < 0:
        i = int(np.argmin(a))
        raise ValueError(f"{name}[{i}] = {a[i].item()!r} is negative: class indices count from 0")
    return a.astype(np.int64), 0


def _pair(y_true, y_pred):
    t, t_width = class_indices(y_true, "y_true")
    p, p_width = class_indices(y_pred, "y_pred")
    if len(t) != len(p):
        raise ValueError(f"y_true has {len(t)} samples but y_pred has {len(p)}")
    if len(t) == 0:
        raise ValueError("y_true and y_pred are empty")
    return t, p, max(t_width, p_width)


def accuracy(y_true, y_pred):
    """Fraction of samples whose predicted class is the true class.

    Args:
        y_true: class indices ``(n,)``/``(n, 1)`` or one-hot ``(n, C)``.
        y_pred: class indices, probabilities ``(n, C)`` (argmax), or binary
            probabilities ``(n,)``/``(n, 1)`` (class 1 where ``p > 0.5``).

    Returns:
        a float in ``[0, 1]``.

    Example:
        >>> accuracy([0, 1, 1], [[0.9, 0.1], [0.3, 0.7], [0.8, 0.2]])
        0.6666666666666666
    """
    t, p, _ = _pair(y_true, y_pred)
    return float(np.mean(t == p))


def confusion_matrix(y_true, y_pred, num_classes=None):
    """Counts of (true class, predicted class) pairs.

    ``M[i, j]`` is the number of samples of true class ``i`` predicted as
    class ``j``: rows are true classes, columns predictions, the diagonal the
    correct ones, and the total is ``n``.

    Args:
        y_true, y_pred: as for :func:`accuracy`.
        num_classes: ``C``; by default the largest of the widths of
            ``(n, C)`` inputs and the largest class seen plus one.

    Returns:
        int64 of shape ``(C, C)``.

    Example:
        >>> confusion_matrix([0, 1, 1, 2], [0, 2, 1, 2]).tolist()
        [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    """
    t, p, width = _pair(y_true, y_pred)
    seen = int(max(t.max(), p.max())) + 1
    if num_classes is None:
        num_classes = max(width, seen)
    elif isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) \
            or num_classes < 1:
        raise ValueError(f"num_classes must be a positive int. Received: num_classes={num_classes!r}")
    elif seen > num_classes or width > num_classes:
        raise ValueError(f"class {max(seen - 1, width - 1)} is out of range for "
                         f"num_classes={num_classes}")
    num_classes = int(num_classes)
    # bincount wants intp, which is 32-bit in Pyodide (wasm32)
    counts = np.bincount((t * num_classes + p).astype(np.intp), minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes).astype(np.int64)

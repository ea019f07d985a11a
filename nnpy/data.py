"""Data: CSV files, splits and preprocessing (one-hot, standardisation).

Everything here takes and returns NumPy arrays, float64 unless said otherwise.
Class labels are ``int64`` indices ``0..C-1``; regression targets are float64
of shape ``(n, 1)``. Every function that draws random numbers takes ``seed``:
an int, ``None`` or a ``numpy.random.Generator`` (see :func:`as_generator`), so
the same seed gives the same arrays. Every bad input raises :class:`DataError`
with a message that says where the problem is and what was found there.

The 2-D playground datasets and their feature maps are in :mod:`nnpy.datasets`,
the MNIST digits in :mod:`nnpy.mnist`.
"""

import os
import re

import numpy as np

from .rng import as_generator  # noqa: F401  (re-exported: data's seed= arguments)


class DataError(ValueError):
    """Bad data or a bad argument to a data function; the message says where."""


# --------------------------------------------------------------------- CSV

def _read_text(source):
    """Return ``(text, origin)`` for a path, a file object, bytes or CSV text."""
    if isinstance(source, str) and ("\n" in source or "\r" in source or not source.strip()):
        return source.lstrip("\ufeff"), "the CSV text"
    if isinstance(source, (str, os.PathLike)):
        shown = repr(os.fspath(source))
        origin = f"CSV file {shown if len(shown) <= 200 else shown[:120] + '…'}"
        try:
            with open(source, "rb") as f:
                data = f.read()
        except OSError as e:
            hint = " (a str without a line break is read as a path)" if isinstance(source, str) else ""
            raise DataError(f"cannot read {origin}: {e.strerror or e}{hint}") from e
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data, origin = bytes(source), "the CSV data"
    elif hasattr(source, "read"):
        data, origin = source.read(), "the CSV file"
        if isinstance(data, str):
            return data.lstrip("\ufeff"), origin
    else:
        raise DataError("source must be a path, a file object, bytes or CSV text. "
                        f"Received: {type(source).__name__}")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16"), origin
    try:
        return data.decode("utf-8-sig"), origin
    except UnicodeDecodeError:
        return data.decode("latin-1"), origin  # numbers are ASCII in any encoding


def _number(cell):
    """``float`` of a CSV cell, or ``None`` when it is not a number."""
    s = cell.strip()
    if len(s) >= 2 and s[0] == s[-1] == '"':
        s = s[1:-1].strip()
    if not s or "_" in s:
        return None
    try:
        return float(s)
    except ValueError:
        return None


def _row_name(line_number, has_header):
    note = "counting the header as row 1" if has_header else "there is no header row"
    return f"row {line_number} ({note})"


def _column_name(index, label_index):
    return f"column {index + 1}" + (" (the label)" if index == label_index else "")


def load_csv(source, *, label_column=0, header="auto", num_classes=None,
             label_type="int", delimiter=",", return_info=False):
    """Read a table of numbers with one label column: the seed-2 format.

    ``label, feature1, feature2, ...`` one sample a row, an optional header row.
    Blank lines, a byte-order mark and spaces around cells are ignored.

    Args:
        source: where the CSV comes from. A ``str`` that contains a line break
            is CSV text; any other ``str`` or a ``pathlib.Path`` is a file path;
            ``bytes`` and file objects (text or binary) are read whole.
        label_column: index of the label column (0 = first, -1 = last), or its
            name in the header row.
        header: ``"auto"``, ``True`` or ``False``. With ``"auto"`` the first
            row is the header when any of its cells is not a number, when it is
            exactly the column numbers ``0, 1, ..., d`` (what pandas'
            ``DataFrame(array).to_csv(index=False)`` writes), or,
            for class labels, when its label cell is not a class label while
            every other row's is. Each of these is said in ``info["notes"]``;
            ``True``/``False`` settle it. A header whose first cell is empty
            (pandas' ``to_csv()`` with its row index) is refused: that column
            would be read as the labels.
        num_classes: if given, integer labels must lie in ``[0, num_classes)``.
        label_type: ``"int"`` for class indices, ``"float"`` for regression.
        delimiter: the cell separator (``";"`` for files with decimal commas
            is not enough: cells like ``0,5`` are refused, since nnpy reads
            decimal points only).
        return_info: also return ``info``: ``{"header": names or None,
            "notes": [sentences about what was decided], "labels": the sorted
            distinct class labels (``label_type="int"``) or None}``. A note
            says when the labels do not count from 0 without gaps (see
            :func:`label_problem`).

    Returns:
        ``(X, y)``, or ``(X, y, info)`` with ``return_info``: ``X`` float64 of
        shape ``(n, d)``; ``y`` int64 of shape ``(n,)`` for
        ``label_type="int"``, float64 of shape ``(n, 1)`` for ``"float"``.

    Raises:
        DataError: naming the row (as a spreadsheet counts it, 1-based, with
            the header and blank lines counted), the column and the value.

    Example:
        >>> X, y = load_csv("label,x1,x2\\n1,0.5,2\\n0,-1,3\\n")
        >>> X.shape, y.tolist()
        ((2, 2), [1, 0])
    """
    if label_type not in ("int", "float"):
        raise DataError(f"label_type must be 'int' or 'float'. Received: label_type={label_type!r}")
    if header not in ("auto", True, False):
        raise DataError(f"header must be 'auto', True or False. Received: header={header!r}")
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in "\r\n\"":
        raise DataError(f"delimiter must be one character. Received: delimiter={delimiter!r}")
    if num_classes is not None and (isinstance(num_classes, bool) or
                                    not isinstance(num_classes, (int, np.integer)) or num_classes < 1):
        raise DataError(f"num_classes must be a positive int. Received: num_classes={num_classes!r}")

    text, origin = _read_text(source)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    rows = [(i + 1, line) for i, line in enumerate(lines) if line.strip()]
    if not rows:
        raise DataError(f"{origin} is empty: no rows found")

    first = rows[0][1].split(delimiter)
    width = len(first)
    notes = []
    shown = ",".join(c.strip() for c in first[:6]) + ("," + "…" if width > 6 else "")
    if len(shown) > 80:
        shown = shown[:79] + "…"
    first_values = [_number(c) for c in first]
    if header != "auto":
        has_header = header
    elif any(v is None for v in first_values):
        has_header = True
        notes.append(f"first row read as the header: {shown} (header=False reads it as data)")
    elif first_values == list(range(width)):
        has_header = True
        notes.append(f"first row read as the header: {shown} numbers the columns, as pandas writes "
                     "them (header=False reads it as data)")
    else:
        has_header = False   # decided below for class labels: a label cell unlike every other row's
    names = [c.strip().strip('"').strip() for c in first] if has_header else None
    data = rows[1:] if has_header else rows
    if width < 2:
        raise DataError(f"{origin} has a single column: it needs a label column and at least "
                        f"one feature column (is the delimiter {delimiter!r} right?)")
    if not data:
        raise DataError(f"{origin} has a header row but no data rows")
    if names is not None and names[0] == "":
        # pandas' DataFrame.to_csv() writes its row index first, under an empty name: read as
        # the label (or a feature) it would make each row its own class, without a word
        raise DataError(f"column 1 has no name in the header row ({shown}): is it pandas' row "
                        "index? DataFrame.to_csv() writes one unless index=False. Write the file with "
                        "to_csv(index=False), or delete that column")

    if isinstance(label_column, str):
        if names is None or label_column not in names:
            raise DataError(f"label_column {label_column!r} is not a column name in the header: "
                            f"{names if names else 'there is no header row'}")
        label_index = names.index(label_column)
    elif isinstance(label_column, (int, np.integer)) and not isinstance(label_column, bool) \
            and -width <= label_column < width:
        label_index = int(label_column) % width
    else:
        raise DataError(f"label_column must be a column index in [{-width}, {width}) or a header "
                        f"name. Received: label_column={label_column!r}")

    for line_number, line in data:
        count = line.count(delimiter) + 1
        if count != width:
            like = "the header" if has_header else f"row {rows[0][0]}"
            raise DataError(f"{_row_name(line_number, has_header)} has {count} columns, "
                            f"expected {width} like {like}")

    try:  # fast path; the careful parser below decides every case it rejects
        table = np.loadtxt([line for _, line in data], delimiter=delimiter, comments=None,
                           dtype=np.float64, ndmin=2)
        if table.shape != (len(data), width):
            raise ValueError("shape")
    except ValueError:
        table = np.empty((len(data), width))
        for r, (line_number, line) in enumerate(data):
            for c, cell in enumerate(line.split(delimiter)):
                value = _number(cell)
                if value is None:
                    what = " is empty" if not cell.strip() else f": {_short(cell.strip())!r} is not a number"
                    if _DECIMAL_COMMA.match(cell.strip()):
                        what += (": decimal commas are not numbers here; write a decimal point "
                                 f"({cell.strip().replace(',', '.')})")
                    raise DataError(f"{_row_name(line_number, has_header)}, "
                                    f"{_column_name(c, label_index)}{what}")
                table[r, c] = value

    def fail(r, c, message):
        cell = data[r][1].split(delimiter)[c].strip()
        raise DataError(f"{_row_name(data[r][0], has_header)}, {_column_name(c, label_index)}: "
                        f"{cell!r} {message}")

    bad = np.argwhere(~np.isfinite(table))
    if len(bad):
        fail(bad[0][0], bad[0][1], "is not a finite number")
    if header == "auto" and not has_header and label_type == "int" and len(data) > 1:
        labels = table[:, label_index]
        fits = (labels == np.floor(labels)) & (labels >= 0) & (
            labels < (num_classes if num_classes is not None else 2**31))
        if not fits[0] and fits[1:].all():
            has_header, names = True, [c.strip() for c in first]
            notes.append(f"first row read as the header: {shown}; its label "
                         f"{first[label_index].strip()!r} is not a class label, unlike every other "
                         "row's (header=False reads it as data)")
            data, table = data[1:], table[1:]
    labels = table[:, label_index]
    X = np.ascontiguousarray(np.delete(table, label_index, axis=1))
    info = {"header": names, "notes": notes, "labels": None}
    if label_type == "float":
        y = labels.reshape(-1, 1).copy()
        return (X, y, info) if return_info else (X, y)
    checks = [(labels != np.floor(labels), "is not an integer class label"),
              (labels < 0, "is negative: class labels count from 0")]
    if num_classes is not None:
        checks.append((labels >= num_classes,
                       f"is out of range: labels must be 0..{num_classes - 1} (num_classes={num_classes})"))
    else:
        checks.append((labels > 2**31 - 1, "is too large for a class label"))
    for mask, message in checks:
        if mask.any():
            fail(int(np.argmax(mask)), label_index, message)
    y = labels.astype(np.int64)
    if return_info:
        info["labels"] = np.unique(y).tolist()
        problem = label_problem(y)
        if problem:
            notes.append(problem)
        return X, y, info
    return X, y


_DECIMAL_COMMA = re.compile(r"^[-+]?[0-9]{1,30},[0-9]{1,30}$")


def _short(text, n=40):
    return text if len(text) <= n else text[:n - 1] + "…"


def label_problem(y, num_classes=None):
    """A sentence when class labels do not count from 0 without gaps, else ``None``.

    nnpy's rule: ``K`` classes are labelled ``0..K-1`` (output ``k`` is class
    ``k``). Labels such as 1 and 2 would make a third, empty class 0 (a
    softmax unit that never sees an example); nnpy never maps labels itself,
    since a silent renumbering changes what every output means.

    Args:
        y: integer class labels, shape ``(n,)``.
        num_classes: the model's number of classes, if known.

    Example:
        >>> label_problem(np.array([1, 2, 2, 1]))
        'the labels are 1, 2: class labels count from 0 without gaps (2 classes: 0 and 1), so class 0 would have no samples; relabel them, e.g. with numpy.unique(y, return_inverse=True)[1]'
    """
    found = np.unique(np.asarray(y))
    if not found.size:
        return None
    k = len(found)
    missing = np.setdiff1d(np.arange(int(found[-1]) + 1), found)
    if not missing.size:
        return None
    listed = ", ".join(map(str, found[:10].tolist())) + (", …" if k > 10 else "")
    empty = ", ".join(map(str, missing[:5].tolist())) + (", …" if len(missing) > 5 else "")
    want = "0" if k == 1 else ("0 and 1" if k == 2 else f"0..{k - 1}")
    return (f"the labels are {listed}: class labels count from 0 without gaps ({k} "
            f"class{'es' if k != 1 else ''}: {want}), so class {empty} would have no samples; "
            "relabel them, e.g. with numpy.unique(y, return_inverse=True)[1]")


def save_csv(dest, X, y, header=None):
    """Write ``X`` and ``y`` in the format :func:`load_csv` reads: label first.

    Floats are written in their shortest exact form, so loading gives back the
    same numbers bit for bit; integer arrays are written as integers (MNIST
    pixels stay ``0..255``). Everything is checked before the file is opened,
    so bad input never truncates an existing file.

    Args:
        dest: a path, a text file object, or ``None`` to get the text back.
        X: features of shape ``(n, d)``.
        y: labels of shape ``(n,)`` or ``(n, 1)``.
        header: ``None`` (no header row), ``True`` (``label,x1,...,xd``) or a
            sequence of ``d + 1`` names, the label's first.

    Returns:
        The CSV text when ``dest`` is ``None``, else ``None``.

    Example:
        >>> save_csv(None, np.array([[0.5, 2.0]]), np.array([1]), header=True)
        'label,x1,x2\\n1,0.5,2.0\\n'
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] < 1:
        raise DataError(f"X must have shape (n, d) with d >= 1. Received shape {X.shape}")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.shape != (X.shape[0],):
        raise DataError(f"y must have shape ({X.shape[0]},) or ({X.shape[0]}, 1) to match X. "
                        f"Received shape {y.shape}")
    for name, a in (("X", X), ("y", y)):
        if a.dtype.kind not in "biuf":
            raise DataError(f"{name} must hold numbers. Received dtype {a.dtype}")
        if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
            raise DataError(f"{name} holds NaN or infinite values, which load_csv would reject")
    if header is True:
        header = ["label"] + [f"x{j + 1}" for j in range(X.shape[1])]
    if header is not None:
        header = [str(h) for h in header]
        if len(header) != X.shape[1] + 1:
            raise DataError(f"header needs {X.shape[1] + 1} names (label first). Received {len(header)}")
        if any(("," in h or "\n" in h or "\r" in h) for h in header):
            raise DataError(f"header names may not contain commas or line breaks: {header}")
    lines = [",".join(header)] if header is not None else []
    lines.extend(repr(label) + "," + ",".join(map(repr, row))
                 for label, row in zip(y.astype(np.int64 if y.dtype.kind == "b" else y.dtype).tolist(),
                                       X.astype(np.int64 if X.dtype.kind == "b" else X.dtype).tolist()))
    text = "\n".join(lines) + "\n"
    if dest is None:
        return text
    if hasattr(dest, "write"):
        dest.write(text)
    else:
        with open(dest, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    return None


# ---------------------------------------------------------- preprocessing

def one_hot(y, num_classes=None):
    """One-hot rows for class indices: ``Y[i, y[i]] = 1``.

    Args:
        y: class indices of shape ``(n,)`` or ``(n, 1)``, integers ``>= 0``.
        num_classes: ``C``; default ``max(y) + 1``.

    Returns:
        float64 of shape ``(n, C)``.

    Example:
        >>> one_hot([0, 2], 3).tolist()
        [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    y = _class_labels(y, "y")
    if num_classes is None:
        num_classes = int(y.max()) + 1 if len(y) else 0
    if y.size and y.max() >= num_classes:
        raise DataError(f"label {int(y.max())} is out of range for num_classes={num_classes}")
    out = np.zeros((len(y), num_classes))
    out[np.arange(len(y)), y] = 1.0
    return out


def _class_labels(y, name):
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise DataError(f"{name} must be class indices of shape (n,). Received shape {y.shape}")
    if y.dtype.kind == "f":
        bad = ~np.isfinite(y) | (y != np.floor(y))
        if bad.any():
            i = int(np.argmax(bad))
            raise DataError(f"{name}[{i}] = {y[i].item()!r} is not an integer class index")
    elif y.dtype.kind not in "biu":
        raise DataError(f"{name} must hold integer class indices. Received dtype {y.dtype}")
    if y.size and y.min() < 0:
        i = int(np.argmin(y))
        raise DataError(f"{name}[{i}] = {y[i].item()!r} is negative: class indices count from 0")
    return y.astype(np.int64)


def standardize(X, mean=None, std=None):
    """Shift and scale each column to mean 0 and standard deviation 1.

    ``Xs = (X - mean) / std``, with ``std`` 0 replaced by 1 so a constant
    column becomes 0 instead of NaN. Pass the training set's ``mean`` and
    ``std`` to transform a test set the same way.

    Args:
        X: of shape ``(n, d)``.
        mean, std: of shape ``(d,)``; computed from ``X`` when ``None``.

    Returns:
        ``(Xs, mean, std)``: float64 of shapes ``(n, d)``, ``(d,)``, ``(d,)``.

    Example:
        >>> Xs, mean, std = standardize([[1.0, 5.0], [3.0, 5.0]])
        >>> Xs.tolist(), mean.tolist(), std.tolist()
        ([[-1.0, 0.0], [1.0, 0.0]], [2.0, 5.0], [1.0, 1.0])
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise DataError(f"X must have shape (n, d). Received shape {X.shape}")
    mean = X.mean(axis=0) if mean is None else np.asarray(mean, dtype=np.float64)
    std = X.std(axis=0) if std is None else np.asarray(std, dtype=np.float64)
    for name, a in (("mean", mean), ("std", std)):
        if a.shape != (X.shape[1],):
            raise DataError(f"{name} must have shape ({X.shape[1]},). Received shape {a.shape}")
    std = np.where(std == 0, 1.0, std)
    return (X - mean) / std, mean, std


def _stratified_pick(labels, k, rng):
    """Indices of ``k`` samples drawn so that each class keeps its share.

    Each class gets ``floor(k * n_c / n)`` and the remaining places go to the
    largest remainders, so the total is exactly ``k``.
    """
    classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    quota = k * counts / len(labels)
    take = np.floor(quota).astype(np.int64)
    order = np.argsort(-(quota - take), kind="stable")
    take[order[:k - take.sum()]] += 1
    picked = [rng.permutation(np.flatnonzero(inverse == c))[:take[c]] for c in range(len(classes))]
    return rng.permutation(np.concatenate(picked))


def _count(size, n, name):
    """A sample count from an int or a fraction in ``(0, 1)``, checked to be in ``1..n-1``."""
    if isinstance(size, (float, np.floating)) and 0 < size < 1:
        k = int(round(size * n))
    elif isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        k = int(size)
    else:
        raise DataError(f"{name} must be a fraction in (0, 1) or a count. Received: {name}={size!r}")
    if not 1 <= k <= n - 1:
        raise DataError(f"{name}={size!r} leaves {k} of {n} samples for testing and {n - k} for "
                        "training: both need at least one")
    return k


def train_test_split(X, y, test_fraction=0.2, seed=None, stratify=False):
    """Shuffle and split into a training and a test set.

    Args:
        X: of shape ``(n, ...)``.
        y: of shape ``(n, ...)``; class indices or one-hot when ``stratify``.
        test_fraction: share of samples for the test set, in ``(0, 1)``;
            ``round(n * test_fraction)`` samples, at least 1 on each side.
        seed: int, ``None`` or ``numpy.random.Generator``.
        stratify: keep each class's share equal in both parts (to within one
            sample per class).

    Returns:
        ``(X_train, y_train, X_test, y_test)`` (the order :func:`load_mnist`
        uses), each a shuffled copy.

    Example:
        >>> X, y = make_dataset("xor", 100, seed=0)
        >>> X_train, y_train, X_test, y_test = train_test_split(X, y, 0.2, seed=0)
        >>> len(X_train), len(X_test)
        (80, 20)
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
        raise DataError(f"X and y must have the same number of samples. Received shapes "
                        f"{X.shape} and {y.shape}")
    if not (isinstance(test_fraction, (float, int, np.floating, np.integer))
            and not isinstance(test_fraction, bool) and 0 < test_fraction < 1):
        raise DataError(f"test_fraction must be in (0, 1). Received: test_fraction={test_fraction!r}")
    rng = as_generator(seed)
    n = len(X)
    k = _count(float(test_fraction), n, "test_fraction")
    if stratify:
        labels = np.argmax(y, axis=1) if y.ndim == 2 and y.shape[1] > 1 else _class_labels(y, "y")
        test = _stratified_pick(labels, k, rng)
        train = rng.permutation(np.setdiff1d(np.arange(n), test))
    else:
        order = rng.permutation(n)
        test, train = order[:k], order[k:]
    return X[train], y[train], X[test], y[test]

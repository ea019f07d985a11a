"""What an array of inputs or targets means: one rule for every entry point.

``Trainer.train``, ``Trainer.evaluate``, ``SequentialModel.predict``,
``Predictor`` and the seed-2 workflow all read arrays through
:func:`as_samples`, so the same array means the same samples everywhere:

- shape ``(n, d)``: ``n`` samples of ``d`` values; ``d`` must be the model's
  input size.
- shape ``(d,)`` for a model with ``d > 1`` inputs: one sample.
- shape ``(n,)`` for a model with one input: ``n`` samples (a column given
  flat, e.g. ``np.linspace(-3, 3, 64)``).

Anything else is refused with the shape actually passed and the fix
(``x.reshape(-1, 1)``). NaN and infinite values are refused up front too,
naming the first bad cell (``X[2, 1] is NaN``): a NaN that reached training
would only show up later as a loss of NaN, blamed on the learning rate. The
check is one pass over the array per call (``np.isfinite(X).all()``); the cell
is searched for only when it fails.
"""

import numpy as np


def _fix(n_features):
    return f"x.reshape(-1, {n_features})"


def as_samples(x, n_features, dtype=np.float64, name="x"):
    """``(X, single)``: ``x`` as a float array of shape ``(n, n_features)``, checked.

    Args:
        x: a list or array (see the module docstring for the shapes).
        n_features: the model's input size.
        dtype: the float dtype of the result (no copy when ``x`` already is one).
        name: what the caller calls ``x``, for the messages (``"X"``, ``"x"``).

    Returns:
        ``X`` of shape ``(n, n_features)`` and ``single``: True when ``x`` was
        one sample of shape ``(n_features,)`` (``n_features > 1``), so the caller
        can return one sample's output.

    Raises:
        ValueError: not numbers, a shape that is not one of the above (the
            message names the shape passed and the reshape that fixes it), or
            a NaN or infinite value (the message names its cell).
    """
    try:
        a = np.asarray(x, dtype=dtype)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must hold numbers: a list or array of shape (n, {n_features})"
                         f"{' or (n,)' if n_features == 1 else f' (or ({n_features},) for one sample)'}."
                         ) from None
    single = False
    if a.ndim == 1:
        if n_features == 1:
            X = a.reshape(-1, 1)
        elif a.shape[0] == n_features:
            X, single = a.reshape(1, -1), True
        else:
            raise ValueError(
                f"Expected input of shape (n, {n_features}), or ({n_features},) for one sample. "
                f"Received shape {a.shape}: {name} has {a.shape[0]} values, and one sample of this "
                f"model has {n_features}. For several samples in one flat array: {_fix(n_features)}.")
    elif a.ndim == 2:
        X = a
        if a.shape[1] != n_features:
            hint = (f" Is it one row of {a.shape[1]} samples? Then {_fix(1)} gives one column."
                    if n_features == 1 and a.shape[0] == 1 else
                    f" The model takes {n_features} value{'s' if n_features != 1 else ''} per sample.")
            raise ValueError(f"Expected input of shape (n, {n_features}). Received shape {a.shape}.{hint}")
    else:
        raise ValueError(f"Expected input of shape (n, {n_features}). Received shape {a.shape}: "
                         f"{name} must be 2-D (n samples, {n_features} values each)"
                         f"{'' if a.ndim == 0 else f'; for images flatten each one: x.reshape(len(x), -1)'}.")
    check_finite(a, name)
    return X, single


def check_finite(a, name="x"):
    """Raise ``ValueError`` naming the first NaN or infinite cell of ``a`` (any shape), if any.

    One vectorised pass when everything is finite; the position is searched
    for only on failure. Integer and boolean arrays pass without a look.
    """
    a = np.asarray(a)
    if a.dtype.kind != "f" or np.isfinite(a).all():
        return
    where = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
    value = a[where]
    what = "NaN" if np.isnan(value) else ("inf" if value > 0 else "-inf")
    count = int(np.count_nonzero(~np.isfinite(a)))
    more = f" ({count} cells are NaN or infinite)" if count > 1 else ""
    raise ValueError(f"{name}[{', '.join(map(str, where))}] is {what}{more}: inputs and targets must be "
                     "finite numbers. Fix or drop those samples before training or predicting.")

"""The speed tricks behind ``DenseLayer``, and the matrix product they use, swappable at run time.

``DenseLayer`` reads as its formulas (``z = x @ W + b``, ``dW = x.T @ dz``,
``db = dz.sum(axis=0)``, ``dx = dz @ W.T``). With ``fast`` on, it computes the
same numbers here instead, without temporaries: the gradients are written
straight into the model's flat gradient vector and the products go through
``matmul``::

    z  = matmul(x, W); z += b                        # forward:   x @ W + b
    matmul(x, dz, trans_a=True, out=grads["W"])      # backward:  x.T @ dz, written in place
    np.add.reduce(dz, axis=0, out=grads["b"])        #            dz.sum(axis=0), in place
    dx = matmul(dz, W, trans_b=True)                 #            dz @ W.T

With NumPy's product (the default) both paths give the same bits
(tests/test_layers.py checks it). A host with a faster product (the browser
worker installs SciPy's BLAS ``sgemm``/``dgemm`` this way, so nnpy itself
never imports SciPy) calls ``set_matmul(fn)``, which turns ``fast`` on;
``set_matmul(None)`` restores NumPy and the plain path. ``use_fast(True)``
turns the in-place path on with NumPy's product.

A replacement must keep the dtype of its inputs (float32 stays float32), return
``op(a) @ op(b)`` and, when ``out`` is given, write the product into ``out``
and return it.
"""

import contextlib

import numpy as np

fast = False


def numpy_matmul(a, b, trans_a=False, trans_b=False, out=None):
    """``op(a) @ op(b)`` with NumPy; ``op`` transposes (a view, no copy) when its flag is set."""
    return np.matmul(a.T if trans_a else a, b.T if trans_b else b, out=out)


matmul = numpy_matmul


def rowwise_matmul(a, b, trans_a=False, trans_b=False, out=None):
    """``op(a) @ op(b)`` one row of ``op(a)`` at a time: row ``i`` of the result is ``op(a)[i] @ op(b)``.

    A blocked matrix product (BLAS ``gemm``) may round a row differently
    depending on how many rows come with it; this one computes every row by
    the same call, so a row's result depends on that row alone, bit for bit.
    It is slower (about 1-3x a ``gemm`` here), so only prediction uses it.
    """
    a = a.T if trans_a else a
    b = b.T if trans_b else b
    result = np.matmul(a[:, None, :], b)[:, 0, :]
    if out is None:
        return result
    out[...] = result
    return out


@contextlib.contextmanager
def rows_alone():
    """Within this block DenseLayer's products are :func:`rowwise_matmul` (prediction's guarantee).

    It turns ``fast`` on too, so DenseLayer takes its products from :data:`matmul`.
    """
    global matmul, fast
    previous = matmul, fast
    matmul, fast = rowwise_matmul, True
    try:
        yield
    finally:
        matmul, fast = previous


def set_matmul(fn):
    """Use ``fn(a, b, trans_a=False, trans_b=False, out=None)`` for DenseLayer's products.

    Turns the fast path on; ``None`` restores :func:`numpy_matmul` and the plain
    path. Returns the function used before.
    """
    global matmul, fast
    if fn is not None and not callable(fn):
        raise TypeError(f"set_matmul needs a callable or None. Received: {fn!r}")
    previous, matmul = matmul, (numpy_matmul if fn is None else fn)
    fast = fn is not None
    return previous


def use_fast(on=True):
    """Turn DenseLayer's in-place path on or off; returns the previous setting."""
    global fast
    previous, fast = fast, bool(on)
    return previous


def dense_forward(x, W, b):
    """``x @ W + b`` through :data:`matmul`, adding ``b`` in place."""
    z = matmul(x, W)
    z += b
    return z


def dense_backward(x, dz, W, grads, need_input_grad):
    """``grads["W"] = x.T @ dz`` and ``grads["b"] = dz.sum(axis=0)`` in place; ``dz @ W.T`` or None."""
    matmul(x, dz, trans_a=True, out=grads["W"])
    np.add.reduce(dz, axis=0, out=grads["b"])  # np.sum, without its Python wrapper
    return matmul(dz, W, trans_b=True) if need_input_grad else None

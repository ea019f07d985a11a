"""The matrix products behind ``DenseLayer``, swappable at run time.

``DenseLayer`` does its three products through ``backend.matmul``::

    z  = matmul(x, W)                               # forward:   x @ W
    matmul(x, dz, trans_a=True, out=grads["W"])     # backward:  x.T @ dz, written in place
    dx = matmul(dz, W, trans_b=True)                # backward:  dz @ W.T

The default is plain NumPy. A host with a faster product (the browser worker
installs SciPy's BLAS ``sgemm``/``dgemm`` this way, so nnpy itself never
imports SciPy) calls ``set_matmul(fn)``; ``set_matmul(None)`` restores NumPy.

A replacement must keep the dtype of its inputs (float32 stays float32), return
``op(a) @ op(b)`` and, when ``out`` is given, write the product into ``out``
and return it.
"""

import contextlib

import numpy as np


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
    """Within this block DenseLayer's products are :func:`rowwise_matmul` (prediction's guarantee)."""
    global matmul
    previous, matmul = matmul, rowwise_matmul
    try:
        yield
    finally:
        matmul = previous


def set_matmul(fn):
    """Use ``fn(a, b, trans_a=False, trans_b=False, out=None)`` for DenseLayer's products.

    ``None`` restores :func:`numpy_matmul`. Returns the function used before.
    """
    global matmul
    if fn is not None and not callable(fn):
        raise TypeError(f"set_matmul needs a callable or None. Received: {fn!r}")
    previous, matmul = matmul, (numpy_matmul if fn is None else fn)
    return previous

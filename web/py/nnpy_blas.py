"""SciPy's BLAS for nnpy's DenseLayer, in the browser worker only.

Pyodide's NumPy has no BLAS: its matmul runs about 2 GFLOP/s. SciPy ships
OpenBLAS, whose ``sgemm``/``dgemm`` run the same products 4-8 times faster.
``install()`` puts :func:`blas_matmul` behind ``nnpy.backend.matmul``; nnpy
itself never imports SciPy, so this file lives outside the package.

BLAS is column-major. A C-ordered array ``a`` of shape ``(m, k)`` *is* the
Fortran-ordered array ``a.T`` of shape ``(k, m)``, with no copy, so

    op(a) @ op(b)  =  ( op(b).T @ op(a).T ).T  =  gemm(b.T, a.T, trans flags swapped).T

runs on the arrays as they lie, and the result's ``.T`` is C-ordered again.
With ``out`` (the weight gradient), ``out.T`` is handed to gemm as ``c`` with
``beta=0`` and ``overwrite_c``, so the product is written in place.
"""

import numpy as np
from scipy.linalg.blas import dgemm, sgemm

import nnpy.backend

_GEMM = {np.dtype(np.float32): sgemm, np.dtype(np.float64): dgemm}


def blas_matmul(a, b, trans_a=False, trans_b=False, out=None):
    """``op(a) @ op(b)`` by SciPy's sgemm/dgemm; falls back to NumPy where BLAS does not fit."""
    gemm = _GEMM.get(a.dtype)
    if (gemm is None or b.dtype != a.dtype or a.ndim != 2 or b.ndim != 2 or a.size == 0
            or b.size == 0 or not a.flags.c_contiguous or not b.flags.c_contiguous):
        return nnpy.backend.numpy_matmul(a, b, trans_a, trans_b, out)
    if out is None:
        return gemm(1.0, b.T, a.T, trans_a=trans_b, trans_b=trans_a).T
    if out.dtype != a.dtype or not out.flags.c_contiguous:
        return nnpy.backend.numpy_matmul(a, b, trans_a, trans_b, out)
    c = out.T
    result = gemm(1.0, b.T, a.T, trans_a=trans_b, trans_b=trans_a, beta=0.0, c=c, overwrite_c=True)
    if result is not c:  # f2py made a copy after all: keep the out= contract
        np.copyto(c, result)
    return out


def install():
    """Make nnpy's DenseLayer use SciPy's BLAS. Returns the matmul used before."""
    return nnpy.backend.set_matmul(blas_matmul)


def uninstall():
    """Back to plain NumPy."""
    return nnpy.backend.set_matmul(None)

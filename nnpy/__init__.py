"""nnpy: a small neural-network framework in pure Python on NumPy."""

__version__ = "0.1.0"

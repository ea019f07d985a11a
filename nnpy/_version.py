"""nnpy's version, in a module of its own so no module imports it upward from the package."""

__version__ = "0.1.0"

"""The engine behind the web page: plain data in, plain data and NumPy arrays out.

Nothing here imports ``js`` or ``pyodide``: the worker calls these methods and
converts the results, so everything the page does can be tested in CPython.
"""

import sys

import numpy as np

from . import __version__


class Playground:
    """One playground session: the dataset, the model and the trainer."""

    def info(self):
        """Versions of everything the engine runs on."""
        return {
            "nnpy": __version__,
            "numpy": np.__version__,
            "python": sys.version.split()[0],
        }

    def echo_array(self, shape=(2, 3), dtype="float64"):
        """Return ``arange`` of the given shape and dtype (checks array transport)."""
        n = int(np.prod(shape))
        return {"array": np.arange(n, dtype=dtype).reshape(shape)}

    def fail(self, message="deliberate failure"):
        """Raise ``ValueError(message)`` (checks error transport)."""
        raise ValueError(message)

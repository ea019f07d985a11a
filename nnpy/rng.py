"""Randomness: one ``numpy.random.Generator``, passed in or made from a seed.

nnpy never touches NumPy's global random state, so the same seed reproduces
a run exactly, bit for bit, wherever it runs.
"""

import numpy as np


def as_generator(seed=None):
    """Return a ``numpy.random.Generator`` for ``seed``.

    Args:
        seed: ``None`` (fresh entropy), an int, a ``SeedSequence``, or a
            ``Generator`` (returned as is, so its stream is shared).
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, (bool, float)) or (seed is not None and not isinstance(
            seed, (int, np.integer, np.random.SeedSequence))):
        raise TypeError(f"seed must be None, an int or a numpy Generator. Received: seed={seed!r}")
    if isinstance(seed, (int, np.integer)) and seed < 0:
        raise ValueError(f"seed must be non-negative. Received: seed={seed!r}")
    return np.random.default_rng(seed)

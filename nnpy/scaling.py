"""Input scaling: chosen once, at training time, saved with the model, applied to every input.

A network trained on inputs divided by 255 must see every later input divided
by 255 too, whatever else comes in the same call: the scaling is part of the
model. It is chosen when training starts (:meth:`InputScaling.choose`), saved
in the model file's metadata, and applied by :class:`nnpy.inference.Predictor`
to every sample the same way. A prediction never looks at the other samples of
the call to decide anything.

The choices (``scale=`` in :meth:`nnpy.workflow.Network.fit`, ``--scale`` in
``python -m nnpy train``):

- ``"none"``: the values as they are.
- ``"pixels"``: divide by 255 (image pixels ``0..255`` become ``0..1``).
- ``"standardize"``: ``(x - mean) / std`` per column, with the training set's
  mean and standard deviation (a constant column's std counts as 1).
- a positive number ``N``: divide by ``N``.
- ``"auto"`` (the default): ``"pixels"`` when every training value is a whole
  number in ``0..255`` and some are above 1, else ``"none"``. It is a guess,
  so training announces what it chose; pass a choice to settle it.

The metadata keys (what the file remembers)::

    {"input_scaling": "pixels", "input_divisor": 255}
    {"input_scaling": "standardize", "input_mean": [...], "input_std": [...]}

Files saved before this rule carry ``input_divisor`` alone. They load the same
way: every input is divided by it. (Their prediction used to divide only the
calls in which some value was above 1; that made one sample's result depend on
the others, and is gone.)
"""

import numbers

import numpy as np

CHOICES = ("auto", "none", "pixels", "standardize")
PIXEL_MAX = 255.0


class InputScaling:
    """How a model's inputs are scaled before its first layer.

    Attributes:
        kind: ``"none"``, ``"pixels"``, ``"divide"`` (by ``divisor``) or ``"standardize"``.
        divisor: for ``"pixels"`` (255) and ``"divide"``.
        mean, std: float64 of shape ``(d,)`` for ``"standardize"``.
    """

    def __init__(self, kind="none", divisor=None, mean=None, std=None):
        self.kind, self.divisor = kind, divisor
        self.mean = None if mean is None else np.asarray(mean, dtype=np.float64)
        self.std = None if std is None else np.asarray(std, dtype=np.float64)

    # -- choosing, at training time --------------------------------------------------

    @staticmethod
    def looks_like_pixels(X):
        """True when every value is a whole number in ``0..255`` and some are above 1."""
        X = np.asarray(X)
        return bool(X.size and X.min() >= 0 and 1 < X.max() <= PIXEL_MAX and np.all(X == np.floor(X)))

    @classmethod
    def choose(cls, scale, X):
        """``(InputScaling, guessed)`` for the choice ``scale`` and the training inputs ``X``.

        Args:
            scale: one of :data:`CHOICES`, a positive number (divide by it), or
                ``None``/``False`` (the same as ``"none"``).
            X: the training inputs, shape ``(n, d)``.

        Returns:
            The scaling, and whether it was guessed (``scale="auto"``).

        Raises:
            ValueError: an unknown choice.
        """
        if scale is None or scale is False:
            scale = "none"
        if isinstance(scale, numbers.Real) and not isinstance(scale, bool):
            if not (np.isfinite(scale) and scale > 0):
                raise ValueError(f"scale must be a positive number to divide by. Received: scale={scale!r}")
            return cls("divide", divisor=float(scale)), False
        if scale not in CHOICES:
            raise ValueError(f"scale must be one of {', '.join(CHOICES)} or a positive number. "
                             f"Received: scale={scale!r}")
        if scale == "auto":
            return (cls("pixels", divisor=PIXEL_MAX) if cls.looks_like_pixels(X) else cls()), True
        if scale == "pixels":
            return cls("pixels", divisor=PIXEL_MAX), False
        if scale == "standardize":
            X = np.asarray(X, dtype=np.float64)
            std = X.std(axis=0)
            return cls("standardize", mean=X.mean(axis=0), std=np.where(std == 0, 1.0, std)), False
        return cls(), False

    # -- applying ----------------------------------------------------------------------

    def apply(self, X):
        """The scaled inputs (a new array; elementwise, so each sample on its own)."""
        if self.kind == "standardize":
            return (X - self.mean) / self.std
        if self.divisor is not None:
            return X / self.divisor
        return X

    def describe(self):
        """A phrase for messages: ``"inputs divided by 255 (pixels)"``."""
        if self.kind == "pixels":
            return "inputs divided by 255 (pixels 0..255 -> 0..1)"
        if self.kind == "divide":
            return f"inputs divided by {self.divisor:g}"
        if self.kind == "standardize":
            return "inputs standardized with the training set's mean and standard deviation per column"
        return "inputs used as they are (no scaling)"

    # -- the model file ------------------------------------------------------------------

    def metadata(self):
        """The metadata keys that record this scaling (see the module docstring)."""
        if self.kind == "standardize":
            return {"input_scaling": "standardize", "input_mean": self.mean.tolist(),
                    "input_std": self.std.tolist()}
        if self.divisor is not None:
            return {"input_scaling": self.kind, "input_divisor": self.divisor}
        return {"input_scaling": "none"}

    @classmethod
    def from_metadata(cls, meta, n_inputs):
        """The scaling a file's metadata records (``input_divisor`` alone: an older file).

        Raises:
            ValueError: the metadata names a scaling but its numbers are unusable
                (predicting without them would silently give wrong answers).
        """
        kind = meta.get("input_scaling")
        if kind == "standardize" or "input_mean" in meta or "input_std" in meta:
            mean, std = meta.get("input_mean"), meta.get("input_std")
            try:
                mean, std = np.asarray(mean, dtype=np.float64), np.asarray(std, dtype=np.float64)
            except (TypeError, ValueError):
                mean = std = np.zeros(0)
            if mean.shape != (n_inputs,) or std.shape != (n_inputs,) or not (
                    np.isfinite(mean).all() and np.isfinite(std).all() and (std > 0).all()):
                raise ValueError(f"the metadata says the inputs were standardized, but input_mean and "
                                 f"input_std are not {n_inputs} finite numbers each (std > 0)")
            return cls("standardize", mean=mean, std=std)
        divisor = meta.get("input_divisor")
        if divisor is None and kind in (None, "none"):
            return cls()
        if not (isinstance(divisor, numbers.Real) and not isinstance(divisor, bool)
                and np.isfinite(divisor) and divisor > 0):
            raise ValueError(f"the metadata's input_divisor must be a positive number. Received: {divisor!r}")
        return cls("pixels" if divisor == PIXEL_MAX and kind in (None, "pixels") else "divide",
                   divisor=float(divisor))

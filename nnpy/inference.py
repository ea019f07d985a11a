"""Inference: rebuild a saved model from its file and run it on new data.

Training and deployment are separate: a program that only predicts needs the
file, not the code that trained it. Three ways in:

- The seed's lines: ``load("model.pkl")`` then ``prediction = predict([5, 7])``.
  If nothing was loaded, ``predict`` rebuilds the model from the file that
  :func:`nnpy.saved_models.save_model` wrote last in this process, so the
  seed's ``save_model(model, "model.pkl")`` followed by ``predict([5, 7])``
  runs as written (and really goes through the file).
- An object: ``Predictor("model.pkl").predict([5, 7])``, ``.classify(x)``
  gives ``(class, confidence)``.
- The seed-2 one-liner: ``run("model.pkl", x)`` prints and returns
  ``prediction = 3 with 91.2% confidence``.

What the file's metadata changes (keys written by nnpy's own tools):

- ``features``: names from :data:`nnpy.datasets.FEATURES` (the playground's input
  features). Inputs are then 2-D points ``(x1, x2)``, mapped to those
  features before the model sees them (``map_features=False`` turns it off).
- ``input_scaling``, ``input_divisor``, ``input_mean``, ``input_std``: how
  the model's inputs were scaled in training (see :mod:`nnpy.scaling`). Every
  input is scaled the same way before the model sees it, whatever else is in
  the call: a sample's prediction depends on that sample alone. Inputs are
  therefore given as the training data held them (raw pixels ``0..255`` for a
  model trained on raw pixel CSVs).
- ``class_names``: a name for each class, used in the printed prediction.
"""

import warnings
from collections import namedtuple

import numpy as np

from . import saved_models
from .datasets import FEATURES, feature_map
from .model import SequentialModel
from .samples import as_samples
from .scaling import InputScaling

_PROBABILITY_OUTPUTS = ("softmax", "sigmoid")


class Prediction(namedtuple("Prediction", "label confidence name output")):
    """One sample's prediction.

    Attributes:
        label: the class index (classification) or the output value(s) (regression:
            a float for one output, a list for several).
        confidence: the predicted class's probability in ``[0, 1]``; ``None`` for regression.
        name: the class's name from the file's ``class_names``, or ``None``.
        output: the model's raw output for the sample (1-D array).
    """

    __slots__ = ()

    def __str__(self):
        shown = self.name if self.name is not None else self.label
        if self.confidence is None:
            if isinstance(shown, list):
                shown = "[" + ", ".join(f"{v:.6g}" for v in shown) + "]"
            else:
                shown = f"{shown:.6g}"
            return f"prediction = {shown}"
        return f"prediction = {shown} with {100 * self.confidence:.1f}% confidence"


class Predictor:
    """A saved model, rebuilt and ready to predict.

    Args:
        source: a model file (path, bytes or binary file object), or a
            :class:`~nnpy.model.SequentialModel` already in memory.
        metadata: for a model in memory, the metadata it would be saved with.
        map_features: map 2-D points to the playground features listed in the
            file's metadata (default: when the metadata lists them).
        max_bytes: size cap passed to :func:`~nnpy.saved_models.load_model`.

    Raises:
        ModelFileError: the file cannot be loaded (the message says why).

    Example:
        >>> p = Predictor("model.pkl")          # doctest: +SKIP
        >>> p.classify([5, 7])                  # doctest: +SKIP
        (1, 0.973)
    """

    def __init__(self, source, *, metadata=None, map_features=None,
                 max_bytes=saved_models.MAX_BYTES):
        if isinstance(source, SequentialModel):
            self.model, self.metadata = source, dict(metadata or {})
        elif metadata is not None:
            raise ValueError("metadata= is for a model in memory; a file brings its own")
        else:
            self.model, self.metadata = saved_models.load_model(
                source, return_metadata=True, max_bytes=max_bytes)
        features = self.metadata.get("features")
        usable = (isinstance(features, list) and len(features) == self.model.input_size and
                  all(isinstance(f, str) and f in FEATURES for f in features))
        if map_features and not usable:
            raise ValueError("map_features=True needs metadata 'features': a list of "
                             f"{self.model.input_size} names from {FEATURES}")
        self.features = features if usable and map_features is not False else None
        try:
            self.scaling = InputScaling.from_metadata(self.metadata, self.model.input_size)
        except ValueError as exc:
            raise ValueError(f"The model's metadata cannot be used: {exc}.") from None
        names = self.metadata.get("class_names")
        n_classes = 2 if self.model.output_size == 1 else self.model.output_size
        self.class_names = names if isinstance(names, list) and len(names) == n_classes and \
            all(isinstance(n, str) for n in names) else None

    @property
    def is_classifier(self):
        """True when the output layer gives probabilities (softmax or sigmoid)."""
        return self.model.layers[-1].activation.name in _PROBABILITY_OUTPUTS

    def prepare(self, x):
        """``(inputs of shape (n, input_size), single)``: features mapped, inputs scaled.

        Shapes follow :mod:`nnpy.samples` (one sample, or ``(n, values)``);
        NaN or infinite values raise ``ValueError`` naming the cell. The
        scaling saved with the model is applied to every row alike.
        """
        if self.features is None:
            x, single = as_samples(x, self.model.input_size, np.float64, "x")
        else:
            try:
                x, single = as_samples(x, 2, np.float64, "x")
            except ValueError as exc:
                raise ValueError(f"This model takes points (x1, x2), mapped to its features "
                                 f"{self.features}. {exc}") from None
        if self.features is not None:
            x = feature_map(x, self.features)
        if self.scaling.kind == "pixels":
            self._warn_if_prescaled(x)
        x = self.scaling.apply(x)
        return x.astype(self.model.dtype, copy=False), single

    @staticmethod
    def _warn_if_prescaled(x):
        """Warn (never change anything) about samples that look divided by 255 already."""
        looks = (x.max(axis=1) <= 1) & (x != np.floor(x)).any(axis=1)
        if looks.any():
            rows = np.flatnonzero(looks)
            shown = ", ".join(map(str, rows[:5])) + (", ..." if len(rows) > 5 else "")
            warnings.warn(f"sample(s) {shown} hold fractions within 0..1, as if already divided by 255; "
                          "this model divides every input by 255 itself (it was trained on pixels "
                          "0..255), so pass the pixels as they are", stacklevel=4)

    def predict(self, x):
        """The model's outputs: 1-D for one sample, ``(n, outputs)`` for a batch."""
        x, single = self.prepare(x)
        out = self.model.predict(x, batch_size=4096)
        return out[0] if single else out

    def classify(self, x):
        """``(class, confidence)`` for one sample; two arrays for a batch.

        Softmax output: the argmax and its probability. One sigmoid output:
        class 1 when ``p >= 0.5`` (confidence ``p``), else 0 (``1 - p``).
        Several sigmoid outputs: the most probable one.
        """
        if not self.is_classifier:
            raise ValueError(f"This model has a {self.model.layers[-1].activation.name} output "
                             "(regression): use predict() for its values.")
        x, single = self.prepare(x)
        out = self.model.predict(x, batch_size=4096)
        if out.shape[1] == 1:
            p = out[:, 0]
            classes = (p >= 0.5).astype(np.int64)
            confidence = np.where(classes == 1, p, 1.0 - p)
        else:
            classes = np.argmax(out, axis=1)
            confidence = out[np.arange(len(out)), classes]
        if single:
            return int(classes[0]), float(confidence[0])
        return classes, confidence.astype(np.float64)

    def explain(self, x):
        """:class:`Prediction` objects: one for one sample (or a batch of one), else a list."""
        x, _ = self.prepare(x)
        out = self.model.predict(x, batch_size=4096)
        results = []
        for row in out:
            if self.is_classifier:
                if row.size == 1:
                    label = int(row[0] >= 0.5)
                    confidence = float(row[0] if label else 1.0 - row[0])
                else:
                    label = int(np.argmax(row))
                    confidence = float(row[label])
                name = self.class_names[label] if self.class_names else None
                results.append(Prediction(label, confidence, name, row))
            else:
                value = float(row[0]) if row.size == 1 else [float(v) for v in row]
                results.append(Prediction(value, None, None, row))
        return results[0] if len(results) == 1 else results

    def __repr__(self):
        return (f"Predictor({self.model.input_size} inputs -> {self.model.output_size} outputs, "
                f"{self.model.layers[-1].activation.name} output)")


# ---------------------------------------------------------------- the module-level model

_current = None          # the Predictor load() set
_from_last_save = None   # (save counter, Predictor) rebuilt from save_model's latest file


def load(source, **options):
    """Load a model file and make it the one :func:`predict` uses. Returns the :class:`Predictor`."""
    global _current
    _current = Predictor(source, **options)
    return _current


def unload():
    """Forget the model :func:`load` set."""
    global _current, _from_last_save
    _current = _from_last_save = None


def current():
    """The model :func:`predict` uses now: the loaded one, else the file saved last.

    Raises:
        RuntimeError: no model was loaded and none was saved in this process.
    """
    global _from_last_save
    if _current is not None:
        return _current
    counter, path = saved_models.last_saved_path()
    if path is None:
        raise RuntimeError("No model loaded: call nnpy.inference.load('model.pkl') first "
                           "(or pass model=... to predict).")
    if _from_last_save is None or _from_last_save[0] != counter:
        _from_last_save = (counter, Predictor(path))
    return _from_last_save[1]


def _resolve(model):
    if model is None:
        return current()
    if isinstance(model, Predictor):
        return model
    return Predictor(model)


def predict(x, model=None):
    """Outputs of the current model (see :func:`current`) or of ``model`` for ``x``.

    Args:
        x: one sample (``[5, 7]``) or a batch of shape ``(n, features)``.
        model: a :class:`Predictor`, a ``SequentialModel`` or a model file.

    Returns:
        1-D outputs for one sample, ``(n, outputs)`` for a batch.
    """
    return _resolve(model).predict(x)


def classify(x, model=None):
    """``(class, confidence)`` from the current model or ``model`` (see :meth:`Predictor.classify`)."""
    return _resolve(model).classify(x)


def run(source, x, print_fn=print):
    """Load ``source``, predict ``x``, print ``prediction = 3 with 91.2% confidence``.

    Returns:
        The :class:`Prediction` (a list of them for a batch of several samples).
    """
    result = _resolve(source).explain(x)
    for item in (result if isinstance(result, list) else [result]):
        if print_fn is not None:
            print_fn(str(item))
    return result

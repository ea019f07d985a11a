"""The seed-2 workflow: a network from a list of sizes, fit from CSV files, saved by itself.

The seed's snippet runs with only its import line changed::

    from nnpy.workflow import model

    nn = model(structure=[784, 128, 64, 24], base_address="path/to/save/")
    nn.fit(train_data="path/to/train.csv", test_data="path/to/test.csv",
           epoch=10, alpha=0.01, batch_size=64)
    # weights auto-saved to base_address/model.pkl after training
    nn.run("path/to/model.pkl", x)
    # prediction = 3 with 91.2% confidence

``model`` is :class:`Network` under the seed's name.

Data: a CSV with the label in the first column and the features after it
(``label, pixel1, pixel2, ...``), with or without a header row, labels
``0..classes-1``.

Input scaling (see :mod:`nnpy.scaling`): the seed asks the user to divide
pixels by 255 but reads raw CSV files, so ``fit`` takes ``scale=``:
``"auto"`` (the default) divides by 255 when every training value is a whole
number in ``0..255`` and some are above 1 (pixels), and uses the values as
they are otherwise; ``"none"``, ``"pixels"``, ``"standardize"`` or a number
settle it. What ``fit`` chose is printed, saved in the model file's metadata
and applied to every input the model predicts, the same way, whatever else
comes in the call. So ``run`` takes inputs as the CSV held them (raw pixels
``0..255`` for a model trained on raw pixels).
"""

import math
import os
import sys

import numpy as np

from .data import DataError, _class_labels, label_problem, load_csv
from .history import History
from .inference import Predictor
from .inference import run as _run
from .model import SequentialModel
from .progress import EpochProgress, check_verbose, progress  # noqa: F401  (EpochProgress: was defined here)
from .samples import as_samples
from .saved_models import load_model, save_model
from .scaling import InputScaling
from .trainer import Trainer


class Network:
    """A fully connected network built from its layer sizes, the seed-2 way.

    ReLU hidden layers (He-initialised), a softmax output for several
    classes, a sigmoid output for one (binary), or a linear one for regression.

    Args:
        structure: layer sizes ``[inputs, hidden..., outputs]``, e.g. ``[784, 128, 64, 10]``.
        base_address: folder where :meth:`fit` saves ``model.pkl`` (created if missing).
        hidden_activation: activation of the hidden layers (default ``"relu"``).
        output_activation: ``"auto"`` (softmax, or sigmoid for one output),
            ``"softmax"``, ``"sigmoid"`` or ``"linear"`` (regression).
        optimizer: ``"sgd"`` (the seed's), ``"momentum"`` or ``"adam"``.
        seed: int fixing the initial weights and the shuffling.
        dtype: ``float64`` (default) or ``float32``.
        verbose: what :meth:`fit` prints by default: ``1`` (or ``True``, the
            default) a progress bar and the results, ``2`` a line per epoch
            and the results, ``0`` (or ``False``) nothing.

    Example:
        >>> nn = Network([2, 16, 16, 3], base_address="out/", seed=0)        # doctest: +SKIP
        >>> nn.fit("train.csv", "test.csv", epoch=50, alpha=0.05)           # doctest: +SKIP
    """

    def __init__(self, structure, base_address="", *, hidden_activation="relu",
                 output_activation="auto", optimizer="sgd", seed=None, dtype=np.float64,
                 verbose=True):
        sizes = list(structure) if isinstance(structure, (list, tuple)) else None
        if not sizes or len(sizes) < 2 or any(
                isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1 for s in sizes):
            raise ValueError("structure must be a list of at least two positive layer sizes, "
                             f"[inputs, hidden..., outputs]. Received: structure={structure!r}")
        if output_activation == "auto":
            output_activation = "softmax" if sizes[-1] > 1 else "sigmoid"
        self.structure = [int(s) for s in sizes]
        self.base_address = os.fspath(base_address)
        self.optimizer = optimizer
        self.verbose = check_verbose(verbose)
        self._rng = np.random.default_rng(seed)
        self.model = SequentialModel.from_structure(
            self.structure, hidden_activation=hidden_activation,
            output_activation=output_activation, seed=self._rng, dtype=dtype)
        self.metadata = {}
        self.scaling = InputScaling()
        self.history = History()
        self.history.val_name = "test"
        self.test_loss = self.test_accuracy = None
        self.saved_to = None

    @property
    def task(self):
        name = self.model.layers[-1].activation.name
        if name == "softmax":
            return "multiclass"
        return "binary" if name == "sigmoid" else "regression"

    @property
    def model_path(self):
        """Where :meth:`fit` saves the weights: ``base_address/model.pkl``."""
        return os.path.join(self.base_address or ".", "model.pkl")

    # -- data ---------------------------------------------------------------------------

    def _read(self, data, what, header="auto", delimiter=","):
        """``(X, y, notes)`` from a CSV (path, text, bytes, file) or an ``(X, y)`` pair, checked.

        ``notes``: what loading decided (a header row, see :func:`nnpy.data.load_csv`).
        Training labels must count from 0 without gaps (:func:`nnpy.data.label_problem`).
        """
        notes = []
        if isinstance(data, tuple) and len(data) == 2:
            X, _ = as_samples(data[0], self.structure[0], np.float64, f"the {what} X")
            y = np.asarray(data[1])
        else:
            k = {"multiclass": self.structure[-1], "binary": 2}.get(self.task)
            n_in = self.structure[0]
            missing = (f"The {what} data has {n_in} columns, but the structure's {n_in} inputs and the "
                       f"label need {n_in + 1}: is the label column missing? (It comes first.)")
            try:
                X, y, info = load_csv(data, label_type="float" if self.task == "regression" else "int",
                                      num_classes=k, header=header, delimiter=delimiter, return_info=True)
            except DataError:
                # a first column of features read as labels fails the label rule first: count the columns
                try:
                    if hasattr(data, "seek"):
                        data.seek(0)
                    width = load_csv(data, label_type="float", header=header, delimiter=delimiter)[0].shape[1]
                except (DataError, OSError, ValueError):
                    width = None
                if width == n_in - 1:
                    raise ValueError(missing) from None
                raise
            notes = [f"{what} data: {n}" for n in info["notes"] if not n.startswith("the labels are")]
            if X.shape[1] == n_in - 1:
                raise ValueError(missing)
        if X.ndim != 2 or X.shape[1] != self.structure[0]:
            raise ValueError(f"The {what} data has {X.shape[-1] if X.ndim else 0} feature "
                             f"columns, but the structure's input size is {self.structure[0]}.")
        if self.task != "regression":
            y = _class_labels(y, f"the {what} labels")
            problem = label_problem(y) if what == "training" else None
            if problem:
                raise ValueError(f"The {what} data cannot train this network: {problem}.")
            k = self.structure[-1] if self.task == "multiclass" else 2
            if y.size and y.max() >= k:
                raise ValueError(f"The {what} data has labels up to {int(y.max())}, but the network has "
                                 f"{k} classes (labels 0..{k - 1}); the labels found are "
                                 f"{', '.join(map(str, np.unique(y)[:10].tolist()))}.")
        return X, y, notes

    # -- training -----------------------------------------------------------------------

    def fit(self, train_data, test_data=None, epoch=10, alpha=0.01, batch_size=64, *,
            scale="auto", header="auto", delimiter=",", save=True, save_to=None, verbose=None,
            stream=None):
        """Train on ``train_data``, report on ``test_data``, save the weights.

        Args:
            train_data: a CSV (path, text, bytes or file object), label first,
                or an ``(X, y)`` pair of arrays.
            test_data: the same, optional; evaluated after every epoch.
            epoch: number of passes over the training data.
            alpha: learning rate.
            batch_size: samples per gradient step.
            scale: ``"auto"`` (divide pixel data by 255, see the module docstring),
                ``"none"`` (or ``None``), ``"pixels"``, ``"standardize"`` or a
                number to divide the inputs by. Saved with the model and applied
                to every input it predicts.
            header: ``"auto"``, ``True`` or ``False``: whether a CSV's first row is a
                header (see :func:`nnpy.data.load_csv`; what ``"auto"`` decided is printed).
            delimiter: a CSV's cell separator (``","``; ``";"``, ``"\\t"``).
            save: save the trained model (to ``save_to``, default :attr:`model_path`).
            verbose: ``1`` a progress bar (tqdm's in a notebook, a text bar on a
                terminal, else a line per epoch), ``2`` a line per epoch, ``0``
                nothing (default: the network's ``verbose``); with 1 and 2 the
                data, the test accuracy and where the weights went are printed too.
            stream: where to print (default ``sys.stdout``).

        Returns:
            The :class:`~nnpy.history.History`: lists ``loss``, ``accuracy``,
            ``val_loss``, ``val_accuracy``; ``history.plot()`` draws them.
        """
        verbose = check_verbose(self.verbose if verbose is None else verbose)
        out = stream if stream is not None else sys.stdout
        X, y, notes = self._read(train_data, "training", header, delimiter)
        test = None
        if test_data is not None:
            X_test, y_test, test_notes = self._read(test_data, "test", header, delimiter)
            test, notes = (X_test, y_test), notes + test_notes
        scaling, guessed = InputScaling.choose(scale, X)
        X = scaling.apply(X)
        test = (scaling.apply(test[0]), test[1]) if test is not None else None
        self.scaling = scaling
        loss = {"multiclass": "softmax_cross_entropy", "binary": "binary_cross_entropy",
                "regression": "mse"}[self.task]
        trainer = Trainer(self.model, loss, lr=alpha, optimizer=self.optimizer,
                          batch_size=batch_size, seed=self._rng)
        trainer.set_data(X, y)
        classification = self.task != "regression"
        steps = math.ceil(len(X) / trainer.batch_size)
        if verbose:
            print(f"training {'-'.join(map(str, self.structure))} on {len(X)} samples "
                  f"({steps} steps of {trainer.batch_size} per epoch)", file=out, flush=True)
            for note in notes:
                print(note, file=out, flush=True)
            print(scaling_note(scaling, guessed), file=out, flush=True)
        shown = progress(verbose, epoch, steps, out, val_name="test")   # under the lines above
        chunk = max(1, steps // 50)
        try:
            for e in range(1, int(epoch) + 1):
                total, done = 0.0, 0
                while done < steps:
                    k = min(chunk, steps - done)
                    total += trainer.train_steps(k)[0] * k
                    done += k
                    if shown is not None:
                        shown.step(e, done)
                logs = {"loss": total / steps, "accuracy": None, "val_loss": None,
                        "val_accuracy": None}
                if classification:   # the trainer's own measure: blocked products, the fast path
                    logs["accuracy"] = trainer._accuracy(*trainer._data[2:])
                if test is not None:
                    logs["val_loss"], logs["val_accuracy"] = trainer.evaluate(*test)
                self.history.append(logs)
                if shown is not None:
                    shown.end_epoch(e, logs)
        finally:
            if shown is not None:
                shown.close()
        if test is not None:
            self.test_loss, self.test_accuracy = trainer.evaluate(*test)
            if verbose:
                if classification:
                    right = int(round(self.test_accuracy * len(test[0])))
                    print(f"test accuracy: {100 * self.test_accuracy:.2f}% "
                          f"({right} of {len(test[0])})", file=out, flush=True)
                else:
                    print(f"test loss (MSE): {self.test_loss:.6g}", file=out, flush=True)
        self.metadata = {
            "structure": self.structure,
            "training": {"epochs": len(self.history["loss"]), "lr": alpha,
                         "batch_size": trainer.batch_size, "optimizer": trainer.optimizer.name,
                         "samples": len(X)},
        }
        self.metadata.update(scaling.metadata())
        if self.test_accuracy is not None:
            self.metadata["test_accuracy"] = self.test_accuracy
        if save:
            path = save_to if save_to is not None else self.model_path
            folder = os.path.dirname(os.fspath(path))
            if folder:
                os.makedirs(folder, exist_ok=True)
            self.save(path)
            if verbose:
                print(f"weights saved to {self.saved_to}", file=out, flush=True)
        return self.history

    # -- saving and predicting -------------------------------------------------------------

    def save(self, path=None):
        """Save the model and its metadata (default :attr:`model_path`); returns the path."""
        self.saved_to = save_model(self.model, path if path is not None else self.model_path,
                                   metadata=self.metadata)
        return self.saved_to

    @classmethod
    def load(cls, path, base_address=None, verbose=True):
        """A :class:`Network` around a saved model (e.g. to train it further)."""
        model, metadata = load_model(path, return_metadata=True)
        net = cls.__new__(cls)
        net.structure = [model.input_size] + [layer.out_features for layer in model.layers]
        net.base_address = os.path.dirname(os.fspath(path)) if base_address is None else base_address
        net.optimizer, net.verbose, net._rng = "sgd", check_verbose(verbose), np.random.default_rng()
        net.model, net.metadata = model, metadata
        net.scaling = Predictor(model, metadata=metadata).scaling
        net.history = History()
        net.history.val_name = "test"
        net.test_loss, net.test_accuracy = None, metadata.get("test_accuracy")
        net.saved_to = os.fspath(path)
        return net

    def predictor(self):
        """A :class:`~nnpy.inference.Predictor` of this network (as trained so far)."""
        return Predictor(self.model, metadata=self.metadata)

    def predict(self, x):
        """Output probabilities (or values) of this network for ``x``."""
        return self.predictor().predict(x)

    def run(self, path=None, x=None, print_fn=print):
        """Predict ``x`` with the model saved at ``path`` (default: this network) and print
        ``prediction = 3 with 91.2% confidence``. Returns the
        :class:`~nnpy.inference.Prediction` (a list for several samples)."""
        if x is None:
            raise ValueError("run needs an input: nn.run('path/to/model.pkl', x)")
        return _run(self.predictor() if path is None else path, x, print_fn=print_fn)

    def __repr__(self):
        return f"Network(structure={self.structure}, base_address={self.base_address!r})"


def scaling_note(scaling, guessed):
    """The line training prints about the input scaling it uses (and whether it guessed it)."""
    if not guessed:
        return f"scaling: {scaling.describe()}; saved with the model and applied to every input it predicts"
    if scaling.kind == "pixels":
        return ("scaling: the inputs look like pixels (whole numbers 0..255), so they are divided by 255, "
                "here and in every prediction of the saved model; scale='none' (--scale none) uses them "
                "as they are")
    return ("scaling: none (inputs used as they are); choose one with scale= (--scale): "
            "pixels, standardize or a number to divide by")


model = Network  # the seed's name: nn = model(structure=[...], base_address="path/")


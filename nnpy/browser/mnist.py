"""The engine behind the MNIST page: plain data in, plain data and NumPy arrays out.

Like :mod:`nnpy.browser.playground`, nothing here imports ``js``, ``pyodide`` or
SciPy: the browser worker calls these methods (and may install a faster
matmul through :mod:`nnpy.backend`), and every method runs in CPython too.

A session::

    mp = MnistPlayground()
    mp.load_data(data=npz_bytes)                 # or path="dist/data/mnist.npz"
    mp.configure({"layers": [{"units": 128, "activation": "relu"}]})
    while not done:
        chunk = mp.train(budget_ms=250, until_epoch=10)   # a few steps at a time
        done = chunk["done"]
    mp.evaluate()           # test accuracy and the confusion matrix
    mp.digits(only_mistakes=True)
    mp.weights()            # the first layer's weights as 28x28 images
    mp.classify(pixels, width, height)   # a drawn digit -> ten probabilities
    mp.inside(test_index=0)  # one training step on one digit, every number (mnist_inside.py)
    mp.export_model()       # {"data": bytes of an nnpy model file, "filename": ...}
    mp.import_model(data, "digits.nnpy")   # a page export or a model saved in CPython
    mp.load_weights(params, epoch, history) # weights the page kept, after its Python was restarted

The state dict (every key optional)::

    {"n": 10000,              # digits used (a stratified subset of the file)
     "test_fraction": 0.2,    # held out for testing: 10,000 -> 8,000 / 2,000
     "seed": 0,               # the split, the initial weights, the shuffling
     "layers": [{"units": 128, "activation": "relu"}],   # hidden layers; 784 in, 10 softmax out
     "optimizer": "momentum", "lr": 0.1, "batch_size": 64,
     "dtype": "float32"}

Changing ``n``, ``test_fraction`` or ``seed`` re-splits the data and builds
a new network; changing ``layers`` or ``dtype`` builds a new network; the
optimizer, learning rate and batch size apply to the running training.

Model files (:mod:`nnpy.browser.mnist_files`): an export loads in CPython with
``nnpy.load_model`` and runs with ``python -m nnpy predict``; an import shows
the file's network, with its weights, at epoch 0, and Reset then goes back
to those weights rather than to the seed's.

What the page keeps: each training chunk in which an epoch ended hands over
the weights after that epoch (``"kept"``), so that when the page's Python
stops, a restarted one goes on from them (:meth:`MnistPlayground.load_weights`).
A network that dies (:class:`~nnpy.browser.health.DeadWatch`, the 2-D page's
rule) stops training with a report, as a blow-up does.
"""

import math
import sys
import time

import numpy as np

from .. import backend
from .._version import __version__
from ..data import DataError
from ..mnist import load_mnist, preprocess_digit
from ..layers import DenseLayer
from ..metrics import confusion_matrix
from .health import DeadWatch, dead_report, divergence_report
from ..model import SequentialModel
from ..trainer import Trainer, TrainingDiverged
from . import schema
from .mnist_files import read_mnist_model, save_mnist_model
from .schema import MNIST, output_layer
from .session import Session

INPUTS, CLASSES = schema.PAGES[MNIST]["inputs"], schema.PAGES[MNIST]["classes"]
_LAYERS = schema.setting(MNIST, "layers")
MAX_HIDDEN_LAYERS = _LAYERS["max_layers"]
MAX_UNITS = _LAYERS["max_units"]
HIDDEN_ACTIVATIONS = tuple(_LAYERS["activations"])
TRAIN_SAMPLE = 2000   # training accuracy is measured on this many training digits
DEFAULTS = schema.defaults(MNIST)
_DATA_KEYS = schema.data_keys(MNIST)
_LIVE_KEYS = schema.live_keys(MNIST)
_REBUILD_KEYS = schema.rebuild_keys(MNIST)
LEARNING_RATES = tuple(schema.setting(MNIST, "lr")["options"])  # the page's choices


def check_state(state, digits=10000):
    """The state with defaults filled in and every value checked (``digits``: how many the file has).

    See :func:`.schema.check_state`. Raises ``ValueError`` naming the key and the value received.
    """
    return schema.check_state(MNIST, state, digits)


_RECORD_KEYS = ("epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy")


def _check_history(history, epoch):
    """Epoch records from the page (``train()["epochs"]``'s form), checked: one for each epoch 1..``epoch``."""
    if not isinstance(history, (list, tuple)) or len(history) != epoch:
        raise ValueError(f"history must be a list of {epoch} epoch records. Received: "
                         f"{len(history) if isinstance(history, (list, tuple)) else type(history).__name__}")
    out = []
    for i, record in enumerate(history):
        ok = isinstance(record, dict) and set(record) == set(_RECORD_KEYS) and record["epoch"] == i + 1
        ok = ok and all(isinstance(record[k], (int, float)) and not isinstance(record[k], bool)
                        for k in _RECORD_KEYS)
        if not ok:
            raise ValueError(f"history[{i}] must be the record of epoch {i + 1} "
                             f"({', '.join(_RECORD_KEYS)}). Received: {record!r}")
        out.append({"epoch": i + 1, **{k: float(record[k]) for k in _RECORD_KEYS[1:]}})
    return out


def _as_uint8_images(X):
    """Images in ``[0, 1]`` back to the file's ``0..255`` values (exact for k/255)."""
    return np.rint(X.reshape(-1, 28, 28) * 255.0).astype(np.uint8)


class MnistPlayground(Session):
    """Real MNIST digits, a network the student builds, and what it learned."""

    page = MNIST

    def __init__(self):
        super().__init__()
        self.source = None          # the .npz (bytes or a path), kept to re-split
        self.digits_in_file = None
        self.X_train = self.y_train = self.X_test = self.y_test = None
        self.history = []           # one record a completed epoch
        self.report = None          # what went wrong in the last chunk (nnpy.browser.health)
        self._test_out = None       # (step_count, probabilities) of the test set
        self._start_weights = None  # an imported file's weights (flat): where Reset goes back to
        self._from_file = None      # that file's name
        self._dead = DeadWatch()    # whether a hidden layer stayed dead (the rule both pages follow)
        self._kept = None           # (epoch, flat weights) after the latest epoch trained

    # ------------------------------------------------------------ set-up

    def info(self):
        """Versions, and which matrix product DenseLayer uses (``numpy`` or SciPy's ``blas``)."""
        return {
            "nnpy": __version__,
            "numpy": np.__version__,
            "python": sys.version.split()[0],
            "matmul": "blas" if backend.matmul.__name__ == "blas_matmul" else "numpy",
            "matmul_function": f"{backend.matmul.__module__}.{backend.matmul.__name__}",
        }

    def load_data(self, data=None, path=None):
        """Read the digits: ``data`` the ``.npz`` file's bytes (a uint8 array from the page) or ``path``.

        Returns ``{"digits": N, "counts": [per digit]}``. Raises ``DataError``
        (a ``ValueError``) saying what is wrong with the file.
        """
        if (data is None) == (path is None):
            raise ValueError("load_data needs exactly one of data (the file's bytes) or path")
        if data is not None:
            source = data.tobytes() if isinstance(data, np.ndarray) else bytes(data)
            if not source:
                raise DataError("the MNIST file is empty")
        else:
            source = path
        X_train, y_train, X_test, y_test = load_mnist(source, test_size=0.2, seed=0,
                                                      dtype=np.float32)
        labels = np.concatenate([y_train, y_test])
        self.source, self.digits_in_file = source, len(labels)
        self.state = None
        self.model = self.trainer = None
        self._start_weights = self._from_file = None
        counts = np.bincount(labels.astype(np.intp), minlength=CLASSES)
        return {"digits": int(len(labels)), "counts": counts.astype(np.int32)}

    def _require(self, model=True):
        if self.source is None:
            raise RuntimeError("no digits loaded: call load_data first")
        if model and self.model is None:
            raise RuntimeError("no network yet: call configure first")

    def configure(self, state=None):
        """Apply the page's settings; do only what the change needs (see the module docstring).

        Returns ``{"changed": [...], "state": the checked state, "data": ...
        (if re-split), "network": ...}``. A bad state raises ``ValueError`` and
        changes nothing.
        """
        self._require(model=False)
        result = super().configure(state or {})
        result["state"] = self.state
        result["network"] = self.network()
        return result

    def check_state(self, state):
        """Session's check, with ``n`` limited by the digits in the loaded file."""
        return check_state(state, self.digits_in_file)

    def _change(self, kind, old, result):
        """Session's hook: a new split and network, or a new network (the dtype may change)."""
        new = self.state
        if kind == "data":
            self.X_train, self.y_train, self.X_test, self.y_test = load_mnist(
                self.source, n=new["n"], test_size=new["test_fraction"], seed=new["seed"],
                dtype=np.dtype(new["dtype"]))
            result["data"] = self.data_summary()
        elif kind == "network" and self.X_train.dtype != np.dtype(new["dtype"]):
            self.X_train = self.X_train.astype(new["dtype"])
            self.X_test = self.X_test.astype(new["dtype"])
        if kind in ("data", "network"):
            self._build()

    def _build(self, initialize=True):
        """A new network and trainer from the settings (``initialize=False``: weights left unset,
        for a caller that writes every one of them next)."""
        s = self.state
        rng = np.random.default_rng(s["seed"])
        units, out_act, loss = output_layer("classification", CLASSES)
        sizes = [INPUTS] + [layer["units"] for layer in s["layers"]] + [units]
        acts = [layer["activation"] for layer in s["layers"]] + [out_act]
        self.model = SequentialModel([
            DenseLayer(sizes[i], sizes[i + 1], acts[i], seed=rng, dtype=s["dtype"], initialize=initialize)
            for i in range(len(acts))])
        self.trainer = Trainer(self.model, loss, lr=s["lr"],
                               optimizer=s["optimizer"], batch_size=s["batch_size"], seed=s["seed"],
                               fast=True)
        self.trainer.set_data(self.X_train, self.y_train)
        self._Y_test = self.trainer.prepare(self.X_test, self.y_test)[1]
        sample = min(TRAIN_SAMPLE, len(self.y_train))
        self._X_sample, self._y_sample = self.X_train[:sample], self.y_train[:sample]
        self.history = []
        self.diverged = self.report = None
        self._test_out = None
        self._start_weights = self._from_file = None
        self._dead.clear()
        self._kept = None
        self._epoch_loss, self._epoch_steps, self._epoch_samples = 0.0, 0, 0

    def reset(self):
        """Training starts again at epoch 0: from the seed's initial weights, or from the
        imported file's weights when the network came from a file."""
        self._require()
        start, name = self._start_weights, self._from_file
        self._build()
        if start is not None:
            self.model.flat_parameters[0][...] = start
            self._start_weights, self._from_file = start, name
        return {"network": self.network()}

    def data_summary(self):
        """Sizes and per-digit counts of the split."""
        self._require(model=False)
        count = lambda y: np.bincount(y.astype(np.intp), minlength=CLASSES).astype(np.int32)
        return {"train": int(len(self.y_train)), "test": int(len(self.y_test)),
                "train_counts": count(self.y_train), "test_counts": count(self.y_test),
                "digits_in_file": self.digits_in_file}

    def network(self):
        """The architecture, the parameter count and where training stands."""
        self._require()
        return {
            "sizes": [INPUTS] + [layer.out_features for layer in self.model.layers],
            "activations": [layer.activation.name for layer in self.model.layers],
            "params": int(self.model.count_params()),
            "dtype": self.state["dtype"],
            "epoch": self.trainer.epoch,
            "steps_per_epoch": math.ceil(len(self.y_train) / self.trainer.batch_size),
            "history": list(self.history),
            "matmul": self.info()["matmul"],
            "from_file": self._from_file,
        }

    # ------------------------------------------------------------ training

    def train(self, steps=None, budget_ms=250, until_epoch=None, keep=True):
        """Train a chunk: up to ``steps`` mini-batch steps, until ``budget_ms`` is spent, and
        never past the end of epoch ``until_epoch``. At least one step runs (unless
        ``until_epoch`` is already reached).

        ``keep=False`` hands no weights over (``"kept"`` is None; the page
        keeps them, bench/mnist_kept.py measures what that costs).

        Each epoch that ends in the chunk is evaluated (test loss and accuracy,
        training accuracy on a fixed sample of up to 2,000 training digits) and
        added to ``history``. Stopping is simply not asking for another chunk:
        the model stays as it is.

        Returns ``{"epoch": completed epochs, "epoch_progress": 0..1 of the
        current one, "steps": run in this chunk, "loss": their mean loss,
        "epochs": [records of epochs completed in this chunk], "done": whether
        ``until_epoch`` is reached, "diverged": None or a message,
        "report": None or what went wrong (see :mod:`nnpy.browser.health`),
        "history": all epoch records, when training went back to earlier weights,
        "kept": None, or the weights for the page to keep: ``{"epoch": e,
        "params": the flat weights after epoch e}`` (the latest epoch ended
        in this chunk, or the one training went back to), ``{"epoch": None,
        "params": None}`` when no good weights are left, "train_ms": time
        spent training}``.

        When training blows up, the trainer goes back to its last good weights
        (:class:`~nnpy.trainer.GoodWeights`): ``epoch`` is theirs, the records
        of the epochs after them leave ``history``, and the report says so.
        A hidden layer that stayed dead (:class:`~nnpy.browser.health.DeadWatch`,
        checked at each epoch's end on the training-accuracy sample) ends
        the chunk with a report too.
        """
        self._require()
        if steps is not None and (isinstance(steps, bool) or int(steps) != steps or steps < 1):
            raise ValueError(f"steps must be a positive integer. Received: steps={steps!r}")
        if until_epoch is not None and (isinstance(until_epoch, bool) or int(until_epoch) != until_epoch
                                        or until_epoch < 0):
            raise ValueError(f"until_epoch must be an integer >= 0. Received: until_epoch={until_epoch!r}")
        trainer = self.trainer
        start = time.perf_counter()
        deadline = None if budget_ms is None else start + float(budget_ms) / 1000.0
        total, done, epochs, train_s = 0.0, 0, [], 0.0
        self.diverged = self.report = None
        went_back = None
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is caught and reported
            while until_epoch is None or trainer.epoch < until_epoch:
                t0 = time.perf_counter()
                try:
                    loss, ended = trainer.train_steps(1)
                except TrainingDiverged as exc:
                    went_back = self._went_back(exc)
                    epochs = [r for r in epochs if r["epoch"] <= trainer.epoch]
                    break
                train_s += time.perf_counter() - t0
                total += loss
                done += 1
                self._epoch_loss += loss
                self._epoch_steps += 1
                self._epoch_samples += min(trainer.batch_size, len(self.y_train) - self._epoch_samples)
                if ended:
                    epochs.append(self._end_epoch(keep))
                    if self._check_dead():
                        break
                if (steps is not None and done >= steps) or \
                        (deadline is not None and time.perf_counter() >= deadline):
                    break
        if done or went_back is not None:
            self._test_out = None
        kept = None
        if keep and (went_back is not None or (self.report is not None and self.report["kind"] == "diverged")):
            usable = went_back is not None and "lower" in self.report["actions"]
            kept = ({"epoch": trainer.epoch, "params": self.model.flat_parameters[0].copy()} if usable
                    else {"epoch": None, "params": None})
        elif keep and epochs:
            kept = {"epoch": self._kept[0], "params": self._kept[1]}
        return {
            "epoch": trainer.epoch,
            "epoch_progress": self._epoch_samples / len(self.y_train),
            "steps": done,
            "step_count": trainer.step_count,
            "loss": total / done if done else None,
            "epochs": epochs,
            "done": until_epoch is not None and trainer.epoch >= until_epoch,
            "diverged": self.diverged,
            "report": self.report,
            "history": None if went_back is None else list(self.history),
            "kept": kept,
            "train_ms": train_s * 1000.0,
        }

    def _went_back(self, exc):
        """The trainer went back to earlier weights: the epochs after them never happened."""
        epoch = exc.restored_epoch
        self.report = divergence_report(exc, self.trainer.lr, LEARNING_RATES)
        self.diverged = self.report["message"]
        if epoch is not None:
            self.history = [r for r in self.history if r["epoch"] <= epoch]
            self._epoch_loss, self._epoch_steps, self._epoch_samples = 0.0, 0, 0
        return epoch

    def _end_epoch(self, keep=True):
        test = self._test_metrics()
        sample_pred = np.argmax(self.model.predict(self._X_sample), axis=1)
        record = {
            "epoch": self.trainer.epoch,
            "train_loss": self._epoch_loss / self._epoch_steps,
            "train_accuracy": float(np.mean(sample_pred == self._y_sample)),
            "test_loss": test["loss"],
            "test_accuracy": test["accuracy"],
        }
        self._epoch_loss, self._epoch_steps, self._epoch_samples = 0.0, 0, 0
        self.history.append(record)
        self._one_answer = bool(np.all(sample_pred == sample_pred[0]))  # necessary for a dead layer
        flat = self.model.flat_parameters[0]
        if not keep:
            self._kept = None
        elif self._kept is None:
            self._kept = (record["epoch"], flat.copy())
        else:  # one buffer, allocated once: a copy an epoch (16 MB for the largest network)
            np.copyto(self._kept[1], flat)
            self._kept = (record["epoch"], self._kept[1])
        return record

    def _check_dead(self):
        """Report a hidden layer that stayed dead (the 2-D page's rule); True if one did.

        A dead layer makes the output the same for every digit, so while the
        sample's answers differ no layer is dead and the check's forward pass
        is saved (learning networks pay nothing).
        """
        t = self.trainer
        if not self._one_answer:
            self._dead.clear()
            return False
        dead = self._dead.check(self.model, self._X_sample, t.epoch, t.step_count)
        if dead is None:
            return False
        relu = any(layer["activation"] == "relu" for layer in self.state["layers"])
        self.report = dead_report(dead[0], dead[1], t.epoch, t.lr, LEARNING_RATES, relu, sample="digit")
        return True

    def load_weights(self, params, epoch=0, history=()):
        """Put back weights the page kept (``model.flat_parameters`` order), at ``epoch``.

        The page's way back after its Python stopped: the new engine is
        configured with the page's settings (and given the imported file
        again, if the network came from one), then the weights after the last
        epoch the page was handed (``train()["kept"]``), with the records of
        the epochs up to it (``history``, as ``network()["history"]`` gives
        them). The optimizer starts afresh; Reset still goes back to the
        starting weights. Raises ``ValueError`` for weights of the wrong size
        or not finite, or records that do not fit, and changes nothing then.

        Returns ``{"network": network()}``.
        """
        self._require()
        flat = self.model.flat_parameters[0]
        params = np.asarray(params).reshape(-1)
        if params.shape != flat.shape or not np.issubdtype(params.dtype, np.number) \
                or not np.isfinite(params).all():
            raise ValueError(f"params must be {flat.size} finite numbers for this network. "
                             f"Received: {params.size}")
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or epoch < 0:
            raise ValueError(f"epoch must be an integer >= 0. Received: epoch={epoch!r}")
        records = _check_history(history, int(epoch))
        start, name = self._start_weights, self._from_file
        self._build(initialize=False)  # every weight is written below: drawing random ones first is wasted
        self._start_weights, self._from_file = start, name
        self.model.flat_parameters[0][...] = params
        self.trainer.epoch = int(epoch)
        self.history = records
        return {"network": self.network()}

    # ------------------------------------------------------------ what the network learned

    def _test_probabilities(self):
        """Softmax outputs on the test set, computed once per training state."""
        key = (id(self.model), self.trainer.step_count)
        if self._test_out is None or self._test_out[0] != key:
            with np.errstate(all="ignore"):
                probs = self.model.forward(self.X_test)
                z = self.model.layers[-1].last_preactivation
                loss = self.trainer.loss.loss_and_grad_from_logits(self._Y_test, z, need_grad=False)[0]
            self._test_out = (key, probs.copy(), float(loss))
        return self._test_out[1], self._test_out[2]

    def _test_metrics(self):
        probs, loss = self._test_probabilities()
        pred = np.argmax(probs, axis=1)
        return {"loss": loss, "accuracy": float(np.mean(pred == self.y_test)), "pred": pred}

    def evaluate(self):
        """Test loss and accuracy now, the confusion matrix (rows true, columns predicted)
        and the accuracy per digit."""
        self._require()
        m = self._test_metrics()
        cm = confusion_matrix(self.y_test, m["pred"], num_classes=CLASSES)
        per_class = np.diag(cm) / np.maximum(cm.sum(axis=1), 1)
        return {"epoch": self.trainer.epoch,
                "epoch_progress": self._epoch_samples / len(self.y_train),
                "test_loss": m["loss"], "test_accuracy": m["accuracy"],
                "test_size": int(len(self.y_test)), "mistakes": int((m["pred"] != self.y_test).sum()),
                "confusion": cm.astype(np.int32), "per_class_accuracy": per_class.astype(np.float32)}

    def digits(self, only_mistakes=False, true=None, predicted=None, offset=0, limit=60):
        """Test digits with the network's answers, for the grid.

        Args:
            only_mistakes: keep the digits the network gets wrong.
            true, predicted: keep one true digit / one predicted digit (a
                confusion-matrix cell).
            offset, limit: the page of results.

        Returns ``{"images": uint8 (k, 28, 28), "true", "predicted": int32
        (k,), "confidence": float32 (k,) (the predicted digit's probability),
        "index": int32 (k,) (position in the test set), "total": digits
        matching the filter, "mistakes": mistakes in the whole test set}``.
        """
        self._require()
        probs, _ = self._test_probabilities()
        pred = np.argmax(probs, axis=1)
        keep = np.ones(len(pred), dtype=bool)
        if only_mistakes:
            keep &= pred != self.y_test
        for name, value, arr in (("true", true, self.y_test), ("predicted", predicted, pred)):
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
                        or not 0 <= value < CLASSES:
                    raise ValueError(f"{name} must be a digit 0..9. Received: {name}={value!r}")
                keep &= arr == value
        if isinstance(offset, bool) or not isinstance(offset, (int, np.integer)) or offset < 0:
            raise ValueError(f"offset must be an integer >= 0. Received: offset={offset!r}")
        if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or not 0 <= limit <= 1000:
            raise ValueError(f"limit must be an integer in 0..1000. Received: limit={limit!r}")
        index = np.flatnonzero(keep)
        page = index[offset:offset + limit]
        return {
            "images": _as_uint8_images(self.X_test[page]),
            "true": self.y_test[page].astype(np.int32),
            "predicted": pred[page].astype(np.int32),
            "confidence": probs[page, pred[page]].astype(np.float32),
            "index": page.astype(np.int32),
            "total": int(len(index)),
            "mistakes": int((pred != self.y_test).sum()),
        }

    def weights(self, limit=64):
        """The first layer's weights, one 28x28 image a hidden unit (the pixels it looks for).

        Returns ``{"images": float32 (k, 28, 28), "units": all units,
        "max_abs": float32 (k,) each image's largest absolute weight}``.
        """
        self._require()
        if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 1:
            raise ValueError(f"limit must be a positive integer. Received: limit={limit!r}")
        W = self.model.layers[0].params["W"]            # (784, units)
        k = min(int(limit), W.shape[1])
        images = np.ascontiguousarray(W[:, :k].T, dtype=np.float32).reshape(k, 28, 28)
        return {"images": images, "units": int(W.shape[1]),
                "max_abs": np.abs(images).reshape(k, -1).max(axis=1)}

    def classify(self, pixels, width, height):
        """Classify a drawn digit.

        Args:
            pixels: the canvas's ink, ``width * height`` values (an alpha
                channel, 0 = empty) or ``width * height * 4`` RGBA values
                (ink read from the alpha channel), row by row.
            width, height: the canvas size in pixels.

        Returns ``{"blank": bool, "prediction": int or None, "probabilities":
        float64 (10,) summing to 1 (None when blank), "input": float32
        (28, 28), the MNIST-style image the network saw}``.
        """
        self._require()
        for name, v in (("width", width), ("height", height)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 1 <= v <= 4096:
                raise ValueError(f"{name} must be an integer in 1..4096. Received: {name}={v!r}")
        a = np.asarray(pixels)
        if a.size == width * height * 4:
            a = a.reshape(height, width, 4)[:, :, 3]
        elif a.size == width * height:
            a = a.reshape(height, width)
        else:
            raise ValueError(f"pixels must hold width*height ({width * height}) or "
                             f"width*height*4 values. Received: {a.size}")
        x = preprocess_digit(a)
        image = x.reshape(28, 28).astype(np.float32)
        if not x.any():
            return {"blank": True, "prediction": None, "probabilities": None, "input": image}
        with np.errstate(all="ignore"):
            p = self.model.predict(x.astype(self.model.dtype)).astype(np.float64)
        p /= p.sum()
        return {"blank": False, "prediction": int(np.argmax(p)), "probabilities": p, "input": image}

    # ------------------------------------------------------------ a look inside one training step

    def inside(self, test_index=None, pixels=None, width=None, height=None, label=None, neurons=16):
        """One training step on one digit (a test digit or a drawing), with its numbers; nothing
        changes. See :func:`nnpy.browser.mnist_inside.look_inside_digit`."""
        from .mnist_inside import look_inside_digit  # only when asked: training never loads it
        return look_inside_digit(self, test_index, pixels, width, height, label, neurons)

    def inside_update(self, test_index=None, pixels=None, width=None, height=None, label=None):
        """Take that step for real (see :func:`nnpy.browser.mnist_inside.take_step`)."""
        from .mnist_inside import take_step
        return take_step(self, test_index, pixels, width, height, label)

    # ------------------------------------------------------------ model files: export, import

    def export_model(self):
        """The model as a ``saved_models`` file: ``{"data": bytes, "filename": str}``.

        ``nnpy.load_model(path, return_metadata=True)`` loads it in CPython
        and ``python -m nnpy predict path --csv digits.csv`` runs it; the
        metadata says how to feed it (pixels / 255), names the classes and
        holds the page's state (see :mod:`nnpy.browser.mnist_files`).
        """
        self._require()
        accuracy = self._test_metrics()["accuracy"]
        data, filename = save_mnist_model(self.model, self.state, self.trainer.epoch, accuracy)
        return {"data": data, "filename": filename}

    def import_model(self, data, name="the file"):
        """Show the network of a model file: its layers and weights, at epoch 0.

        Args:
            data: the file's bytes (the page's ``Uint8Array`` arrives as a uint8 array).
            name: the file's name, for the messages.

        A page export brings its data and training settings along; a model
        saved in CPython keeps the current ones. The weights are converted to
        the page's dtype. A bad file raises ``ValueError`` (a
        :class:`~nnpy.saved_models.ModelFileError` or a
        :class:`~nnpy.browser.mnist_files.NotAnMnistModel`) whose message starts with
        ``name``, and nothing changes; so does any other failure on the way.

        Returns what :meth:`configure` returns (``"changed"`` always holds
        ``"network"``), plus ``"state"`` (for the page's controls),
        ``"test_accuracy"`` (on the current test digits) and ``"message"``.
        """
        self._require()
        name = str(name)
        found = read_mnist_model(data, name, dtype=self.state["dtype"], inputs=INPUTS, classes=CLASSES,
                                 hidden_activations=HIDDEN_ACTIVATIONS, max_layers=MAX_HIDDEN_LAYERS,
                                 max_units=MAX_UNITS)
        state, with_settings = self._state_for(found)
        with self.rollback():
            if any(state[k] != self.state[k] for k in _REBUILD_KEYS):
                result = self.configure(state)    # a new network (and a new split if asked)
            else:                                 # the same network: built afresh all the same
                self.state = state                # (configure would only change the live settings)
                self._build()
                result = {"changed": ["network"], "state": state}
            weights = found["model"].flat_parameters[0]
            self.model.flat_parameters[0][...] = weights
            self._start_weights, self._from_file = weights.copy(), name
            result["network"] = self.network()
            accuracy = self._test_metrics()["accuracy"]
        sizes = " -> ".join(str(size) for size in result["network"]["sizes"])
        acts = ", ".join(dict.fromkeys(layer["activation"] for layer in found["layers"]))
        epochs = found["epoch"]
        trained = f", trained {epochs} epoch{'s' if epochs != 1 else ''}" if epochs else ""
        settings = ", with its data and training settings" if with_settings else ""
        result.update(state=dict(self.state), test_accuracy=accuracy, message=(
            f"Loaded {name}: {sizes}{f' ({acts})' if acts else ''}{trained}{settings}. "
            f"{100 * accuracy:.2f} % of the test digits right."))  # as the page shows it
        return result

    def _state_for(self, found):
        """The checked state that shows ``found``, and whether it brought the exporting page's settings."""
        state = {**self.state, "layers": found["layers"]}
        saved = found["state"]
        if saved is not None:
            try:
                saved = check_state(saved, self.digits_in_file)
            except ValueError:  # another page's file, or an edited one: keep the current settings
                saved = None
        if saved is not None:
            state.update({k: saved[k] for k in _DATA_KEYS + _LIVE_KEYS})
        return check_state(state, self.digits_in_file), saved is not None

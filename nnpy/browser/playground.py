"""The engine behind the web page: plain data in, plain data and NumPy arrays out.

Nothing here imports ``js`` or ``pyodide``: the worker calls these methods and
converts the results, so everything the page does can be tested in CPython.

One :class:`Playground` holds a dataset (generated or the user's own), the
input features, a model and its trainer. The page sends its whole state to
:meth:`Playground.configure` whenever it changes; the playground works out
what the change means (new data, a new network, or a live setting such as the
learning rate) and does only that. Training runs in chunks
(:meth:`Playground.train`), each answered with a *snapshot*: the epoch, the
losses and accuracies, the decision boundary over a 100x100 grid, a small
heatmap for every neuron, and every weight and bias.

The state dict (every key optional; the page's defaults are TensorFlow
Playground's)::

    {"problem": "classification",        # or "regression"
     "dataset": "circle",                # see DATASETS_2D
     "classes": 2,                       # 2..6 for "spiral" and "blobs"
     "noise": 0.0,                       # 0..0.5
     "seed": 1,                          # data, initial weights and shuffling
     "train_ratio": 0.5,                 # 0.1..0.9
     "batch_size": 10,
     "features": ["x1", "x2"],           # from nnpy.datasets.FEATURES
     "layers": [{"units": 4, "activation": "tanh"}, {"units": 2, "activation": "tanh"}],
     "optimizer": "sgd", "lr": 0.03,
     "regularization": None, "reg_rate": 0.0}

Output layer and loss follow the problem: one sigmoid unit with binary
cross-entropy for two classes, a softmax over K units with cross-entropy for
K > 2 classes, one linear unit with mean squared error for regression.

A snapshot (what :meth:`Playground.train`, :meth:`~Playground.snapshot` and
every edit return)::

    {"epoch": int, "step": int,
     "loss": {"train": float, "test": float},      # without the weight penalty
     "accuracy": {"train": float, "test": float} | None (regression),
     "confusion": int32 (K, K) on the test set | None,   # rows: true class
     "output": float32 (100, 100) | (100, 100, K),  # row 0 is the top (x2 = 6)
     "thumbs": float32 (n_features + all units, 20, 20),  # every neuron's map
     "params": float64 (n_params,),   # model.flat_parameters: per layer W (in x out), then b
     "lr": float, "diverged": str | None,          # the report's message when training blew up
     "report": None | {"kind": "diverged" | "dead", "message", "epoch", "actions", "lower"},
                                                  # see nnpy.browser.health
     "focus": None | {"layer", "unit", "map": float32 (100, 100)},
     "timing": {"train_ms", "snapshot_ms", "epochs"}}

:meth:`Playground.train` adds ``"stop": bool``: True when training cannot go on (it blew up,
or the student's framework failed), so the page pauses and a worker's training stream ends.

Cost: a training step is the model's own few NumPy calls (the trainer's, about
40 for the default network); a snapshot is one forward pass over the train
and test points and one over the 10,000 grid points in float32, one matrix
product per layer. In CPython here: about 1,200 epochs/s for the default
spiral network, 650 for six layers of 8 with all seven features; a snapshot
takes 1 to 3 ms.
"""

import math
import sys
import time

import numpy as np

from .._version import __version__
from ..data import DataError, label_problem, load_csv, train_test_split
from ..datasets import feature_map, make_dataset
from ..layers import DenseLayer
from ..metrics import confusion_matrix
from ..model import SequentialModel
from ..samples import as_samples
from ..trainer import Trainer, TrainingDiverged
from . import schema
from .code_panel import playground_code
from .health import DeadWatch, dead_report, divergence_report, overflow_report
from .playground_files import read_playground_model, save_playground_model
from .schema import DATASETS_2D, PLAYGROUND, output_layer
from .session import Session

GRID = 100            # the decision boundary: GRID x GRID points
AUTO_BUDGET_MS = (30.0, 250.0)   # train(budget_ms="auto"): 4 snapshots' time, within these bounds
THUMB = 20            # every neuron's heatmap: THUMB x THUMB (GRID / THUMB points averaged)
DOMAIN = 6.0          # the plotted square is [-DOMAIN, DOMAIN]^2, as in TF Playground
_LAYERS = schema.setting(PLAYGROUND, "layers")
MAX_LAYERS = _LAYERS["max_layers"]
MAX_UNITS = _LAYERS["max_units"]
MAX_CLASSES = schema.setting(PLAYGROUND, "classes")["max"]
MAX_POINTS = schema.PAGES[PLAYGROUND]["max_points"]
MAX_CSV_CHARS = schema.PAGES[PLAYGROUND]["max_csv_chars"]   # refused by length before parsing
HIDDEN_ACTIVATIONS = tuple(_LAYERS["activations"])
SAMPLES = schema.PAGES[PLAYGROUND]["samples"]
PAGE_SEED_MAX = schema.setting(PLAYGROUND, "seed")["link_max"]  # the page's seed box; noise and the
#                                                     train ratio are whole percents there
DEFAULTS = schema.defaults(PLAYGROUND)
_DATA_KEYS = schema.data_keys(PLAYGROUND)
_LIVE_KEYS = schema.live_keys(PLAYGROUND)
LEARNING_RATES = tuple(schema.setting(PLAYGROUND, "lr")["options"])  # the page's choices


def check_state(state):
    """The page's state with defaults filled in and every value checked (:func:`.schema.check_state`).

    Raises ``ValueError`` naming the key and the value received.
    """
    return schema.check_state(PLAYGROUND, state)


def _on_page_grid(state):
    """A saved state's data settings as the page's controls show them, or ``ValueError``.

    The page shows noise and the train ratio in whole percents and seeds up
    to :data:`PAGE_SEED_MAX`: a hand-made file's noise 0.123 becomes 0.12
    (the page then shows the data it trains on), a larger seed cannot be
    shown at all.
    """
    if state["seed"] > PAGE_SEED_MAX:
        raise ValueError(f"seed {state['seed']} is over the page's {PAGE_SEED_MAX}")
    whole = {k: round(state[k] * 100) / 100 for k in ("noise", "train_ratio")}
    return check_state({**state, **whole})


# ------------------------------------------------------------------ the grid

def _grid_points(n=GRID, domain=DOMAIN):
    """``(n*n, 2)`` pixel centres, row by row from the top (x2 = +domain) to the bottom."""
    c = (np.arange(n) + 0.5) * (2 * domain / n) - domain
    x1, x2 = np.meshgrid(c, c[::-1])
    return np.stack([x1.ravel(), x2.ravel()], axis=1)


def _thumbs(outs):
    """Every layer's ``(GRID*GRID, u)`` values -> ``(sum of u, THUMB, THUMB)`` float32, each cell the
    mean of its ``k x k`` block of grid points (``k = GRID // THUMB``).

    One copy puts every unit's map in a row; two reductions over the block's columns, then its
    rows, give the sums (about twice as fast in the browser as one mean over both axes per layer).
    """
    k = GRID // THUMB
    maps = np.concatenate([a.T for a in outs], dtype=np.float32)        # (units, GRID*GRID)
    sums = np.add.reduce(maps.reshape(-1, THUMB, k, THUMB, k), axis=4)  # each block's rows
    sums = np.add.reduce(sums, axis=2)                                  # then the block
    sums *= np.float32(1.0 / (k * k))
    return np.ascontiguousarray(sums)


def _activation_kind(name):
    """How the page scales a neuron's values onto its colours."""
    return {"tanh": "signed", "sigmoid": "probability", "softmax": "probability"}.get(name, "free")


class Playground(Session):
    """One playground session: the dataset, the model and the trainer.

    Every public method takes plain data and returns plain data and NumPy
    arrays (see the module docstring for the state and the snapshot).
    """

    page = PLAYGROUND

    def __init__(self):
        super().__init__()
        self.source = None          # {"kind": "generated"|"custom", "name": ..., "X", "y"}
        self.X_train = self.y_train = self.X_test = self.y_test = None
        self.report = None          # what went wrong in the last chunk (nnpy.browser.health)
        self._dead = DeadWatch()    # whether a hidden layer stayed dead (the rule both pages follow)
        self._grid = _grid_points()
        self._grid_features = None  # float32 (GRID*GRID, n_features)
        self._initial = None        # the weights the run started from (Reset goes back to them)
        self._history = []          # [(epoch, state)]: live settings in effect from that epoch on
        self._unreplayed = []       # what the generated code cannot replay (edits during the run)
        self.framework = None       # None: nnpy; else a my_framework.StudentFramework (the seam)
        self.framework_error = None  # what a student's function raised mid-training, for the page
        self._health = []           # gradient health samples (see health())
        self._train_hidden = None   # the hidden layers' outputs over the training points (snapshot)
        self._snapshot_ms = 0.0     # how long the last snapshot took (train(budget_ms="auto"))

    # ------------------------------------------------------------ transport checks

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

    def echo(self, value=None):
        """Return ``value`` unchanged (checks the transport of plain data and bytes)."""
        return {"value": value}

    def fail(self, message="deliberate failure"):
        """Raise ``ValueError(message)`` (checks error transport)."""
        raise ValueError(message)

    # ------------------------------------------------------------ set-up

    @property
    def num_classes(self):
        """Classes of the current data (1 for regression)."""
        if self.state["problem"] == "regression":
            return 1
        if self.source["kind"] == "custom":
            return self.source["classes"]
        fixed = DATASETS_2D[self.state["dataset"]][1]
        return fixed if fixed is not None else self.state["classes"]

    def configure(self, state):
        """Apply the page's state; do only what the change needs.

        - data settings changed (problem, dataset, classes, noise, seed,
          train ratio): new data, a new network, epoch 0;
        - network settings changed (features, layers): a new network, epoch 0;
        - live settings (learning rate, batch size, optimizer,
          regularization): applied to the running trainer, training goes on.

        Returns ``{"changed": [...], "points": ... (if the data changed),
        "network": ... (if the network was rebuilt), "snapshot": ...}``.
        Raises ``ValueError`` for a bad state, leaving everything as it was.
        """
        return super().configure(state)

    def _change(self, kind, old, result):
        """Session's hook: new data, a new network, or the record of a live change; the snapshot."""
        new = self.state
        self.diverged = self.report = None  # a report is about the settings it was made under
        if kind == "data":
            custom_split_only = (old is not None and self.source["kind"] == "custom"
                                 and all(new[k] == old[k] for k in _DATA_KEYS if k != "train_ratio"))
            self.source = self.source if custom_split_only else self._generated(new)
            self.X_train, self.y_train, self.X_test, self.y_test = self._split(self.source, new)
        if kind in ("data", "network"):
            self._build()
            result["network"] = self.network()
        elif kind == "live":
            self._record_live()
        if kind == "data":
            result["points"] = self.points()
        result["snapshot"] = self.snapshot()

    def _generated(self, s):
        name = s["dataset"]
        if name in ("spiral", "blobs") and s["classes"] > 2:
            gen = "spirals" if name == "spiral" else name
        else:
            gen = name
        X, y = make_dataset(gen, SAMPLES[s["problem"]], s["noise"], seed=s["seed"],
                            num_classes=s["classes"])
        fixed = DATASETS_2D[name][1]
        return {"kind": "generated", "name": name, "X": X, "y": y,
                "classes": fixed if fixed is not None else s["classes"]}

    @staticmethod
    def _split(source, s):
        return train_test_split(source["X"], source["y"], test_fraction=1.0 - s["train_ratio"],
                                seed=s["seed"])

    def _output(self):
        """(units, activation, loss) of the output layer: :func:`.schema.output_layer`."""
        return output_layer(self.state["problem"], self.num_classes)

    def _build(self):
        """A new model and trainer from the state: the seed fixes the initial weights and the shuffling."""
        s = self.state
        units, out_act, loss = self._output()
        rng = np.random.default_rng(s["seed"])
        sizes = [len(s["features"])] + [layer["units"] for layer in s["layers"]] + [units]
        acts = [layer["activation"] for layer in s["layers"]] + [out_act]
        if self.framework is not None:
            self.model = self.framework.build(sizes, acts[:-1], out_act, s["seed"])
        else:
            layers = [DenseLayer(sizes[i], sizes[i + 1], acts[i], seed=rng) for i in range(len(acts))]
            self.model = SequentialModel(layers)
        self._initial = self.model.flat_parameters[0].copy()
        self._new_trainer(loss)
        self._new_run()
        self._grid_features = feature_map(self._grid, s["features"]).astype(np.float32)

    def _new_trainer(self, loss=None):
        s = self.state
        if self.framework is not None:
            self.trainer = self.framework.trainer(self.model, loss or self.trainer.loss.name, s["lr"],
                                                  s["batch_size"], s["seed"])
            self._set_training_data()
            self.diverged = self.report = self.framework_error = None
            self._dead.clear()
            return
        self.trainer = Trainer(self.model, loss or self.trainer.loss, lr=s["lr"], optimizer=s["optimizer"],
                               regularization=s["regularization"], reg_rate=s["reg_rate"],
                               batch_size=s["batch_size"], seed=s["seed"], fast=True)
        self._set_training_data()
        self.diverged = self.report = None
        self._dead.clear()

    def _set_training_data(self):
        self._F_train = feature_map(self.X_train, self.state["features"])
        self._F_test = feature_map(self.X_test, self.state["features"])
        self.trainer.set_data(self._F_train, self.y_train)
        self._Y_train = self.trainer.prepare(self._F_train, self.y_train)[1]
        self._Y_test = self.trainer.prepare(self._F_test, self.y_test)[1]

    def apply_live(self):
        """Session's live change; the course's trainer (a student's framework) takes SGD and the
        learning rate only."""
        if self.framework is None:
            return super().apply_live()
        self.trainer.batch_size = self.state["batch_size"]
        self.trainer.lr = self.state["lr"]

    def _new_run(self):
        """Epoch 0: the history starts again with the settings in effect now."""
        self._history = [(0, dict(self.state))]
        self._unreplayed = []
        self._health = []

    def _record_live(self):
        epoch = self.trainer.epoch
        if self._history and self._history[-1][0] == epoch:
            self._history[-1] = (epoch, dict(self.state))
        else:
            self._history.append((epoch, dict(self.state)))

    def _mid_run(self, what):
        """Note an edit the generated code cannot replay (nothing to note before the first step)."""
        if self.trainer.step_count:
            self._unreplayed.append(f"{what} after epoch {self.trainer.epoch}")
            return True
        return False

    def set_lr(self, lr):
        """Change the learning rate now, without a reset (the next step uses it)."""
        self.configure({**self.state, "lr": lr})
        return {"lr": self.trainer.lr}

    def reset(self):
        """Back to epoch 0: the seed's initial weights, a fresh optimizer and shuffle order."""
        self._require()
        self.model.flat_parameters[0][...] = self._initial
        self._new_trainer()
        self._new_run()
        return {"snapshot": self.snapshot()}

    def regenerate(self, seed):
        """New data from ``seed`` (same settings); the network keeps its weights and epoch.

        Also the way back from the user's own points to the dataset (its chip, clicked again);
        if those points had another number of classes, the network is rebuilt for the dataset's.
        """
        self._require()
        new = check_state({**self.state, "seed": seed})
        old_classes = self.num_classes
        source = self._generated(new)
        self.X_train, self.y_train, self.X_test, self.y_test = self._split(source, new)
        self.source, self.state = source, new
        result = {"points": self.points()}
        if self.num_classes != old_classes:
            self._build()
            result["network"] = self.network()
        else:
            self._set_training_data()
            self._mid_run(f"new data (seed {new['seed']})")
            self._history = [(e, {**st, "seed": new["seed"]}) for e, st in self._history]
        result["snapshot"] = self.snapshot()
        return result

    def _require(self):
        if self.model is None:
            raise RuntimeError("the playground is not configured yet: call configure(state) first")

    # ------------------------------------------------------------ the user's own data

    def _use_custom(self, X, y, name, classes):
        """Replace the data by the user's; keep the network unless the classes changed."""
        source = {"kind": "custom", "name": name, "X": X, "y": y, "classes": classes}
        old_classes = self.num_classes
        if classes == old_classes:
            self._mid_run(f"your data ({name}) replaced the points")
        self.source = source
        self.X_train, self.y_train, self.X_test, self.y_test = self._split(source, self.state)
        result = {"points": self.points()}
        if classes != old_classes:
            self._build()
            result["network"] = self.network()
        else:
            self._set_training_data()
        result["snapshot"] = self.snapshot()
        return result

    def load_csv(self, text, name="your data", delimiter=",", header="auto"):
        """Use the points of a CSV (``x1,x2,label``; a header row may name the label column).

        Classification labels are integers 0..5 counting from 0 without gaps
        (labels 1 and 2 are refused with the labels found and the rule, never
        turned into an empty class 0); regression targets are numbers. Points
        must lie in the plotted square [-6, 6]^2. A bad file raises
        ``DataError`` naming the row; the data and the network stay as they
        were. ``delimiter`` is the cell separator (``","``, ``";"``, ``"\\t"``);
        ``header`` settles whether the first row is a header (``"auto"``: decided
        from the file, see :func:`nnpy.data.load_csv`). The result's
        ``notes`` say what was decided (``first row read as the header: ...``).
        """
        self._require()
        if delimiter not in (",", ";", "\t"):
            raise DataError(f"delimiter must be ',', ';' or a tab. Received: {delimiter!r}")
        text = str(text)
        if len(text) > MAX_CSV_CHARS:
            raise DataError(f"the CSV has {len(text):,} characters; the playground takes up to "
                            f"{MAX_CSV_CHARS:,} ({MAX_POINTS} points)")
        text = text.lstrip("\ufeff")   # a byte-order mark is not part of the first cell
        if "\n" not in text and "\r" not in text:
            text += "\n"   # one line is still the file's text: nnpy.load_csv reads a str without a line break as a path
        regression = self.state["problem"] == "regression"
        first = next((line for line in text.splitlines() if line.strip()), "")
        cells = [c.strip().strip('"').strip().lower() for c in first.split(delimiter)]
        if len(cells) == 1:   # never split: name the separator the line has, and the page's control
            names = {",": "comma ,", ";": "semicolon ;", "\t": "tab"}
            seen = [names[d] for d in names if d != delimiter and d in first]
            if seen:
                raise DataError(f"no {names[delimiter]} in the first line, which has a {seen[0]}: choose "
                                f"\u201c{seen[0]}\u201d in CSV separator and load the file again")
        label_column = cells.index("label") if "label" in cells and header is not False else -1
        X, y, info = load_csv(text, label_column=label_column, header=header, delimiter=delimiter,
                              label_type="float" if regression else "int",
                              num_classes=None if regression else MAX_CLASSES, return_info=True)
        if X.shape[1] != 2:
            raise DataError(f"the CSV has {X.shape[1] + 1} columns; the playground needs three: "
                            "x1, x2 and a label")
        if len(X) < 4 or len(X) > MAX_POINTS:
            raise DataError(f"the CSV has {len(X)} point{'' if len(X) == 1 else 's'}; "
                            f"the playground takes 4..{MAX_POINTS}")
        if not regression and label_problem(y):
            raise DataError(label_problem(y))
        outside = np.flatnonzero(np.any(np.abs(X) > DOMAIN, axis=1))
        if len(outside):
            i = int(outside[0])
            rows = [n + 1 for n, line in enumerate(text.splitlines()) if line.strip()]
            row = rows[i + 1 if info["header"] is not None else i]
            raise DataError(f"row {row}: the point ({X[i, 0]:g}, {X[i, 1]:g}) lies outside the "
                            f"plotted square -{DOMAIN:g}..{DOMAIN:g}; scale your data into it")
        if regression:
            classes = 1
        else:
            classes = int(y.max()) + 1
            if classes < 2:
                raise DataError("every point has label 0: a classification needs at least two classes")
        result = self._use_custom(X, y, str(name), classes)
        result["notes"] = [n.replace("(header=False reads it as data)",
                                     "(to read it as data, choose: CSV first row is data)")
                           for n in info["notes"] if not n.startswith("the labels are")]
        return result

    def csv(self):
        """The current data (train and test) as CSV text, ``x1,x2,label``, and a file name."""
        self._require()
        X = np.concatenate([self.X_train, self.X_test])
        y = np.concatenate([self.y_train, self.y_test]).reshape(len(X), -1)[:, 0]
        # label last, as the upload expects; repr() keeps every float exact
        lines = ["x1,x2,label"]
        lines += [f"{a!r},{b!r},{lab!r}" for (a, b), lab in zip(X.tolist(), y.tolist())]
        name = self.source["name"] if self.source["kind"] == "generated" else "data"
        return {"text": "\n".join(lines) + "\n",
                "filename": f"nnpy-{name}-seed{self.state['seed']}.csv"}

    def add_point(self, x1, x2, label, to="train"):
        """Add one point to the training (or test) set; the network keeps training."""
        self._require()
        x1, x2 = float(x1), float(x2)
        if not (np.isfinite(x1) and np.isfinite(x2)):
            raise ValueError(f"the point ({x1:g}, {x2:g}) is not two finite numbers")
        if not (abs(x1) <= DOMAIN and abs(x2) <= DOMAIN):
            raise ValueError(f"the point ({x1:g}, {x2:g}) lies outside -{DOMAIN:g}..{DOMAIN:g}")
        if self.state["problem"] == "regression":
            label = float(label)
            if not -1 <= label <= 1:
                raise ValueError(f"a regression target must be in -1..1. Received: {label!r}")
            y_new = np.array([[label]])
        else:
            if isinstance(label, bool) or not float(label).is_integer() or not 0 <= label < self.num_classes:
                raise ValueError(f"label must be a class 0..{self.num_classes - 1}. Received: {label!r}")
            y_new = np.array([int(label)], dtype=np.int64)
        if len(self.X_train) + len(self.X_test) >= MAX_POINTS:
            raise ValueError(f"the playground holds at most {MAX_POINTS} points")
        if to not in ("train", "test"):
            raise ValueError(f"to must be 'train' or 'test'. Received: {to!r}")
        p = np.array([[x1, x2]])
        if to == "train":
            self.X_train = np.concatenate([self.X_train, p])
            self.y_train = np.concatenate([self.y_train, y_new])
        else:
            self.X_test = np.concatenate([self.X_test, p])
            self.y_test = np.concatenate([self.y_test, y_new])
        return self._edited()

    def remove_point(self, x1, x2, radius=0.3):
        """Remove the point nearest to ``(x1, x2)`` within ``radius``; ``removed`` says if one was."""
        self._require()
        best = None
        for part, X in (("train", self.X_train), ("test", self.X_test)):
            if len(X):
                d = np.hypot(X[:, 0] - float(x1), X[:, 1] - float(x2))
                i = int(np.argmin(d))
                if d[i] <= float(radius) and (best is None or d[i] < best[0]):
                    best = (d[i], part, i)
        if best is None:
            return {"removed": False}
        _, part, i = best
        if part == "train":
            if len(self.X_train) <= 1:
                raise ValueError("the training set needs at least one point")
            self.X_train = np.delete(self.X_train, i, axis=0)
            self.y_train = np.delete(self.y_train, i, axis=0)
        else:
            if len(self.X_test) <= 1:
                raise ValueError("the test set needs at least one point")
            self.X_test = np.delete(self.X_test, i, axis=0)
            self.y_test = np.delete(self.y_test, i, axis=0)
        return {"removed": True, **self._edited()}

    def _edited(self):
        """After a click edit: the data becomes the user's own; training continues on it."""
        X = np.concatenate([self.X_train, self.X_test])
        y = np.concatenate([self.y_train, self.y_test])
        name = self.source["name"]
        self._mid_run("points added or removed by hand")
        if self.source["kind"] == "generated":
            name = f"{name} (edited)"
        self.source = {"kind": "custom", "name": name, "X": X, "y": y, "classes": self.num_classes}
        self._set_training_data()
        return {"points": self.points(), "snapshot": self.snapshot()}

    # ------------------------------------------------------------ editing weights

    def set_parameter(self, layer, name, index, value):
        """Set one weight (``name="W"``, ``index=[i, j]``) or bias (``"b"``, ``[j]``) of ``layer`` (0-based)."""
        self._require()
        if isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer < len(self.model.layers):
            raise ValueError(f"layer must be 0..{len(self.model.layers) - 1}. Received: {layer!r}")
        if name not in ("W", "b"):
            raise ValueError(f"name must be 'W' or 'b'. Received: {name!r}")
        param = self.model.layers[layer].params[name]
        index = tuple(int(i) for i in (index if isinstance(index, (list, tuple)) else [index]))
        if len(index) != param.ndim or any(not 0 <= i < n for i, n in zip(index, param.shape)):
            raise ValueError(f"index {list(index)} is outside {name} of shape {param.shape}")
        value = float(value)
        if not math.isfinite(value) or abs(value) > 1e6:
            raise ValueError(f"value must be a finite number within ±1e6. Received: {value!r}")
        param[index] = value
        if not self._mid_run(f"{name}{list(index)} of layer {layer + 1} set to {value!r} by hand"):
            self._initial = self.model.flat_parameters[0].copy()  # before training: the run starts here
        self.diverged = self.report = None
        self._dead.clear()
        return {"snapshot": self.snapshot()}

    def load_weights(self, params, epoch=0):
        """Put back weights the page held (``model.flat_parameters`` order), at ``epoch``.

        The page's way back after its engine died: the new engine is configured
        with the page's settings, then given the weights of the last snapshot
        the page showed. The optimizer starts afresh. Raises ``ValueError`` for
        weights of the wrong size or not finite, and changes nothing then.
        """
        self._require()
        flat = self.model.flat_parameters[0]
        params = np.asarray(params, dtype=np.float64).reshape(-1)
        if params.size != flat.size or not np.isfinite(params).all():  # (a student's model has no .shape)
            raise ValueError(f"params must be {flat.size} finite numbers for this network. "
                             f"Received: {params.size}")
        if isinstance(epoch, bool) or not isinstance(epoch, (int, np.integer)) or epoch < 0:
            raise ValueError(f"epoch must be an integer >= 0. Received: epoch={epoch!r}")
        flat[...] = params
        self._new_trainer()
        self.trainer.epoch = int(epoch)
        if epoch:
            self._unreplayed.append(f"the weights after epoch {epoch} put back after Python restarted")
        return {"snapshot": self.snapshot()}

    # ------------------------------------------------------------ training

    def train(self, epochs=1, budget_ms=None, focus=None):
        """Train up to ``epochs`` whole epochs, stopping early once ``budget_ms`` is spent.

        The page asks for a chunk, draws its snapshot and asks again, so a
        chunk is bounded by time (``budget_ms``, at least one epoch) rather
        than by count: big networks get fewer snapshots, not a frozen page.
        Chunks never change the result: ``N`` epochs in any chunks train the
        same weights as one call of ``N`` epochs.

        ``budget_ms="auto"`` (what the page's training stream asks for) is
        four times the last snapshot's time, from 30 to 250 ms: drawing takes
        no more than about a fifth of the time, and a small network still
        shows 25 or more pictures a second.

        If training blows up (the loss, the gradient or the network's outputs
        grow too large to compute), the trainer goes back to its last good
        weights (:class:`~nnpy.trainer.GoodWeights`), training stops, and the
        snapshot's ``report`` says so with the ways back that work. A hidden
        layer that stayed dead (the rule of :class:`~nnpy.browser.health.DeadWatch`)
        is reported too; training goes on.
        """
        self._require()
        epochs = int(epochs)
        if epochs < 1:
            raise ValueError(f"epochs must be >= 1. Received: {epochs}")
        if budget_ms == "auto":
            budget_ms = min(AUTO_BUDGET_MS[1], max(AUTO_BUDGET_MS[0], 4.0 * self._snapshot_ms))
        if self.framework is not None:
            return self._train_mine(epochs, budget_ms, focus)
        start = time.perf_counter()
        deadline = None if budget_ms is None else start + float(budget_ms) / 1000.0
        done = 0
        self.diverged = self.report = None
        trainer = self.trainer
        lr = trainer.lr
        try:
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is caught and reported
                while done < epochs:
                    trainer.train_epochs(1)
                    done += 1
                    if deadline is not None and time.perf_counter() >= deadline:
                        break
        except TrainingDiverged as exc:
            self._went_back(exc.restored_epoch)
            self._report(divergence_report(exc, lr, LEARNING_RATES))
        train_ms = (time.perf_counter() - start) * 1000.0
        snap = self.snapshot(focus, _training=True)
        if not snap["finite"] and self.report is None:
            # the float32 picture overflowed while float64 training did not (yet): go back all the same
            failed = trainer.epoch
            kept = trainer.good.restore()
            self._went_back(kept)
            self._report(overflow_report(failed, kept, trainer.good.usable, lr, LEARNING_RATES))
            snap = self.snapshot(focus, _training=True)
        if self.report is None:
            self._check_dead()
            if self.report is not None:
                snap["report"] = self.report
        snap["timing"]["train_ms"] = train_ms
        snap["timing"]["epochs"] = done
        snap["stop"] = self.diverged is not None
        return snap

    def _report(self, report):
        self.report = report
        self.diverged = report["message"] if report["kind"] == "diverged" else None

    def _went_back(self, epoch):
        """The trainer went back to the weights after ``epoch``: the epochs after it never happened."""
        if epoch is None:
            return
        self._history = [(e, st) for e, st in self._history if e <= epoch]
        self._record_live()
        self._dead.clear()
        if self.trainer.optimizer.name != "sgd":
            self._mid_run(f"the optimizer's state started afresh after going back to epoch {epoch}")

    def _check_dead(self):
        """Report a hidden layer that stayed dead (:class:`~nnpy.browser.health.DeadWatch`), from the
        hidden layers' outputs over the training points that the snapshot just computed."""
        trainer = self.trainer
        hidden, self._train_hidden = self._train_hidden, None
        dead = self._dead.check(self.model, self._F_train, trainer.epoch, trainer.step_count, hidden)
        if dead is not None:
            relu = any(layer["activation"] == "relu" for layer in self.state["layers"])
            self.report = dead_report(dead[0], dead[1], trainer.epoch, trainer.lr, LEARNING_RATES, relu)

    def _student_failed(self, exc):
        from .my_framework import StudentCodeFailed
        if not isinstance(exc, StudentCodeFailed):
            raise exc
        self.framework_error = exc.details
        message = str(exc)
        self._report({"kind": "diverged", "message": f"Training stopped. {message[0].upper()}{message[1:]}",
                      "actions": ["reset"], "lower": self.trainer.lr, "workshop": exc.details})

    def _train_mine(self, epochs, budget_ms, focus):
        """train() on the student's framework: epochs until the budget; a failure is reported."""
        from ..trainer import TrainingDiverged
        start = time.perf_counter()
        deadline = None if budget_ms is None else start + float(budget_ms) / 1000.0
        done = 0
        self.diverged = self.report = None
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                while done < epochs:
                    self.trainer.train_epochs(1)
                    done += 1
                    if deadline is not None and time.perf_counter() >= deadline:
                        break
        except TrainingDiverged:
            from .my_framework import diverged_report   # the student's code, or the learning rate?
            self._report(diverged_report(self.framework, self.trainer.epoch, self.trainer.lr, LEARNING_RATES))
        except Exception as exc:   # a student's function failed
            self._student_failed(exc)
        snap = self.snapshot(focus)
        snap["report"] = self.report
        snap["timing"]["train_ms"] = (time.perf_counter() - start) * 1000.0
        snap["timing"]["epochs"] = done
        snap["stop"] = self.diverged is not None
        return snap

    def use_framework(self, files=None):
        """Train on the student's own modules (the workshop's files, ``{name: text}``), or nnpy's (``None``).

        The network is rebuilt at epoch 0 with the same settings. Returns
        ``{"ok": True, "framework": "yours"|"nnpy", "network", "snapshot"}``, or
        ``{"ok": False, "error": {function, step, file, line, error}}`` when the
        student's code fails to build or train a first epoch (nnpy's framework stays).
        """
        from ..trainer import TrainingDiverged
        from .my_framework import StudentCodeFailed, StudentFramework
        old = self.framework
        try:
            self.framework = None if files is None else StudentFramework.from_files(files)
            if self.state is not None:
                self._build()
                if self.framework is not None:   # one real epoch on a copy of the weights: fails early
                    start = self.model.flat_parameters[0].copy()
                    try:
                        self.trainer.train_epochs(1)
                    except TrainingDiverged:
                        pass   # NaN weights: said when the student trains (my_framework.diverged_report: whose fault)
                    self.model.flat_parameters[0][...] = start
                    self._new_trainer()
        except (StudentCodeFailed, ValueError) as exc:
            self.framework = old
            if self.state is not None:
                self._build()
            details = exc.details if isinstance(exc, StudentCodeFailed) else {
                "function": None, "step": None, "file": None, "line": None,
                "error": {"text": str(exc), "frames": []}}
            return {"ok": False, "error": details, "message": str(exc)}
        result = {"ok": True, "framework": "nnpy" if self.framework is None else "yours"}
        if self.state is not None:
            result["network"] = self.network()
            result["snapshot"] = self.snapshot()
        return result

    def _nnpy_only(self, what):
        if self.framework is not None:
            raise ValueError(f"{what} works with nnpy's own framework; this page trains on yours now. "
                             "Switch back to nnpy's to use it.")

    def step(self, focus=None):
        """One epoch (TF Playground's step button)."""
        return self.train(1, focus=focus)

    # ------------------------------------------------------------ a look inside one step

    def inside(self, point, label=None):
        """One training step on one point, with every number of it; nothing changes.

        ``point`` is ``[x1, x2]`` anywhere on the plot; ``label`` its class
        (or value, for regression), or ``None`` for the label of the nearest
        training point. Returns :func:`nnpy.browser.inside.look_inside`'s
        dict for the batch of that one point (its features), plus ``point``,
        ``label``, ``label_from`` (``"nearest"`` or ``"chosen"``), ``nearest``
        (``{"index", "x": [x1, x2], "distance"}``), ``features`` (their
        names) and ``epoch``. :meth:`inside_update` takes the step for real.
        Raises ``ValueError`` for a bad point or label, changing nothing.
        """
        self._require()
        self._nnpy_only("Look inside")
        from .inside import look_inside  # only when asked: training never loads it
        point, label, found = self._inside_point(point, label)
        result = look_inside(self.trainer, feature_map(point[None, :], self.state["features"]),
                             np.array([label]))
        result.update(point=[float(v) for v in point], label=label, features=list(self.state["features"]),
                      label_from="chosen" if found is None else "nearest", nearest=found,
                      epoch=self.trainer.epoch, step=self.trainer.step_count)
        return result

    def inside_update(self, point, label=None):
        """Take the step :meth:`inside` showed: one ``Trainer.train_step`` on that one point.

        The weights become :meth:`inside`'s ``new_W``, ``new_b`` exactly (the
        optimizer's state and step count move on as for any step; the epoch
        does not). Returns ``{"snapshot": ...}``; a step that diverges keeps
        the weights and says so in the snapshot's ``diverged``.
        """
        self._require()
        self._nnpy_only("Look inside")
        point, label, _ = self._inside_point(point, label)
        X, Y = self.trainer.prepare(feature_map(point[None, :], self.state["features"]), np.array([label]))
        self.diverged = self.report = None
        lr = self.trainer.lr
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                self.trainer.train_step(X, Y)
            self._mid_run(f"one step on the point ({point[0]:g}, {point[1]:g}) with label {label:g}")
        except TrainingDiverged as exc:  # the weights from before the step are kept
            self._report(divergence_report(exc, lr, LEARNING_RATES))
        return {"snapshot": self.snapshot()}

    def inside_batch(self):
        """The same look inside for the mini-batch the next training step takes (the matrix view).

        :func:`nnpy.browser.inside.look_inside` on that batch (``x`` of shape
        ``(batch size, features)``), plus ``features``, ``epoch`` and
        ``step``. Nothing changes: the next step of training takes this very
        batch and gives these new weights.
        """
        self._require()
        from .inside import look_inside, next_batch
        X, Y = next_batch(self.trainer)
        result = look_inside(self.trainer, X, Y)
        result.update(features=list(self.state["features"]), epoch=self.trainer.epoch,
                      step=self.trainer.step_count)
        return result

    def inside_source(self):
        """The lines of nnpy's source that a training step runs, by stage (see
        :func:`nnpy.browser.inside.source_lines`), read from the installed package."""
        self._require()
        from .inside import source_lines
        return source_lines(self.trainer)

    def _inside_point(self, point, label):
        """``(point as float64 (2,), label, nearest)``, checked; ``nearest`` is ``None`` for a chosen label."""
        p = np.asarray(point, dtype=np.float64).reshape(-1) if _is_numbers(point) else None
        if p is None or p.shape != (2,) or not np.all(np.isfinite(p)) or np.any(np.abs(p) > 1e6):
            raise ValueError(f"point must be two finite numbers [x1, x2] within ±1e6. Received: {point!r}")
        nearest = None
        if label is None:
            if not len(self.X_train):
                raise ValueError("There are no training points to take a label from: choose one.")
            d = np.hypot(*(self.X_train - p).T)
            i = int(np.argmin(d))
            label = self.y_train[i].item() if np.ndim(self.y_train[i]) == 0 else float(self.y_train[i][0])
            nearest = {"index": i, "x": [float(v) for v in self.X_train[i]], "distance": float(d[i])}
        regression = self.state["problem"] == "regression"
        if regression:
            if isinstance(label, bool) or not isinstance(label, (int, float)) or not math.isfinite(label) \
                    or abs(label) > 1e6:
                raise ValueError(f"label must be a finite number within ±1e6. Received: {label!r}")
            label = float(label)
        else:
            k = self.num_classes
            if isinstance(label, bool) or not isinstance(label, (int, float)) or not math.isfinite(label) \
                    or label != int(label) \
                    or not 0 <= label < k:
                raise ValueError(f"label must be a class from 0 to {k - 1}. Received: {label!r}")
            label = int(label)
        return p, label, nearest

    # ------------------------------------------------------------ files: export, import, code

    def export_model(self):
        """The model as a ``saved_models`` file: ``{"data": bytes, "filename": str}``.

        ``nnpy.load_model(path, return_metadata=True)`` loads it in CPython;
        the metadata names the input features and holds the page's state
        (see :mod:`nnpy.browser.playground_files`).
        """
        self._require()
        self._nnpy_only("Export")
        data, filename = save_playground_model(self.model, self.state, self.source, self.trainer.epoch)
        return {"data": data, "filename": filename}

    def code(self, wheel_url=None):
        """The nnpy and PyTorch scripts for this run, its notebook, and the weight files they use.

        ``{"python", "pytorch", "notebook": str, "weights", "trained": bytes (safetensors),
        "files": {kind: file name}}`` (see :func:`nnpy.browser.code_panel.playground_code`);
        ``wheel_url``, the page's nnpy wheel, goes into the notebook's install cell.
        """
        self._require()
        self._nnpy_only("The Code panel")
        from .notebook import is_plain_url
        if not is_plain_url(wheel_url):
            wheel_url = None   # not a plain web address: the notebook says how to install nnpy instead
        return playground_code(self, history=self._history, wheel_url=wheel_url)

    def import_model(self, data, name="the file"):
        """Show the network of a model file (bytes): its layers, features and weights, at epoch 0.

        A file exported by the page brings its data settings along (unless
        its data was the user's own, which the file does not carry); a file
        saved in CPython keeps the current data when its output fits it, and
        otherwise switches to a dataset that does. A bad file raises
        ``ValueError`` (a :class:`~nnpy.saved_models.ModelFileError` or a
        :class:`~nnpy.browser.playground_files.NotAPlaygroundModel`) naming what is
        wrong, and nothing changes.

        Returns what :meth:`configure` returns, plus ``"state"`` (the new
        state, for the page's controls) and ``"message"``.
        """
        self._require()
        self._nnpy_only("Import")
        if isinstance(data, np.ndarray):
            data = data.astype(np.uint8, copy=False).tobytes()
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data must be the file's bytes. Received: {type(data).__name__}")
        found = read_playground_model(bytes(data), str(name), hidden_activations=HIDDEN_ACTIVATIONS,
                                      max_layers=MAX_LAYERS, max_units=MAX_UNITS, max_classes=MAX_CLASSES)
        state, kept = self._state_for(found)
        with self.rollback():
            result = self.configure(state)
            if "network" not in result["changed"]:  # the same architecture: a new run all the same
                self._build()
                result["changed"].append("network")
            self.model.flat_parameters[0][...] = found["model"].flat_parameters[0]
            self._initial = self.model.flat_parameters[0].copy()
            self._new_trainer()
            self._new_run()
            result["network"] = self.network()
            result["snapshot"] = self.snapshot()
        layers = " -> ".join([str(len(found["features"]))] + [str(l["units"]) for l in found["layers"]] +
                             [str(self.model.layers[-1].out_features)])
        epoch = f", trained {found['epoch']} epochs" if found["epoch"] else ""
        result["state"] = dict(self.state)
        result["message"] = (f"Loaded {name}: {layers} ({', '.join(found['features'])}{epoch}). "
                             + ("Shown on the current data." if kept else
                                f"Shown on {self._data_words()}."))
        return result

    def predict(self, points):
        """The network's outputs (float64) at ``points`` (``(n, 2)``: x1, x2), as the page computes them.

        ``{"output": (n, units)}``: what ``load_model`` of an export predicts
        in CPython for ``feature_map(points, metadata["features"])``. A flat
        array of ``2n`` values is ``n`` pairs (the page sends a
        ``Float64Array``, which has no second dimension; ``(2,)`` is one point,
        as for ``model.predict``); other shapes follow
        :func:`nnpy.samples.as_samples`. A NaN or infinite value raises
        ``ValueError`` naming its cell (``points[1, 1] is inf``).
        """
        self._require()
        flat = np.asarray(points) if not isinstance(points, str) else None
        if flat is not None and flat.ndim == 1 and flat.size % 2 == 0:
            points = flat.reshape(-1, 2)    # the bridge's flat Float64Array x1, x2, x1, x2, ...
        X, _ = as_samples(points, 2, np.float64, "points")
        if len(X) > 100_000:
            raise ValueError(f"points must be at most 100,000 (x1, x2) pairs. Received shape {X.shape}")
        return {"output": self.model.predict(feature_map(X, self.state["features"]))}

    def _state_for(self, found):
        """The state that shows ``found``; and whether the current data stays."""
        cur = self.state
        state = {**cur, "features": found["features"], "layers": found["layers"]}
        saved = found["state"]
        if saved is not None:
            try:
                saved = _on_page_grid(check_state(saved))
            except ValueError:
                saved = None
        fits_now = cur["problem"] == found["problem"] and (found["problem"] == "regression"
                                                           or self.num_classes == found["classes"])
        from_generated = found["data"] is None or found["data"].get("kind") != "custom"
        if fits_now and self.source["kind"] == "custom":
            return state, True  # the user's own points stay
        if saved is not None and from_generated:
            # the exporting page's data and settings, checked against the network itself
            saved_classes = 1 if saved["problem"] == "regression" else (
                DATASETS_2D[saved["dataset"]][1] or saved["classes"])
            if saved["problem"] == found["problem"] and saved_classes == found["classes"]:
                keep = {k: saved[k] for k in _DATA_KEYS + _LIVE_KEYS}
                return {**state, **keep}, False
        if fits_now:
            return state, True
        if found["problem"] == "regression":
            data = {"problem": "regression", "dataset": "reg-plane"}
        elif found["classes"] == 2:
            data = {"problem": "classification", "dataset": "circle"}
        else:
            data = {"problem": "classification", "dataset": "spiral", "classes": found["classes"]}
        return {**state, **data}, False

    def _data_words(self):
        s = self.state
        k = f", {self.num_classes} classes" if DATASETS_2D[s["dataset"]][1] is None else ""
        return f"the {s['dataset']} data (seed {s['seed']}{k})"

    # ------------------------------------------------------------ what the page shows

    def network(self):
        """The architecture the diagram draws."""
        self._require()
        s = self.state
        units, out_act, loss = self._output()
        return {
            "features": list(s["features"]),
            "layers": [{"units": layer.out_features, "activation": layer.activation.name,
                        "kind": _activation_kind(layer.activation.name)}
                       for layer in self.model.layers],
            "loss": loss, "problem": s["problem"], "classes": self.num_classes,
            "params": self.model.count_params(),
        }

    def points(self):
        """The data points: positions as float32 ``(n, 2)``, labels as int (class) or float32 (value)."""
        self._require()
        def labels(y):
            return y.reshape(-1).astype(np.float32) if self.state["problem"] == "regression" \
                else y.astype(np.int32)
        return {
            "train_x": self.X_train.astype(np.float32), "train_y": labels(self.y_train),
            "test_x": self.X_test.astype(np.float32), "test_y": labels(self.y_test),
            "source": self.source["kind"], "name": self.source["name"],
            "classes": self.num_classes, "problem": self.state["problem"],
        }

    def _grid_forward(self):
        """Every layer's activations over the grid, in float32: one matrix product per layer."""
        a = self._grid_features
        outs = [a]
        for layer in self.model.layers:
            z = a @ layer.params["W"].astype(np.float32)
            z += layer.params["b"].astype(np.float32)
            a = layer.activation.forward(z)
            outs.append(a)
        return outs

    def _sample_health(self):
        """Note the gradient health now (called by each snapshot, right after its forward pass
        over the training set): per layer the mean |dL/dW| of the latest training step, and the
        share of ReLU units that output 0 on every training point. A few NumPy calls a
        snapshot; training itself does nothing more."""
        trainer = self.trainer
        if not trainer.step_count or (self._health and self._health[-1]["step"] == trainer.step_count):
            return
        if not all(isinstance(layer, DenseLayer) for layer in self.model.layers):
            return   # a student's own framework (the workshop's): its layers keep no nnpy caches
        grads, dead = [], []
        for layer in self.model.layers:
            g = layer.grads["W"]   # np.mean's own reduction, without its Python wrapper
            grads.append(float(np.add.reduce(np.abs(g), axis=None)) / g.size)
            if layer.activation.name == "relu":
                dead.append(float(np.mean(~np.any(layer._a > 0, axis=0))))
            else:
                dead.append(None)
        self._health.append({"epoch": trainer.epoch, "step": trainer.step_count, "grad": grads, "dead": dead})
        if len(self._health) > 2000:  # keep every other sample: the chart's cost stays bounded
            self._health = self._health[::2]

    def _hidden_outputs(self):
        """The hidden layers' outputs of the latest forward pass (nnpy's layers keep them; no copy),
        or ``None`` for a student's own layers."""
        layers = self.model.layers[:-1]
        if not all(isinstance(layer, DenseLayer) and layer._a is not None for layer in layers):
            return None
        return [layer._a for layer in layers]

    def health(self):
        """Gradient health over this run, one sample per snapshot after a training step.

        ``{"epoch": [...], "grad": [[mean |dL/dW| of layer 1, ...], ...] (one list per
        sample, the latest training step's gradient), "dead": [[share of dead ReLU units
        of layer 1 or None, ...], ...], "layers": [activation names]}``. A ReLU unit is
        dead when it outputs 0 for every training point: it passes no gradient back.
        """
        self._require()
        return {"epoch": [h["epoch"] for h in self._health], "grad": [h["grad"] for h in self._health],
                "dead": [h["dead"] for h in self._health],
                "layers": [layer.activation.name for layer in self.model.layers]}

    def _metrics(self, regression, k):
        """Loss (without the weight penalty) and accuracy on the training and the test set."""
        trainer, model = self.trainer, self.model
        metrics = {}
        for part, F, Y, y in (("train", self._F_train, self._Y_train, self.y_train),
                              ("test", self._F_test, self._Y_test, self.y_test)):
            out = model.forward(F)
            if part == "train":
                self._sample_health()
                self._train_hidden = self._hidden_outputs()
            if trainer.logits:
                loss = trainer.loss.loss_and_grad_from_logits(Y, model.layers[-1].last_preactivation,
                                                              need_grad=False)[0]
            else:
                loss = trainer.loss.forward(Y, out)
            metrics[part] = {"loss": float(loss)}
            if not regression:
                pred = np.argmax(out, axis=1) if k > 2 else (out[:, 0] > 0.5).astype(np.int64)
                metrics[part]["accuracy"] = float(np.mean(pred == y))
                metrics[part]["pred"] = pred
        return metrics

    def snapshot(self, focus=None, _training=False):
        """The state of training now (see the module docstring); ``focus=[layer, unit]``
        adds that neuron's full-resolution map (layer 0 = the input features)."""
        self._require()
        start = time.perf_counter()
        trainer, model = self.trainer, self.model
        regression = self.state["problem"] == "regression"
        k = self.num_classes
        with np.errstate(all="ignore"):  # a diverging network is reported, not warned about
            metrics = self._metrics(regression, k)
            outs = self._grid_forward()
        output = outs[-1].reshape(GRID, GRID, -1)
        if output.shape[2] == 1:
            output = output[:, :, 0]
        thumbs = _thumbs(outs)
        finite = bool(np.isfinite(thumbs).all()) and all(math.isfinite(m["loss"]) for m in metrics.values())
        if not finite and self.report is None and not _training:
            # weights too large to compute with, from a file or an edit: only new weights help
            self._report({"kind": "diverged", "epoch": trainer.epoch, "actions": ["reset"],
                          "message": "The network's outputs are too large to compute. "
                                     "Reset the network to start again."})
        snap = {
            "epoch": trainer.epoch, "step": trainer.step_count,
            "loss": {"train": metrics["train"]["loss"], "test": metrics["test"]["loss"]},
            "accuracy": None if regression else {"train": metrics["train"]["accuracy"],
                                                 "test": metrics["test"]["accuracy"]},
            "confusion": None if regression else
                confusion_matrix(self.y_test, metrics["test"]["pred"], num_classes=k).astype(np.int32),
            "output": np.nan_to_num(output.astype(np.float32), nan=0.0, posinf=1e6, neginf=-1e6),
            "thumbs": np.nan_to_num(thumbs, nan=0.0, posinf=1e6, neginf=-1e6),
            "params": model.flat_parameters[0].copy(),
            "lr": trainer.lr,
            "diverged": self.diverged,
            "report": self.report,
            "finite": finite,
            "framework_error": self.framework_error,
            "focus": None,
            "timing": {"snapshot_ms": 0.0, "train_ms": 0.0, "epochs": 0},
        }
        if focus is not None:
            snap["focus"] = self._focus(outs, focus)
        snap["timing"]["snapshot_ms"] = self._snapshot_ms = (time.perf_counter() - start) * 1000.0
        return snap

    def _focus(self, outs, focus):
        if not isinstance(focus, (list, tuple)) or len(focus) != 2:
            raise ValueError(f"focus must be [layer, unit]. Received: {focus!r}")
        layer, unit = (int(v) for v in focus)
        if not 0 <= layer < len(outs) or not 0 <= unit < outs[layer].shape[1]:
            raise ValueError(f"focus {[layer, unit]} names no neuron")
        values = np.nan_to_num(outs[layer][:, unit].reshape(GRID, GRID), nan=0.0, posinf=1e6, neginf=-1e6)
        return {"layer": layer, "unit": unit, "map": np.ascontiguousarray(values, dtype=np.float32)}


def _is_numbers(value):
    """A list, tuple or array of plain numbers (not strings, not nested)."""
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "iuf"
    return isinstance(value, (list, tuple)) and all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in value)


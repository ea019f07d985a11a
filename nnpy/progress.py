"""Training progress, Keras-like: ``verbose=0`` silent, ``1`` a progress bar, ``2`` one line per epoch.

The bar (``verbose=1``) is, where one can be shown:

- in Jupyter or Colab, tqdm's notebook widget (tqdm and ipywidgets are an
  optional extra: ``pip install "nnpy[notebook]"``): one bar over all the
  run's steps, the latest epoch's metrics beside it;
- on a terminal, a text bar of the epoch's steps, redrawn in place, and a
  line of metrics when the epoch ends;
- anywhere else (a notebook without tqdm, output piped to a file): only that
  line per epoch, as ``verbose=2`` prints it.

Every kind has the same three methods: ``step(epoch, done)`` after each step
(``done`` steps of the epoch so far), ``end_epoch(epoch, logs)``, ``close()``.
"""

import numbers
import sys

VERBOSE_LEVELS = {0: "silent", 1: "a progress bar", 2: "one line per epoch"}


def check_verbose(verbose):
    """``verbose`` as 0, 1 or 2 (``False`` is 0, ``True`` is 1); ``ValueError`` otherwise."""
    if isinstance(verbose, bool):
        return int(verbose)
    if isinstance(verbose, numbers.Integral) and int(verbose) in VERBOSE_LEVELS:
        return int(verbose)
    raise ValueError("verbose must be 0 (silent), 1 (a progress bar) or 2 (one line per epoch). "
                     f"Received: verbose={verbose!r}")


def describe_logs(logs, val_name="validation"):
    """``loss 0.5000  accuracy 75.00%  validation accuracy 70.00%``: an epoch's metrics in words."""
    parts = [f"loss {logs['loss']:.4f}"]
    if logs.get("accuracy") is not None:
        parts.append(f"accuracy {100 * logs['accuracy']:.2f}%")
    if logs.get("val_accuracy") is not None:
        parts.append(f"{val_name} accuracy {100 * logs['val_accuracy']:.2f}%")
    elif logs.get("val_loss") is not None:
        parts.append(f"{val_name} loss {logs['val_loss']:.4f}")
    return "  ".join(parts)


def progress(verbose, epochs, steps, stream=None, val_name="validation"):
    """The progress display for ``verbose`` (see the module docstring), or ``None`` for 0.

    Args:
        verbose: 0, 1 or 2 (or a bool).
        epochs: epochs the run will train.
        steps: steps in each epoch.
        stream: where text goes (default ``sys.stdout``).
        val_name: what the validation metrics are called (``"test"`` when they
            are the test set's).
    """
    verbose = check_verbose(verbose)
    if verbose == 0:
        return None
    if verbose == 1:
        bar = NotebookProgress.create(epochs, steps, val_name)
        if bar is not None:
            return bar
    return EpochProgress(epochs, steps, stream, bar=verbose == 1, val_name=val_name)


class EpochProgress:
    """Per-epoch progress: a bar of the epoch's steps on a terminal, plain lines otherwise.

    Args:
        epochs: number of epochs.
        steps: steps in each epoch.
        stream: where to write (default ``sys.stdout``); the bar is drawn only
            when ``stream.isatty()``.
        bar: draw the bar on a terminal (``False``: the lines only).
        val_name: the validation metrics' name in the lines.
    """

    def __init__(self, epochs, steps, stream=None, width=30, *, bar=True, val_name="test"):
        self.epochs, self.steps, self.width = int(epochs), int(steps), width
        self.stream = stream if stream is not None else sys.stdout
        isatty = getattr(self.stream, "isatty", None)
        self.tty = bool(bar and isatty and isatty())
        self.val_name = val_name
        self._shown = -1

    def step(self, epoch, done):
        if not self.tty:
            return
        filled = self.width * done // max(self.steps, 1)
        if filled == self._shown and done != self.steps:
            return
        self._shown = filled
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\repoch {epoch}/{self.epochs} [{bar}] {done}/{self.steps}")
        self.stream.flush()

    def end_epoch(self, epoch, logs):
        line = f"epoch {epoch}/{self.epochs}  " + describe_logs(logs, self.val_name)
        if self.tty:
            line = "\r\x1b[K" + line   # over the bar: carriage return, erase the line
        self.stream.write(line + "\n")
        self.stream.flush()
        self._shown = -1

    def close(self):
        if self.tty and self._shown >= 0:   # a bar left mid-epoch (stopped, diverged): end its line
            self.stream.write("\n")
            self.stream.flush()
        self._shown = -1


def in_notebook():
    """True inside a Jupyter kernel (Jupyter, JupyterLab, VS Code, Colab): IPython with a kernel app."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:  # noqa: BLE001 - an IPython too old or too odd to ask: not a notebook
        return False
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


class NotebookProgress:
    """tqdm's notebook bar over all of a run's steps, the latest epoch's metrics beside it."""

    def __init__(self, tqdm, epochs, steps, val_name):
        self.epochs, self.steps, self.val_name = int(epochs), int(steps), val_name
        self.bar = tqdm(total=self.epochs * self.steps, unit="step", desc=f"epoch 1/{self.epochs}",
                        leave=True)
        self._epoch = 1

    @classmethod
    def create(cls, epochs, steps, val_name):
        """A bar in a notebook with tqdm and ipywidgets installed, else ``None``."""
        if not in_notebook():
            return None
        try:
            import ipywidgets  # noqa: F401  (tqdm's notebook bar is an ipywidgets widget)
            from tqdm.notebook import tqdm
        except ImportError:
            return None
        return cls(tqdm, epochs, steps, val_name)

    def step(self, epoch, done):
        if epoch != self._epoch:
            self._epoch = epoch
            self.bar.set_description(f"epoch {epoch}/{self.epochs}", refresh=False)
        self.bar.update((epoch - 1) * self.steps + done - self.bar.n)

    def end_epoch(self, epoch, logs):
        self.bar.set_postfix_str(describe_logs(logs, self.val_name))

    def close(self):
        self.bar.close()

"""Pictures of training: the loss and accuracy curves, and a confusion matrix.

matplotlib is an optional extra (``pip install "nnpy[plot]"``): it is imported
when a plot is drawn, never by ``import nnpy``, and without it the plot
functions raise an ``ImportError`` saying what to install.

Each function returns the matplotlib ``Figure``. With ``path`` it draws on a
figure of its own (no window, nothing left open in pyplot) and saves it there,
the format following the file's extension (``.png``, ``.svg``, ``.pdf``);
without, it draws through pyplot, so a notebook shows it under the cell and a
script shows it with ``plt.show()``.
"""

import math
import os

import numpy as np

from .metrics import confusion_matrix

KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")   # as nnpy.history.History holds them
INSTALL_HINT = 'pip install "nnpy[plot]" (or: pip install matplotlib)'


def require_matplotlib():
    """Import matplotlib, or raise ``ImportError`` saying how to install it."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError(f"nnpy's plots need matplotlib, which is not installed: {INSTALL_HINT}",
                          name="matplotlib") from None
    return matplotlib


def check_plot_path(path):
    """Raise ``ValueError`` unless matplotlib can write ``path`` (an existing folder, a format it
    knows), and ``ImportError`` without matplotlib: a check to make *before* a long training run."""
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ValueError(f"cannot write the plot to {path}: the folder {folder} does not exist")
    ext = os.path.splitext(path)[1].lstrip(".").lower()
    formats = FigureCanvasAgg.get_supported_filetypes()
    if ext not in formats:
        raise ValueError(f"cannot write the plot to {path}: its extension says no image format "
                         f"matplotlib writes ({', '.join('.' + f for f in sorted(formats))})")
    return path


def _figure(path, figsize):
    """A figure of its own when saving to ``path``, else one of pyplot's (shown by notebooks)."""
    require_matplotlib()
    if path is not None:
        from matplotlib.figure import Figure
        return Figure(figsize=figsize, layout="constrained")
    import matplotlib.pyplot as plt
    return plt.figure(figsize=figsize, layout="constrained", FigureClass=_pyplot_figure_class())


_PYPLOT_FIGURE = None


def _pyplot_figure_class():
    """A ``Figure`` that Jupyter shows once per cell. Returned as a cell's value, a pyplot figure
    is displayed twice: as the value, and by the inline backend at the end of the cell. This one
    displays (as a PNG) the first time a cell asks, and not again in the same cell."""
    global _PYPLOT_FIGURE
    if _PYPLOT_FIGURE is None:
        from matplotlib.figure import Figure

        class PyplotFigure(Figure):
            def _ipython_display_(self):
                import io

                from IPython import get_ipython
                from IPython.display import Image, display
                shell = get_ipython()
                cell = getattr(shell, "execution_count", None)
                if cell is not None and getattr(self, "_nnpy_shown_in", None) == cell:
                    return
                self._nnpy_shown_in = cell
                png = io.BytesIO()
                self.savefig(png, format="png")
                display(Image(png.getvalue()))

        _PYPLOT_FIGURE = PyplotFigure
    return _PYPLOT_FIGURE


def _finish(fig, path):
    if path is not None:
        fig.savefig(os.fspath(path), dpi=100)
    return fig


def _series(history, key):
    """``history[key]`` as floats (``nan`` for ``None``), or ``None`` if it holds no value at all."""
    values = history.get(key)
    if values is None:
        return None
    values = list(values)
    if all(v is None for v in values):
        return None
    return np.array([math.nan if v is None else float(v) for v in values])


def plot_history(history, path=None, *, title=None):
    """Loss and accuracy per epoch, training and validation: the training curves.

    Two panels side by side: "Loss" (training, and validation if recorded;
    "test" for the history of the seed-2 ``fit``, whose validation data is the test set)
    and "Accuracy" (left out for a regression model, whose accuracy entries
    are ``None``). Epochs count from 1 on the x axis.

    Args:
        history: what ``Trainer.train`` or ``fit`` returns (a
            :class:`~nnpy.history.History`), or any dict with a ``"loss"``
            list and optionally ``"accuracy"``, ``"val_loss"``,
            ``"val_accuracy"`` lists of the same length (Keras's
            ``history.history`` works too).
        path: save the figure there (format from the extension) instead of
            drawing it through pyplot.
        title: a title above both panels.

    Returns:
        The matplotlib ``Figure``.

    Raises:
        ImportError: matplotlib is not installed (the message says what to install).
        ValueError: no epoch recorded, lists of different lengths, or a
            ``path`` matplotlib cannot write.
    """
    if not isinstance(history, dict) or "loss" not in history:
        raise ValueError("plot_history needs the history Trainer.train or fit returns (a dict with "
                         f"a 'loss' list). Received: {type(history).__name__}")
    series = {key: _series(history, key) for key in KEYS}
    epochs = len(series["loss"]) if series["loss"] is not None else 0
    if epochs == 0:
        raise ValueError("the history has no epoch to plot: train first")
    for key, values in series.items():
        if values is not None and len(values) != epochs:
            raise ValueError(f"history[{key!r}] has {len(values)} entries but history['loss'] has {epochs}")
    panels = [("Loss", "loss", "val_loss")]
    if series["accuracy"] is not None or series["val_accuracy"] is not None:
        panels.append(("Accuracy", "accuracy", "val_accuracy"))
    if path is not None:
        check_plot_path(path)
    fig = _figure(path, (5.0 * len(panels), 3.8))
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    x = np.arange(1, epochs + 1)
    for ax, (name, train_key, val_key) in zip(axes, panels):
        val_name = getattr(history, "val_name", "validation")
        for key, label, style in ((train_key, "training", "-"), (val_key, val_name, "--")):
            if series[key] is not None:
                ax.plot(x, series[key], style, label=label, marker="o" if epochs <= 20 else None,
                        markersize=4)
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.set_ylabel(name.lower())
        ax.grid(True, alpha=0.3)
        ax.legend()
        if epochs <= 20:
            ax.set_xticks(x if epochs <= 10 else x[::2])
        if name == "Accuracy":
            from matplotlib.ticker import PercentFormatter
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    if title:
        fig.suptitle(title)
    return _finish(fig, path)


def plot_confusion_matrix(y_true, y_pred, *, class_names=None, num_classes=None, path=None,
                          title=None):
    """A classifier's confusion matrix as a picture: rows true classes, columns predicted.

    Each cell shows its count; the colour grows with the count, so the
    diagonal (the correct answers) stands out and the confusions show
    where they are.

    Args:
        y_true: true classes ``(n,)`` (or one-hot ``(n, C)``).
        y_pred: predicted classes ``(n,)``, or the model's probabilities
            ``(n, C)`` / ``(n, 1)``, as :func:`nnpy.metrics.confusion_matrix` takes them.
        class_names: a name for each class (default ``0, 1, ...``).
        num_classes: ``C`` (default: from the data).
        path: save the figure there instead of drawing it through pyplot.
        title: the title (default: ``"Confusion matrix (accuracy 91.2%)"``).

    Returns:
        The matplotlib ``Figure``.
    """
    matrix = confusion_matrix(y_true, y_pred, num_classes=num_classes)
    k = matrix.shape[0]
    names = [str(i) for i in range(k)] if class_names is None else [str(c) for c in class_names]
    if len(names) != k:
        raise ValueError(f"class_names has {len(names)} names for {k} classes")
    if path is not None:
        check_plot_path(path)
    side = min(10.0, max(3.5, 0.55 * k + 1.5))
    fig = _figure(path, (side + 1.0, side))
    ax = fig.subplots()
    image = ax.imshow(matrix, cmap="Blues")
    fig.colorbar(image, ax=ax, shrink=0.8, label="samples")
    ax.set_xticks(range(k), names, rotation=45 if max(map(len, names)) > 3 else 0)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    total = int(matrix.sum())
    correct = int(np.trace(matrix))
    ax.set_title(title if title is not None else
                 f"Confusion matrix (accuracy {100 * correct / max(total, 1):.1f}%)")
    threshold = matrix.max() / 2 if matrix.max() else 1
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=8 if k > 6 else 10,
                    color="white" if matrix[i, j] > threshold else "black")
    return _finish(fig, path)

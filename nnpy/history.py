"""History: the metrics of every epoch, as Keras's ``History.history`` keeps them.

``Trainer.train`` and the seed-2 ``fit`` return one. It is a plain dict of
lists, one value an epoch, so code that reads ``history["loss"][-1]`` or
saves it as JSON keeps working::

    {"loss": [0.69, 0.51, ...],         # mean training loss of the epoch's steps
     "accuracy": [0.5, 0.75, ...],      # training accuracy after the epoch (None: regression)
     "val_loss": [0.70, 0.55, ...],     # on the validation / test data (None: none given)
     "val_accuracy": [0.5, 0.7, ...]}

and ``history.plot()`` draws the training curves (matplotlib, an optional
extra: ``pip install "nnpy[plot]"``).
"""

KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")


class History(dict):
    """A dict ``{"loss": [...], "accuracy": [...], "val_loss": [...], "val_accuracy": [...]}``.

    Each list has one entry per completed epoch; an entry is ``None`` where
    the metric does not apply (accuracy of a regression model, validation
    metrics without validation data).
    """

    val_name = "validation"   # what the plot calls the val_ curves; fit's are the test set's

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key in KEYS:
            self.setdefault(key, [])

    @property
    def epochs(self):
        """Number of epochs recorded."""
        return len(self["loss"])

    def append(self, logs):
        """Record one epoch: ``logs`` maps each key to its value (missing keys record ``None``)."""
        for key in self:
            self[key].append(logs.get(key))

    def plot(self, path=None, *, title=None):
        """Draw loss and accuracy per epoch, training and validation; see :func:`nnpy.plot.plot_history`."""
        from .plot import plot_history  # matplotlib only when a plot is asked for
        return plot_history(self, path, title=title)

    def __repr__(self):
        return f"History({dict.__repr__(self)})"

"""verbose, Keras-like: 0 silent, 1 a bar, 2 a line per epoch; the same numbers whatever is shown;
the notebook bar (tqdm) only inside a Jupyter kernel; a model's summary as an HTML table."""

import html
import io
import sys
from html.parser import HTMLParser

import numpy as np
import pytest

from nnpy import Activation, DenseLayer, SequentialModel, Trainer, make_dataset
from nnpy.progress import EpochProgress, NotebookProgress, check_verbose, in_notebook, progress
from nnpy.workflow import Network


def run(verbose, capsys, **kwargs):
    X, y = make_dataset("xor", n=20, seed=0)
    trainer = Trainer(SequentialModel.from_structure([2, 3, 2], seed=0), "softmax_cross_entropy", seed=0)
    history = trainer.train(X, y, epochs=2, batch_size=5, verbose=verbose, **kwargs)
    return history, trainer.model.state_dict(), capsys.readouterr().out


def test_verbose_levels_print_nothing_a_line_per_epoch_and_never_change_the_run(capsys):
    quiet, weights, out = run(0, capsys)
    assert out == ""
    lines, weights2, out2 = run(2, capsys, validation_data=make_dataset("xor", n=10, seed=1))
    assert out2.splitlines()[0].startswith("epoch 1/2  loss ") and "validation accuracy" in out2
    assert len(out2.splitlines()) == 2
    bar, weights1, out1 = run(1, capsys)   # not a terminal, not a notebook: the lines
    assert len(out1.splitlines()) == 2 and "\r" not in out1
    assert run(True, capsys)[2] == out1 and run(False, capsys)[2] == ""
    assert quiet == bar and quiet["loss"] == lines["loss"]
    for name in weights:
        np.testing.assert_array_equal(weights[name], weights1[name])
        np.testing.assert_array_equal(weights[name], weights2[name])


@pytest.mark.parametrize("bad", [3, -1, "1", 1.0, None])
def test_bad_verbose_is_refused_by_name(bad):
    with pytest.raises(ValueError, match=r"verbose must be 0 \(silent\), 1 \(a progress bar\) or 2"):
        check_verbose(bad)
    with pytest.raises(ValueError, match="verbose"):
        Network([2, 2], verbose=bad)


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_terminal_gets_the_bar_with_1_and_lines_with_2():
    logs = {"loss": 0.5, "accuracy": 0.75, "val_loss": 0.6, "val_accuracy": None}
    for verbose, bar in ((1, True), (2, False)):
        tty = _Terminal()
        shown = progress(verbose, 1, 4, tty)
        assert isinstance(shown, EpochProgress)
        for done in range(1, 5):
            shown.step(1, done)
        shown.end_epoch(1, logs)
        shown.close()
        text = tty.getvalue()
        assert ("[###" in text) is bar
        assert text.endswith("epoch 1/1  loss 0.5000  accuracy 75.00%  validation loss 0.6000\n")
    assert progress(0, 1, 4, _Terminal()) is None


def test_no_notebook_bar_outside_a_kernel():
    assert not in_notebook()
    assert NotebookProgress.create(2, 3, "test") is None


def test_the_notebook_bar_counts_every_step_and_shows_the_metrics(monkeypatch):
    """tqdm's notebook bar driven as a kernel drives it (the widget needs no front end to count)."""
    tqdm_notebook = pytest.importorskip("tqdm.notebook")
    pytest.importorskip("ipywidgets")
    made = []

    class Recorder(tqdm_notebook.tqdm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    bar = NotebookProgress(Recorder, epochs=3, steps=4, val_name="test")
    for epoch in (1, 2, 3):
        for done in range(1, 5):
            bar.step(epoch, done)
            assert made[0].n == (epoch - 1) * 4 + done
        bar.end_epoch(epoch, {"loss": 0.25, "accuracy": 0.5, "val_accuracy": 0.4})
    assert made[0].total == 12 and made[0].desc.startswith("epoch 3/3")
    assert made[0].postfix == "loss 0.2500  accuracy 50.00%  test accuracy 40.00%"
    bar.close()


# ------------------------------------------------------------------ the summary as HTML

class _Table(HTMLParser):
    def __init__(self):
        super().__init__()
        self.cells, self.tags, self._cell = [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in ("td", "th", "caption"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th", "caption"):
            self.cells.append(self._cell)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def test_a_model_shows_its_summary_as_an_html_table():
    model = SequentialModel([DenseLayer(2, 6, "relu"), DenseLayer(6, 3, "relu"), DenseLayer(3, 1, "sigmoid")],
                            seed=0)
    table = _Table()
    table.feed(model._repr_html_())
    assert table.tags.count("table") == 1 and set(table.tags) <= {"table", "caption", "thead", "tbody",
                                                                  "tfoot", "tr", "th", "td"}
    assert table.cells[:4] == ["SequentialModel (input: 2 features, float64)", "Layer", "Output shape", "Params"]
    assert table.cells[4:13] == ["0: Dense (relu)", "(None, 6)", "18", "1: Dense (relu)", "(None, 3)", "21",
                                 "2: Dense (sigmoid)", "(None, 1)", "4"]
    assert table.cells[13:] == ["Total params", "43", "Trainable params", "43"]


class _Marked(Activation):
    name = "<b>bold</b>&"

    def forward(self, z):
        return z

    def backward(self, z, a, grad):
        return grad


def test_html_summary_escapes_names():
    model = SequentialModel([DenseLayer(2, 2, "linear")])
    model.layers[0].activation = _Marked()
    text = model._repr_html_()
    assert "<b>" not in text and html.escape("<b>bold</b>&") in text


def test_the_fit_of_the_second_seed_takes_verbose_too(tmp_path, capsys):
    X, y = make_dataset("blobs", n=40, noise=0.2, seed=0, num_classes=2)
    for verbose, count in ((0, 0), (2, 4 + 3)):   # the data and scaling lines, 3 epochs, the test line, the saved line
        nn = Network([2, 4, 2], base_address=tmp_path, seed=0, verbose=verbose)
        nn.fit((X[:30], y[:30]), (X[30:], y[30:]), epoch=3, alpha=0.1, batch_size=8)
        out = capsys.readouterr().out
        assert len(out.splitlines()) == count, out
    assert out.splitlines()[1].startswith("scaling: none") and "test accuracy" in out.splitlines()[2]

"""Training curves and the confusion matrix: the figures' content (lines, labels, points), the
history object they draw, the message without matplotlib, and `import nnpy` without matplotlib."""

import json
import subprocess
import sys

import numpy as np
import pytest

import nnpy
from nnpy import History, SequentialModel, Trainer, make_dataset, plot_confusion_matrix, plot_history
from nnpy.metrics import confusion_matrix

matplotlib = pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def trained():
    X, y = make_dataset("blobs", n=120, noise=0.3, seed=1, num_classes=3)
    model = SequentialModel.from_structure([2, 8, 3], seed=0)
    trainer = Trainer(model, "softmax_cross_entropy", lr=0.1, seed=0)
    history = trainer.train(X[:90], y[:90], epochs=7, batch_size=16, validation_data=(X[90:], y[90:]))
    return model, X, y, history


def lines_of(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def test_the_history_is_still_the_dict_it_was(trained):
    _, _, _, history = trained
    assert isinstance(history, History) and isinstance(history, dict)
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert history.epochs == 7 and all(len(v) == 7 for v in history.values())
    assert json.loads(json.dumps(history)) == dict(history)   # saves as JSON as before
    assert history == {k: list(v) for k, v in history.items()}


def test_curves_show_every_epoch_of_training_and_validation(trained, tmp_path):
    _, _, _, history = trained
    fig = history.plot(tmp_path / "curves.png", title="2-8-3")
    loss_ax, acc_ax = fig.axes
    assert loss_ax.get_title() == "Loss" and acc_ax.get_title() == "Accuracy"
    assert loss_ax.get_xlabel() == acc_ax.get_xlabel() == "epoch"
    assert fig._suptitle.get_text() == "2-8-3"
    for ax, keys in ((loss_ax, ("loss", "val_loss")), (acc_ax, ("accuracy", "val_accuracy"))):
        lines = lines_of(ax)
        assert set(lines) == {"training", "validation"}
        for label, key in zip(("training", "validation"), keys):
            x, y = lines[label].get_data()
            np.testing.assert_array_equal(x, np.arange(1, 8))
            np.testing.assert_array_equal(y, history[key])
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["training", "validation"]
    assert (tmp_path / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_regression_has_no_accuracy_panel_and_no_validation_without_data(tmp_path):
    X, y = make_dataset("reg-plane", n=60, seed=0)
    model = SequentialModel.from_structure([2, 4, 1], output_activation="linear", seed=0)
    history = Trainer(model, "mse", lr=0.01, seed=0).train(X, y, epochs=3)
    fig = plot_history(history, tmp_path / "r.svg")
    (ax,) = fig.axes
    assert ax.get_title() == "Loss" and set(lines_of(ax)) == {"training"}
    assert len(lines_of(ax)["training"].get_xdata()) == 3
    assert (tmp_path / "r.svg").read_text().lstrip().startswith("<?xml")


def test_a_plain_dict_and_keras_style_histories_plot_too(tmp_path):
    fig = plot_history({"loss": [1.0, 0.5], "accuracy": [0.5, 0.9]}, tmp_path / "k.png")
    assert [len(a.get_lines()) for a in fig.axes] == [1, 1]


@pytest.mark.parametrize("history,message", [
    ({"loss": []}, "no epoch"),
    ({"loss": [1.0, 0.5], "accuracy": [0.5]}, r"history\['accuracy'\] has 1 entries"),
    ([1, 2], "needs the history"),
])
def test_bad_histories_are_refused_with_words(history, message):
    with pytest.raises(ValueError, match=message):
        plot_history(history)


def test_a_path_matplotlib_cannot_write_is_refused_before_drawing(tmp_path, trained):
    _, _, _, history = trained
    with pytest.raises(ValueError, match="extension"):
        history.plot(tmp_path / "curves.xyz")
    with pytest.raises(ValueError, match="does not exist"):
        history.plot(tmp_path / "missing" / "curves.png")


def test_without_a_path_the_figure_is_pyplots_for_a_notebook_to_show(trained):
    import matplotlib.pyplot as plt
    _, _, _, history = trained
    fig = history.plot()
    try:
        assert plt.fignum_exists(fig.number)
    finally:
        plt.close(fig)


def test_confusion_matrix_plot_shows_the_counts(trained, tmp_path):
    model, X, y, _ = trained
    probabilities = model.predict(X)
    fig = plot_confusion_matrix(y, probabilities, class_names=["a", "b", "c"], path=tmp_path / "cm.png")
    ax = fig.axes[0]
    want = confusion_matrix(y, probabilities)
    np.testing.assert_array_equal(ax.images[0].get_array(), want)
    texts = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
    assert texts == {(i, j): str(want[i, j]) for i in range(3) for j in range(3)}
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    accuracy = np.trace(want) / want.sum()
    assert ax.get_title() == f"Confusion matrix (accuracy {100 * accuracy:.1f}%)"
    with pytest.raises(ValueError, match="2 names for 3 classes"):
        plot_confusion_matrix(y, probabilities, class_names=["a", "b"])


def test_without_matplotlib_the_message_says_what_to_install(tmp_path):
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "import nnpy\n"
            "h = nnpy.Trainer(nnpy.SequentialModel.from_structure([2, 2], seed=0), 'softmax_cross_entropy')"
            ".train([[0, 0], [1, 1]], [0, 1], epochs=1)\n"
            "try:\n    h.plot()\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert 'pip install "nnpy[plot]"' in out and "matplotlib" in out


def test_import_nnpy_imports_no_matplotlib_no_tqdm():
    code = ("import sys, nnpy, nnpy.workflow, nnpy.cli; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('matplotlib', 'tqdm', 'ipywidgets', 'IPython', 'safetensors', 'torch')); "
            "print(bad); sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_top_level_names():
    for name in ("History", "plot_history", "plot_confusion_matrix", "save_safetensors", "load_safetensors"):
        assert name in nnpy.__all__ and hasattr(nnpy, name)


def test_the_second_seeds_fit_calls_its_validation_curves_test(tmp_path):
    from nnpy.workflow import Network
    X, y = make_dataset("blobs", n=60, noise=0.2, seed=0, num_classes=2)
    nn = Network([2, 4, 2], seed=0, verbose=0)
    history = nn.fit((X[:40], y[:40]), (X[40:], y[40:]), epoch=2, alpha=0.1, save=False)
    for ax in history.plot(tmp_path / "fit.png").axes:
        assert set(lines_of(ax)) == {"training", "test"}


def test_the_cli_without_matplotlib_says_what_to_install_before_training(tmp_path):
    (tmp_path / "train.csv").write_text("".join(f"{i % 2},{i / 10},{-i / 10}\n" for i in range(20)))
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "from nnpy.cli import main\n"
            f"sys.exit(main(['train', '--train', {str(tmp_path / 'train.csv')!r}, '--structure', '2,2', "
            f"'--out', {str(tmp_path / 'm.nnpy')!r}, '--plot', {str(tmp_path / 'c.png')!r}]))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.startswith("nnpy: error: --plot: ") and 'pip install "nnpy[plot]"' in proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stdout == "" and not (tmp_path / "m.nnpy").exists() and not (tmp_path / "c.png").exists()

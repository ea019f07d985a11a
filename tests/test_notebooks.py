"""The example notebooks in docs/ run in a real Jupyter kernel (nbclient), as a student runs them,
and show what they promise; the committed files hold no outputs.

The kernel is the "python3" spec test.sh installs into .venv (this Python, by its absolute path).
The MNIST notebook reads the digits the CLI writes from the build's dist/data/mnist.npz, found
through NNPY_DIGITS as its first cell documents.

The test gives the MNIST notebook 3,000 of the build's digits (reading CSV text is most of its
time); ``NNPY_UPDATE_DOCS=1 python -m pytest tests/test_notebooks.py`` gives it all 10,000 and
writes its training curves to docs/notebook-curves.png (the README's picture).
"""

import json
import os
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")

from nnpy.cli import main as nnpy_cli  # noqa: E402
from notebook_kernel import cell_with, execute, kinds, pngs, text_of  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
NOTEBOOKS = sorted(DOCS.glob("*.ipynb"))
MNIST = ROOT / "dist" / "data" / "mnist.npz"
UPDATE_DOCS = os.environ.get("NNPY_UPDATE_DOCS") == "1"
DIGITS_USED = 10000 if UPDATE_DOCS else 3000    # the README's picture: all the build's digits


# ------------------------------------------------------------------ the committed files

def test_there_are_the_two_example_notebooks():
    assert [p.name for p in NOTEBOOKS] == ["mnist-csv.ipynb", "xor.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_notebooks_are_valid_and_hold_no_outputs(path):
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name} cell {i} has outputs"
    assert "widgets" not in nb.metadata   # widget state is an output too
    assert json.loads(path.read_text())["nbformat"] == 4


# ------------------------------------------------------------------ running them

def test_the_xor_notebook_runs_the_first_seed(tmp_path):
    nb = execute(DOCS / "xor.ipynb", tmp_path)
    summary = cell_with(nb, "], seed=6)\nmodel").outputs[-1].data
    assert "<table" in summary["text/html"] and "2: Dense (sigmoid)" in summary["text/html"]
    training = cell_with(nb, "trainer.train(")
    assert "application/vnd.jupyter.widget-view+json" in kinds(training)   # tqdm's notebook bar
    assert re.search(r"loss 0\.\d{4}, accuracy 100%", text_of(training)), text_of(training)
    (png,) = pngs(cell_with(nb, "history.plot("))                         # shown once
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    lines = text_of(cell_with(nb, "for x, p in zip(")).splitlines()
    probabilities = [float(line.split("-> ")[1]) for line in lines]
    assert [p > 0.5 for p in probabilities] == [False, True, True, False]
    assert (tmp_path / "model.pkl").exists() and (tmp_path / "xor.safetensors").exists()


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    if not MNIST.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{MNIST} is missing: test.sh builds it (python build.py)", pytrace=False)
        pytest.skip(f"{MNIST} is missing: run `python build.py` (bash test.sh does)")
    folder = tmp_path_factory.mktemp("digits")
    # 3,000 of the 10,000 digits (a stratified subset): the notebook as written, on less data, as the
    # reading of CSV text in pure Python is most of its time
    argv = ["mnist-csv", "--data", str(MNIST), "--out-dir", str(folder), "--n", str(DIGITS_USED)]
    assert nnpy_cli(argv, out=open(os.devnull, "w")) == 0
    return folder


def test_the_mnist_notebook_runs_the_second_seed(tmp_path, digits):
    nb = execute(DOCS / "mnist-csv.ipynb", tmp_path, env={"NNPY_DIGITS": str(digits)})
    assert f"digits from {digits}" in text_of(cell_with(nb, "NNPY_DIGITS"))
    fit = text_of(cell_with(nb, "nn.fit("))
    assert f"training 784-128-10 on {DIGITS_USED * 4 // 5} samples" in fit
    accuracy = float(re.search(rf"test accuracy: ([\d.]+)% \((\d+) of {DIGITS_USED // 5}\)", fit).group(1))
    assert accuracy >= (92.0 if UPDATE_DOCS else 88.0), fit
    assert (tmp_path / "mnist-model" / "model.pkl").exists()
    (curves,) = pngs(cell_with(nb, "history.plot("))
    (matrix,) = pngs(cell_with(nb, "plot_confusion_matrix("))
    assert curves[:8] == matrix[:8] == b"\x89PNG\r\n\x1a\n"
    digit = cell_with(nb, "nn.run(")
    assert len(pngs(digit)) == 1
    assert re.search(r"prediction = 3 with \d{1,3}\.\d% confidence", text_of(digit)), text_of(digit)
    if UPDATE_DOCS:
        (DOCS / "notebook-curves.png").write_bytes(curves)
        print(text_of(digit))


# ------------------------------------------------------------------ verbose in a kernel

VERBOSE_RUN = ("nnpy.Trainer(nnpy.SequentialModel.from_structure([2, 4, 2], seed=0), 'softmax_cross_entropy', "
               "seed=0).train(X, y, epochs=3, batch_size=10, verbose={v});")


@pytest.mark.parametrize("with_tqdm", [True, False], ids=["tqdm", "no-tqdm"])
def test_verbose_in_a_kernel_silent_bar_or_lines_and_the_plain_lines_without_tqdm(tmp_path, with_tqdm):
    """verbose=0 shows nothing, 2 a line per epoch, 1 tqdm's notebook bar, or without tqdm the lines."""
    first = "import nnpy\nX, y = nnpy.make_dataset('xor', n=40, seed=0)"
    if not with_tqdm:   # as in a Python that has no tqdm installed
        first = "import sys\nsys.modules['tqdm'] = sys.modules['tqdm.notebook'] = None\n" + first
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(first)] + [nbformat.v4.new_code_cell(VERBOSE_RUN.format(v=v))
                                                      for v in (0, 1, 2)]
    path = tmp_path / "verbose.ipynb"
    nbformat.write(nb, str(path))
    ran = execute(path, tmp_path)
    quiet, bar, lines = ran.cells[1:]
    assert quiet.outputs == []
    per_epoch = [line for line in text_of(lines).splitlines() if line]
    assert [line.split("  ")[0] for line in per_epoch] == ["epoch 1/3", "epoch 2/3", "epoch 3/3"]
    assert all(re.fullmatch(r"epoch \d/3  loss \d\.\d{4}  accuracy \d+\.\d\d%", line) for line in per_epoch)
    if with_tqdm:
        assert "application/vnd.jupyter.widget-view+json" in kinds(bar)
    else:
        assert "application/vnd.jupyter.widget-view+json" not in kinds(bar)
        assert text_of(bar) == text_of(lines)     # the same lines, nothing else

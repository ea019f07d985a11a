"""The Code panel's notebook (.ipynb): valid nbformat, the nnpy script's cells, and, run in a real
Jupyter kernel (nbclient), the numbers the playground's engine reports, to the same 1e-9 as the
script (tests/test_codegen.py), with the training curves and a classifier's confusion matrix."""

import base64
import json

import pytest

from nnpy.browser.code_panel import playground_code
from nnpy.browser.notebook import is_plain_url, python_notebook
from nnpy.browser.playground import Playground

from test_codegen import CASES, assert_same, expected, parse, trained

nbformat = pytest.importorskip("nbformat")
WHEEL = "https://example.org/nnpy/wheels/nnpy-0.1.0-py3-none-any.whl"


def code_text(nb):
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_notebook_is_valid_and_holds_the_scripts_code(case):
    state, epochs = CASES[case]
    pg, _ = trained(state, epochs)
    code = playground_code(pg, wheel_url=WHEEL)
    assert code["files"]["notebook"] == code["files"]["python"][:-3] + ".ipynb"
    nb = nbformat.reads(code["notebook"], as_version=4)
    nbformat.validate(nb)
    assert nb.nbformat == 4 and nb.metadata.kernelspec.name == "python3"
    assert all(c.outputs == [] for c in nb.cells if c.cell_type == "code")
    script = code["python"]
    body = script.split('"""', 2)[2]   # past the docstring, which becomes the first markdown cell
    cells = code_text(nb)
    for line in body.splitlines():
        if line.strip() and line != "model.summary()":
            assert line in cells, line
    assert "trainer.history.plot(" in cells
    assert ("plot_confusion_matrix(" in cells) is (state.get("problem") != "regression")
    assert f"%pip install -q {WHEEL} matplotlib" in nb.cells[1].source
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# nnpy: the playground")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "https://x.org/$(rm -rf ~)", "https://x.org/{a}",
                                 "https://x.org/a b", "https://x.org/'\"", "http://x/\n%pip install evil", 7])
def test_an_address_that_is_not_plain_never_reaches_the_install_cell(url):
    assert not is_plain_url(url)
    with pytest.raises(ValueError, match="plain http"):
        python_notebook({}, 1, wheel_url=url)
    pg = Playground()
    pg.configure({})
    nb = json.loads(pg.code(wheel_url=url)["notebook"])
    assert "%pip" not in "".join(nb["cells"][1]["source"])


def test_a_run_at_epoch_0_has_no_curves_to_draw():
    pg = Playground()
    pg.configure({})
    cells = code_text(nbformat.reads(pg.code()["notebook"], as_version=4))
    assert "history.plot(" not in cells and "plot_confusion_matrix(" in cells


def test_the_header_text_is_markdown_with_markup_escaped():
    pg = Playground()
    pg.configure({"layers": [{"units": 3, "activation": "tanh"}]})
    pg.load_csv("x1,x2,label\n0,0,0\n1,1,1\n0,1,1\n1,0,0\n", name="<img src=x onerror=alert(1)>")
    pg.train(1)
    nb = json.loads(playground_code(pg)["notebook"])
    first = "".join(nb["cells"][0]["source"])
    assert "<img" not in first and "your own points" in first


def test_the_notebook_runs_in_a_kernel_to_the_pages_numbers(tmp_path):
    """Two runs in one kernel start each: a 3-class spiral with Adam and L2 whose learning rate and
    batch size changed mid-run (the history replayed), and a regression (no confusion matrix)."""
    from notebook_kernel import execute, pngs, text_of
    runs = []
    pg = Playground()
    state = {"dataset": "spiral", "classes": 3, "optimizer": "adam", "lr": 0.01, "regularization": "l2",
             "reg_rate": 0.003, "layers": [{"units": 8, "activation": "relu"}] * 2, "seed": 4}
    pg.configure(state)
    pg.train(3)
    assert pg.configure({**state, "lr": 0.003, "batch_size": 25})["changed"] == ["live"]
    snap = pg.train(4)
    runs.append(("spiral", pg, snap))
    reg_state, epochs = CASES["regression, all features, momentum, L1, odd batch"]
    runs.append(("regression",) + trained(reg_state, epochs))
    for name, pg, snap in runs:
        code = pg.code()
        path = tmp_path / code["files"]["notebook"]
        path.write_text(code["notebook"], encoding="utf-8")
        nb = execute(path, tmp_path)
        printed = "".join(text_of(c) for c in nb.cells if c.cell_type == "code")
        assert_same(parse(printed), expected(pg, snap), 1e-9)
        plots = [c for c in nb.cells if c.cell_type == "code" and ("plot(" in c.source or "plot_" in c.source)]
        images = [png for c in plots for png in pngs(c)]
        assert len(images) == (2 if name == "spiral" else 1), name
        assert all(base64.b64encode(p)[:4] == b"iVBO" for p in images)   # PNGs
        summary = [c for c in nb.cells if c.cell_type == "code" and c.source.rstrip().endswith("\nmodel")]
        assert "<table" in summary[0].outputs[-1].data["text/html"]

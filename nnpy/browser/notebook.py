"""The playground's run as a Jupyter notebook (``.ipynb``): the nnpy script in cells, with plots.

The cells are the nnpy script's parts (:func:`nnpy.browser.codegen.python_parts`):
data, network, training, the numbers the page shows; then the training curves
and, for a classifier, the test set's confusion matrix. So the notebook prints
what the script prints. It is nbformat 4.5 JSON with no outputs; Jupyter,
JupyterLab, VS Code and Colab open it.
"""

import html
import json
import re

from .._version import __version__
from .codegen import Cell, python_parts

NBFORMAT, NBFORMAT_MINOR = 4, 5
# A web address the install cell may hold: no quotes, spaces, $ or braces (which IPython's %pip
# line would expand), nothing a shell would read as more than one word.
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9._~:/?#@!&+,;=%-]{1,2000}")


def is_plain_url(url):
    """True for an http(s) address made of the characters :data:`_PLAIN_URL` allows."""
    return isinstance(url, str) and _PLAIN_URL.fullmatch(url) is not None


def _source(lines):
    """Cell source as nbformat stores it: a list of lines, each but the last ending in a newline."""
    while lines and lines[0] == "":
        lines = lines[1:]
    while lines and lines[-1] == "":
        lines = lines[:-1]
    return [line + "\n" for line in lines[:-1]] + lines[-1:]


def _markdown(text):
    return {"cell_type": "markdown", "metadata": {}, "source": _source(text.split("\n"))}


def _code(lines):
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
            "source": _source(list(lines))}


def _for_notebook(lines):
    """A script's lines for a cell: the model's summary as the cell's value (Jupyter shows it as a
    table), and no history dict shown under a cell that ends with training."""
    lines = ["model" if line == "model.summary()" else line for line in lines]
    while lines and lines[-1] == "":
        lines = lines[:-1]
    if lines and lines[-1].startswith("trainer.train("):
        code, hash_, comment = lines[-1].partition("  #")
        lines[-1] = code + ";" + (hash_ + comment if hash_ else "")
    return lines


def python_notebook(state, epochs, *, data=None, history=None, initial=None, notes=(), page=None,
                    wheel_url=None):
    """The nnpy script of the run as notebook JSON text.

    Arguments as :func:`nnpy.browser.codegen.python_script`, and:

    Args:
        wheel_url: where the nnpy wheel can be downloaded (the page's own
            copy); the first cell installs it from there if nnpy is missing
            (Colab). ``None``: the cell says to install nnpy instead. An
            address with quotes, spaces, ``$`` or braces raises ``ValueError``.

    Returns:
        ``str``, the ``.ipynb`` file's text.
    """
    if wheel_url is not None and not is_plain_url(wheel_url):
        raise ValueError(f"wheel_url must be a plain http(s) address. Received: {str(wheel_url)[:100]!r}")
    header, body = python_parts(state, epochs, data=data, history=history, initial=initial, notes=notes,
                                page=page)
    doc = [line for line in header if line != '"""']
    doc[0] = doc[0].replace('"""', "")
    title, text = doc[0], "\n".join(doc[1:])
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]
    intro = [f"# {html.escape(title.rstrip('.'), quote=False)}", *[html.escape(p, quote=False) for p in paragraphs],
             "Run the cells in order (in Jupyter: *Run > Run All Cells*). The plots need matplotlib."]
    cells = [_markdown("\n\n".join(intro))]
    if wheel_url:
        install = ["try:", "    import nnpy", "except ImportError:  # Colab, or a Python without nnpy: "
                   "install it from the playground's site", f"    %pip install -q {wheel_url} matplotlib"]
    else:
        install = ["# Needs nnpy and matplotlib: pip install the nnpy wheel from the playground's site",
                   "# (its wheels/ folder) or, in nnpy's repository, pip install \".[notebook]\"",
                   "import nnpy"]
    cells.append(_code(install + ['print("nnpy", nnpy.__version__)']))
    chunk = []
    for line in body:
        if isinstance(line, Cell):
            if chunk:
                cells.append(_code(_for_notebook(chunk)))
            cells.append(_markdown(str(line)))
            chunk = []
        else:
            chunk.append(line)
    if chunk:
        cells.append(_code(_for_notebook(chunk)))
    if epochs:   # curves need an epoch: a run at epoch 0 has none
        cells += [_markdown("## Training curves\n\nLoss and accuracy after every epoch of this run."),
                  _code(["trainer.history.plot(title=\"The playground's run\");"])]
    classifier = "predicted = " in "\n".join(x for x in body if not isinstance(x, Cell))
    if classifier:
        cells += [_markdown("## Confusion matrix\n\nThe test points: rows are their true classes, "
                            "columns what the network predicts."),
                  _code(["from nnpy import plot_confusion_matrix", "",
                         "plot_confusion_matrix(y_test, model.predict(F_test), title=\"Test set\");"])]
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i}"
    notebook = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
            "nnpy": {"made_by": f"nnpy {__version__}", "epochs": int(epochs)},
        },
        "nbformat": NBFORMAT, "nbformat_minor": NBFORMAT_MINOR,
    }
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"

"""Everything the playground's Code panel offers for a run, in one call: :func:`playground_code`.

The nnpy script and the PyTorch script (:mod:`.codegen`), the nnpy script as a
Jupyter notebook (:mod:`.notebook`), the initial and the trained weights as
safetensors, and a file name for each. The page's engine
(:meth:`nnpy.browser.playground.Playground.code`) calls it with itself.
"""

import json

import numpy as np

from ..interop import to_safetensors
from .codegen import initial_weights, python_script, pytorch_script
from .codegen import _wrap as wrap
from .notebook import python_notebook


def _shown(pg):
    """The loss and accuracy the page shows now (as its snapshot computes them)."""
    regression = pg.state["problem"] == "regression"
    with np.errstate(all="ignore"):
        metrics = pg._metrics(regression, pg.num_classes)
    return {part: {"loss": metrics[part]["loss"], "accuracy": metrics[part].get("accuracy")}
            for part in ("train", "test")}


def playground_code(playground, history=None, wheel_url=None):
    """Everything the page's code view offers, for a configured ``Playground``.

    Args:
        playground: the page's engine, configured.
        history: its live setting changes (see :func:`nnpy.browser.codegen.python_script`).
        wheel_url: the page's nnpy wheel, which the notebook installs where
            nnpy is missing (Colab); see :func:`nnpy.browser.notebook.python_notebook`.

    Returns:
        ``{"python": str, "pytorch": str, "notebook": str, "weights": bytes,
        "trained": bytes, "files": {"python": name, "pytorch": name,
        "notebook": name, "weights": name, "trained": name}}``: the nnpy
        script, the PyTorch script, the nnpy script as a notebook (``.ipynb``
        JSON), the initial weights as safetensors (which the PyTorch script
        reads), the current (trained) weights as safetensors, and a file name
        for each.
    """
    pg = playground
    if pg.model is None:
        raise RuntimeError("the playground is not configured yet: call configure(state) first")
    custom = pg.source["kind"] == "custom"
    data = None
    if custom:
        data = {"X_train": pg.X_train, "y_train": pg.y_train, "X_test": pg.X_test, "y_test": pg.y_test,
                "classes": pg.num_classes, "name": pg.source["name"]}
    stem = f"nnpy-{'data' if custom else pg.state['dataset']}-seed{pg.state['seed']}"
    files = {"python": f"{stem}.py", "pytorch": f"{stem}-torch.py", "notebook": f"{stem}.ipynb",
             "weights": f"{stem}-initial.safetensors",
             "trained": f"{stem}-epoch{pg.trainer.epoch}.safetensors"}
    notes = []
    epochs = pg.trainer.epoch
    report = getattr(pg, "report", None)
    if report and report["kind"] == "diverged" and report["epoch"] is not None:
        notes += [""] + wrap(
            f"The page's training blew up in epoch {report['failed_epoch']}, and the page went back "
            f"to its weights after epoch {epochs}, the last good ones: this script stops there. "
            "Train on at the same rate to see the blow-up.")
    unreplayed = list(getattr(pg, "_unreplayed", ()))
    if unreplayed:
        notes += [""] + wrap(
            "The page's run had edits this script does not replay (" + "; ".join(unreplayed) + "): it "
            "trains on the data and with the settings in effect now, from the weights the run started "
            "from, so its numbers differ from the page's.")
    meta = {"features": list(pg.state["features"]), "state": json.dumps(pg.state, sort_keys=True),
            "weights": "initial"}
    shown = _shown(pg)
    return {
        "python": python_script(pg.state, epochs, data=data, history=history, initial=pg._initial, notes=notes,
                                page=shown),
        "pytorch": pytorch_script(pg.state, epochs, data=data, history=history, weights_file=files["weights"],
                                  notes=notes),
        "notebook": python_notebook(pg.state, epochs, data=data, history=history, initial=pg._initial,
                                    notes=notes, page=shown, wheel_url=wheel_url),
        "weights": initial_weights(pg.model, pg._initial, meta),
        "trained": to_safetensors(pg.model, {**meta, "weights": f"after {epochs} epochs"}),
        "files": files,
    }

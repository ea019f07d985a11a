"""Running a notebook as a student does: every cell in a fresh Jupyter kernel (nbclient), and
reading what the cells showed. Used by the notebook tests here and in tests/e2e.

The kernel is the "python3" spec test.sh installs into .venv: this Python, by its absolute path.
"""

import base64
import os
import sys

import nbclient
import nbformat
import pytest


def kernel_python():
    """The python3 kernel spec must run this Python (which has nnpy); say how to fix it otherwise."""
    from jupyter_client.kernelspec import KernelSpecManager
    spec = KernelSpecManager().get_kernel_spec("python3")
    argv0 = spec.argv[0]
    if argv0 not in ("python", "python3", "{python}") and \
            os.path.realpath(argv0) != os.path.realpath(sys.executable):
        pytest.fail(f"the python3 Jupyter kernel runs {argv0}, not {sys.executable}: "
                    "run bash test.sh (it installs the kernel spec into .venv)", pytrace=False)
    return spec


def execute(path, cwd, env=None, timeout=600):
    """Run every cell of the notebook at ``path`` in a fresh kernel started in ``cwd`` with this
    process's environment plus ``env``; returns the notebook with its outputs."""
    kernel_python()
    nb = nbformat.read(str(path), as_version=4)
    client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3", iopub_timeout=60,
                                     resources={"metadata": {"path": str(cwd)}})
    # one BLAS thread: on a shared 2-core machine, more spin and wait for each other
    client.execute(env={**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", **(env or {})})
    return nb


def text_of(cell):
    """Everything a cell printed or returned as text."""
    parts = []
    for out in cell.outputs:
        if out.output_type == "stream":
            parts.append(out.text)
        elif "data" in out and "text/plain" in out.data:
            parts.append(out.data["text/plain"] + "\n")
    return "".join(parts)


def kinds(cell):
    return [mime for out in cell.outputs for mime in out.get("data", {})]


def cell_with(nb, code):
    found = [c for c in nb.cells if c.cell_type == "code" and code in c.source]
    assert len(found) == 1, code
    return found[0]


def pngs(cell):
    return [base64.b64decode(out.data["image/png"]) for out in cell.outputs if "image/png" in out.get("data", {})]

"""Model files exported before the page core (tests/data/before_page_core, made by commit 7a45d9f)
load into today's engines and give the same page: the same state, message, network and outputs."""

import json
from pathlib import Path

import numpy as np

from nnpy.browser.mnist import MnistPlayground
from nnpy.browser.playground import Playground
from test_session import tiny_mnist_npz

DATA = Path(__file__).resolve().parents[1] / "data" / "before_page_core"
EXPECTED = json.loads((DATA / "expected.json").read_text())


def test_a_2d_page_export_from_before_loads_the_same():
    want = EXPECTED["playground"]
    p = Playground()
    p.configure({"dataset": "circle"})
    out = p.import_model((DATA / "playground.nnpy").read_bytes(), "playground.nnpy")
    assert out["state"] == want["state"] and out["message"] == want["message"]
    assert json.loads(json.dumps(out["network"])) == want["network"]
    np.testing.assert_allclose(p.predict(np.array([[1.0, -2.0], [0.5, 0.5], [-3, 4]]))["output"],
                               want["predict"], rtol=0, atol=1e-12)


def test_an_mnist_page_export_from_before_loads_the_same():
    want = EXPECTED["mnist"]
    mp = MnistPlayground()
    mp.load_data(data=tiny_mnist_npz())
    mp.configure({"n": 300})
    out = mp.import_model((DATA / "mnist.nnpy").read_bytes(), "mnist.nnpy")
    assert out["state"] == want["state"] and out["message"] == want["message"]
    assert out["network"]["sizes"] == want["sizes"] and out["test_accuracy"] == want["test_accuracy"]

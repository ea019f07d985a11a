"""MNIST models leave and enter the MNIST page, in a real Chromium.

One page is shared by the module's tests, in order: it trains one epoch on 1,000 digits, exports
(the download loads in CPython and answers like the page, in `python -m nnpy predict` too), then
imports models made in CPython (by the picker, the keyboard and a drop) and sees the views and
the drawing pad use them, then has broken and foreign files refused with the model intact.
"""

import base64
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

import nnpy
from nnpy.mnist import load_mnist
from nnpy.browser.mnist import MnistPlayground
from nnpy.browser.playground import Playground

from test_mnist import ONE, READY, STOPPED, confusion, percent, stroke

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
MNIST = ROOT / "dist" / "data" / "mnist.npz"
STATUS = "document.getElementById('file-status-text').textContent"


@pytest.fixture(scope="module")
def split():
    """The page's split for 1,000 digits (test fraction 0.2, seed 0): X_train, y_train, X_test, y_test."""
    return load_mnist(str(MNIST), n=1000, test_size=0.2, seed=0, dtype=np.float32)


@pytest.fixture(scope="module")
def mnist_page(module_page, site_url):
    page = module_page
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(site_url + "/mnist.html")
    page.wait_for_function(READY, timeout=180_000)
    page.select_option("#subset", "1000")
    page.wait_for_function("document.getElementById('data-summary').textContent.startsWith('800 training')")
    page.select_option("#epochs", "1")
    page.click("#train-button")
    page.wait_for_function("document.getElementById('train-status').textContent.startsWith('Stopped after epoch 1')",
                           timeout=120_000)
    yield page
    page.assert_no_errors()


def wait_message(page, start):
    """The message bar's text once it starts with ``start`` (the import's promise has settled)."""
    page.wait_for_function(f"{STATUS}.startsWith({start!r})", timeout=60_000)
    return page.inner_text("#file-status-text")


def grid(page):
    """The digit grid: (test-set index, predicted digit, its probability) of each digit shown."""
    return page.eval_on_selector_all("#digits .mn-digit", """els => els.map((e) =>
        [Number(e.dataset.index), Number(e.dataset.predicted), Number(e.dataset.confidence)])""")


def pad(page):
    page.wait_for_function("document.getElementById('prediction').dataset.prediction !== undefined")
    return page.evaluate("""() => ({ prediction: Number(document.getElementById('prediction').dataset.prediction),
        p: [...document.querySelectorAll('#probs li')].map((li) => Number(li.dataset.p)),
        text: document.getElementById('prediction').textContent })""")


def what_the_page_shows(page):
    """Everything a refused import must leave as it was."""
    return {
        "net": page.inner_text("#net-summary"), "acc": page.inner_text("#test-acc"), "epoch": page.inner_text("#epoch"),
        "confusion": confusion(page), "grid": grid(page),
        "controls": page.evaluate("""() => [...document.querySelectorAll('.mn-setup select, .mn-setup input, .toolbar select')]
            .map((e) => e.value)"""),
    }


def drop(page, name, data=None, size=None):
    """Drop a file on the page: ``data`` (bytes), or ``size`` zero bytes whose reading is recorded."""
    return page.evaluate("""([name, b64, size]) => {
        const file = b64 !== null
            ? new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name)
            : new File([new Uint8Array(size)], name);
        window.__read = false;
        if (b64 === null) file.arrayBuffer = () => { window.__read = true; return Blob.prototype.arrayBuffer.call(file); };
        const dt = new DataTransfer();
        dt.items.add(file);
        const fire = (type) => document.body.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
        fire("dragenter");
        const hint = !document.getElementById("drop-hint").hidden;
        fire("dragover");
        fire("drop");
        return { hint, after: !document.getElementById("drop-hint").hidden };
    }""", [name, None if data is None else base64.b64encode(data).decode(), size])


def trained_in_cpython(split, structure=(784, 32, 10)):
    """The seed-2 way, in float64: from_structure, trained on the page's 800 training digits."""
    X_train, y_train, X_test, y_test = split
    model = nnpy.SequentialModel.from_structure(list(structure), seed=0)
    nnpy.Trainer(model, "softmax_cross_entropy", lr=0.1, optimizer="momentum", seed=0).train(
        X_train.astype(np.float64), y_train, epochs=8, batch_size=32)
    return model


# ------------------------------------------------------------------ export

def test_export_downloads_a_model_that_classifies_like_the_page(mnist_page, split, tmp_path):
    page = mnist_page
    with page.expect_download() as info:
        page.click("#export-model")
    download = info.value
    assert download.suggested_filename == "nnpy-mnist-784-128-10-epoch1.nnpy"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert wait_message(page, "Downloaded nnpy-mnist-784-128-10-epoch1.nnpy")

    model, meta = nnpy.load_model(str(path), return_metadata=True)
    assert meta["epoch"] == 1 and meta["input_divisor"] == 255 and meta["mnist"]["n"] == 1000
    assert meta["test_accuracy"] == pytest.approx(percent(page.inner_text("#test-acc")), abs=5e-5)
    X_test, y_test = split[2], split[3]
    probs = model.predict(X_test)
    pred = np.argmax(probs, axis=1)
    # the page's digit grid and confusion matrix, digit by digit
    shown = grid(page)
    assert len(shown) == 48
    for index, predicted, confidence in shown:
        assert predicted == pred[index], index
        assert confidence == pytest.approx(probs[index, predicted], abs=1e-5)
    assert confusion(page) == nnpy.confusion_matrix(y_test, pred, num_classes=10).tolist()
    assert (pred == y_test).mean() == pytest.approx(meta["test_accuracy"], abs=1e-9)

    # python -m nnpy predict on ten test digits as `python -m nnpy mnist-csv` writes them (raw pixels)
    csv = tmp_path / "ten.csv"
    rows = np.column_stack([y_test[:10], np.rint(X_test[:10] * 255)]).astype(int)
    np.savetxt(csv, rows, fmt="%d", delimiter=",", header="label," + ",".join(f"pixel{i + 1}" for i in range(784)),
               comments="")
    done = subprocess.run([sys.executable, "-m", "nnpy", "predict", str(path), "--csv", str(csv)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    answers = [int(m.group(1)) for m in re.finditer(r"^row \d+: class (\d) with [\d.]+% confidence$", done.stdout, re.M)]
    assert answers == pred[:10].tolist()


# ------------------------------------------------------------------ import

def test_an_import_by_keyboard_replaces_the_network_and_the_pad_and_grid_use_it(mnist_page, split, tmp_path):
    """A CPython model that answers 3 whatever it sees: every view must show 3s."""
    page = mnist_page
    stroke(page, ONE)
    pad(page)  # the page's own network's answer; it must become 3
    three = nnpy.SequentialModel.from_structure([784, 32, 10], seed=0)
    for layer in three.layers:
        layer.params["W"][...] = 0
    three.layers[-1].params["b"][3] = 8.0
    path = tmp_path / "three.nnpy"
    nnpy.save_model(three, str(path))

    # the file buttons are disabled while the engine is busy (the pad's prediction may still run)
    page.wait_for_function("!document.getElementById('import-model').disabled")
    page.focus("#import-model")
    page.evaluate("""() => { window.__fileClicks = 0;
        document.getElementById('model-file').addEventListener('click', () => { window.__fileClicks += 1; }); }""")
    try:
        with page.expect_file_chooser(timeout=20_000) as info:
            page.keyboard.press("Enter")
        info.value.set_files(str(path))
    except PlaywrightTimeoutError:
        # headless Chromium now and then shows no chooser for the input's click (logged: keydown, the
        # input's click, no filechooser event). The page's part is that Enter clicks the file input:
        # check that, then hand the file to that same input
        assert page.evaluate("window.__fileClicks") == 1, "Enter on Import model did not click the file input"
        assert page.evaluate("document.activeElement.id") == "import-model"
        page.set_input_files("#model-file", str(path))
    message = wait_message(page, "Loaded three.nnpy")
    share = (split[3] == 3).mean()
    assert message == f"Loaded three.nnpy: 784 -> 32 -> 10 (relu). {100 * share:.2f} % of the test digits right."
    assert page.inner_text("#net-summary") == "784 → 32 → 10: 25,450 weights and biases, from three.nnpy."
    assert page.inner_text("#epoch") == "0"
    assert percent(page.inner_text("#test-acc")) == pytest.approx(share, abs=5e-5)
    assert f"{100 * share:.2f} %" == page.inner_text("#test-acc")  # the message's number, as the page shows it
    assert page.eval_on_selector("#layers", "l => [...l.querySelectorAll('select')].map((s) => s.value)") == ["32", "relu"]
    assert {p for _, p, _ in grid(page)} == {3}
    assert all(row[3] == sum(row) for row in confusion(page))
    page.wait_for_function("document.getElementById('prediction').dataset.prediction === '3'")
    out = pad(page)
    assert out["p"][3] == pytest.approx(1 / (1 + 9 * np.exp(-8)), abs=1e-5) and "untrained" not in out["text"]


def test_a_dropped_cpython_model_classifies_as_in_cpython_and_reset_returns_to_it(mnist_page, split):
    page = mnist_page
    model = trained_in_cpython(split)
    X_test, y_test = split[2], split[3]
    probs = model.predict(X_test.astype(np.float64))
    pred = np.argmax(probs, axis=1)
    shown = drop(page, "digits.nnpy", nnpy.save_model_bytes(model, {"input_divisor": 255}))
    assert shown == {"hint": True, "after": False}
    message = wait_message(page, "Loaded digits.nnpy")
    assert message.startswith("Loaded digits.nnpy: 784 -> 32 -> 10 (relu). ")
    accuracy = percent(page.inner_text("#test-acc"))
    assert abs(accuracy - (pred == y_test).mean()) <= 1 / len(y_test) and accuracy > 0.8
    # the page computes in float32, CPython in float64: the same answers, probabilities to 1e-5
    grid_now = grid(page)
    assert [p for _, p, _ in grid_now] == [pred[i] for i, _, _ in grid_now]
    for index, predicted, confidence in grid_now:
        assert confidence == pytest.approx(probs[index, predicted], abs=1e-5)
    # the drawing pad now asks this network: a vertical stroke is a 1, not the 3 of before
    page.wait_for_function("document.getElementById('prediction').dataset.prediction !== '3'")
    assert pad(page)["prediction"] == 1
    # training goes on from the file's weights; Reset goes back to them
    page.click("#train-button")
    page.wait_for_function(STOPPED + " && document.getElementById('epoch').textContent === '1 / 1'", timeout=120_000)
    page.click("#reset-button")
    page.wait_for_function("document.getElementById('train-status').textContent === "
                           "\"The network starts again from digits.nnpy's weights.\"")
    assert page.inner_text("#epoch") == "0" and grid(page) == grid_now
    page.click("#clear-canvas")


def test_a_page_export_brings_its_settings_and_a_live_change_keeps_its_weights(mnist_page, tmp_path):
    page = mnist_page
    source = MnistPlayground()
    source.load_data(path=str(MNIST))
    source.configure({"n": 2000, "seed": 4, "optimizer": "adam", "lr": 0.003, "batch_size": 32,
                      "layers": [{"units": 100, "activation": "tanh"}, {"units": 32, "activation": "leaky_relu"}]})
    source.train(budget_ms=None, until_epoch=1)
    exported = source.export_model()
    path = tmp_path / "settings.nnpy"
    path.write_bytes(exported["data"])
    # while the page trains: the import stops it first
    page.select_option("#epochs", "50")
    page.click("#train-button")
    page.wait_for_function("document.getElementById('epoch-progress').value > 0", timeout=60_000)
    page.set_input_files("#model-file", str(path))
    message = wait_message(page, "Loaded settings.nnpy")
    assert page.evaluate(STOPPED) and page.inner_text("#epoch") == "0"
    page.select_option("#epochs", "1")
    assert "784 -> 100 -> 32 -> 10 (tanh, leaky_relu), trained 1 epoch, with its data and training settings" in message
    assert page.inner_text("#data-summary").startswith("1,600 training and 400 test digits")
    values = page.evaluate("""() => { const v = (id) => document.getElementById(id).value;
        return { subset: v('subset'), fraction: v('test-fraction'), seed: v('seed'), optimizer: v('optimizer'), lr: v('lr'),
                 batch: v('batch-size'), layers: [...document.querySelectorAll('#layers select')].map((s) => s.value) }; }""")
    assert values == {"subset": "2000", "fraction": "0.2", "seed": "4", "optimizer": "adam", "lr": "0.003",
                      "batch": "32", "layers": ["100", "tanh", "32", "leaky_relu"]}
    assert percent(page.inner_text("#test-acc")) == pytest.approx(source.evaluate()["test_accuracy"], abs=1 / 400)
    # a live setting changes the training, not the network: an export has the file's weights still
    page.select_option("#lr", "0.01")
    with page.expect_download() as info:
        page.click("#export-model")
    again = tmp_path / "again.nnpy"
    info.value.save_as(again)
    assert info.value.suggested_filename == "nnpy-mnist-784-100-32-10-epoch0.nnpy"
    model, meta = nnpy.load_model(str(again), return_metadata=True)
    assert meta["mnist"]["lr"] == 0.01 and meta["mnist"]["seed"] == 4
    np.testing.assert_array_equal(model.flat_parameters[0], source.model.flat_parameters[0])


def refused(page, name, expect):
    message = wait_message(page, f"Could not import {name}")
    assert page.evaluate("document.getElementById('file-status').classList.contains('error')")
    assert page.is_visible("#file-status-text")
    assert message.endswith(" Your model is unchanged."), message
    assert expect in message, message
    return message


def test_broken_and_foreign_files_are_refused_and_the_model_stays(mnist_page, tmp_path):
    page = mnist_page
    before = what_the_page_shows(page)
    with page.expect_download() as info:
        page.click("#export-model")
    good = Path(info.value.path()).read_bytes()

    broken = tmp_path / "broken.nnpy"
    broken.write_bytes(good[: len(good) // 2])
    page.set_input_files("#model-file", str(broken))
    refused(page, "broken.nnpy", "Could not import broken.nnpy: it is truncated or damaged")

    pg = Playground()
    pg.configure({"dataset": "spiral", "classes": 3})
    pg.train(3)
    page.set_input_files("#model-file", {"name": "spiral.nnpy", "mimeType": "application/octet-stream",
                                         "buffer": pg.export_model()["data"]})
    refused(page, "spiral.nnpy", "it holds a network the MNIST page cannot show: it takes 2 inputs (x1, x2: "
                                 "a model of the 2-D playground)")

    page.set_input_files("#model-file", {"name": "model.pkl", "mimeType": "application/octet-stream",
                                         "buffer": b"\x80\x04\x95" + b"\0" * 64})
    refused(page, "model.pkl", "pickle")

    assert drop(page, "big.nnpy", size=65 * 2**20)["hint"]
    refused(page, "big.nnpy", "it is 65.0 MB; a model file for this page is at most 64 MB.")
    assert page.evaluate("window.__read") is False  # refused unread

    assert what_the_page_shows(page) == before
    with page.expect_download() as info:
        page.click("#export-model")
    assert Path(info.value.path()).read_bytes() == good
    page.click("#file-status-close")
    assert page.inner_text("#file-status-text") == ""


def test_the_file_buttons_on_a_phone(mnist_page):
    page = mnist_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)  # layout settles
    sizes = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert sizes[0] <= sizes[1], sizes
    for name in ("Import model", "Export model"):
        box = page.get_by_role("button", name=name).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["height"] >= 32, (name, box)
    assert page.get_by_label("Model file to import").count() == 1
    page.set_viewport_size({"width": 1400, "height": 1000})

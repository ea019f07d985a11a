"""Weights and code leave the page (issue 6), checked by what a person gets: the file the Export
button downloads loads in CPython and predicts what the page predicts; a file saved in CPython,
picked or dropped on the page, shows its network and keeps its weights; a hostile file gets a
message naming it and changes nothing; the script the Code panel downloads runs and prints the
page's numbers; the copied link reproduces the page.

``page_predict`` asks the page's own engine (window.nnpy.engine) for the network's outputs at
fixed points; the tests compare them with CPython to 1e-9.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nnpy
from nnpy.browser.codegen import initial_model
from nnpy.interop import from_safetensors, state_dict_from_torch

from test_page_support import (
    ENGINE_TIMEOUT_MS, FIRST_PICTURE, epoch, hash_params, is_playing, open_page, pause, percent, play, set_hash,
    train_until, wait_idle, watch_errors,
)

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
import hostile_files  # noqa: E402

DOCS = ROOT / "docs"
SPIRAL = ("#dataset=spiral&classes=3&networkShape=8,6&activations=relu,relu&x=true&y=true&xSquared=true"
          "&sinX=true&optimizer=adam&learningRate=0.01&seed=3")
REGRESSION = ("#problem=regression&dataset=circle&regDataset=reg-gauss&classes=2&noise=15&percTrainData=70"
              "&batchSize=25&seed=42&networkShape=5,3&activations=sigmoid,leaky_relu&learningRate=0.01"
              "&optimizer=momentum&regularization=L1&regularizationRate=0.001&x=true&y=true&xSquared=false"
              "&ySquared=false&xTimesY=false&sinX=false&sinY=true&showTestData=false&discretize=false")
POINTS = np.random.default_rng(7).uniform(-6, 6, size=(200, 2))
LINE = re.compile(r"^(train|test)\s+loss (\S+)(?:\s+accuracy (\S+)\s+\((\d+)/(\d+)\))?(?:\s+page: .*)?$")


@pytest.fixture(scope="module")
def playground(files_context, site_url):
    page = files_context.new_page()
    errors = watch_errors(page)
    open_page(page, site_url, "#dataset=circle")
    yield page
    assert errors == []
    page.close()


# ------------------------------------------------------------------ helpers

def page_predict(page, points=POINTS):
    """The page engine's outputs (float64, (n, units)) at ``points``."""
    out = page.evaluate("""async (flat) => {
        const r = await window.nnpy.engine.call('predict', { points: new Float64Array(flat) });
        return { shape: r.output.shape, data: Array.from(r.output.data) };
    }""", np.asarray(points, dtype=float).ravel().tolist())
    return np.array(out["data"], dtype=np.float64).reshape(out["shape"])


def cpython_predict(model, features, points=POINTS):
    return model.predict(nnpy.feature_map(np.asarray(points, dtype=float), features)).astype(np.float64)


def record_calls(page):
    """From now on, window.__calls lists the engine methods the page calls."""
    page.evaluate("""() => {
        const e = window.nnpy.engine;
        window.__calls = [];
        window.__configs = [];
        if (!e.__recording) {
            const call = e.call.bind(e);
            e.call = (method, args) => {
                window.__calls.push(method);
                if (method === 'configure') window.__configs.push(JSON.stringify(args));
                return call(method, args);
            };
            e.__recording = true;
        }
    }""")


def calls(page):
    return page.evaluate("window.__calls")


def clear_status(page):
    page.evaluate("document.getElementById('file-status-close').click()")


def status(page):
    return page.inner_text("#file-status-text")


def wait_status(page, text, timeout=30_000):
    page.wait_for_function("t => document.getElementById('file-status-text').textContent.includes(t)",
                           arg=text, timeout=timeout)
    wait_idle(page)
    return status(page)


def upload(page, path):
    clear_status(page)
    page.set_input_files("#model-file", str(path))


def download(page, click, directory):
    with page.expect_download() as info:
        click()
    path = Path(directory) / info.value.suggested_filename
    info.value.save_as(path)
    return path


def export_model(page, directory):
    if page.get_attribute("#export-button", "aria-expanded") != "true":
        page.click("#export-button")
    return download(page, lambda: page.click("#export-nnpy"), directory)


def xor_model(tmp_path, metadata=True):
    """A model made in CPython: x1, x2, x1*x2 -> 5 tanh -> 4 relu -> sigmoid, trained a little on XOR."""
    X, y = nnpy.make_dataset("xor", 200, noise=0.1, seed=3)
    features = ["x1", "x2", "x1*x2"] if metadata else ["x1", "x2"]
    rng = np.random.default_rng(11)
    model = nnpy.SequentialModel([
        nnpy.DenseLayer(len(features), 5, "tanh", seed=rng),
        nnpy.DenseLayer(5, 4, "relu", seed=rng),
        nnpy.DenseLayer(4, 1, "sigmoid", seed=rng),
    ])
    nnpy.Trainer(model, "binary_cross_entropy", lr=0.05, seed=0).train(
        nnpy.feature_map(X, features), y, epochs=15, batch_size=10)
    path = tmp_path / ("xor-model.nnpy" if metadata else "plain.pkl")
    nnpy.save_model(model, str(path), metadata={"features": features} if metadata else None)
    return model, features, path


def engine_state(page):
    """What the page sends the engine for its current state."""
    return page.evaluate("import('/js/playground/state.js').then(S => S.toEngine(window.nnpy.store.get()))")


# ------------------------------------------------------------------ export

def test_export_loads_in_cpython_and_predicts_what_the_page_predicts(playground, tmp_path):
    set_hash(playground, SPIRAL)
    train_until(playground, lambda p: epoch(p) >= 20, what="20 epochs")
    at = epoch(playground)
    path = export_model(playground, tmp_path)
    assert path.name == f"nnpy-spiral-8x6-relu-epoch{at}.nnpy"
    assert f"Downloaded {path.name}" in playground.inner_text("#export-status")
    model, meta = nnpy.load_model(str(path), return_metadata=True)
    assert meta["features"] == ["x1", "x2", "x1^2", "sin(x1)"]
    assert meta["epoch"] == at
    assert meta["data"] == {"kind": "generated", "name": "spiral"}
    assert meta["playground"] == engine_state(playground)
    assert [layer.out_features for layer in model.layers] == [8, 6, 3]
    want = cpython_predict(model, meta["features"])
    got = page_predict(playground)
    assert got.shape == (200, 3)
    assert np.max(np.abs(got - want)) <= 1e-9
    assert np.allclose(want.sum(axis=1), 1.0)  # softmax: a real prediction, not zeros

    # the trained weights as safetensors, under PyTorch's names
    weights = download(playground, lambda: playground.click("#export-safetensors"), tmp_path)
    assert weights.name == f"nnpy-spiral-seed3-epoch{at}.safetensors"
    tensors, header = from_safetensors(weights.read_bytes(), return_metadata=True)
    assert list(tensors) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    assert json.loads(header["features"]) == meta["features"]
    state = state_dict_from_torch(tensors)
    for name, value in model.state_dict().items():
        assert np.array_equal(state[name], value), name
    playground.click("#export-close")
    assert playground.is_hidden("#export-panel")


def test_a_page_export_imports_back_with_its_setup_and_weights(playground, tmp_path):
    set_hash(playground, REGRESSION)
    assert playground.evaluate("location.hash") == REGRESSION
    train_until(playground, lambda p: epoch(p) >= 10, what="10 epochs")
    path = export_model(playground, tmp_path)
    model, meta = nnpy.load_model(str(path), return_metadata=True)
    set_hash(playground, "#dataset=xor&networkShape=3&activations=tanh")
    record_calls(playground)
    upload(playground, path)
    message = wait_status(playground, "Loaded")
    assert message.startswith(f"Loaded {path.name}: 3 -> 5 -> 3 -> 1 (x1, x2, sin(x2), trained ")
    # every setting as it was exported; the classification dataset (hidden, not the engine's) stays
    assert playground.evaluate("location.hash") == REGRESSION.replace("dataset=circle", "dataset=xor")
    assert playground.input_value("#learningRate") == "0.01" and playground.input_value("#optimizer") == "momentum"
    assert epoch(playground) == 0
    assert "configure" not in calls(playground)
    assert np.max(np.abs(page_predict(playground) - cpython_predict(model, meta["features"]))) <= 1e-9


# ------------------------------------------------------------------ import

def test_a_cpython_model_shows_its_network_and_keeps_its_weights(playground, tmp_path):
    model, features, path = xor_model(tmp_path)
    set_hash(playground, "#dataset=circle&networkShape=4,2&seed=9")
    train_until(playground, lambda p: epoch(p) >= 5, what="5 epochs")
    record_calls(playground)
    upload(playground, path)
    message = wait_status(playground, "Loaded")
    assert message == "Loaded xor-model.nnpy: 3 -> 5 -> 4 -> 1 (x1, x2, x1*x2). Shown on the current data."
    assert playground.get_attribute("#file-status", "class") == "file-status shown"  # not an error
    assert playground.inner_text(".net-count") == "2 hidden layers"
    assert playground.locator(".net-nodes .node.hidden").count() == 9
    assert playground.inner_text(".net-params") == f"{model.count_params()} weights and biases"
    params = hash_params(playground)
    assert (params["networkShape"], params["activations"]) == ("5,4", "tanh,relu")
    assert [params[k] for k in ("x", "y", "xSquared", "ySquared", "xTimesY", "sinX", "sinY")] == \
        ["true", "true", "false", "false", "true", "false", "false"]
    assert (params["dataset"], params["seed"]) == ("circle", "9")  # the data stayed
    assert epoch(playground) == 0
    want = cpython_predict(model, features)
    assert np.max(np.abs(page_predict(playground) - want)) <= 1e-9
    # the page settles without rebuilding the network (a rebuild would draw fresh weights); the
    # store update that could send a configure ran before the message appeared
    wait_idle(playground)
    sent = calls(playground)
    assert "configure" not in sent and "reset" not in sent, playground.evaluate("window.__configs")
    assert np.max(np.abs(page_predict(playground) - want)) <= 1e-9
    # and it trains on from there
    playground.click("#step-button")
    wait_idle(playground)
    assert epoch(playground) == 1
    assert np.max(np.abs(page_predict(playground) - want)) > 0


def test_a_model_saved_without_metadata_takes_x1_and_x2_and_an_import_pauses_training(playground, tmp_path):
    model, features, path = xor_model(tmp_path, metadata=False)
    set_hash(playground, "#dataset=gauss&xSquared=true&sinY=true")
    play(playground)
    playground.wait_for_function("() => Number(document.querySelector('#epoch').textContent.replace(/,/g, '')) >= 3")
    upload(playground, path)
    assert wait_status(playground, "Loaded").startswith("Loaded plain.pkl: 2 -> 5 -> 4 -> 1 (x1, x2).")
    assert not is_playing(playground) and epoch(playground) == 0
    params = hash_params(playground)
    assert [params[k] for k in ("x", "y", "xSquared", "sinY")] == ["true", "true", "false", "false"]
    assert np.max(np.abs(page_predict(playground) - cpython_predict(model, features))) <= 1e-9


def test_a_model_dropped_on_the_page_loads_and_a_dropped_csv_is_data(playground, tmp_path):
    model, features, path = xor_model(tmp_path)
    set_hash(playground, "#dataset=moons")
    clear_status(playground)

    def transfer(data, name):
        return playground.evaluate_handle("""([bytes, name]) => {
            const dt = new DataTransfer();
            dt.items.add(new File([new Uint8Array(bytes)], name));
            return dt;
        }""", [list(data), name])

    dt = transfer(path.read_bytes(), "dropped.nnpy")
    playground.dispatch_event(".layout", "dragenter", {"dataTransfer": dt})
    assert playground.is_visible("#drop-hint")
    assert "Drop a model file" in playground.inner_text("#drop-hint")
    playground.dispatch_event(".layout", "drop", {"dataTransfer": dt})
    assert playground.is_hidden("#drop-hint")
    assert wait_status(playground, "Loaded").startswith("Loaded dropped.nnpy: 3 -> 5 -> 4 -> 1")
    assert hash_params(playground)["networkShape"] == "5,4"
    assert np.max(np.abs(page_predict(playground) - cpython_predict(model, features))) <= 1e-9

    rows = [f"{x},{y},{int(x * y > 0)}" for x in range(-4, 5) for y in range(-4, 5) if x and y]
    dt = transfer(("x1,x2,label\n" + "\n".join(rows) + "\n").encode(), "points.csv")
    playground.dispatch_event(".layout", "dragenter", {"dataTransfer": dt})
    playground.dispatch_event(".layout", "drop", {"dataTransfer": dt})
    playground.wait_for_function("document.querySelector('#data-message').textContent.includes('points.csv')")
    wait_idle(playground)
    assert playground.inner_text("#data-message") == (
        f"Loaded {len(rows)} points from points.csv. First row read as the header: x1,x2,label "
        "(to read it as data, choose: CSV first row is data).")
    assert playground.is_hidden("#drop-hint")
    dt = transfer(b"x1,x2,label\n1,2,0\n3,abc,1\n", "broken.csv")
    playground.dispatch_event(".layout", "drop", {"dataTransfer": dt})
    playground.wait_for_function("document.querySelector('#data-message').textContent.includes('broken.csv')")
    assert playground.inner_text("#data-message").startswith("Could not use broken.csv: row 3")  # no Python type


def test_hostile_files_are_refused_by_name_and_change_nothing(playground, tmp_path):
    corpus = tmp_path / "corpus"
    files = [f for f in hostile_files.generate(corpus) if f.path.is_file()]
    marker = hostile_files.marker_path(corpus)
    sample = []
    for kind in sorted({f.kind for f in files}):
        of_kind = [f for f in files if f.kind == kind]
        sample += of_kind[:1] + ([of_kind[len(of_kind) // 2]] if len(of_kind) > 2 else [])
    assert {f.kind for f in sample} == {f.kind for f in files} and len(sample) >= 15
    assert any(f.kind == "pickle" and b"UNPICKLED" in f.path.read_bytes() for f in files)
    sample += [f for f in files if f.kind == "pickle" and b"UNPICKLED" in f.path.read_bytes()][:1]  # armed

    # valid files whose networks the playground cannot show
    wide = nnpy.SequentialModel.from_structure([2, 64, 1], seed=0)
    nnpy.save_model(wide, str(tmp_path / "wide.nnpy"), metadata={"features": ["x1", "x2"]})
    digits = nnpy.SequentialModel.from_structure([2, 16, 10], seed=0)
    nnpy.save_model(digits, str(tmp_path / "digits.nnpy"))
    big = tmp_path / "big.nnpy"
    big.write_bytes(b"\0" * (3 * 2**20))
    huge = tmp_path / "huge.nnpy"   # 300 KB holding 256 MiB of zero weights: refused from its header
    huge.write_bytes(hostile_files.zero_weights_file([(4096, 8192, "relu"), (8192, 1, "sigmoid")]))
    extra = [(tmp_path / "wide.nnpy", "hidden layer 1 has 64 units"), (tmp_path / "digits.nnpy", "10 softmax units"),
             (big, r"is 3\.0 MB; a playground model file is at most 2 MB"),
             (huge, r"declares 256\.0 MB uncompressed, more than the 1\.0 MB limit")]

    set_hash(playground, SPIRAL)
    train_until(playground, lambda p: epoch(p) >= 3, what="3 epochs")
    before = (page_predict(playground), epoch(playground), playground.inner_text(".net-params"),
              playground.evaluate("location.hash"))
    seen = []
    for path, expect in [(f.path, f.expect) for f in sample] + extra:
        record_calls(playground)
        upload(playground, path)
        try:
            message = wait_status(playground, f"Could not import {path.name}")
        except Exception:
            raise AssertionError(f"{path.name}: {status(playground)!r}")
        seen.append(message)
        assert message.startswith(f"Could not import {path.name}: "), message
        # a sentence: "Could not import f.nnpy: it is truncated", never "f.nnpy: is truncated"
        assert not re.match(rf"Could not import {re.escape(path.name)}: (is|has|holds|was|does|takes)\b", message)
        assert message.endswith(" Your model is unchanged."), message
        assert "ModelFileError" not in message and "NotAPlaygroundModel" not in message  # words, not types
        assert re.search(expect, message, re.I), (expect, message)
        assert "error" in playground.get_attribute("#file-status", "class")
        after = (page_predict(playground), epoch(playground), playground.inner_text(".net-params"),
                 playground.evaluate("location.hash"))
        assert np.array_equal(after[0], before[0]) and after[1:] == before[1:], path.name
        assert ("import_model" in calls(playground)) == (path != big)  # the big one is never read
    assert playground.is_hidden("#engine-status")  # the engine never failed
    assert not marker.exists()
    assert any("is a pickle file" in m for m in seen)
    assert len(seen) >= 18


# ------------------------------------------------------------------ the code panel

def run_script(path, cwd):
    proc = subprocess.run([sys.executable, str(path)], cwd=str(cwd), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return parse_printed(proc.stdout)


def parse_printed(text):
    """The epoch and the train and test lines the nnpy script (or its notebook) prints."""
    printed = {}
    for line in text.splitlines():
        if line.startswith("epoch "):
            printed["epoch"] = int(line.split()[1])
        m = LINE.match(line.strip())
        if m:
            printed[m.group(1)] = {"loss": float(m.group(2)), "accuracy": float(m.group(3))}
    assert {"epoch", "train", "test"} <= set(printed), text
    return printed


def open_code(page):
    if page.get_attribute("#code-toggle", "aria-expanded") != "true":
        page.click("#code-button")
    assert page.is_visible("#code-view")


def wait_code_for(page, at):
    page.wait_for_function("""n => { const s = document.getElementById('code-status').textContent;
        return s.includes('epoch ' + n.toLocaleString('en-US') + ' (') && !s.includes('Updating'); }""",
                           arg=at, timeout=30_000)


def test_the_nnpy_script_prints_what_the_page_shows(playground, tmp_path):
    set_hash(playground, "#dataset=xor&noise=10&networkShape=6,3&activations=tanh,relu&seed=4&learningRate=0.1")
    open_code(playground)
    play(playground)
    playground.wait_for_function(
        "document.getElementById('code-status').textContent.includes('updates when you pause')")
    playground.wait_for_function("() => Number(document.querySelector('#epoch').textContent.replace(/,/g, '')) >= 15")
    pause(playground)
    at = epoch(playground)
    wait_code_for(playground, at)
    assert f"EPOCHS = {at}\n" in playground.inner_text("#code-text")
    # a live setting changed while paused, then more training: the code replays the change
    playground.select_option("#learningRate", "0.03")
    wait_idle(playground)
    train_until(playground, lambda p: epoch(p) >= at + 5, what="5 more epochs")
    changed_at, at = at, epoch(playground)
    wait_code_for(playground, at)
    text = playground.inner_text("#code-text")
    assert f"settings changed after epoch {changed_at}:\ntrainer.lr = 0.03\n" in text, text
    path = download(playground, lambda: playground.click("#code-download"), tmp_path)
    assert path.name == "nnpy-xor-seed4.py"
    assert path.read_text() == playground.evaluate("document.getElementById('code-text').textContent")
    printed = run_script(path, tmp_path)
    snap = playground.evaluate("(({ loss, accuracy }) => ({ loss, accuracy }))(window.nnpy.loop.snapshot)")
    assert printed["epoch"] == at
    for part in ("train", "test"):
        assert abs(printed[part]["accuracy"] - snap["accuracy"][part]) < 1e-9, (part, printed, snap)
        assert abs(printed[part]["loss"] - snap["loss"][part]) < 1e-8, (part, printed, snap)
    assert f"{printed['test']['accuracy'] * 100:.1f} %" == playground.inner_text("#test-acc")
    # the same run as a notebook: valid nbformat, and a real Jupyter kernel prints the same numbers
    assert playground.inner_text("#code-notebook") == "Download as a notebook (nnpy-xor-seed4.ipynb)"
    notebook = download(playground, lambda: playground.click("#code-notebook"), tmp_path)
    assert notebook.name == "nnpy-xor-seed4.ipynb"
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(str(notebook), as_version=4)
    nbformat.validate(nb)
    wheel = playground.evaluate(
        "fetch('build-info.json').then((r) => r.json()).then((info) => new URL(info.wheel, document.baseURI).href)")
    assert f"%pip install -q {wheel} matplotlib" in nb.cells[1].source   # Colab installs this site's nnpy
    from notebook_kernel import execute, text_of
    ran = execute(notebook, tmp_path)
    from_notebook = parse_printed("".join(text_of(c) for c in ran.cells if c.cell_type == "code"))
    assert from_notebook["epoch"] == at
    for part in ("train", "test"):
        assert abs(from_notebook[part]["accuracy"] - printed[part]["accuracy"]) < 1e-9, (part, from_notebook)
        assert abs(from_notebook[part]["loss"] - printed[part]["loss"]) < 1e-9, (part, from_notebook)
        assert abs(from_notebook[part]["loss"] - snap["loss"][part]) < 1e-8, (part, from_notebook, snap)


def test_the_pytorch_script_and_its_initial_weights(playground, tmp_path):
    set_hash(playground, "#dataset=circle&networkShape=5&activations=relu&seed=6&optimizer=adam&learningRate=0.01")
    open_code(playground)
    train_until(playground, lambda p: epoch(p) >= 8, what="8 epochs")
    at = epoch(playground)
    playground.click("#code-tab-pytorch")
    assert playground.get_attribute("#code-tab-pytorch", "aria-selected") == "true"
    wait_code_for(playground, at)
    script = download(playground, lambda: playground.click("#code-download"), tmp_path)
    weights = download(playground, lambda: playground.click("#code-weights"), tmp_path)
    assert (script.name, weights.name) == ("nnpy-circle-seed6-torch.py", "nnpy-circle-seed6-initial.safetensors")
    text = script.read_text()
    assert weights.name in text and not re.search(r"^\s*(import|from) nnpy", text, re.M)
    compile(text, script.name, "exec")
    # the initial weights are the seed's, as CPython's nnpy draws them
    start = initial_model(engine_state(playground)).state_dict()
    loaded = state_dict_from_torch(from_safetensors(weights.read_bytes()))
    assert set(loaded) == set(start) and all(np.array_equal(loaded[k], start[k]) for k in start)
    # the keyboard moves between the tabs
    playground.focus("#code-tab-pytorch")
    playground.keyboard.press("ArrowLeft")
    assert playground.get_attribute("#code-tab-python", "aria-selected") == "true"
    assert playground.is_hidden("#code-weights")
    try:
        import safetensors.torch  # noqa: F401
        import torch  # noqa: F401
    except ImportError:
        pytest.skip("torch and safetensors are not installed: the PyTorch script was compiled, not run")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, str(script)], cwd=str(tmp_path), capture_output=True, text=True,
                          timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    test_line = [line for line in proc.stdout.splitlines() if line.startswith("test")][0]
    assert f"{float(LINE.match(test_line).group(3)) * 100:.1f} %" == playground.inner_text("#test-acc")


def test_copy_puts_the_script_on_the_clipboard(playground):
    open_code(playground)
    playground.click("#code-tab-python")
    wait_code_for(playground, epoch(playground))
    # highlighted (spans of highlight.js's classes), and its text is still the plain script
    playground.wait_for_selector("#code-text span.hljs-keyword", state="attached")
    playground.click("#code-copy")
    playground.wait_for_function("document.getElementById('code-copied').textContent.includes('Copied')")
    assert playground.evaluate("navigator.clipboard.readText()") == \
        playground.evaluate("document.getElementById('code-text').textContent")


# ------------------------------------------------------------------ share

def test_the_shared_link_reproduces_the_page(files_context, playground):
    set_hash(playground, "#dataset=blobs&classes=4&noise=20&seed=77&networkShape=6,3&activations=relu,tanh"
                         "&learningRate=0.003&optimizer=adam&xTimesY=true&showTestData=true")
    playground.click("#share-button")
    playground.wait_for_function("document.getElementById('share-copied').textContent === 'Link copied.'")
    link = playground.evaluate("navigator.clipboard.readText()")
    assert link == playground.evaluate("location.href") == playground.input_value("#share-link")
    other = files_context.new_page()
    other.goto(link)
    other.wait_for_function(FIRST_PICTURE, timeout=ENGINE_TIMEOUT_MS)
    assert other.evaluate("location.hash") == playground.evaluate("location.hash")
    assert other.locator(".net-nodes .node.output").count() == 4
    assert other.input_value("#learningRate") == "0.003" and other.is_checked("#showTestData")
    assert other.inner_text("#test-loss") == playground.inner_text("#test-loss")
    other.close()
    playground.click("#share-close")
    assert playground.is_hidden("#share-panel")


def test_without_a_clipboard_the_link_is_selected_to_copy_and_escape_closes_panels(browser, site_url):
    context = browser.new_context()
    context.add_init_script("Object.defineProperty(navigator, 'clipboard', { value: undefined })")
    page = context.new_page()
    errors = watch_errors(page)
    open_page(page, site_url, "#dataset=xor&seed=5")
    page.click("#share-button")
    page.wait_for_function("document.getElementById('share-copied').textContent.includes('Ctrl+C')")
    selected = page.evaluate("""() => { const f = document.activeElement;
        return [f.id, f.value.slice(f.selectionStart, f.selectionEnd), location.href]; }""")
    assert selected[0] == "share-link" and selected[1] == selected[2]
    page.keyboard.press("Escape")  # closes the panel and gives the focus back to its button
    assert page.is_hidden("#share-panel")
    assert page.evaluate("document.activeElement.id") == "share-button"
    assert page.get_attribute("#share-button", "aria-expanded") == "false"
    page.click("#export-button")
    page.focus("#export-nnpy")
    page.keyboard.press("Escape")
    assert page.is_hidden("#export-panel") and page.evaluate("document.activeElement.id") == "export-button"
    page.click("#embed-button")
    page.focus("#embed-snippet")
    page.keyboard.press("Escape")
    assert page.is_hidden("#embed-panel") and page.evaluate("document.activeElement.id") == "embed-button"
    # by keyboard alone: Enter opens, Escape closes, wherever the focus went (Export keeps it on its button)
    for button, panel in [("#export-button", "#export-panel"), ("#embed-button", "#embed-panel")]:
        page.focus(button)
        page.keyboard.press("Enter")
        assert page.is_visible(panel)
        page.keyboard.press("Escape")
        assert page.is_hidden(panel) and page.get_attribute(button, "aria-expanded") == "false", button
        assert page.evaluate("document.activeElement.id") == button[1:]
    assert errors == []
    context.close()


# ------------------------------------------------------------------ state module, layout

def test_from_engine_inverts_to_engine(playground):
    """toEngine(fromEngine(e)) == e for the engine state of 300 random page states, whatever the
    page showed before; and the page state itself comes back (but for what the engine ignores)."""
    bad = playground.evaluate("""async () => {
        const S = await import('/js/playground/state.js');
        let seed = 99;
        const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
        const pick = (a) => a[Math.floor(rand() * a.length)];
        const random = () => {
            const s = S.defaults();
            for (const p of S.PROPS) {
                if (p.type === 'enum') s[p.name] = pick(p.values);
                else if (p.type === 'int') s[p.name] = p.min + Math.floor(rand() * (p.max - p.min + 1));
                else if (p.type === 'number') s[p.name] = pick([p.min, p.max, 0.003, 1e-5, 0.25, 7]);
                else if (p.type === 'bool') s[p.name] = rand() < 0.5;
            }
            s.networkShape = Array.from({ length: Math.floor(rand() * 11) }, () => 1 + Math.floor(rand() * 32));
            s.activations = s.networkShape.map(() => pick(S.ACTIVATIONS));
            if (!S.FEATURES.some((f) => s[f.key])) s.y = true;
            return s;
        };
        const bad = [];
        for (let n = 0; n < 300; n++) {
            const s = random(), before = random();
            const e = S.toEngine(s);
            const back = S.fromEngine(e, before);
            if (JSON.stringify(S.toEngine(back)) !== JSON.stringify(e) || !S.engineMatches(S.toEngine(back), e)) {
                bad.push([s, before, back]);
            }
            for (const key of ['noise', 'percTrainData', 'seed', 'networkShape', 'activations', 'learningRate',
                               'regularization', 'optimizer', 'problem', 'x', 'sinY']) {
                if (JSON.stringify(back[key]) !== JSON.stringify(s[key])) bad.push([key, s, back]);
            }
        }
        return bad.slice(0, 3);
    }""")
    assert bad == []


@pytest.mark.parametrize("width", [390, 1280])
def test_header_and_code_panel_fit_and_screenshots(browser, site_url, tmp_path, width):
    out = DOCS if os.environ.get("NNPY_UPDATE_DOCS") == "1" and width == 1280 else tmp_path
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors = watch_errors(page)
    open_page(page, site_url, SPIRAL)
    header = page.locator(".site-header").bounding_box()
    buttons = [page.locator(f"#{b}").bounding_box() for b in
               ("share-button", "import-button", "export-button", "code-button", "embed-button")]
    assert all(b["x"] >= header["x"] and b["x"] + b["width"] <= header["x"] + header["width"] for b in buttons)
    assert len({round(b["y"]) for b in buttons}) == 1  # one row, at 390 px too
    page.locator(".site-header").screenshot(path=str(tmp_path / f"header-{width}.png"))
    train_until(page, lambda p: percent(p, "#test-acc") >= 60, timeout=90, what="60 % test accuracy")
    page.click("#code-button")
    wait_code_for(page, epoch(page))
    page.wait_for_selector("#code-text span.hljs-keyword", state="attached")  # the colours are in the picture
    sizes = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert sizes[0] <= sizes[1] == width
    code = page.locator(".code-text").bounding_box()
    assert code["x"] >= 0 and code["x"] + code["width"] <= width
    panel = page.locator("#code-panel")
    panel.scroll_into_view_if_needed()
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    box = panel.bounding_box()
    margin = min(16, box["x"])  # the panel's own margin, so the picture is not cut at its edges
    page.screenshot(path=str(out / "playground-code.png"), clip={
        "x": box["x"] - margin, "y": max(0, box["y"] - margin), "width": box["width"] + 2 * margin,
        "height": min(box["height"] + 2 * margin, 900 - max(0, box["y"] - margin))})
    assert errors == []
    context.close()

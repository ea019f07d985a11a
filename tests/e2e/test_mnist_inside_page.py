"""Look inside one training step on the MNIST page (issue 13): a student draws a digit with the
mouse, opens Look inside, chooses the digit's label, steps through forward, loss, backward and
update, opens a neuron's card and a pixel's weight card, and every number shown equals, as
rounded on screen, what CPython's own MnistPlayground.inside computes for the same network and
the same ink; "Take this step" moves the page's weights as CPython's inside_update does. Then the
same by keyboard only at phone width, on a test digit. The page's network is float32 (SciPy's
sgemm in the page, NumPy's in CPython), so numbers agree to float32 rounding, then to the four
digits shown."""

import numpy as np
import pytest

from nnpy.browser.mnist import MnistPlayground
from test_mnist import ONE, READY, ROOT, stroke
from test_leaving import ASKS as LEAVING_ASKS   # the page's beforeunload handler says "ask"
from test_page_support import watch_errors

pytestmark = pytest.mark.e2e

MNIST_PATH = ROOT / "dist" / "data" / "mnist.npz"

SETUP = "#networkShape=24&activations=tanh&digits=1000&epochs=1&optimizer=momentum&learningRate=0.1"


def open_page(page, site_url, hash_=SETUP):
    page.goto(site_url + "/mnist.html" + hash_)
    page.wait_for_function(READY, timeout=240_000)
    return page


def replica(page):
    """A CPython MnistPlayground with the page's setup, at epoch 0 (the seed fixes the weights)."""
    state = page.evaluate("import('/js/mnist/state.js').then(m => m.toEngine(m.parseHash(location.hash).state))")
    mp = MnistPlayground()
    mp.load_data(path=str(MNIST_PATH))
    mp.configure(state)
    return mp


def ink(page):
    """The drawing pad's alpha channel, as the page sends it."""
    return np.array(page.evaluate("""() => {
        const c = document.getElementById('draw-canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const out = new Array(c.width * c.height);
        for (let i = 0; i < out.length; i++) out[i] = d[i * 4 + 3];
        return out; }"""), dtype=np.uint8)


def wait_result(page, position=0):
    page.wait_for_function(f"() => window.nnpy.inside.result !== null && window.nnpy.inside.position === {position}"
                           " && document.querySelector('#inside-view [data-neuron]') !== null", timeout=120_000)


def close_to(text, value, scale):
    """Shown to four significant digits; the page computed in float32 with another BLAS."""
    shown = float(text.replace("−", "-"))
    return abs(shown - value) <= 6e-4 * abs(value) + 1e-5 * scale


def card_numbers(page):
    return page.evaluate("""() => {
        const out = {};
        for (const s of document.querySelectorAll('#inside-card .num')) (out[s.dataset.name] ||= []).push(s.textContent);
        return out; }""")


def unit_values(page, layer):
    """The values a layer's neuron buttons show (their labels: 'neuron 3: a = 0.1234')."""
    labels = page.evaluate(f"""() => [...document.querySelectorAll("#inside-view .mn-units [data-neuron^='{layer},']")]
        .map((b) => b.getAttribute('aria-label'))""")
    return [float(label.split("= ")[1].replace("−", "-")) for label in labels]


def column(page, name):
    return page.evaluate(f"""() => [...document.querySelectorAll("#inside-view .mn-outputs .num[data-name='{name}']")]
        .map((s) => s.textContent)""")


def check_all(values, expected):
    scale = float(np.max(np.abs(expected)))
    bad = [(i, s, e) for i, (s, e) in enumerate(zip(values, expected)) if not close_to(str(s), float(e), scale)]
    assert len(values) == len(expected) and not bad, bad[:5]


def test_draw_a_digit_look_inside_and_take_the_step(page, site_url):
    open_page(page, site_url)
    stroke(page, ONE)                                        # a student draws a one with the mouse
    page.wait_for_function("document.getElementById('prediction').dataset.prediction !== undefined")
    page.click("#inside-button")
    assert page.is_visible("#inside-panel")
    # the page does not guess what was drawn: it asks
    page.wait_for_function("/Which digit did you draw/.test(document.getElementById('inside-message').textContent)")
    page.select_option("#inside-label", "1")
    wait_result(page)
    mp = replica(page)
    expected = mp.inside(pixels=ink(page), width=280, height=280, label=1)
    result = page.evaluate("({source: nnpy.inside.result.source, label: nnpy.inside.result.label})")
    assert result == {"source": "drawing", "label": 1}
    assert "Your drawing, label 1 (chosen)" in page.inner_text("#inside-digit")
    hidden, out = expected["layers"]

    # forward, layer 1: every neuron's a; the first neurons' weights as images
    assert page.get_attribute("#inside-panel", "data-stage") == "forward"
    check_all(unit_values(page, 1), hidden["a"])
    assert page.locator("#inside-view canvas[data-weights]").count() == 16
    # forward, the output layer: z and p of the ten digits
    page.click("#inside-next")
    check_all(column(page, "z"), out["z"])
    check_all(column(page, "p"), expected["probabilities"])
    # the loss
    page.click("#inside-next")
    assert page.get_attribute("#inside-panel", "data-stage") == "loss"
    assert close_to(page.inner_text("#inside-stage").split("Loss: ")[1], expected["loss"], 0)
    assert close_to(page.inner_text("#inside-view .num[data-name='loss']"), expected["loss"], 0)
    check_all(column(page, "y"), expected["target"])
    # backward: the output's delta = p - y, then layer 1's delta and dL/dW1 as images
    page.click("#inside-next")
    check_all(column(page, "delta"), out["delta"])
    page.click("#inside-next")
    assert page.get_attribute("#inside-view", "data-images") == "dW"
    check_all(unit_values(page, 1), hidden["delta"])
    dW = expected["first"]["dW"]
    assert close_to(page.inner_text("#inside-view .num[data-name='image_max']"), np.abs(dW).max(), 0)

    # a neuron's card (layer 1, neuron 4) and, from it, its strongest pixel's weight card
    page.click("#inside-view [data-neuron='1,3']")
    shown = card_numbers(page)
    for name, value in [("z", hidden["z"][3]), ("a", hidden["a"][3]), ("delta", hidden["delta"][3]),
                        ("grad_a", hidden["grad_a"][3]), ("act_deriv", hidden["act_deriv"][3]),
                        ("b", hidden["b"][3]), ("new_b", hidden["new_b"][3]), ("grad_b", hidden["grad_b"][3])]:
        scale = float(np.abs(hidden[name]).max())
        assert close_to(shown[name][0], float(value), scale), (name, shown[name], value)
    pixel = int(np.argmax(np.abs(dW[3])))
    page.click(f"#inside-card [data-open-pixel='3,{pixel}']")
    shown = card_numbers(page)
    f = expected["first"]
    scale = float(np.abs(dW).max())
    assert close_to(shown["x"][0], expected["input"].ravel()[pixel], 0)
    assert close_to(shown["delta"][0], hidden["delta"][3], float(np.abs(hidden["delta"]).max()))
    assert close_to(shown["dw"][0], dW[3].ravel()[pixel], scale)
    assert close_to(shown["w"][0], f["W"][3].ravel()[pixel], 0)
    assert close_to(shown["velocity"][-1], f["state_after"]["velocity"][3].ravel()[pixel], scale)
    assert close_to(shown["new_w"][0], f["new_W"][3].ravel()[pixel], 1e-6)
    page.keyboard.press("Escape")
    assert page.is_hidden("#inside-card")

    # the update, and Take this step: the page's weights become CPython's after the same step
    page.click("#inside-next")
    assert page.get_attribute("#inside-panel", "data-stage") == "update"
    assert page.get_attribute("#inside-view", "data-images") == "change"
    assert not page.evaluate(LEAVING_ASKS)   # untrained: leaving loses nothing
    page.click("#inside-apply")
    page.wait_for_function("/Step taken/.test(document.getElementById('inside-message').textContent)",
                           timeout=120_000)
    mp.inside_update(pixels=ink(page), width=280, height=280, label=1)
    shown = np.array(page.evaluate("""() => window.nnpy.engine.call('weights', { limit: 24 })
        .then((w) => Array.from(w.images.data))"""), dtype=np.float32).reshape(24, 784)
    cpython = mp.model.layers[0].params["W"].T
    assert np.allclose(shown, cpython, rtol=1e-5, atol=1e-7)
    before = np.asarray(expected["first"]["W"]).reshape(16, 784)
    assert not np.allclose(shown[:16], before, rtol=0, atol=1e-9)  # the step moved them
    # the view starts again from the new weights, where this digit's loss is lower
    assert page.get_attribute("#inside-panel", "data-stage") == "forward"
    assert page.evaluate("nnpy.inside.result.loss") < expected["loss"]
    assert page.evaluate("nnpy.inside.result.step") == 1
    assert page.evaluate(LEAVING_ASKS)   # the step counts as training: leaving now asks (test_leaving.py)
    page.assert_no_errors()


def test_keyboard_only_at_phone_width_on_a_test_digit(browser, site_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    errors = watch_errors(page)
    open_page(page, site_url)
    page.focus("#sample-digit")
    page.keyboard.press("Enter")                       # a test digit on the pad
    page.focus("#inside-button")
    page.keyboard.press("Enter")
    wait_result(page)
    # the panel opens at the top, far from the button: the focus goes to it
    assert page.evaluate("document.activeElement.id") == "inside-title"
    page.keyboard.press("ArrowRight")   # ← → work there at once
    assert page.evaluate("nnpy.inside.position") == 1
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("nnpy.inside.position") == 0
    index = page.evaluate("nnpy.inside.result.index")
    mp = replica(page)
    expected = mp.inside(test_index=index)
    assert page.evaluate("nnpy.inside.result.label") == expected["label"] == int(mp.y_test[index])
    assert f"Test digit number {index}, its MNIST label {expected['label']}" in page.inner_text("#inside-digit")
    page.focus("#inside-next")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert page.get_attribute("#inside-panel", "data-stage") == "backward"
    check_all(column(page, "delta"), expected["layers"][1]["delta"])
    page.keyboard.press("ArrowRight")
    # the neuron grid is one tab stop: the arrow keys move along it, Enter opens a card
    page.focus("#inside-view .mn-units [data-neuron='1,0']")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.neuron") == "1,2"
    page.keyboard.press("Enter")
    shown = card_numbers(page)
    hidden = expected["layers"][0]
    assert close_to(shown["delta"][0], hidden["delta"][2], float(np.abs(hidden["delta"]).max()))
    assert page.evaluate("document.activeElement.dataset.inside") == "close-card"
    page.keyboard.press("Escape")
    assert page.is_hidden("#inside-card")
    assert page.evaluate("document.activeElement.dataset.neuron") == "1,2"  # focus went back
    # a test digit by its number, and another label than its own
    page.fill("#inside-index", "5")
    page.keyboard.press("Enter")
    page.wait_for_function("nnpy.inside.result && nnpy.inside.result.index === 5")
    page.select_option("#inside-label", str((int(mp.y_test[5]) + 1) % 10))
    page.wait_for_function("nnpy.inside.result.label_from === 'chosen'")
    assert page.evaluate("nnpy.inside.result.loss") == pytest.approx(
        mp.inside(test_index=5, label=(int(mp.y_test[5]) + 1) % 10)["loss"], rel=1e-4)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Escape (no card open) closes the mode and gives the focus back to Look inside
    page.focus("#inside-next")
    page.keyboard.press("Escape")
    page.wait_for_selector("#inside-panel", state="hidden")
    assert page.evaluate("document.activeElement.id") == "inside-button"
    assert "inside=true" not in page.evaluate("location.hash")
    page.keyboard.press("Enter")
    page.wait_for_selector("#inside-panel", state="visible")
    wait_result(page)
    # training again closes the mode
    page.focus("#train-button")
    page.keyboard.press("Enter")
    page.wait_for_selector("#inside-panel", state="hidden")
    assert errors == []
    context.close()


def test_mnist_look_inside_open_through_a_restart_shows_the_step_of_the_weights_put_back(page, site_url):
    """Restart with Look inside open: the panel asks again once Python is back (it was left saying
    "The network is not ready yet." over the old step, asked while Python was starting)."""
    page.goto(site_url + "/mnist.html#networkShape=32&learningRate=0.03&epochs=20&digits=1000")
    page.wait_for_function(READY, timeout=180_000)
    page.click("#train-button")
    page.wait_for_function("Number(document.querySelector('#epoch').textContent.split(' ')[0]) >= 2", timeout=180_000)
    page.click("#sample-digit")
    page.click("#inside-button")   # pauses training
    page.wait_for_function("window.nnpy.inside.result !== null", timeout=60_000)
    page.evaluate("() => { window.stepBefore = window.nnpy.inside.result; window.nnpy.engine._worker.terminate(); }")
    page.wait_for_selector("#engine-status.failed", state="visible", timeout=10_000)
    held = page.evaluate("window.nnpy.kept.weights.epoch")
    page.click("#engine-retry")
    page.wait_for_selector("#engine-status", state="hidden", timeout=180_000)
    page.wait_for_function("![null, window.stepBefore].includes(window.nnpy.inside.result)", timeout=60_000)
    assert page.evaluate("window.nnpy.inside.result.epoch") == held
    assert page.is_visible("#inside-panel") and page.inner_text("#inside-message") == ""
    assert page.inner_text("#inside-stage").startswith("1 of 6")
    page.assert_no_errors()


def hash_params(page):
    return dict(part.split("=", 1) for part in page.evaluate("location.hash")[1:].split("&"))


def test_a_link_opens_look_inside_on_a_test_digit_and_the_address_follows_the_student(page, site_url):
    """A teacher's link (inside, insideDigit, insideLabel) opens the mode on that digit with that
    label; what the student then picks is written back; an edited hash applies; a drawing and
    Train leave the link."""
    errors = watch_errors(page)
    open_page(page, site_url, SETUP + "&inside=true&insideDigit=7&insideLabel=2")
    page.wait_for_function("nnpy.inside.result && nnpy.inside.result.index === 7", timeout=120_000)
    mp = replica(page)
    expected = mp.inside(test_index=7, label=2)
    assert page.evaluate("[nnpy.inside.result.label, nnpy.inside.result.label_from]") == [2, "chosen"]
    assert page.evaluate("nnpy.inside.result.loss") == pytest.approx(expected["loss"], rel=1e-4)
    assert page.is_visible("#inside-panel") and page.get_attribute("#inside-button", "aria-pressed") == "true"
    assert page.input_value("#inside-index") == "7" and page.input_value("#inside-label") == "2"
    assert page.inner_text("#notes") == "" or page.is_hidden("#notes")
    # the student's own choices reach the address: its MNIST label, then another digit
    page.select_option("#inside-label", "")
    page.wait_for_function("nnpy.inside.result.label_from === 'test'")
    assert "insideLabel" not in hash_params(page) and hash_params(page)["insideDigit"] == "7"
    page.fill("#inside-index", "12")
    page.press("#inside-index", "Enter")
    page.wait_for_function("nnpy.inside.result.index === 12")
    assert hash_params(page)["insideDigit"] == "12" and hash_params(page)["inside"] == "true"
    # an edited hash applies without a reload
    page.evaluate("() => { location.hash = location.hash.replace('insideDigit=12', 'insideDigit=3') + '&insideLabel=9'; }")
    page.wait_for_function("nnpy.inside.result.index === 3 && nnpy.inside.result.label === 9")
    # a digit out of the test set's range is said, and the page goes on
    page.evaluate("() => { location.hash = location.hash.replace('insideDigit=3', 'insideDigit=9999'); }")
    page.wait_for_function("document.getElementById('inside-message').textContent.startsWith("
                           "'Test digit must be a whole number from 0 to 199.')")
    page.wait_for_function("location.hash.includes('insideDigit=3&') || location.hash.endsWith('insideDigit=3')")
    # a drawing is not in a link; Train closes the mode and the address says so
    page.click("#clear-canvas")
    stroke(page, ONE)
    page.wait_for_function("!('insideDigit' in Object.fromEntries(location.hash.slice(1).split('&').map((p) => p.split('='))))")
    assert hash_params(page)["inside"] == "true"
    page.click("#train-button")
    page.wait_for_selector("#inside-panel", state="hidden")
    page.wait_for_function("!location.hash.includes('inside')")
    # a bad value gets a link note, and the mode stays closed where it was not asked for
    open_page(page, site_url, SETUP + "&inside=maybe&insideDigit=-4")
    notes = page.inner_text("#notes")
    assert "inside=maybe" in notes and "insideDigit=-4" in notes
    assert page.is_hidden("#inside-panel")
    assert errors == []


def test_a_refused_test_digit_number_never_reaches_the_address_and_is_said_in_plain_words(page, site_url):
    """The test digit's number (a form value the URL keeps) is checked by the schema's row within the
    test digits there are (200 here: 1,000 digits, 20 % held out) before it is written: a refused
    one is said in plain words, and the address keeps the digit in use, typed or linked."""
    errors = watch_errors(page)
    open_page(page, site_url, SETUP + "&inside=true&insideDigit=12")
    page.wait_for_function("nnpy.inside.result && nnpy.inside.result.index === 12", timeout=120_000)
    said = "Test digit must be a whole number from 0 to 199. The test set has 200 digits."
    for typed in ["200", "5000", "-3", "2.5", "1e9", ""]:
        page.fill("#inside-index", typed)
        page.press("#inside-index", "Enter")
        assert page.inner_text("#inside-message") == said, typed
        assert page.get_attribute("#inside-index", "aria-invalid") == "true", typed
        assert hash_params(page)["insideDigit"] == "12", typed
    assert page.evaluate("nnpy.inside.result.index") == 12
    page.fill("#inside-index", "199")  # the last one is allowed
    page.press("#inside-index", "Enter")
    page.wait_for_function("nnpy.inside.result.index === 199")
    assert hash_params(page)["insideDigit"] == "199" and page.get_attribute("#inside-index", "aria-invalid") is None
    # a link's number within the schema's 0..9,999 but past this split's test digits: said, and out
    page.evaluate("() => { location.hash = location.hash.replace('insideDigit=199', 'insideDigit=5000'); }")
    page.wait_for_function(f"document.getElementById('inside-message').textContent.startsWith({said!r})")
    page.wait_for_function("location.hash.includes('insideDigit=199')")
    assert "5000" not in page.evaluate("location.hash")
    # opened from such a link in a fresh page: the mode opens on the pad, the number is not kept
    page.goto("about:blank")
    open_page(page, site_url, SETUP + "&inside=true&insideDigit=5000")
    page.wait_for_function(f"document.getElementById('inside-message').textContent.startsWith({said!r})",
                           timeout=120_000)
    assert page.is_visible("#inside-panel") and "insideDigit" not in hash_params(page)
    assert errors == []


# ------------------------------------------------------------------ the README's screenshots
# NNPY_UPDATE_DOCS=1 python -m pytest tests/e2e/test_mnist_inside_page.py -k screenshot   # docs/mnist-inside*.png

@pytest.fixture
def out_dir(tmp_path):
    import os
    from pathlib import Path
    docs = Path(__file__).resolve().parents[2] / "docs"
    return docs if os.environ.get("NNPY_UPDATE_DOCS") == "1" else tmp_path


def test_screenshot_desktop(browser, site_url, out_dir):
    context = browser.new_context(viewport={"width": 1360, "height": 1000})
    page = context.new_page()
    errors = watch_errors(page)
    open_page(page, site_url, "#networkShape=64&digits=1000&epochs=1")
    page.click("#digits [data-index]:nth-child(3)")
    page.click("#inside-button")
    wait_result(page)
    for _ in range(4):
        page.click("#inside-next")                     # backward, layer 1: dL/dW1 as images
    strongest = page.evaluate("""() => { const d = nnpy.inside.result.layers[0].delta.data;
        let k = 0; for (let j = 0; j < 16; j++) if (Math.abs(d[j]) > Math.abs(d[k])) k = j; return k; }""")
    page.click(f"#inside-view [data-neuron='1,{strongest}']")
    page.wait_for_timeout(300)
    page.locator("#inside-panel").screenshot(path=str(out_dir / "mnist-inside.png"))
    assert errors == []
    context.close()


def test_screenshot_phone(browser, site_url, out_dir):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  has_touch=True, is_mobile=True)
    page = context.new_page()
    errors = watch_errors(page)
    open_page(page, site_url, "#networkShape=64&digits=1000&epochs=1")
    page.tap("#sample-digit")
    page.tap("#inside-button")
    wait_result(page)
    for _ in range(4):
        page.tap("#inside-next")
    page.evaluate("document.querySelector('#inside-view .mn-inside-images').scrollIntoView()")
    page.screenshot(path=str(out_dir / "mnist-inside-phone.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert errors == []
    context.close()

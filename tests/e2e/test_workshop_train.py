"""Train with my framework, in Chromium: every workshop step filled with a student's correct code,
the 2-D playground trains the spiral on it to >= 90 % test accuracy; a student's function that
fails mid-training is named and the page leads back to its step; a link alone runs nnpy."""

from nnpy.browser.workshop_solutions import SOLUTIONS
from tests.e2e.test_page_support import FIRST_PICTURE, epoch, percent, train_until, wait_idle
from tests.e2e.test_workshop_page import _open, put_code

ALL = "#prefill=" + ",".join(name[:-3] for name in SOLUTIONS)


def _train_mine(page, site_url, layers_code=None, step="layers"):
    page.on("dialog", lambda d: d.accept())   # "not passed its checks yet: train all the same?"
    _open(page, site_url, ALL)
    if layers_code:
        page.click(f'#step-list button[data-step="{step}"]')
        put_code(page, layers_code)
    page.click("#train-mine")
    page.wait_for_url("**/index.html#*")
    page.wait_for_function("document.querySelector('#my-framework .banner-text').textContent.includes('Training with your')"
                           " || document.querySelector('#my-framework').classList.contains('failed')", timeout=300_000)
    page.wait_for_function(FIRST_PICTURE, timeout=300_000)


def test_the_playground_trains_the_spiral_on_the_students_framework(page, site_url):
    _train_mine(page, site_url)
    assert "Training with your framework" in page.inner_text("#my-framework")
    train_until(page, lambda p: percent(p, "#test-acc") >= 90.0, timeout=900, what="90 % test accuracy")
    assert percent(page, "#test-acc") >= 90.0
    assert page.locator("#diverged").is_hidden()


def test_a_failing_function_is_named_and_leads_back_to_its_step(page, site_url):
    broken = SOLUTIONS["layers.py"].replace(
        "    def backward(self, grad_out):\n",
        "    def backward(self, grad_out):\n"
        "        CALLS.append(1)\n"
        "        if len(CALLS) > 400:\n"
        "            raise ValueError('boom after 400 calls')\n").replace("import numpy as np\n", "import numpy as np\n\nCALLS = []\n")
    line = broken.split("\n").index("            raise ValueError('boom after 400 calls')") + 1
    _train_mine(page, site_url, broken)
    page.click("#play-button")
    page.wait_for_selector("#diverged:not([hidden])", timeout=300_000)
    text = page.inner_text("#diverged")
    assert f"Your DenseLayer.backward (layers.py, line {line}) failed: ValueError: boom after 400 calls" in text
    page.click("text=Fix it in the workshop: layers.py")
    page.wait_for_function("window.nnpyWorkshop && window.nnpyWorkshop.ready", timeout=120_000)
    assert page.inner_text("#step-file") == "layers.py"
    assert page.evaluate("nnpyWorkshop.text") == broken   # the student's code, as it was


def test_a_framework_that_makes_nan_weights_stops_with_a_message_and_the_page_keeps_drawing(page, site_url):
    """nnpy's Trainer goes back to good weights; a student's may hand the page NaN weights, which the
    network view drew by indexing its strokes with NaN (a TypeError every frame)."""
    nan_tanh = SOLUTIONS["activations.py"].replace("def tanh(z):\n", "def tanh(z):\n    return z * np.nan\n")
    _train_mine(page, site_url, nan_tanh, step="activations")
    page.click("#play-button")
    page.wait_for_selector("#diverged:not([hidden])", timeout=300_000)
    assert "no longer finite numbers" in page.inner_text("#diverged")
    assert page.evaluate("window.nnpy.loop.snapshot.params.data.some(Number.isNaN)")   # what the page now draws
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    page.hover("#network")   # the links' hover reads the weights too
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    assert page.errors == []
    # the student's code is at fault (a workshop check fails on it): the report says which check, offers
    # no learning rate (it would not fix the bug), and each way back it offers works when clicked
    text = page.inner_text("#diverged")
    assert "fails the workshop's check \u201ctanh(z)\u201d (Activations, activations.py)" in text
    assert page.locator("#diverged button:visible").all_inner_texts() == ["Reset the network"]
    page.click("#diverged-reset")
    page.wait_for_selector("#diverged", state="hidden")
    page.wait_for_function("window.nnpy.loop.snapshot.epoch === 0 && !window.nnpy.loop.snapshot.params.data.some(Number.isNaN)")
    page.click("#play-button")   # the bug is still there: the same report, and its other way back
    page.wait_for_selector("#diverged:not([hidden])", timeout=300_000)
    page.click("#diverged >> text=Fix it in the workshop: activations.py")
    page.wait_for_function("window.nnpyWorkshop && window.nnpyWorkshop.ready", timeout=120_000)
    assert page.inner_text("#step-file") == "activations.py"
    assert page.evaluate("nnpyWorkshop.text") == nan_tanh   # the student's code, as it was


def test_a_link_alone_trains_on_nnpy(page, site_url):
    """The student's code is in this browser, but a new tab opened by a link never runs it."""
    _open(page, site_url, ALL)
    other = page.context.new_page()
    other.goto(f"{site_url}/index.html#dataset=spiral")
    other.wait_for_function(FIRST_PICTURE, timeout=300_000)
    assert other.locator("#my-framework").is_hidden()
    assert other.evaluate("sessionStorage.getItem('nnpy.workshop.train')") is None


ON_YOURS = "works with nnpy's own framework; this page trains on yours now"


def trains_on(page):
    """Which framework the engine trains on: Look inside runs on nnpy's only, and says so on the student's."""
    return page.evaluate("""async () => {
        try { await window.nnpy.engine.call('inside', { point: [0, 0] }); return 'nnpy'; }
        catch (err) { return err.message.includes("%s") ? 'yours' : err.message; }
    }""" % ON_YOURS)


def test_after_python_is_restarted_the_playground_trains_on_the_students_framework_again_then_on_nnpy(page, site_url):
    _train_mine(page, site_url)
    assert trains_on(page) == "yours"
    train_until(page, lambda p: epoch(p) >= 20, timeout=300, what="epoch 20")
    # the worker ends, as a browser ends one under memory pressure; the student restarts Python
    page.evaluate("() => window.nnpy.engine._worker.terminate()")
    page.wait_for_selector("#engine-status.failed", state="visible", timeout=10_000)
    held = page.evaluate("() => ({ epoch: window.nnpy.loop.snapshot.epoch, params: [...window.nnpy.loop.snapshot.params.data] })")
    page.click("#engine-retry")
    page.wait_for_selector("#engine-status", state="hidden", timeout=300_000)
    wait_idle(page, timeout=120)
    assert trains_on(page) == "yours" and "Training with your framework" in page.inner_text("#my-framework")
    now = page.evaluate("async () => { const s = await window.nnpy.engine.call('snapshot', {}); "
                        "return { epoch: s.epoch, params: [...s.params.data] }; }")
    assert now == held and epoch(page) == held["epoch"]
    train_until(page, lambda p: epoch(p) >= held["epoch"] + 20, timeout=300, what=f"epoch {held['epoch'] + 20}")
    assert trains_on(page) == "yours" and page.locator("#diverged").is_hidden()
    # and back to nnpy's framework: the page reloads without the student's code, and trains
    page.click("#my-framework button:has-text(\"Use nnpy's framework\")")
    page.wait_for_function(FIRST_PICTURE, timeout=300_000)
    assert page.locator("#my-framework").is_hidden() and trains_on(page) == "nnpy"
    start = epoch(page)
    train_until(page, lambda p: epoch(p) >= start + 20, timeout=300, what="20 epochs on nnpy")


def test_a_correct_framework_at_too_high_a_rate_starts_again_lower_by_its_button(page, site_url):
    """NaN weights from a framework that passes every workshop check: a learning-rate problem. The
    report says so, and its way back (fresh weights at a lower rate) works when clicked: the student's
    framework trains on at 0.01, without a report (tests/test_my_framework.py has the same in CPython)."""
    _train_mine(page, site_url)
    page.evaluate("""() => { const h = new URLSearchParams(location.hash.slice(1));
        for (const [k, v] of Object.entries({problem: "regression", regDataset: "reg-plane", seed: "1",
             learningRate: "0.1", optimizer: "sgd", networkShape: "8", activations: "relu", x: "true", y: "true",
             xSquared: "false", ySquared: "false", xTimesY: "false", sinX: "false", sinY: "false"}))
          h.set(k, v);
        location.hash = h.toString(); }""")
    page.wait_for_function("location.hash.includes('learningRate=0.1') && window.nnpy.loop.snapshot.epoch === 0")
    wait_idle(page)
    page.click("#play-button")
    page.wait_for_selector("#diverged:not([hidden])", timeout=300_000)
    assert "passes every workshop check" in page.inner_text("#diverged")
    assert page.locator("#diverged button:visible").all_inner_texts() == [
        "Start again at learning rate 0.01", "Reset the network"]
    page.click("#diverged-fresh")
    page.wait_for_selector("#diverged", state="hidden")
    page.wait_for_function("location.hash.includes('learningRate=0.01')")
    page.wait_for_function("document.querySelector('#play-button').getAttribute('aria-pressed') === 'true'")
    train_until(page, lambda p: epoch(p) >= 100, timeout=600, what="100 epochs at 0.01")
    assert page.locator("#diverged").is_hidden()
    assert "Training with your framework" in page.inner_text("#my-framework")
    assert page.errors == []

"""MNIST mode (mnist.html) in a real Chromium: real digits, real Pyodide with SciPy's BLAS.

One page is shared by the module's tests, in order: it loads, trains 10 epochs with the
defaults (784-128-10, momentum lr 0.1, batch 64), and then every view is checked on that
trained network; stopping, the keyboard and small screens come after. The missing-data test
uses its own page.
"""

import os
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]

READY = "performance.getEntriesByName('nnpy:mnist-ready').length > 0"
STOPPED = "!document.getElementById('train-button').classList.contains('playing')"


def percent(text):
    """'94.50 %' -> 0.945"""
    m = re.fullmatch(r"([\d.]+) %", text.strip())
    assert m, text
    return float(m.group(1)) / 100


def stroke(page, points, pointer="mouse"):
    """Draw through the canvas with pointer events: Playwright's real mouse, or scripted touch."""
    canvas = page.locator("#draw-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    xy = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in points]
    if pointer == "mouse":
        page.mouse.move(*xy[0])
        page.mouse.down()
        for p in xy[1:]:
            page.mouse.move(*p, steps=6)
        page.mouse.up()
    else:
        page.evaluate("""([xy, type]) => {
            const c = document.getElementById("draw-canvas");
            const fire = (name, [x, y]) => c.dispatchEvent(new PointerEvent(name, {
                pointerId: 7, pointerType: type, isPrimary: true, clientX: x, clientY: y,
                button: 0, buttons: name === "pointerup" ? 0 : 1, bubbles: true, cancelable: true }));
            fire("pointerdown", xy[0]);
            for (let i = 1; i < xy.length; i++) {
                const [x0, y0] = xy[i - 1], [x1, y1] = xy[i];
                for (let k = 1; k <= 6; k++) fire("pointermove", [x0 + (x1 - x0) * k / 6, y0 + (y1 - y0) * k / 6]);
            }
            fire("pointerup", xy[xy.length - 1]);
        }""", [xy, pointer])


def probabilities(page):
    page.wait_for_function("document.getElementById('prediction').dataset.prediction !== undefined "
                           "&& document.querySelectorAll('#probs li[data-p]').length === 10")
    page.wait_for_timeout(300)  # a classification still in flight for the last stroke lands
    return page.evaluate("""() => ({
        p: [...document.querySelectorAll('#probs li')].map((li) => Number(li.dataset.p)),
        top: [...document.querySelectorAll('#probs li')].findIndex((li) => li.classList.contains('top')),
        prediction: Number(document.getElementById('prediction').dataset.prediction),
        text: document.getElementById('prediction').textContent })""")


def confusion(page):
    return page.evaluate("""() => [...document.querySelectorAll('#confusion tbody tr')].map(
        (tr) => [...tr.querySelectorAll('td')].map((td) => Number(td.dataset.count)))""")


SEVEN = [(0.25, 0.2), (0.75, 0.2), (0.55, 0.5), (0.45, 0.85)]
ONE = [(0.5, 0.12), (0.5, 0.88)]


@pytest.fixture(scope="module")
def mnist_page(module_page, site_url):
    module_page.set_viewport_size({"width": 1400, "height": 1000})
    module_page.goto(site_url + "/mnist.html")
    module_page.wait_for_function(READY, timeout=180_000)
    yield module_page
    module_page.assert_no_errors()


def test_page_loads_digits_and_engine_with_scipy_blas(mnist_page):
    page = mnist_page
    assert page.inner_text("#data-summary") == \
        "8,000 training and 2,000 test digits (a stratified split of 10,000)."
    assert page.is_hidden("#data-load") and page.is_hidden("#engine-status") and page.is_hidden("#data-missing")
    assert "matrix products: SciPy's BLAS (sgemm)" in page.inner_text("#versions")
    assert page.inner_text("#net-summary").startswith("784 → 128 → 10: 101,770 weights")
    assert page.is_enabled("#train-button")
    # before training the views show the untrained network: about chance
    assert percent(page.inner_text("#test-acc")) < 0.3
    assert page.locator("#digits .mn-digit").count() == 48
    assert page.locator("#weights canvas").count() == 48


def test_drawing_on_the_untrained_network_says_so(mnist_page):
    stroke(mnist_page, ONE)
    out = probabilities(mnist_page)
    assert sum(out["p"]) == pytest.approx(1, abs=1e-6)
    assert "untrained" in out["text"]
    mnist_page.click("#clear-canvas")
    assert mnist_page.locator("#probs li[data-p]").count() == 0


def test_training_ten_epochs_reaches_95_percent(mnist_page):
    page = mnist_page
    page.select_option("#epochs", "10")
    page.click("#train-button")
    # the bar moves within an epoch, and the epoch counter climbs, while training runs
    page.wait_for_function("(() => { const v = document.getElementById('epoch-progress').value; "
                           "return v > 0 && v < 1; })()", timeout=60_000)
    page.wait_for_function("document.getElementById('epoch').textContent.startsWith('1 / 10')", timeout=60_000)
    assert percent(page.inner_text("#test-acc")) > 0.8  # one epoch: far above chance (10 %)
    page.wait_for_function(STOPPED, timeout=300_000)
    assert page.inner_text("#epoch") == "10 / 10"
    accuracy = percent(page.inner_text("#test-acc"))
    assert accuracy >= 0.95, accuracy
    assert percent(page.inner_text("#train-acc")) >= accuracy - 0.01
    assert "Stopped after epoch 10" in page.inner_text("#train-status")


def test_confusion_matrix_sums_to_the_test_set(mnist_page):
    cm = confusion(mnist_page)
    assert len(cm) == 10 and all(len(row) == 10 for row in cm)
    assert sum(map(sum, cm)) == 2000
    diagonal = sum(cm[i][i] for i in range(10))
    assert diagonal / 2000 == pytest.approx(percent(mnist_page.inner_text("#test-acc")), abs=5e-5)
    assert f"{2000 - diagonal:,} wrong" in mnist_page.inner_text("#confusion caption")


def test_only_mistakes_and_a_confusion_cell_filter_the_digit_grid(mnist_page):
    page = mnist_page
    cm = confusion(page)
    mistakes = 2000 - sum(cm[i][i] for i in range(10))
    page.check("#only-mistakes")
    page.wait_for_function(f"document.getElementById('digits-caption').textContent.startsWith('{mistakes:,} digit')")
    shown = page.locator("#digits .mn-digit")
    assert shown.count() == min(48, mistakes)
    assert page.locator("#digits .mn-digit.wrong").count() == shown.count()
    page.uncheck("#only-mistakes")
    page.wait_for_function("document.getElementById('digits-caption').textContent.startsWith('2,000 digits')")
    # the commonest confusion: click its cell, see exactly those digits
    t, p = max(((i, j) for i in range(10) for j in range(10) if i != j), key=lambda ij: cm[ij[0]][ij[1]])
    page.click(f"#confusion tbody tr:nth-child({t + 1}) td:nth-of-type({p + 1}) button")
    page.wait_for_function(f"document.getElementById('digits-caption').textContent.includes('true {t}, answered {p}')")
    labels = page.eval_on_selector_all("#digits .mn-digit", "els => els.map((e) => e.getAttribute('aria-label'))")
    assert len(labels) == cm[t][p]
    assert all(label.startswith(f"{p} {t}: answered {p} for a {t} ") for label in labels)
    page.click("#digits-all")
    page.wait_for_function("document.getElementById('digits-caption').textContent.startsWith('2,000 digits')")


def test_the_confusion_matrix_is_one_tab_stop_walked_with_the_arrow_keys(mnist_page):
    """Its ~100 cells were ~100 tab stops between the network and the draw pad, and Enter on one
    re-drew the table and dropped the focus to the top of the page."""
    page = mnist_page
    cm = confusion(page)
    active = "document.activeElement.dataset.cell || document.activeElement.id"
    page.focus("#add-layer")
    page.keyboard.press("Tab")
    chosen = page.evaluate("document.querySelector('#confusion button[aria-pressed=true]')?.dataset.cell ?? null")
    first = chosen or next(f"{i},{j}" for i in range(10) for j in range(10) if cm[i][j])   # the chosen cell's stop
    assert page.evaluate(active) == first
    page.keyboard.press("End")   # the row's last non-empty cell
    row = int(first.split(",")[0])
    assert page.evaluate(active) == f"{row},{max(j for j in range(10) if cm[row][j])}"
    page.keyboard.press("Home")
    assert page.evaluate(active) == f"{row},{min(j for j in range(10) if cm[row][j])}"
    col = min(j for j in range(10) if cm[row][j])
    rows = range(row - 1, -1, -1) if row else range(1, 10)
    page.keyboard.press("ArrowUp" if row else "ArrowDown")   # the next non-empty cell that way in the column
    down = next((f"{i},{col}" for i in rows if cm[i][col]), f"{row},{col}")
    assert page.evaluate(active) == down
    page.keyboard.press("Enter")   # filters the grid; the focus stays on the cell
    t, p = map(int, down.split(","))
    page.wait_for_function(f"document.getElementById('digits-caption').textContent.includes('true {t}, answered {p}')")
    assert page.evaluate(active) == down
    page.keyboard.press("Tab")   # one tab stop: out of the table
    assert page.evaluate(active) == "only-mistakes"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(active) == down
    page.click("#digits-all")
    page.wait_for_function("document.getElementById('digits-caption').textContent.startsWith('2,000 digits')")


def test_the_test_digits_are_one_tab_stop_walked_with_the_arrow_keys(mnist_page):
    """The grid's 48 digits were 48 tab stops; now one (js/core/roving.js, shared with the confusion
    matrix): ← → one digit, ↑ ↓ one row of the grid as laid out, Home and End, Tab out."""
    page = mnist_page
    digits = "[...document.querySelectorAll('#digits button.mn-digit')]"
    active = f"{digits}.includes(document.activeElement) ? 'd' + {digits}.indexOf(document.activeElement) : document.activeElement.id"
    page.wait_for_function(f"{digits}.length === 48")
    assert page.evaluate(f"{digits}.filter((b) => b.tabIndex === 0).length") == 1
    columns = page.evaluate(f"{digits}.filter((b, _, all) => b.offsetTop === all[0].offsetTop).length")
    assert 1 < columns < 48
    page.focus("#only-mistakes")
    page.keyboard.press("Tab")
    assert page.evaluate(active) == "d0"
    page.keyboard.press("ArrowLeft")   # nothing before the first: it stays
    assert page.evaluate(active) == "d0"
    page.keyboard.press("ArrowRight")
    assert page.evaluate(active) == "d1"
    page.keyboard.press("ArrowDown")
    assert page.evaluate(active) == f"d{1 + columns}"
    page.keyboard.press("ArrowUp")
    assert page.evaluate(active) == "d1"
    page.keyboard.press("End")
    assert page.evaluate(active) == "d47"
    page.keyboard.press("Tab")   # one stop: out of the grid
    assert page.evaluate(active) in ("digits-prev", "digits-next")
    page.keyboard.press("Shift+Tab")   # back to the digit the keys chose
    assert page.evaluate(active) == "d47"
    page.keyboard.press("Home")
    page.keyboard.press("Enter")   # puts it on the drawing pad; the focus stays in the grid
    assert page.evaluate(active) == "d0"


def test_drawn_digit_gets_a_prediction_and_ten_probabilities(mnist_page):
    page = mnist_page
    stroke(page, SEVEN, pointer="mouse")
    out = probabilities(page)
    assert len(out["p"]) == 10 and sum(out["p"]) == pytest.approx(1, abs=1e-6)
    assert all(0 <= p <= 1 for p in out["p"])
    assert out["top"] == out["prediction"] == max(range(10), key=lambda d: out["p"][d])
    assert "untrained" not in out["text"]
    # what the network saw is drawn, and a touch stroke (scripted pointer events) works too
    assert page.evaluate("""() => { const d = document.getElementById('seen-canvas').getContext('2d')
        .getImageData(0, 0, 28, 28).data; let ink = 0; for (let i = 3; i < d.length; i += 4) ink += d[i - 1] < 128; return ink; }""") > 10
    page.click("#clear-canvas")
    stroke(page, ONE, pointer="touch")
    out = probabilities(page)
    assert sum(out["p"]) == pytest.approx(1, abs=1e-6)
    assert out["prediction"] == 1, out  # a straight vertical stroke is a 1 to a trained network
    page.click("#clear-canvas")


def test_test_digits_put_on_the_canvas_are_classified(mnist_page):
    page = mnist_page
    agree = 0
    for i in range(5):
        digit = page.locator("#digits .mn-digit:not(.wrong)").nth(i)
        true = int(re.search(r"for a (\d) ", digit.get_attribute("aria-label")).group(1))
        page.click("#clear-canvas")
        digit.click()
        out = probabilities(page)
        assert sum(out["p"]) == pytest.approx(1, abs=1e-6)
        agree += out["prediction"] == true
    # scaled up, re-cropped and re-centred, a digit the network gets right mostly stays right
    assert agree >= 4
    page.click("#clear-canvas")


def test_screenshots_of_the_trained_page(mnist_page, tmp_path):
    """After 10 epochs, with a drawn 7: the desktop page and the phone layout. NNPY_UPDATE_DOCS=1
    writes them to docs/mnist.png and docs/mnist-phone.png (the README shows the first)."""
    page = mnist_page
    out = ROOT / "docs" if os.environ.get("NNPY_UPDATE_DOCS") == "1" else tmp_path
    stroke(page, SEVEN)
    assert probabilities(page)["prediction"] == 7
    page.evaluate("scrollTo(0, 0)")
    page.screenshot(path=str(out / "mnist.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.evaluate("scrollTo(0, 0)")
    page.screenshot(path=str(out / "mnist-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})
    for name in ("mnist.png", "mnist-phone.png"):
        assert (out / name).stat().st_size > 50_000, name  # digits, charts and weights, not a blank page
    page.click("#clear-canvas")


def test_stopping_keeps_the_model(mnist_page):
    page = mnist_page
    page.select_option("#epochs", "50")
    page.click("#train-button")
    page.wait_for_function("document.getElementById('epoch').textContent.startsWith('11 / 60')", timeout=120_000)
    page.click("#train-button")  # stop
    page.wait_for_function(STOPPED, timeout=60_000)
    page.wait_for_function("document.getElementById('train-status').textContent.startsWith('Stopped')")
    accuracy, epoch, cm = page.inner_text("#test-acc"), page.inner_text("#epoch"), confusion(page)
    assert int(epoch.split(" / ")[0]) >= 11
    stroke(page, SEVEN)
    assert sum(probabilities(page)["p"]) == pytest.approx(1, abs=1e-6)
    page.check("#only-mistakes")
    page.uncheck("#only-mistakes")
    page.wait_for_timeout(500)
    assert (page.inner_text("#test-acc"), page.inner_text("#epoch"), confusion(page)) == (accuracy, epoch, cm)
    assert percent(accuracy) >= 0.9
    page.click("#clear-canvas")


def test_keyboard_trains_and_stops_and_controls_have_labels(mnist_page):
    page = mnist_page
    for label in ("Epochs per run", "Optimizer", "Learning rate", "Batch size", "Digits used",
                  "Held out for testing", "Seed", "Neurons in hidden layer 1", "Activation of hidden layer 1"):
        assert page.get_by_label(label).count() == 1, label
    assert page.get_by_role("button", name="Remove hidden layer 1").count() == 1
    page.focus("#train-button")
    epoch = page.inner_text("#epoch")
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('train-button').getAttribute('aria-pressed') === 'true'")
    page.wait_for_function(f"document.getElementById('epoch').textContent !== {epoch!r} || "
                           "document.getElementById('epoch-progress').value > 0")
    page.keyboard.press("Enter")
    page.wait_for_function(STOPPED, timeout=60_000)
    assert page.get_attribute("#train-button", "aria-label") == "Train"


def test_a_seed_typed_out_of_range_is_refused_and_the_network_kept(mnist_page):
    """The seed field follows the link's rule (a whole number 0..2147483647): anything else is said
    and refused, never turned into a seed nobody typed (-1 was 0, 1e308 the largest, '' 0)."""
    page = mnist_page
    page.wait_for_function(STOPPED)
    page.wait_for_function("document.getElementById('train-status').textContent.startsWith('Stopped')")
    kept = (page.inner_text("#test-acc"), page.inner_text("#epoch"), confusion(page))
    seed = page.evaluate("location.hash.match(/seed=(\\d+)/)[1]")
    for typed in ["-1", "1e308", "3.5", "", "99999999999999999999", "2147483648"]:
        page.evaluate("""(v) => { const s = document.getElementById('seed');
            s.value = v; s.dispatchEvent(new Event('change', {bubbles: true})); }""", typed)
        assert page.get_attribute("#seed", "aria-invalid") == "true", typed
        assert page.inner_text("#train-status") == (
            f"The seed must be a whole number from 0 to 2,147,483,647. The network keeps seed {seed}."), typed
        assert page.evaluate("location.hash.match(/seed=(\\d+)/)[1]") == seed, typed
    assert (page.inner_text("#test-acc"), page.inner_text("#epoch"), confusion(page)) == kept
    page.fill("#seed", seed)     # the seed it has: accepted, nothing to rebuild
    page.press("#seed", "Enter")
    page.wait_for_function("!document.getElementById('seed').hasAttribute('aria-invalid')")
    assert page.inner_text("#epoch") == kept[1]


def test_a_new_network_starts_from_epoch_zero(mnist_page):
    page = mnist_page
    page.click("#add-layer")
    page.wait_for_function("document.getElementById('net-summary').textContent.startsWith('784 → 128 → 64 → 10')")
    assert page.inner_text("#epoch") == "0"
    page.wait_for_function("document.getElementById('test-acc').textContent.endsWith('%')")
    assert percent(page.inner_text("#test-acc")) < 0.3
    assert page.locator("#weights canvas").count() == 48 and page.inner_text(".mn-weights-note") == \
        "The first 48 of 128 neurons."


@pytest.mark.parametrize("width", [390, 320])
def test_no_horizontal_scrolling_on_a_phone(mnist_page, width):
    page = mnist_page
    page.set_viewport_size({"width": width, "height": 844})
    page.wait_for_timeout(300)
    sizes = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert sizes[0] <= sizes[1], sizes
    # in the phone layout the drawing comes right after the training charts
    order = page.evaluate("""() => ['.mn-progress', '.mn-draw', '.mn-results', '.mn-setup'].map(
        (s) => document.querySelector(s).getBoundingClientRect().top)""")
    assert order == sorted(order)
    page.set_viewport_size({"width": 1400, "height": 1000})


def test_missing_data_file_says_so(page, site_url):
    page.route("**/data/mnist.npz", lambda route: route.fulfill(status=404, body="not found"))
    page.goto(site_url + "/mnist.html")
    banner = page.locator("#data-missing")
    banner.wait_for(state="visible", timeout=30_000)
    text = banner.inner_text()
    assert "MNIST digits are missing" in text and "data/mnist.npz" in text and "HTTP 404" in text
    assert "python build.py" in text
    assert page.inner_text("#data-summary") == "No digits: this site was built without them."
    page.wait_for_function("document.getElementById('engine-status').hidden", timeout=180_000)
    assert page.is_disabled("#train-button")
    assert [e for e in page.errors if "404" not in e] == []


@pytest.mark.parametrize("engine, scipy_loaded, matmul", [
    (None, False, None),               # the 2-D playground's engine
    ("mnist-numpy", False, "numpy"),   # the benchmark's reference
    ("mnist", True, "blas"),
])
def test_scipy_is_downloaded_only_for_mnist(page, blank_url, engine, scipy_loaded, matmul):
    page.goto(blank_url)
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    ready = page.evaluate("""async (name) => {
        const { createEngine } = await import("/js/core/engine.js");
        const engine = createEngine(name ? { engine: name } : {});
        const ready = await engine.ready;
        engine.terminate();
        return ready;
    }""", engine)
    fetched = [u for u in requests if "scipy" in u or "openblas" in u]
    assert bool(fetched) == scipy_loaded, fetched
    assert ready["engine"] == (engine or "playground") and ready["warnings"] == []
    assert ready["info"].get("matmul") == matmul
    page.assert_no_errors()

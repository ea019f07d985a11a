"""Look inside one training step on the 2-D page: a student picks a point (a click or a tap on the
plot, or x1 and x2 typed in), steps through forward, loss, backward and update, opens a neuron
card and a link card, and every number shown equals, as rounded on screen, what CPython's own
Playground.inside computes for the same setup and point; "Take this step" moves the page's
weights and its plot exactly as CPython's Playground.inside_update does. The same by keyboard
only, at phone width by touch, and from a link."""

import re

import numpy as np
import pytest

from nnpy.browser.playground import Playground
from test_page_support import FIRST_PICTURE, hash_params, wait_idle, watch_errors

pytestmark = pytest.mark.e2e

SETUP = ("#dataset=xor&networkShape=3,2&activations=relu,tanh&optimizer=momentum&learningRate=0.1"
         "&regularization=L2&regularizationRate=0.01&seed=4")


def open_page(page, site_url, hash_=""):
    """Load the playground and wait for its first picture (a generous wait: the machines that run
    these tests are shared, and a cold Pyodide start can take over a minute there)."""
    page.goto(site_url + "/" + hash_)
    page.wait_for_function(FIRST_PICTURE, timeout=240_000)
    return page


def engine_state(page):
    return page.evaluate("import('/js/playground/state.js').then(m => m.toEngine(window.nnpy.store.get()))")


def replica(page):
    """A CPython Playground with the page's setup (epoch 0: the seed fixes the weights)."""
    pg = Playground()
    pg.configure(engine_state(page))
    return pg


def wait_result(page):
    page.wait_for_function("() => window.nnpy.inside.result !== null", timeout=120_000)
    wait_idle(page)


def shown_numbers(page, selector="#inside-card"):
    """{name: [value as shown, ...]} of the card's numbers."""
    return page.evaluate("""sel => {
        const out = {};
        for (const s of document.querySelectorAll(sel + ' .num')) (out[s.dataset.name] ||= []).push(s.textContent);
        return out;
    }""", selector)


def close_to(text, value):
    """The number on screen is the engine's value to its four significant digits."""
    shown = float(text.replace("−", "-"))
    return abs(shown - value) <= 5e-4 * max(abs(value), 1e-300) + 1e-12


def page_point(page):
    return [float(page.input_value("#inside-x1")), float(page.input_value("#inside-x2"))]


def check_neuron_card(page, expected, layer, unit):
    shown = shown_numbers(page)
    L = expected["layers"][layer - 1]
    assert close_to(shown["z"][-1], L["z"][0, unit]), (shown["z"], L["z"])
    assert close_to(shown["a"][-1], L["a"][0, unit])
    assert close_to(shown["delta"][-1], L["delta"][0, unit])
    assert close_to(shown["new_b"][0], L["new_b"][unit])
    if L["act_deriv"] is not None:
        assert close_to(shown["act_deriv"][0], L["act_deriv"][0, unit])
        assert close_to(shown["grad_a"][-1], L["grad_a"][0, unit])
    for i, text in enumerate(shown["w"]):
        assert close_to(text, L["W"][i, unit])


def check_link_card(page, expected, layer, i, j):
    shown = shown_numbers(page)
    L = expected["layers"][layer - 1]
    assert close_to(shown["w"][0], L["W"][i, j])
    assert close_to(shown["a_i"][0], L["x"][0, i])
    assert close_to(shown["delta_j"][0], L["delta"][0, j])
    assert close_to(shown["dw"][0], L["dW"][i, j])
    assert close_to(shown["g"][-1], L["grad_W"][i, j])
    assert close_to(shown["new_w"][0], L["new_W"][i, j])
    assert close_to(shown["velocity"][0], L["state_after"]["velocity"]["W"][i, j])


def test_click_a_point_step_through_open_cards_and_take_the_step(page, site_url):
    open_page(page, site_url, SETUP)
    page.click("#inside-button")
    assert page.is_visible("#inside-panel")
    page.locator(".heatmap-canvas").scroll_into_view_if_needed()
    box = page.locator(".heatmap-canvas").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.62, box["y"] + box["height"] * 0.33)
    wait_result(page)
    point = page_point(page)
    assert 0 < point[0] < 6 and 0 < point[1] < 6
    pg = replica(page)
    expected = pg.inside(point)
    assert page.evaluate("window.nnpy.inside.result.label") == expected["label"]
    params = hash_params(page)
    assert params["inside"] == "true" and float(params["insideX1"]) == point[0] and "insideLabel" not in params

    # the four stages: forward layer by layer, the loss, backward layer by layer, the update
    n_layers = len(expected["layers"])
    seen = []
    for k in range(2 * n_layers + 2):
        seen.append(page.get_attribute("#inside-panel", "data-stage"))
        if k == n_layers:
            assert close_to(page.inner_text("#inside-stage").split("Loss: ")[1], expected["loss"])
        if k < 2 * n_layers + 1:
            page.click("#inside-next")
    assert seen == ["forward"] * n_layers + ["loss"] + ["backward"] * n_layers + ["update"]
    assert page.is_disabled("#inside-next") and page.is_visible("#inside-apply")

    # a neuron card (hidden layer 1, neuron 2) and one of its links, from the card
    page.click("[data-neuron='1,1']")
    check_neuron_card(page, expected, 1, 1)
    page.click("[data-open-link='1,0,1']")
    check_link_card(page, expected, 1, 0, 1)
    # a link clicked on the diagram: the output layer's first link
    page.click("#inside-back")
    page.locator("[data-link='3,0,0']").dispatch_event("click")
    check_link_card(page, expected, 3, 0, 0)

    # Take this step: the page's weights and plot become CPython's after the same step
    page.click("#inside-next")
    before = page.evaluate("Array.from(window.nnpy.loop.snapshot.params.data)")
    plot_before = np.array(page.evaluate("Array.from(window.nnpy.loop.snapshot.output.data)"), dtype=np.float32)
    page.click("#inside-apply")
    page.wait_for_function("() => /Step taken/.test(document.querySelector('#inside-message').textContent)",
                           timeout=120_000)
    wait_idle(page)
    snap = pg.inside_update(point)["snapshot"]
    after = np.array(page.evaluate("Array.from(window.nnpy.loop.snapshot.params.data)"))
    assert not np.array_equal(after, before)
    assert np.array_equal(after, snap["params"])
    flat_new = np.concatenate([np.concatenate([L["new_W"].ravel(), L["new_b"]]) for L in expected["layers"]])
    assert np.array_equal(after, flat_new)
    plot = np.array(page.evaluate("Array.from(window.nnpy.loop.snapshot.output.data)"), dtype=np.float32)
    # the plot is a float32 pass over the grid: Pyodide's NumPy (no BLAS) and CPython's may round its
    # products' sums differently in the last bit, so the plot matches to float32 rounding
    assert np.allclose(plot, snap["output"].ravel(), rtol=0, atol=1e-6)
    assert np.abs(plot - plot_before).max() > 1e-4  # and it moved
    # the view starts again from the new weights
    assert page.get_attribute("#inside-panel", "data-stage") == "forward"
    assert page.evaluate("window.nnpy.inside.result.loss") == pytest.approx(pg.inside(point)["loss"], rel=1e-12)


def open_by_keyboard(page, site_url):
    """Open the page at SETUP, focus the Look inside button and press Enter: the panel shows."""
    open_page(page, site_url, SETUP)
    page.focus("#inside-button")
    page.keyboard.press("Enter")
    page.wait_for_selector("#inside-panel:not([hidden])")


def test_keyboard_only(page, site_url):
    open_by_keyboard(page, site_url)
    page.focus("#inside-x1")
    page.keyboard.type("-1.25")
    page.keyboard.press("Tab")
    page.keyboard.type("3.5")
    page.keyboard.press("Tab")  # the label: choose class 0 with the arrow keys
    page.select_option("#inside-label", "0")
    page.keyboard.press("Enter")
    page.focus("#inside-x2")
    page.keyboard.press("Enter")  # submits the form
    wait_result(page)
    expected = replica(page).inside([-1.25, 3.5], 0)
    assert page.evaluate("window.nnpy.inside.result.label_from") == "chosen"
    page.focus("#inside-next")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    assert page.get_attribute("#inside-panel", "data-stage") == "backward"
    page.keyboard.press("ArrowLeft")
    assert page.get_attribute("#inside-panel", "data-stage") == "loss"
    page.focus("[data-neuron='2,0']")
    page.keyboard.press("Enter")
    check_neuron_card(page, expected, 2, 0)
    page.focus("[data-open-link='2,2,0']")
    page.keyboard.press("Enter")
    check_link_card(page, expected, 2, 2, 0)
    page.keyboard.press("Escape")
    assert page.is_hidden("#inside-card")
    params = hash_params(page)
    assert params["insideX1"] == "-1.25" and params["insideLabel"] == "0"


def test_phone_width_by_touch(browser, site_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    errors = watch_errors(page)
    open_page(page, site_url, SETUP)
    page.tap("#inside-button")
    canvas = page.locator(".heatmap-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.7)
    wait_result(page)
    point = page_point(page)
    assert point[0] < 0 and point[1] < 0
    expected = replica(page).inside(point)
    page.tap("#inside-next")
    page.tap("#inside-next")
    page.locator("[data-neuron='2,1']").tap()
    check_neuron_card(page, expected, 2, 1)
    page.locator("[data-open-link='2,0,1']").tap()
    check_link_card(page, expected, 2, 0, 1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert errors == []
    context.close()


def test_a_link_opens_the_mode_at_its_point_and_label(page, site_url):
    open_page(page, site_url, SETUP + "&inside=true&insideX1=2.5&insideX2=-1&insideLabel=1")
    wait_result(page)
    expected = replica(page).inside([2.5, -1.0], 1)
    result = page.evaluate("({loss: window.nnpy.inside.result.loss, from: window.nnpy.inside.result.label_from})")
    assert result["from"] == "chosen" and result["loss"] == pytest.approx(expected["loss"], rel=1e-12)
    assert page.input_value("#inside-label") == "1"
    # training again closes the mode (the step shown would be out of date) and the link forgets it
    page.click("#play-button")
    page.wait_for_selector("#inside-panel", state="hidden")
    assert "inside" not in hash_params(page)
    page.click("#play-button")


def test_matrix_view_shows_the_next_mini_batch_beside_nnpys_code(page, site_url):
    import inspect
    from nnpy.layers import DenseLayer
    open_page(page, site_url, SETUP + "&inside=true&insideX1=1&insideX2=1")
    wait_result(page)
    page.click("#inside-matrices-box summary")
    page.wait_for_selector("[data-matrix='Z1']")
    expected = replica(page).inside_batch()
    cells = page.evaluate("""() => [...document.querySelectorAll("[data-matrix='Z1'] tbody tr")].map(
        (tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent))""")
    Z1 = expected["layers"][0]["z"]
    assert len(cells) == Z1.shape[0] == 10 and len(cells[0]) == Z1.shape[1]
    for i, row in enumerate(cells):
        for j, text in enumerate(row):
            assert close_to(text, Z1[i, j])
    code = page.inner_text(".matrix-source pre")
    assert code.strip() == "".join(inspect.getsourcelines(DenseLayer.forward)[0]).strip()
    assert "nnpy/layers.py" in page.inner_text(".matrix-source figcaption")
    # the worker trains on DenseLayer's in-place path (the same bits): the code shown is the code that ran
    from nnpy import backend
    codes = page.eval_on_selector_all(".matrix-source pre", "(els) => els.map((e) => e.textContent)")
    assert any(c.strip() == "".join(inspect.getsourcelines(backend.dense_forward)[0]).strip() for c in codes)
    # backward of the first layer: dW1 = Xᵀ @ dZ1, and the update's code is optim.py's
    for _ in range(2 * len(expected["layers"])):
        page.click("#inside-next")
    assert page.get_attribute("#inside-panel", "data-stage") == "backward"
    cells = page.evaluate("""() => [...document.querySelectorAll("[data-matrix='dW1'] tbody tr")].map(
        (tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent))""")
    dW1 = expected["layers"][0]["dW"]
    assert all(close_to(cells[i][j], dW1[i, j]) for i in range(dW1.shape[0]) for j in range(dW1.shape[1]))
    page.click("#inside-next")
    assert "nnpy/optim.py" in page.inner_text(".matrix-source")


def test_gradient_health_chart_follows_training(page, site_url):
    open_page(page, site_url, SETUP)
    page.click("#step-button")
    wait_idle(page)
    page.click("#inside-button")
    page.fill("#inside-x1", "0.5")
    page.fill("#inside-x2", "0.5")
    page.click("#inside-form button[type=submit]")
    wait_result(page)
    page.click("#inside-health-box summary")
    page.wait_for_selector("#inside-health[data-samples='1']")
    pg = replica(page)
    pg.step()
    grads = pg.health()["grad"][-1]
    note = page.inner_text(".health-note")
    for i, g in enumerate(grads):
        name = "output" if i == len(grads) - 1 else f"layer {i + 1}"
        shown = float(re.search(rf"{name} (\d\.\d+e[+-]\d+)", note).group(1))
        assert shown == pytest.approx(g, rel=5e-3)
    assert page.locator("#inside-health canvas").count() >= 2  # the |dL/dW| chart and the dead-ReLU chart


# ------------------------------------------------------------------ the README's screenshots
# NNPY_UPDATE_DOCS=1 python -m pytest tests/e2e/test_inside_page.py -k screenshot   # rewrites docs/inside*.png

SHOT = ("#dataset=circle&networkShape=4,3&activations=tanh,tanh&optimizer=momentum&learningRate=0.1&seed=2"
        "&inside=true&insideX1=1.8&insideX2=-2.4")


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
    open_page(page, site_url, SHOT)
    wait_result(page)
    for _ in range(5):
        page.click("#inside-next")  # backward, layer 2
    page.click("[data-neuron='2,0']")
    page.click("#inside-matrices-box summary")
    page.wait_for_selector("[data-matrix='dZ2']")
    page.locator("#inside-panel").screenshot(path=str(out_dir / "inside.png"))
    assert errors == []
    context.close()


def test_screenshot_phone(browser, site_url, out_dir):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  has_touch=True, is_mobile=True)
    page = context.new_page()
    errors = watch_errors(page)
    open_page(page, site_url, SHOT)
    wait_result(page)
    for _ in range(3):
        page.tap("#inside-next")  # the loss
    page.locator("[data-neuron='3,0']").tap()
    page.locator("#inside-panel").scroll_into_view_if_needed()
    page.evaluate("document.querySelector('#inside-panel').scrollIntoView()")
    page.screenshot(path=str(out_dir / "inside-phone.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert errors == []
    context.close()

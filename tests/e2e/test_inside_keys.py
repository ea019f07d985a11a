"""Look inside on the 2-D page by keyboard and with typed values (issue 13, a newcomer's trial): the
keyboard rule both pages share (js/inside/stepper.js), and form values refused before they reach
the URL hash (the schema's rows, js/core/settings.js formValue). The helpers are
test_inside_page.py's."""

import pytest

from test_inside_page import open_by_keyboard, open_page, wait_result
from test_page_support import epoch, hash_params

pytestmark = pytest.mark.e2e


def active(page):
    """The focused element: its id, else its data-neuron."""
    return page.evaluate("() => document.activeElement.id || document.activeElement.dataset.neuron || ''")


def test_keyboard_only_escape_and_focus_as_on_the_mnist_page(page, site_url):
    """The shared keyboard rule (js/inside/stepper.js): opening the mode puts the focus in the panel
    so the arrows work at once; Escape closes a card, then the mode, and the focus is back on the
    Look inside button, from where the training controls are reached and work."""
    open_by_keyboard(page, site_url)
    page.wait_for_function("() => document.activeElement.id === 'inside-title'")
    page.keyboard.press("Tab")
    assert active(page) == "inside-close"
    page.keyboard.press("Tab")
    assert active(page) == "inside-x1"
    page.keyboard.type("0.5")
    page.keyboard.press("Tab")
    page.keyboard.type("-2")
    page.keyboard.press("Enter")
    wait_result(page)
    page.keyboard.press("Escape")  # from the x2 field: no card is open, the mode closes
    page.wait_for_selector("#inside-panel", state="hidden")
    assert active(page) == "inside-button"
    page.keyboard.press("Enter")  # again: the point is kept, the arrows step at once
    page.wait_for_function("() => document.activeElement.id === 'inside-title'")
    wait_result(page)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.get_attribute("#inside-panel", "data-position") == "2"
    page.keyboard.press("ArrowLeft")
    assert page.get_attribute("#inside-panel", "data-position") == "1"
    for _ in range(40):  # Tab to the first neuron of the diagram, open its card
        page.keyboard.press("Tab")
        if page.evaluate("() => !!document.activeElement.dataset.neuron"):
            break
    neuron = active(page)
    assert neuron
    page.keyboard.press("Enter")
    page.wait_for_selector("#inside-card:not([hidden])")
    page.keyboard.press("Escape")  # the card closes, the mode stays, the focus is on its neuron
    assert page.is_hidden("#inside-card") and page.is_visible("#inside-panel")
    assert active(page) == neuron
    page.keyboard.press("Escape")  # the mode closes
    page.wait_for_selector("#inside-panel", state="hidden")
    assert active(page) == "inside-button"
    assert hash_params(page).get("inside") in (None, "false", "0")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert active(page) == "play-button"
    start = epoch(page)
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => Number(document.getElementById('epoch').textContent.replace(/,/g, '')) > {start}",
                           timeout=120_000)
    page.keyboard.press("Enter")  # pause
    page.wait_for_function("() => document.getElementById('play-button').getAttribute('aria-pressed') === 'false'")



def test_refused_form_values_never_reach_the_address_and_are_said_in_plain_words(page, site_url):
    """x1, x2 and a regression's target value are checked by the schema's rows (insideX1, insideX2,
    insideLabel: −1,000 to 1,000) before they are written to the URL: a refused one is said in
    plain words, marked, and the address and the step keep the values in use."""
    open_page(page, site_url, "#problem=regression&regDataset=reg-plane&seed=2&inside=true&insideX1=1&insideX2=2")
    wait_result(page)
    for x1, x2, said in [("5000", "2", "x1 must be a number from −1,000 to 1,000. (The plot shows −6 to 6.)"),
                         ("1", "-1e6", "x2 must be a number from −1,000 to 1,000. (The plot shows −6 to 6.)"),
                         ("", "", "x1 must be a number from −1,000 to 1,000. x2 must be a number from −1,000 to 1,000."
                          " (The plot shows −6 to 6.)")]:
        page.fill("#inside-x1", x1)
        page.fill("#inside-x2", x2)
        page.press("#inside-x2", "Enter")
        assert page.inner_text("#inside-message") == said, (x1, x2)
        params = hash_params(page)
        assert (params["insideX1"], params["insideX2"]) == ("1", "2"), (x1, x2)
    assert page.get_attribute("#inside-x1", "aria-invalid") == "true"
    page.select_option("#inside-label", "value")
    page.fill("#inside-value", "0.25")
    page.press("#inside-value", "Enter")
    page.wait_for_function("() => window.nnpy.inside.result && window.nnpy.inside.result.label === 0.25")
    assert hash_params(page)["insideLabel"] == "0.25"
    page.fill("#inside-value", "12345")
    page.dispatch_event("#inside-value", "change")
    assert page.inner_text("#inside-message") == "The target value must be a number from −1,000 to 1,000."
    assert page.get_attribute("#inside-value", "aria-invalid") == "true"
    assert hash_params(page)["insideLabel"] == "0.25" and page.evaluate("window.nnpy.inside.result.label") == 0.25
    page.fill("#inside-x1", "-1.5")  # a good point: taken, the marks go
    page.fill("#inside-x2", "0.5")
    page.press("#inside-x2", "Enter")
    page.wait_for_function("() => new URLSearchParams(location.hash.slice(1)).get('insideX1') === '-1.5'")
    assert page.get_attribute("#inside-x1", "aria-invalid") is None
    # the seed field, by the same rule (the schema's seed row)
    page.fill("#seed", "-1")
    page.dispatch_event("#seed", "change")
    assert page.get_attribute("#seed", "aria-invalid") == "true" and hash_params(page)["seed"] == "2"
    assert "The seed must be a whole number from 0 to " in page.inner_text("body")

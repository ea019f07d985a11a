"""Look inside on the 2-D page by keyboard and with typed values (issue 13, a newcomer's trial): the
keyboard rule both pages share (js/inside/stepper.js), and form values refused before they reach
the URL hash (the schema's rows, js/core/settings.js formValue). The helpers are
test_inside_page.py's."""

import pytest

from test_inside_page import SETUP, open_page, wait_result
from test_page_support import epoch, hash_params

pytestmark = pytest.mark.e2e


def active(page):
    """The focused element: its id, else its data-neuron."""
    return page.evaluate("() => document.activeElement.id || document.activeElement.dataset.neuron || ''")


def test_keyboard_only_escape_and_focus_as_on_the_mnist_page(page, site_url):
    """The shared keyboard rule (js/inside/stepper.js): opening the mode puts the focus in the panel
    so the arrows work at once; Escape closes a card, then the mode, and the focus is back on the
    Look inside button, from where the training controls are reached and work."""
    open_page(page, site_url, SETUP)
    page.focus("#inside-button")
    page.keyboard.press("Enter")
    page.wait_for_selector("#inside-panel:not([hidden])")
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


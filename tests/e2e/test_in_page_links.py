"""In-page navigation is never read as a setup (issue 12, item 3).

A skip link ("Skip to the training controls") sets the address to "#play-button": the page must
move the focus there and keep everything: the setup in the address, the controls, the trained
network and its epoch, with no note about a bad link. On both pages, by keyboard, as a student does.
"""

import pytest

from test_mnist import READY
from test_page_support import epoch, hash_params, open_page, pause, wait_idle

pytestmark = pytest.mark.e2e

SETUP = "#dataset=spiral&learningRate=0.1&networkShape=6,4"


def notes_text(page):
    return page.inner_text("#notes") if page.is_visible("#notes") else ""


def skip(page, target):
    """Enter on the skip link (focused as by Tab from the top of the page); wait for the focus to move."""
    page.focus(".skip-link")
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.activeElement && document.activeElement.id === '{target}'")
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def test_the_skip_link_keeps_the_playgrounds_setup_and_trained_network(page, site_url):
    open_page(page, site_url, "index.html" + SETUP)
    setup = hash_params(page)
    assert setup["dataset"] == "spiral" and setup["networkShape"] == "6,4" and setup["learningRate"] == "0.1"

    # a student's first keys: Tab reaches the skip link, Enter follows it, Enter trains
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'play-button'")
    wait_idle(page)
    assert hash_params(page) == setup, "the address lost the setup"
    assert notes_text(page) == "", "the skip link was read as a link"
    assert page.locator(".net-nodes .node.hidden").count() == 10
    page.keyboard.press("Enter")
    page.wait_for_function("parseInt(document.getElementById('epoch').textContent.replace(/,/g, '')) >= 20", timeout=60_000)
    pause(page)

    # later, the skip link again: the trained network stays as it is
    before = {"epoch": epoch(page), "loss": page.inner_text("#test-loss")}
    skip(page, "play-button")
    wait_idle(page)
    assert hash_params(page) == setup
    assert notes_text(page) == ""
    assert epoch(page) == before["epoch"], "the trained network was thrown away"
    assert page.inner_text("#test-loss") == before["loss"]
    page.assert_no_errors()


def test_an_address_naming_an_element_is_no_bad_link(page, site_url):
    """Opening the page at an anchor (a bookmark of "#play-button") gives the defaults, no note."""
    open_page(page, site_url, "index.html#play-button")
    assert notes_text(page) == ""
    assert "=" in page.evaluate("location.hash"), "the address holds the setup again"
    page.assert_no_errors()


def test_the_skip_link_keeps_the_mnist_setup_and_trained_network(page, site_url):
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(site_url + "/mnist.html#networkShape=32&learningRate=0.05&epochs=1&digits=1000")
    page.wait_for_function(READY, timeout=180_000)
    page.wait_for_function("document.getElementById('train-status').textContent.endsWith('press Train.')")
    page.click("#train-button")
    page.wait_for_function(
        "document.getElementById('train-status').textContent.startsWith('Stopped after epoch 1')", timeout=120_000)
    before = {"hash": page.evaluate("location.hash"), "accuracy": page.inner_text("#test-acc"),
              "summary": page.inner_text("#net-summary")}

    skip(page, "train-button")

    assert page.evaluate("location.hash") == before["hash"]
    assert notes_text(page) == ""
    assert page.inner_text("#epoch") == "1 / 1", "the trained network was thrown away"
    assert page.inner_text("#test-acc") == before["accuracy"]
    assert page.inner_text("#net-summary") == before["summary"]
    assert page.inner_text("#train-status").startswith("Stopped after epoch 1")
    page.assert_no_errors()

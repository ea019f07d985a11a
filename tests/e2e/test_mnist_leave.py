"""Leaving the MNIST page mid-work: the trained network lives only in the page (kept.js keeps it
through a Python restart, not through a closed tab), so the browser's own "Leave site?" asks first
while steps were trained since the last export, and never when nothing would be lost."""

import pytest

from test_mnist import READY

pytestmark = pytest.mark.e2e

SETUP = "#networkShape=16&digits=1000&epochs=1"
ASKS = "!window.dispatchEvent(new Event('beforeunload', {cancelable: true}))"   # the page's handler said "ask"
STOPPED_AFTER_TRAINING = "document.getElementById('train-status').textContent.startsWith('Stopped')"


def test_leaving_asks_only_while_trained_work_is_unexported(browser, site_url):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.goto(site_url + "/mnist.html" + SETUP)
    page.wait_for_function(READY, timeout=240_000)
    assert not page.evaluate(ASKS)   # untrained: nothing to lose
    page.click("#train-button")
    page.wait_for_function(STOPPED_AFTER_TRAINING, timeout=240_000)
    assert page.evaluate(ASKS)
    with page.expect_event("dialog") as info:   # a real close: the browser's own dialog
        page.close(run_before_unload=True)
    assert info.value.type == "beforeunload"
    info.value.dismiss()   # "Stay": the page and its network are still there
    assert not page.is_closed() and page.evaluate(ASKS)
    with page.expect_download():
        page.click("#export-model")
    page.wait_for_function(f"!({ASKS})")   # exported: leaving loses nothing
    page.click("#train-button")            # trained on after the export: it asks again
    page.wait_for_function(f"!document.getElementById('train-button').classList.contains('playing') && {ASKS}",
                           timeout=240_000)
    context.close()

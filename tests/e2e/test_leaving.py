"""Leaving a page that holds work kept nowhere else asks first, with the browser's own "Leave
site?" dialog (web/js/core/leave.js), and only then:

- the MNIST page, while steps were trained since the last export (its network lives only in the
  page: kept.js keeps it through a Python restart, not through a closed tab);
- the 2-D page, while points added or removed by hand were not downloaded as CSV since (they are
  in no link; its network is: the link's seed retrains it, the same run).

A person's click comes first in each test: Chromium asks only on a page the person has used.
Playwright accepts a beforeunload dialog that no listener answers, so the other modules' tests
leave trained pages without a word; here each dialog is answered, and counted, by the test.
"""

import pytest

from test_mnist import READY
from test_page_support import open_page, point_count, wait_idle

pytestmark = pytest.mark.e2e

ASKS = "!window.dispatchEvent(new Event('beforeunload', {cancelable: true}))"   # the page's handler says "ask"
STOPPED_AFTER = "document.getElementById('train-status').textContent.startsWith('Stopped after epoch {}:')"


def stay(page):
    """Close the tab as a person does and press "Stay" in the dialog that must come."""
    with page.expect_event("dialog") as info:
        page.close(run_before_unload=True)
    assert info.value.type == "beforeunload"
    info.value.dismiss()
    assert not page.is_closed()


def leave_for(page, url):
    """Go to url as a person following a link does, pressing "Leave" if asked; the dialogs seen."""
    seen = []

    def leave(dialog):
        seen.append(dialog.type)
        dialog.accept()
    page.on("dialog", leave)
    page.goto(url)
    page.remove_listener("dialog", leave)
    return seen


def test_the_mnist_page_asks_while_trained_work_is_not_exported(page, site_url, blank_url):
    page.goto(site_url + "/mnist.html#networkShape=16&digits=1000&epochs=1")
    page.wait_for_function(READY, timeout=120_000)
    assert not page.evaluate(ASKS)   # untrained: nothing to lose
    page.click("#train-button")
    page.wait_for_function(STOPPED_AFTER.format(1), timeout=120_000)
    assert page.evaluate(ASKS)
    stay(page)   # the page and its trained network are still there: the engine exports epoch 1
    with page.expect_download() as info:
        page.click("#export-model")
    assert info.value.suggested_filename == "nnpy-mnist-784-16-10-epoch1.nnpy"
    page.wait_for_function(f"!({ASKS})")   # exported: leaving loses nothing
    page.click("#train-button")            # trained on after the export: it asks again
    page.wait_for_function(STOPPED_AFTER.format(2), timeout=120_000)
    assert page.evaluate(ASKS)
    with page.expect_download() as info:
        page.click("#export-model")
    assert info.value.suggested_filename == "nnpy-mnist-784-16-10-epoch2.nnpy"
    page.wait_for_function(f"!({ASKS})")
    page.assert_no_errors()
    assert leave_for(page, blank_url) == [] and page.url == blank_url   # a real departure: no dialog


def test_the_playground_asks_while_points_added_by_hand_are_not_downloaded(page, site_url, blank_url):
    open_page(page, site_url, "#dataset=xor")
    assert not page.evaluate(ASKS)   # the link holds everything
    n = point_count(page)
    page.check('input[name="edit-mode"][value="add"]')
    box = page.locator(".heatmap-canvas").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
    wait_idle(page)
    assert point_count(page) == n + 1 and page.evaluate(ASKS)
    stay(page)
    assert point_count(page) == n + 1 and "edited" in page.inner_text("#data-source")
    with page.expect_download() as info:
        page.click("#csv-download")
    assert len(open(info.value.path()).read().strip().split("\n")) == n + 2   # the header and every point
    page.wait_for_function(f"!({ASKS})")   # downloaded: leaving loses nothing
    page.mouse.click(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.3)
    wait_idle(page)
    assert point_count(page) == n + 2 and page.evaluate(ASKS)
    page.assert_no_errors()
    assert leave_for(page, blank_url) == ["beforeunload"] and page.url == blank_url   # "Leave" leaves

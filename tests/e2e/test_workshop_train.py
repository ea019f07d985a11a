"""Train with my framework, in Chromium: every workshop step filled with a student's correct code,
the 2-D playground trains the spiral on it to >= 90 % test accuracy; a student's function that
fails mid-training is named and the page leads back to its step; a link alone runs nnpy."""

from nnpy.browser.workshop_solutions import SOLUTIONS
from tests.e2e.test_page_support import FIRST_PICTURE, percent, train_until
from tests.e2e.test_workshop_page import _open, put_code

ALL = "#prefill=" + ",".join(name[:-3] for name in SOLUTIONS)


def _train_mine(page, site_url, layers_code=None):
    page.on("dialog", lambda d: d.accept())   # "not passed its checks yet: train all the same?"
    _open(page, site_url, ALL)
    if layers_code:
        page.click('#step-list button[data-step="layers"]')
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


def test_a_link_alone_trains_on_nnpy(page, site_url):
    """The student's code is in this browser, but a new tab opened by a link never runs it."""
    _open(page, site_url, ALL)
    other = page.context.new_page()
    other.goto(f"{site_url}/index.html#dataset=spiral")
    other.wait_for_function(FIRST_PICTURE, timeout=300_000)
    assert other.locator("#my-framework").is_hidden()
    assert other.evaluate("sessionStorage.getItem('nnpy.workshop.train')") is None

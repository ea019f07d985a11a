"""The README's screenshots of the playground, taken from the real page after real training.

    NNPY_UPDATE_DOCS=1 python -m pytest tests/e2e/test_page_screenshots.py   # rewrites docs/*.png

Without NNPY_UPDATE_DOCS the screenshots go to a temporary directory, so the test suite checks
that they can be made (the page trains, nothing overflows) without touching docs/.
"""

import os
import struct
from pathlib import Path

import pytest

from test_page_support import open_page, percent, train_until, watch_errors

pytestmark = pytest.mark.e2e

DOCS = Path(__file__).resolve().parents[2] / "docs"
SPIRAL3 = ("#dataset=spiral&classes=3&networkShape=16,16,16&activations=relu,relu,relu"
           "&optimizer=adam&learningRate=0.003&showTestData=true&seed=1")
SPIRAL2 = ("#dataset=spiral&networkShape=8,8,5&activations=tanh,tanh,tanh&learningRate=0.03"
           "&x=true&y=true&xSquared=true&ySquared=true&sinX=true&sinY=true&seed=1")


@pytest.fixture
def out_dir(tmp_path):
    return DOCS if os.environ.get("NNPY_UPDATE_DOCS") == "1" else tmp_path


def png_size(path):
    data = Path(path).read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_desktop_screenshot_after_training_the_spiral(browser, site_url, out_dir):
    context = browser.new_context(viewport={"width": 1360, "height": 980})
    page = context.new_page()
    errors = watch_errors(page)
    open_page(page, site_url, SPIRAL3)
    train_until(page, lambda p: percent(p, "#test-acc") >= 96 and int(p.inner_text("#epoch").replace(",", "")) >= 300,
                timeout=150, what="96 % test accuracy after 300 epochs")
    page.mouse.move(0, 0)
    path = out_dir / "playground-spiral.png"
    page.screenshot(path=str(path), full_page=True)
    width, height = png_size(path)
    assert width == 1360 and height >= 980
    assert errors == []
    context.close()


def test_phone_screenshot(browser, site_url, out_dir):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  has_touch=True, is_mobile=True)
    page = context.new_page()
    errors = watch_errors(page)
    open_page(page, site_url, SPIRAL2)
    train_until(page, lambda p: percent(p, "#test-acc") >= 90, timeout=120, what="90 % test accuracy")
    page.evaluate("window.scrollTo(0, 0)")
    path = out_dir / "playground-phone.png"
    page.screenshot(path=str(path))
    assert png_size(path) == (780, 1688)
    assert errors == []
    context.close()

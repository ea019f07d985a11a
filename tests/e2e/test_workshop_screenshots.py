"""The README's screenshots of the workshop (desktop and phone), from the real page after a real check.

    NNPY_UPDATE_DOCS=1 python -m pytest tests/e2e/test_workshop_screenshots.py   # rewrites docs/workshop*.png

Without NNPY_UPDATE_DOCS they go to a temporary directory: the suite checks they can be made and
that nothing is wider than the phone's screen.
"""

import os
from pathlib import Path

import pytest

from nnpy.browser.workshop_solutions import SOLUTIONS
from tests.e2e.test_workshop_page import _open, check, put_code

DOCS = Path(__file__).resolve().parents[2] / "docs"
BAD = SOLUTIONS["activations.py"].replace("return 1 - np.tanh(z) ** 2", "return 1 - np.tanh(z)")


@pytest.fixture
def out_dir(tmp_path):
    return DOCS if os.environ.get("NNPY_UPDATE_DOCS") == "1" else tmp_path


@pytest.mark.parametrize("name,size", [("workshop.png", (1280, 1000)), ("workshop-phone.png", (390, 844))])
def test_workshop_screenshot(browser, site_url, out_dir, name, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]},
                                  device_scale_factor=1 if size[0] > 600 else 2)
    page = context.new_page()
    _open(page, site_url)
    put_code(page, BAD)
    assert "1 of 7 checks fail" in check(page)
    # the failed check (numeric and yours side by side) in view, below the editor's last lines
    page.evaluate("document.querySelector('.check.failed').scrollIntoView({ block: 'end' }); scrollBy(0, 24)")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), "wider than the screen"
    page.screenshot(path=str(out_dir / name))
    assert (out_dir / name).stat().st_size > 10_000
    context.close()

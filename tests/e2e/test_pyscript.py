"""blog.html: Python with nnpy in a blog post through PyScript, offline from dist/.

The real thing end to end: PyScript from vendor/pyscript/, the self-hosted Pyodide named by
dist/pyscript.json, numpy and the nnpy wheel installed by PyScript, the code cell run on the main
thread, the decision boundary drawn on a canvas.

``NNPY_UPDATE_DOCS=1 pytest tests/e2e/test_pyscript.py`` writes its screenshots to
docs/pyscript.png and docs/pyscript-phone.png (otherwise to a temporary directory), as the
playground's screenshot tests do.
"""

import json
import os
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"

BOOT_TIMEOUT_MS = 180_000  # Pyodide + numpy + nnpy + the example's 350 epochs, on a busy 2-core machine
RUN_TIMEOUT_MS = 120_000

# Mean colour of the canvas in four quadrants, and the share of blue-ish and orange-ish pixels.
CANVAS_STATS = """id => {
  const c = document.getElementById(id);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const stats = (x0, y0, x1, y1) => {
    let blue = 0, orange = 0, n = 0;
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) {
      const i = (y * c.width + x) * 4, r = d[i], b = d[i + 2];
      if (b > r + 40) blue++; else if (r > b + 40) orange++;
      n++;
    }
    return {blue: blue / n, orange: orange / n};
  };
  const w = c.width, h = c.height, m = Math.round(w * 0.1);  // keep 10 % away from the axes
  return {
    all: stats(0, 0, w, h),
    q1: stats(w / 2 + m, m, w - m, h / 2 - m),    // x1 > 0, x2 > 0 (top right)
    q2: stats(m, m, w / 2 - m, h / 2 - m),        // x1 < 0, x2 > 0
    q3: stats(m, h / 2 + m, w / 2 - m, h - m),    // x1 < 0, x2 < 0
    q4: stats(w / 2 + m, h / 2 + m, w - m, h - m) // x1 > 0, x2 < 0
  };
}"""

CELL_FINISHED = "document.body.dataset.cell === 'done' || document.body.dataset.cell === 'error'"


@pytest.fixture(scope="module")
def post(module_page, site_url):
    """blog.html after it has loaded Python and run its example once (it runs it on load)."""
    page = module_page
    page.requests = []
    page.on("request", lambda r: page.requests.append(r.url))
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(site_url + "/blog.html")
    page.wait_for_function(CELL_FINISHED, timeout=BOOT_TIMEOUT_MS)
    return page


def run_cell(page, code):
    """Replace the cell's code, press Run, wait until it has finished; return the output text."""
    page.fill("#code", code)
    page.evaluate("document.body.dataset.cell = 'edited'")
    page.click("#run")
    page.wait_for_function(CELL_FINISHED, timeout=RUN_TIMEOUT_MS)
    return page.inner_text("#output")


def test_pyscript_config_names_the_built_wheel():
    info = json.loads((DIST / "build-info.json").read_text())
    config = json.loads((DIST / "pyscript.json").read_text())
    assert "./" + info["wheel"] in config["packages"]
    assert "numpy" in config["packages"]
    if not info["cdn"]:
        assert config["interpreter"] == "./pyodide/pyodide.mjs"
        assert (DIST / "pyodide" / "pyodide.mjs").is_file()


def test_example_prints_summary_and_trains_xor_and_spiral(post):
    assert post.evaluate("document.body.dataset.cell") == "done", post.inner_text("#output")
    out = post.inner_text("#output")
    assert "Model: SequentialModel" in out
    assert "0: Dense (tanh)" in out and "2: Dense (softmax)" in out
    assert "Total params: 114" in out  # 2*8+8 + 8*8+8 + 8*2+2
    assert re.search(r"^XOR: +loss 0\.0\d\d, accuracy 100%$", out, re.M), out
    spiral = [line for line in out.splitlines() if line.startswith("Spiral:")]
    assert len(spiral) == 1
    assert int(spiral[0].rsplit(" ", 1)[1].rstrip("%")) >= 95, spiral
    assert post.inner_text("#status") == "Done."
    assert post.is_enabled("#run")


def test_xor_boundary_is_drawn_blue_where_signs_agree(post):
    s = post.evaluate(CANVAS_STATS, "xor")
    # class 1 (blue) where x1 * x2 >= 0: quadrants I and III; class 0 (orange) in II and IV
    for q in ("q1", "q3"):
        assert s[q]["blue"] > 0.9, s
    for q in ("q2", "q4"):
        assert s[q]["orange"] > 0.9, s


def test_spiral_boundary_is_drawn_with_both_classes(post):
    s = post.evaluate(CANVAS_STATS, "spiral")
    assert s["all"]["blue"] > 0.3 and s["all"]["orange"] > 0.3, s
    assert s["all"]["blue"] + s["all"]["orange"] > 0.95, s  # painted everywhere: nothing left blank


def test_page_loaded_only_from_its_own_site_and_logged_no_errors(post, site_url):
    foreign = [u for u in post.requests if not u.startswith((site_url + "/", "data:", "blob:"))]
    assert foreign == []
    assert any(u.endswith("/pyodide/pyodide.asm.wasm") for u in post.requests)
    assert any("/wheels/nnpy-" in u and u.endswith(".whl") for u in post.requests)
    post.assert_no_errors()


def test_editing_the_cell_and_running_again_changes_output_and_picture(post):
    before = post.evaluate(CANVAS_STATS, "xor")
    code = post.input_value("#code")
    # drop XOR's middle layer, train it only 5 epochs, and make the first layer say relu
    edited = code.replace('    DenseLayer(8, 8, "tanh"),\n', "", 1) \
                 .replace('DenseLayer(2, 8, "tanh")', 'DenseLayer(2, 8, "relu")', 1) \
                 .replace("for step in range(10):", "for step in range(1):", 1)
    edited = edited[:edited.index("# Two spiral arms")]  # and skip the spiral
    assert edited != code
    out = run_cell(post, edited)
    assert post.evaluate("document.body.dataset.cell") == "done", out
    assert "0: Dense (relu)" in out
    assert "Total params: 42" in out  # 2*8+8 + 8*2+2
    assert "Spiral:" not in out
    assert "114" not in out
    after = post.evaluate(CANVAS_STATS, "xor")
    assert after != before  # 5 epochs from a fresh model: a different picture


def test_an_error_in_the_cell_is_shown_with_its_line(post):
    out = run_cell(post, "from nnpy import make_dataset\nX, y = make_dataset('xor')\nprint('ok so far')\nundefined_name + 1\n")
    assert post.evaluate("document.body.dataset.cell") == "error"
    assert "ok so far" in out
    assert "NameError: name 'undefined_name' is not defined" in out
    assert 'File "<cell>", line 4' in out
    assert "eval_code_async" not in out  # the runner's own frames are not shown
    assert post.inner_text("#status").startswith("Stopped by an error")
    # an unknown dataset: nnpy's own message reaches the reader
    out = run_cell(post, "from nnpy import make_dataset\nmake_dataset('spirall')\n")
    assert "unknown dataset 'spirall'" in out
    # and a good cell runs again after errors
    out = run_cell(post, "import nnpy\nprint('nnpy', nnpy.__version__)\n")
    assert post.evaluate("document.body.dataset.cell") == "done"
    import nnpy
    assert out.strip() == "nnpy " + nnpy.__version__


def test_ctrl_enter_in_the_cell_runs_it(post):
    post.fill("#code", "print(6 * 7)\n")
    post.evaluate("document.body.dataset.cell = 'edited'")
    post.focus("#code")
    post.keyboard.press("Control+Enter")
    post.wait_for_function(CELL_FINISHED, timeout=RUN_TIMEOUT_MS)
    assert post.inner_text("#output").strip() == "42"
    assert post.input_value("#code") == "print(6 * 7)\n"  # the key ran the cell, it typed no newline


def test_the_post_fits_a_phone_and_a_desktop_and_screenshots(browser, site_url, tmp_path):
    docs = ROOT / "docs" if os.environ.get("NNPY_UPDATE_DOCS") == "1" else tmp_path
    for name, options in (("pyscript.png", {"viewport": {"width": 1100, "height": 1880}}),
                          ("pyscript-phone.png", {"viewport": {"width": 390, "height": 844},
                                                  "device_scale_factor": 2, "is_mobile": True,
                                                  "has_touch": True})):
        context = browser.new_context(**options)
        page = context.new_page()
        page.goto(site_url + "/blog.html")
        page.wait_for_function("document.body.dataset.cell === 'done'", timeout=BOOT_TIMEOUT_MS)
        if name == "pyscript-phone.png":
            page.evaluate("document.querySelector('.figures').scrollIntoView()")
            page.evaluate("scrollBy(0, -120)")
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        page.screenshot(path=str(docs / name))
        assert (docs / name).stat().st_size > 10_000  # a picture of the post, not a blank page
        context.close()

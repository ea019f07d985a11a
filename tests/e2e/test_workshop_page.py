"""The workshop page in Chromium: code typed by keyboard passes a step and survives a reload and
a new browser context (through the exported progress file); an endless loop is stopped while the
page keeps answering; tracebacks lead to the student's line; a teacher's link pre-fills steps;
the downloaded framework passes its own pytest in CPython."""

import io
import subprocess
import sys
import zipfile

import pytest

from nnpy.browser.workshop_solutions import SOLUTIONS
from nnpy.browser.workshop_skeletons import SKELETONS

LIMIT_S = 15   # main.js TIME_LIMIT_MS


def _open(page, site_url, hash_=""):
    page.goto(f"{site_url}/workshop.html{hash_}")
    page.wait_for_function("window.nnpyWorkshop && window.nnpyWorkshop.ready", timeout=120_000)


def type_code(page, text):
    """Type `text` into the editor key by key; the editor's auto-indent is replaced by the line's own."""
    page.click(".cm-content")
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    for i, line in enumerate(text.split("\n")):
        if i:
            page.keyboard.press("Escape")   # close a completion popup, or Enter would accept it
            page.keyboard.press("Enter")
            page.keyboard.press("Shift+Home")   # select the auto-indent: typing replaces it
            if not line:
                page.keyboard.press("Delete")   # (the cursor is at the end: no selection, nothing to delete)
        page.keyboard.type(line)


def put_code(page, text):
    """Paste-like insertion (for code that is not what a test is about)."""
    page.click(".cm-content")
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(text)


def check(page, timeout=120_000):
    runs = page.evaluate("nnpyWorkshop.runs")
    page.click("#check")
    page.wait_for_function(f"window.nnpyWorkshop.runs > {runs}", timeout=timeout)
    return page.inner_text("#status")


def test_typed_code_passes_survives_a_reload_and_moves_to_a_new_context(browser, site_url, tmp_path):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    _open(page, site_url)
    assert page.evaluate("nnpyWorkshop.editorKind") == "codemirror"
    first = check(page)
    assert "7 of 7 checks fail" in first
    assert "relu(z) is not written yet: TODO" in page.inner_text("#results")

    type_code(page, SOLUTIONS["activations.py"])
    assert page.evaluate("nnpyWorkshop.text") == SOLUTIONS["activations.py"]
    assert "All 7 checks of activations.py pass" in check(page)
    assert page.locator('#step-list button[data-step="activations"] .tick').inner_text() == "✓"

    page.reload()
    page.wait_for_function("window.nnpyWorkshop && window.nnpyWorkshop.ready", timeout=120_000)
    assert page.evaluate("nnpyWorkshop.text") == SOLUTIONS["activations.py"]
    assert page.locator('#step-list button[data-step="activations"] .tick').inner_text() == "✓"

    with page.expect_download() as info:
        page.click("#export-progress")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name == "nnpy-workshop-progress.json"
    context.close()

    fresh = browser.new_context()
    page = fresh.new_page()
    _open(page, site_url)
    assert page.evaluate("nnpyWorkshop.text") == SKELETONS["activations"]
    page.set_input_files("#progress-file", str(path))
    page.wait_for_function("document.getElementById('status').textContent.includes('Nothing was run')")
    assert page.evaluate("nnpyWorkshop.text") == SOLUTIONS["activations.py"]
    assert page.locator('#step-list button[data-step="activations"] .tick').inner_text() == "✓"
    assert page.inner_text("#results") == ""    # imported, not run
    assert "All 7 checks of activations.py pass" in check(page)
    fresh.close()


def test_an_endless_loop_is_stopped_and_the_page_keeps_answering(page, site_url):
    _open(page, site_url)
    looping = SKELETONS["activations"].replace(
        '    raise NotImplementedError("TODO: return np.maximum(z, 0)")', "    while True:\n        pass")
    put_code(page, looping)
    page.click("#check")
    page.wait_for_function("window.nnpyWorkshop.running")
    # the page answers while Python loops: switch steps and back
    page.click('#step-list button[data-step="losses"]')
    assert page.inner_text("#step-file") == "losses.py"
    page.click('#step-list button[data-step="activations"]')
    assert page.inner_text("#step-file") == "activations.py"
    page.wait_for_function("!window.nnpyWorkshop.running", timeout=(LIMIT_S + 60) * 1000)
    status = page.inner_text("#status")
    assert f"Stopped after {LIMIT_S} s" in status and "your code is kept" in status
    assert page.evaluate("nnpyWorkshop.text") == looping
    # Python restarted: the next check runs (and the Stop button ends one at once)
    page.click("#check")
    page.wait_for_function("window.nnpyWorkshop.running")
    page.click("#stop")
    page.wait_for_function("!window.nnpyWorkshop.running", timeout=30_000)
    assert "Stopped." in page.inner_text("#status")
    put_code(page, SOLUTIONS["activations.py"])
    assert "All 7 checks" in check(page)
    page.assert_no_errors() if hasattr(page, "assert_no_errors") else None


def test_after_a_check_the_focus_is_on_the_results_and_an_import_waits_for_a_running_check(browser, site_url, tmp_path):
    """Check is disabled while it runs, which dropped the keyboard's focus to the page: it lands on
    the results (tabindex=-1). A progress file imported while the student's check loops forever
    waits for the check to end (Python is busy); nothing the student wrote is lost (Undo), and the
    page answers all along."""
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    _open(page, site_url, "#prefill=activations")
    page.focus("#check")
    runs = page.evaluate("nnpyWorkshop.runs")
    page.keyboard.press("Enter")
    page.wait_for_function(f"window.nnpyWorkshop.runs > {runs}", timeout=120_000)
    assert "All 7 checks of activations.py pass" in page.inner_text("#status")
    assert page.evaluate("document.activeElement.id") == "results"
    page.keyboard.press("Tab")   # from the results, on through the page
    assert page.evaluate("document.activeElement.id") != "results"
    with page.expect_download() as info:
        page.click("#export-progress")
    saved = tmp_path / "progress.json"
    info.value.save_as(saved)

    looping = SOLUTIONS["activations.py"].replace("    return np.maximum(z, 0)", "    while True:\n        pass") + "# mine\n"
    put_code(page, looping)
    page.click("#check")
    page.wait_for_function("window.nnpyWorkshop.running")
    page.set_input_files("#progress-file", str(saved))
    page.wait_for_function("document.getElementById('status').textContent.includes('is loaded when the check of activations.py ends')")
    assert page.evaluate("nnpyWorkshop.text") == looping   # nothing replaced while Python is busy
    page.click('#step-list button[data-step="losses"]')    # the page answers
    assert page.inner_text("#step-file") == "losses.py"
    page.click('#step-list button[data-step="activations"]')
    page.wait_for_function("document.getElementById('status').textContent.includes('Nothing was run')",
                           timeout=(LIMIT_S + 120) * 1000)
    assert page.evaluate("nnpyWorkshop.text") == SOLUTIONS["activations.py"]
    page.get_by_role("button", name="Undo").click()   # what the student had typed is back
    assert page.evaluate("nnpyWorkshop.text") == looping
    assert "before the import" in page.inner_text("#status")
    context.close()


def test_a_traceback_leads_to_the_students_line_and_reset_has_undo(page, site_url):
    _open(page, site_url)
    bad = SOLUTIONS["activations.py"].replace("return np.maximum(z, 0)", "return z.no_such_thing")
    put_code(page, bad)
    check(page)
    line = bad.split("\n").index("    return z.no_such_thing") + 1
    frame = page.locator(".frame-link", has_text=f"activations.py, line {line}").first
    assert "AttributeError" in page.inner_text("#results")
    frame.click()
    assert page.evaluate("nnpyWorkshop.cursorLine") == line

    page.click("#reset-step")
    assert page.evaluate("nnpyWorkshop.text") == SKELETONS["activations"]
    page.get_by_role("button", name="Undo").click()
    assert page.evaluate("nnpyWorkshop.text") == bad


def test_a_bad_progress_file_changes_nothing(page, site_url, tmp_path):
    _open(page, site_url)
    put_code(page, SOLUTIONS["activations.py"])
    bad = tmp_path / "progress.json"
    bad.write_text('{"format": "nnpy-workshop-progress", "version": 1, "code": {"activations": 5}}')
    page.set_input_files("#progress-file", str(bad))
    page.wait_for_function("document.getElementById('status').textContent.includes('was not loaded')")
    assert "is not text" in page.inner_text("#status") and "Nothing changed" in page.inner_text("#status")
    assert page.evaluate("nnpyWorkshop.text") == SOLUTIONS["activations.py"]


def test_a_teachers_link_prefills_and_hides_the_comparison(page, site_url):
    _open(page, site_url, "#step=model&prefill=activations,losses,layers&compare=false&colour=red")
    assert page.inner_text("#step-file") == "model.py"
    assert "colour" in page.inner_text("#notes")
    code = page.evaluate("nnpyWorkshop.state.code")
    assert code["layers"] == SOLUTIONS["layers.py"] and "model" not in code
    assert page.inner_text("#results") == ""    # pre-filled, nothing run
    put_code(page, SOLUTIONS["model.py"])
    assert "All 4 checks of model.py pass" in check(page)
    assert page.locator("#compare").is_hidden()


def test_compare_shows_nnpys_own_code(page, site_url):
    _open(page, site_url, "#prefill=activations")
    assert "All 7 checks" in check(page)
    page.click("#compare")  # the panel opens when the engine has sent nnpy's source
    page.wait_for_selector("#compare-panel .compare-part", state="visible", timeout=60_000)
    text = page.inner_text("#compare-panel")
    assert "def relu_deriv(z):" in text and "nnpy.activations" in text
    assert page.evaluate("document.activeElement.id") == "compare-title"
    page.keyboard.press("Escape")    # closes it, as Close does, and the focus goes back
    assert page.locator("#compare-panel").is_hidden()
    assert page.evaluate("document.activeElement.id") == "compare"


def test_the_downloaded_framework_passes_pytest_in_cpython(browser, site_url, tmp_path):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    _open(page, site_url, "#prefill=" + ",".join(s[:-3] for s in SOLUTIONS))
    with page.expect_download() as info:
        page.click("#download-framework")
    data = open(info.value.path(), "rb").read()
    context.close()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        z.extractall(tmp_path)
    folder = tmp_path / "my_framework"
    assert (folder / "layers.py").read_text() == SOLUTIONS["layers.py"]
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_my_framework.py"],
                          cwd=folder, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert " passed" in proc.stdout

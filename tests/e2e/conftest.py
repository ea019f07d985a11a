"""Browser-test fixtures: the built dist/ served on a free localhost port, a real Chromium.

Chromium is, in order: ``$NNPY_CHROMIUM``; Playwright's own install if present; ``/usr/bin/chromium``.
``bash test.sh`` builds dist/ and installs Chromium where none is present.

Fixtures:
    site_url   base URL of the served dist/ (no trailing slash)
    browser    one headless Chromium for the session
    page       a fresh page; ``page.errors`` collects console errors and uncaught page errors,
               ``page.assert_no_errors()`` fails the test if there were any
    blank_url  a test-only empty HTML page on the same origin (to import js/core/engine.js alone)
    fail_next_request   make the server fail the next request for a path with HTTP 503
    module_page         like page, shared by one module's tests
    files_context       a browser context shared by one module's tests that takes downloads and
                        may read and write the clipboard

Pages with work kept nowhere else ask before being left (web/js/core/leave.js). Playwright accepts
a "beforeunload" dialog that no "dialog" listener answers (and page.close() and context.close() run
no beforeunload handler), so tests leave such pages by goto or close without a word; a test that
adds its own "dialog" listener answers that dialog too (test_leaving.py does, on purpose).
"""

import os
import sys
import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"
sys.path.insert(0, str(ROOT))
import build  # noqa: E402  (the same handler `python build.py serve` uses)

CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-quic", "--no-first-run",
]
BLANK_PATH = "/__e2e__/blank.html"
BLANK_HTML = b"<!doctype html><meta charset=utf-8><title>nnpy e2e</title><link rel=icon href=data:,>"


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)


class _Handler(build.SiteHandler):
    """build.py's handler, plus one empty page for tests that drive js/core/engine.js on its own, plus
    a switch to fail the next request for a path (to test what the page does when loading fails)."""

    fail_once = set()
    lock = threading.Lock()

    def do_GET(self):
        path = self.path.split("?")[0]
        with self.lock:
            fail = path in self.fail_once
            self.fail_once.discard(path)
        if fail:
            self.send_error(503, "failed on purpose by the e2e test server")
        elif path == BLANK_PATH:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(BLANK_HTML)))
            self.end_headers()
            self.wfile.write(BLANK_HTML)
        else:
            super().do_GET()


@pytest.fixture(scope="session")
def site_url():
    if not (DIST / "build-info.json").is_file():
        pytest.fail("%s is not built (no build-info.json): run `python build.py` or `bash test.sh`" % DIST,
                    pytrace=False)
    server = build.make_server(DIST, "127.0.0.1", 0, quiet=True, handler=_Handler)
    thread = threading.Thread(target=server.serve_forever, name="dist-server", daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_port
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def blank_url(site_url):
    return site_url + BLANK_PATH


@pytest.fixture
def fail_next_request():
    """``fail_next_request("/build-info.json")``: the server answers that path's next GET with 503."""
    def fail(path):
        with _Handler.lock:
            _Handler.fail_once.add(path)
    yield fail
    with _Handler.lock:
        _Handler.fail_once.clear()


def chromium_executable(playwright):
    """The Chromium to drive, and where it came from."""
    override = os.environ.get("NNPY_CHROMIUM")
    if override:
        if not Path(override).is_file():
            pytest.fail("NNPY_CHROMIUM=%s does not exist" % override, pytrace=False)
        return override, "NNPY_CHROMIUM"
    try:
        own = playwright.chromium.executable_path
    except Exception:  # older Playwright raises when its browser is not installed
        own = None
    if own and Path(own).is_file():
        return own, "Playwright's own install"
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium", "Debian chromium"
    pytest.fail("no Chromium: set NNPY_CHROMIUM, run `playwright install chromium`, or "
                "`apt-get install chromium` (bash test.sh does this when it can)", pytrace=False)


@pytest.fixture(scope="session")
def playwright_instance():
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):
    path, _source = chromium_executable(playwright_instance)
    browser = playwright_instance.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS, headless=True)
    yield browser
    browser.close()


def _watch(page):
    page.errors = []
    page.on("console", lambda msg: page.errors.append("console.%s: %s" % (msg.type, msg.text))
            if msg.type == "error" else None)
    page.on("pageerror", lambda err: page.errors.append("pageerror: %s" % err))

    def assert_no_errors():
        assert page.errors == [], "errors in the page:\n" + "\n".join(page.errors)
    page.assert_no_errors = assert_no_errors
    return page


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = _watch(context.new_page())
    yield page
    context.close()


@pytest.fixture(scope="module")
def module_page(browser):
    """One page shared by a module's tests (for state that is slow to build, like a started engine)."""
    context = browser.new_context()
    page = _watch(context.new_page())
    yield page
    context.close()


@pytest.fixture(scope="module")
def second_module_page(browser):
    """A second shared page, for a module whose tests use two pages that must not share a tab."""
    context = browser.new_context()
    page = _watch(context.new_page())
    yield page
    context.close()


@pytest.fixture(scope="module")
def files_context(browser):
    """A context for one module's tests of downloads and copying: downloads on, clipboard allowed."""
    context = browser.new_context(accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    yield context
    context.close()

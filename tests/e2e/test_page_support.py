"""Helpers for the playground page's browser tests (test_page*.py); this module holds no tests.

Everything here reads what a person sees: the epoch counter, the numbers under "Output", the
pixels of the main view, the URL, the messages.
"""

import re
import time

FIRST_PICTURE = "performance.getEntriesByName('nnpy:first-snapshot').length > 0"
ENGINE_TIMEOUT_MS = 180_000  # Pyodide boots in 80 s when eight engineers share two cores

# The heatmap's plot area, sampled: [r, g, b] of every 4th pixel of every 4th row.
HEATMAP_PIXELS = """() => {
    const c = document.querySelector('.heatmap-canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const out = [];
    for (let y = 0; y < c.height; y += 4) for (let x = 0; x < c.width; x += 4) {
        const i = (y * c.width + x) * 4;
        out.push(d[i], d[i + 1], d[i + 2]);
    }
    return out;
}"""


def open_page(page, site_url, hash_=""):
    """Load the playground and wait for its first picture of the network."""
    page.goto(site_url + "/" + hash_)
    page.wait_for_function(FIRST_PICTURE, timeout=ENGINE_TIMEOUT_MS)
    return page


def set_hash(page, hash_):
    """Change the setup the way a person pasting a link in the same tab does; wait for the picture."""
    pause(page)
    # the page's own hashchange listener runs first; this one resolves after it
    page.evaluate("""h => new Promise(done => {
        addEventListener('hashchange', () => setTimeout(done, 0), { once: true });
        location.hash = h;
    })""", hash_)
    wait_idle(page)


def wait_idle(page, timeout=20):
    """Wait until the engine has answered everything the page asked (no call pending)."""
    page.wait_for_function("() => window.nnpy && window.nnpy.engine._pending.size === 0", timeout=timeout * 1000)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def epoch(page):
    return int(page.inner_text("#epoch").replace(",", ""))


def percent(page, selector):
    text = page.inner_text(selector)
    m = re.fullmatch(r"([\d.]+) %", text.strip())
    assert m, f"{selector} shows {text!r}, not a percentage"
    return float(m.group(1))


def number(page, selector):
    return float(page.inner_text(selector))


def is_playing(page):
    return page.get_attribute("#play-button", "aria-pressed") == "true"


def play(page):
    if not is_playing(page):
        page.click("#play-button")
    assert is_playing(page)


def pause(page):
    """Press pause (if training) and wait for the engine to finish what it was asked.

    The page may pause by itself at the same moment (divergence); a click that raced with that
    restarts training, so check again after the engine went quiet."""
    for _ in range(3):
        if is_playing(page):
            page.click("#play-button")
        page.wait_for_function("""() => document.querySelector('#play-button').getAttribute('aria-pressed') === 'true'
            || window.nnpy.engine._pending.size === 0""", timeout=20_000)
        if not is_playing(page):
            wait_idle(page)
            return
    raise AssertionError("the page keeps training after pause was pressed")


def train_until(page, condition, timeout=60, what="the condition"):
    """Play until ``condition(page)`` holds (checked every 0.2 s), then pause."""
    play(page)
    deadline = time.monotonic() + timeout
    try:
        while not condition(page):
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} not reached in {timeout} s (epoch {epoch(page)})")
            if not is_playing(page):
                raise AssertionError(f"training stopped before {what} (epoch {epoch(page)})")
            time.sleep(0.2)
    finally:
        pause(page)


def heatmap_pixels(page):
    return page.evaluate(HEATMAP_PIXELS)


def changed_fraction(a, b, threshold=30):
    """Share of sampled pixels whose colour moved by more than ``threshold`` in any channel."""
    assert len(a) == len(b) and a, "the heatmap changed size"
    changed = sum(1 for i in range(0, len(a), 3)
                  if max(abs(a[i] - b[i]), abs(a[i + 1] - b[i + 1]), abs(a[i + 2] - b[i + 2])) > threshold)
    return changed / (len(a) // 3)


def hash_params(page):
    text = page.evaluate("location.hash").lstrip("#")
    return dict(part.split("=", 1) for part in text.split("&") if part)


def point_count(page):
    m = re.search(r"(\d+) points", page.inner_text("#data-source"))
    assert m, page.inner_text("#data-source")
    return int(m.group(1))


def watch_errors(page):
    """For pages made in a test's own context: collect console errors and page errors."""
    errors = []
    page.on("console", lambda msg: errors.append(f"console.{msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda err: errors.append(f"pageerror: {err}"))
    return errors

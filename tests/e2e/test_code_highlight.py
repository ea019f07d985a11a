"""The Code panel's syntax colours (highlight.js, vendored by build.py into dist/vendor/highlight/),
checked in Chromium as a person meets them: both scripts show coloured keywords, strings, numbers
and comments, readable on the panel (WCAG AA contrast); what is copied and downloaded is still the
plain script; a name full of markup in the user's CSV shows as text and runs nothing; and without
the library (a file that fails to load) the panel shows the plain script.
"""

import re

import pytest

from test_page_files import download, open_code, wait_code_for
from test_page_support import epoch, open_page, pause, train_until, wait_idle, watch_errors

pytestmark = pytest.mark.e2e

MARKUP_NAME = "<img src=x onerror=window.__pwned=1>.csv"
SPANS = """sel => [...document.querySelectorAll('#code-text ' + sel)].map(s => s.textContent)"""


@pytest.fixture(scope="module")
def page(files_context, site_url):
    page = files_context.new_page()
    errors = watch_errors(page)
    open_page(page, site_url, "#dataset=xor&networkShape=5,3&activations=tanh,relu&seed=8&learningRate=0.03")
    yield page
    assert errors == []
    page.close()


def wait_highlighted(page):
    page.wait_for_selector("#code-text span.hljs-keyword", state="attached", timeout=30_000)


def contrast(fg, bg):
    """WCAG contrast ratio of two CSS rgb()/rgba() colours (opaque)."""
    def luminance(css):
        r, g, b = (int(v) / 255 for v in re.findall(r"[\d.]+", css)[:3])
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_both_scripts_are_highlighted_readable_and_copied_and_downloaded_as_plain_text(page, tmp_path):
    train_until(page, lambda p: epoch(p) >= 3, what="3 epochs")
    open_code(page)
    at = epoch(page)
    fresh = page.evaluate("window.nnpy.loop.query('code').then(r => ({ python: r.python, pytorch: r.pytorch }))")
    colours = set()
    for kind in ("python", "pytorch"):
        page.click(f"#code-tab-{kind}")
        wait_code_for(page, at)
        wait_highlighted(page)
        keywords = set(page.evaluate(SPANS, ".hljs-keyword"))
        assert {"import", "for", "in"} <= keywords, keywords
        strings = page.evaluate(SPANS, ".hljs-string")
        assert strings[0].startswith('"""') and '"train"' in strings, strings[:5]
        assert page.evaluate(SPANS, ".hljs-number") and page.evaluate(SPANS, ".hljs-comment")[0].startswith("#")
        if kind == "pytorch":
            assert "def" in keywords and "embedded_data" in page.evaluate(SPANS, ".hljs-title")
        # nothing but hljs spans inside, and their text is the script, exactly
        assert page.evaluate("""[...document.querySelectorAll('#code-text *')].every(e =>
            e.localName === 'span' && e.className.startsWith('hljs-'))""")
        shown = page.evaluate("document.getElementById('code-text').textContent")
        assert shown == fresh[kind]
        page.click("#code-copy")
        page.wait_for_function("document.getElementById('code-copied').textContent.includes('Copied')")
        assert page.evaluate("navigator.clipboard.readText()") == shown
        path = download(page, lambda: page.click("#code-download"), tmp_path)
        assert path.read_bytes() == shown.encode()
        colours |= set(page.evaluate("""() => [document.getElementById('code-text'),
            ...document.querySelectorAll('#code-text [class^="hljs-"]')].map(e => getComputedStyle(e).color)"""))
    background = page.evaluate("getComputedStyle(document.querySelector('.code-text')).backgroundColor")
    assert len(colours) >= 5, colours
    low = {c: round(contrast(c, background), 2) for c in colours if contrast(c, background) < 4.5}
    assert low == {}, f"below 4.5:1 on {background}"


def test_a_csv_name_full_of_markup_is_text_in_the_code_panel_and_runs_nothing(page, tmp_path):
    pause(page)
    rows = [f"{x},{y},{int(x * y > 0)}" for x, y in ((i % 11 - 5, (i * 7) % 13 - 6) for i in range(40))]
    page.set_input_files("#csv-file", files=[{
        "name": MARKUP_NAME, "mimeType": "text/csv", "buffer": ("x1,x2,label\n" + "\n".join(rows) + "\n").encode()}])
    page.wait_for_function("document.getElementById('data-message').textContent.startsWith('Loaded')")
    wait_idle(page)
    assert page.inner_text("#data-message") == (
        f"Loaded 40 points from {MARKUP_NAME}. First row read as the header: x1,x2,label "
        "(to read it as data, choose: CSV first row is data).")
    open_code(page)
    page.click("#code-tab-python")
    wait_code_for(page, epoch(page))
    wait_highlighted(page)
    text = page.evaluate("document.getElementById('code-text').textContent")
    assert "your own points" in text and "onerror" in text
    assert path_text(download(page, lambda: page.click("#code-download"), tmp_path)) == text
    # a real "<" of the script (the dtype of the embedded points) went through the highlighter as text
    assert '"<f8"' in page.evaluate(SPANS, ".hljs-string")
    assert page.evaluate("""[...document.querySelectorAll('#code-text *')].every(e => e.localName === 'span')""")

    # highlightNodes itself, given markup that would run if it were ever parsed as the page's HTML
    evil = ('name = "<img src=x onerror=window.__pwned=2>"  # </code></pre><script>window.__pwned=3</script>\n'
            '"""<b>bold?</b> <svg onload=window.__pwned=4></svg> &amp; &lt;img&gt;"""\n'
            "x = 1 < 2 > 0  # <style>* { display: none }</style>\n")
    shown = page.evaluate("""async (evil) => {
        const m = await import('/js/playground/code.js');
        const hljs = await m.loadHighlighter();
        const box = document.createElement('pre');
        document.body.append(box);
        box.append(m.highlightNodes(document, hljs, evil));
        await new Promise(r => setTimeout(r, 300));  // an <img src=x> would have failed and fired by now
        const out = { text: box.textContent, tags: [...box.querySelectorAll('*')].map(e => e.localName) };
        box.remove();
        return out;
    }""", evil)
    assert shown["text"] == evil
    assert set(shown["tags"]) == {"span"}
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("""document.querySelectorAll('img[src="x"], svg[onload]').length""") == 0
    assert page.is_visible("#code-text")


def path_text(path):
    return path.read_bytes().decode()


@pytest.mark.parametrize("how", ["aborted", "503"])
def test_without_the_library_the_panel_shows_the_plain_script(browser, site_url, fail_next_request, tmp_path, how):
    context = browser.new_context(accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    errors = watch_errors(page)
    warnings = []
    page.on("console", lambda msg: warnings.append(msg.text) if msg.type == "warning" else None)
    if how == "aborted":  # the core never arrives
        page.route(re.compile(r"/vendor/highlight/core\.min\.js$"), lambda route: route.abort())
    else:  # the server fails the grammar
        fail_next_request("/vendor/highlight/python.min.js")
    open_page(page, site_url, "#dataset=circle&networkShape=4&seed=2")
    open_code(page)
    wait_code_for(page, 0)
    assert page.evaluate("import('/js/playground/code.js').then(m => m.loadHighlighter())") is None
    assert any("without colours" in w for w in warnings), warnings
    for kind in ("pytorch", "python"):
        page.click(f"#code-tab-{kind}")
        wait_code_for(page, 0)
        view = page.evaluate("""(() => { const c = document.getElementById('code-text');
            return { elements: c.childElementCount, nodes: c.childNodes.length, text: c.textContent }; })()""")
        assert view["elements"] == 0 and view["nodes"] == 1 and view["text"].startswith('"""')
        assert path_text(download(page, lambda: page.click("#code-download"), tmp_path)) == view["text"]
        page.click("#code-copy")
        page.wait_for_function("document.getElementById('code-copied').textContent.includes('Copied')")
        assert page.evaluate("navigator.clipboard.readText()") == view["text"]
    # the failed request is the only error the page reports
    assert [e for e in errors if "Failed to load resource" not in e] == [], errors
    context.close()

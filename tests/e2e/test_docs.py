"""docs.html: the embedding recipes are present, correct and in step with the code they describe.

- the page loads with no console errors, and its snippets name this build (site address, wheel,
  PyScript and Pyodide versions);
- the iframe and classroom links parse with js/playground/state.js without a single note;
- the URL-parameter table lists exactly js/playground/state.js's properties, defaults and hideable controls;
- the self-hosted PyScript snippet, pasted into a post on another origin, trains with nnpy when the
  nnpy site sends CORS headers (as GitHub Pages does), and fails without them, as the docs say.
"""

import http.server
import json
import threading
from pathlib import Path

import pytest

import build  # the e2e conftest puts the repository root on sys.path

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"
PLACEHOLDER = "https://YOUR-SITE/nnpy/"
RUN_TIMEOUT_MS = 180_000


class _CorsHandler(build.SiteHandler):
    """build.py's handler plus the header GitHub Pages sends on every file."""

    def end_headers(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()


@pytest.fixture(scope="module")
def cors_url():
    """dist/ served a second time, on another port (another origin), with Access-Control-Allow-Origin: *."""
    server = build.make_server(DIST, "127.0.0.1", 0, quiet=True, handler=_CorsHandler)
    threading.Thread(target=server.serve_forever, name="cors-dist-server", daemon=True).start()
    yield "http://127.0.0.1:%d" % server.server_port
    server.shutdown()
    server.server_close()


class _PostHandler(http.server.BaseHTTPRequestHandler):
    """A blog: answers every GET with the post the test has written into ``body``."""

    body = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def blog():
    """A third origin, for the blog post; ``blog.publish(html)`` sets the post and returns its URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _PostHandler)
    threading.Thread(target=server.serve_forever, name="blog-server", daemon=True).start()

    class Blog:
        @staticmethod
        def publish(html):
            _PostHandler.body = html.encode("utf-8")
            return "http://127.0.0.1:%d/2024/my-post.html" % server.server_port
    yield Blog
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def docs(module_page, site_url):
    page = module_page
    page.goto(site_url + "/docs.html")
    page.wait_for_function("document.querySelectorAll('.recipe .copy').length >= 4")
    info = json.loads((DIST / "build-info.json").read_text())
    wheel = info["wheel"].split("/")[-1]
    page.wait_for_function("w => [...document.querySelectorAll('.wheel')].every(e => e.textContent === w)", arg=wheel)
    return page


def snippet(page, name):
    return page.inner_text("#snippet-" + name)


def test_docs_page_loads_cleanly_with_every_recipe(docs, site_url):
    info = json.loads((DIST / "build-info.json").read_text())
    base = site_url + "/"
    iframe = snippet(docs, "iframe")
    assert iframe.startswith('<iframe src="%sindex.html#' % base)
    assert "embed=1" in iframe and 'height="600"' in iframe and 'loading="lazy"' in iframe
    assert iframe.rstrip().endswith("></iframe>")

    py = snippet(docs, "pyscript")
    assert PLACEHOLDER not in py
    for needed in ('<script type="module" src="%svendor/pyscript/core.js"></script>' % base,
                   '"interpreter": "%spyodide/pyodide.mjs"' % base,
                   '"%s%s"' % (base, info["wheel"]),
                   '<script type="py" config=',
                   "from nnpy import"):
        assert needed in py, needed
    for rel in ("vendor/pyscript/core.js", "vendor/pyscript/core.css", "pyodide/pyodide.mjs", info["wheel"]):
        assert (DIST / rel).is_file(), rel

    cdn = snippet(docs, "cdn")
    pyscript_version = json.loads((ROOT / "web" / "package.json").read_text())["dependencies"]["@pyscript/core"]
    assert "@pyscript/core@%s/dist/core.js" % pyscript_version.lstrip("^~=") in cdn
    assert "/pyodide/v%s/full/pyodide.mjs" % build.PYODIDE_VERSION in cdn
    assert info["wheel"] in cdn

    assert "path: dist" in snippet(docs, "pages") and "python3 build.py" in snippet(docs, "pages")
    hosting = docs.inner_text("#hosting")
    assert "application/wasm" in hosting and "Access-Control-Allow-Origin" in hosting
    assert docs.evaluate("document.querySelectorAll('.toc a').length") == 4
    docs.assert_no_errors()


def test_copy_button_copies_the_snippet_as_shown(browser, site_url):
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url)
    page = context.new_page()
    page.goto(site_url + "/docs.html")
    page.wait_for_function("document.querySelectorAll('.recipe .copy').length >= 4")
    page.click("#iframe .copy")
    page.wait_for_function("document.querySelector('#iframe .copy').textContent === 'Copied'")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.inner_text("#snippet-iframe")
    context.close()


PARSE = """async (hashes) => {
  const s = await import('/js/playground/state.js');
  return hashes.map((h) => { const r = s.parseHash(h); return { notes: r.notes, state: r.state }; });
}"""


def test_links_in_the_docs_parse_without_notes(docs):
    iframe = snippet(docs, "iframe")
    iframe_hash = iframe[iframe.index("#"):iframe.index('"', iframe.index("#"))]
    classroom = snippet(docs, "classroom")
    example = docs.get_attribute("#embed-example", "href")
    hashes = [iframe_hash, classroom[classroom.index("#"):].strip(), example[example.index("#"):]]
    parsed = docs.evaluate(PARSE, hashes)
    for h, r in zip(hashes, parsed):
        assert r["notes"] == [], (h, r["notes"])
        assert r["state"]["embed"] is True, h
    spiral = parsed[0]["state"]
    assert spiral["dataset"] == "spiral" and spiral["networkShape"] == [8, 8, 4]
    assert spiral["activations"] == ["tanh"] * 3 and spiral["noise"] == 10
    assert parsed[0]["state"] == parsed[2]["state"]  # the "try it" link is the snippet's setup
    assert set(parsed[1]["state"]["hide"]) == {"dataset", "noise", "networkShape", "activations"}


def test_parameter_table_matches_the_state_module(docs):
    mod = docs.evaluate("""async () => {
      const s = await import('/js/playground/state.js');
      return { props: s.PROPS.map((p) => ({ name: p.name, def: s.formatValue(p, p.def) })),
               hideable: s.HIDEABLE };
    }""")
    rows = docs.evaluate("""() => [...document.querySelectorAll('#params tbody tr')].map((tr) => ({
      name: tr.dataset.param, first: tr.cells[0].innerText.trim(), def: tr.cells[2].innerText.trim() }))""")
    assert [r["name"] for r in rows] == [p["name"] for p in mod["props"]]
    for row, prop in zip(rows, mod["props"]):
        assert row["first"] == prop["name"]
        assert row["def"] == prop["def"], prop["name"]
    listed = docs.inner_text("#hideable").split()
    assert listed == mod["hideable"]



def test_mnist_parameter_table_matches_its_state_module(docs):
    mod = docs.evaluate("""async () => {
      const s = await import('/js/mnist/state.js');
      return s.PROPS.map((p) => ({ name: p.name, def: s.formatValue(p, p.def) }));
    }""")
    rows = docs.evaluate("""() => [...document.querySelectorAll('#mnist-params tbody tr')].map((tr) => ({
      name: tr.dataset.param, first: tr.cells[0].innerText.trim(), def: tr.cells[2].innerText.trim() }))""")
    assert [(r["name"], r["first"], r["def"]) for r in rows] == [(p["name"], p["name"], p["def"]) for p in mod]
    example = docs.inner_text("#snippet-mnist")
    parsed = docs.evaluate("""async (h) => (await import('/js/mnist/state.js')).parseHash(h)""",
                           example.split("#", 1)[1])
    assert parsed["notes"] == [] and parsed["state"]["layers"] == [{"units": 64, "activation": "tanh"}] * 2
    assert parsed["state"]["optimizer"] == "adam"


def test_workshop_parameter_table_matches_its_state_module(docs):
    mod = docs.evaluate("""async () => {
      const s = await import('/js/workshop/state.js');
      return s.PROPS.map((p) => ({ name: p.name, def: Array.isArray(p.def) ? p.def.join(',') : String(p.def) }));
    }""")
    rows = docs.evaluate("""() => [...document.querySelectorAll('#workshop-params tbody tr')].map((tr) => ({
      name: tr.dataset.param, first: tr.cells[0].innerText.trim(), def: tr.cells[2].innerText.trim() }))""")
    assert [(r["name"], r["first"], r["def"]) for r in rows] == [(p["name"], p["name"], p["def"]) for p in mod]
    example = docs.inner_text("#snippet-workshop")
    parsed = docs.evaluate("""async (h) => { const s = (await import('/js/workshop/state.js')).parse(h);
      return { ...s, given: [...s.given] }; }""", example.split("#", 1)[1])
    assert parsed["notes"] == [] and parsed["step"] == "model" and parsed["compare"] is False
    assert parsed["prefill"] == ["activations", "losses", "layers"]


def post_html(py_snippet):
    return ("<!doctype html><html lang=en><meta charset=utf-8><title>My post</title>"
            "<link rel=icon href=data:,><h1>A post on my blog</h1>\n%s\n</html>" % py_snippet)


def test_pyscript_snippet_runs_in_a_post_on_another_origin(docs, browser, site_url, cors_url, blog):
    code = snippet(docs, "pyscript").replace(site_url + "/", cors_url + "/")
    post_url = blog.publish(post_html(code))
    context = browser.new_context()
    page = context.new_page()
    errors, hosts = [], set()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    page.goto(post_url)
    page.wait_for_function(
        "document.getElementById('nnpy-output').textContent.includes('accuracy')", timeout=RUN_TIMEOUT_MS)
    out = page.inner_text("#nnpy-output")
    assert "Model: SequentialModel" in out and "Total params: 82" in out  # 2*16+16 + 16*2+2
    assert "XOR accuracy after 50 epochs: 100%" in out
    assert hosts == {post_url.split("/")[2], cors_url.split("/")[2]}  # the blog and the nnpy site only
    assert errors == []
    context.close()


def test_pyscript_snippet_from_another_origin_fails_without_cors(docs, browser, site_url, blog):
    """What the docs warn about: an nnpy site without the CORS header (site_url) refuses another origin."""
    post_url = blog.publish(post_html(snippet(docs, "pyscript")))
    context = browser.new_context()
    page = context.new_page()
    with page.expect_event("console", predicate=lambda m: m.type == "error" and "CORS" in m.text,
                           timeout=60_000) as blocked:
        page.goto(post_url)
    assert site_url + "/vendor/pyscript/" in blocked.value.text
    assert page.inner_text("#nnpy-output") == "Training…"
    context.close()


@pytest.mark.parametrize("path", ["/docs.html", "/blog.html"])
def test_reading_pages_fit_a_phone_without_sideways_scrolling(browser, site_url, path):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(site_url + path)
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()

"""The page core on both pages (issue 10; issue 12 item 8): random fast control changes, with
Train and Pause pressed in between, always leave the engine training the network the page shows.

Each round does a dozen changes as fast as Playwright clicks (no waiting between them), then
pauses and waits until the page is quiet; then the network the engine holds (asked from the
engine itself) must equal the one the controls, the link and the summary show. A mismatch that
persists makes the wait time out, which fails the test.

Also: the schema module the pages import is the one schema.py defines, and a live setting
reaches the engine as a patch of the keys that changed, not the whole state.
"""

import json
import random
from pathlib import Path

import pytest

from nnpy.browser import schema
from test_page_support import hash_params, wait_idle

pytestmark = pytest.mark.e2e

DATA = Path(__file__).resolve().parents[1] / "data" / "before_page_core"

MNIST_SUMMARY = "document.getElementById('net-summary').textContent"
QUIET = """() => window.nnpy && !window.nnpy.loop.playing && window.nnpy.engine._pending.size === 0"""


def wait_quiet(page, timeout=120):
    """No training and no engine call pending, twice 300 ms apart (a reply may start a refresh)."""
    for _ in range(2):
        page.wait_for_function(QUIET, timeout=timeout * 1000)
        page.wait_for_timeout(300)
    page.wait_for_function(QUIET, timeout=timeout * 1000)


def test_the_pages_read_the_schema_that_schema_py_defines(page, site_url):
    page.goto(site_url + "/index.html#dataset=circle")
    served = page.evaluate("import('/js/core/schema.js').then((m) => JSON.stringify(m.SCHEMA))")
    assert json.loads(served) == json.loads(json.dumps(schema.as_json()))


# ------------------------------------------------------------------ the MNIST page

def mnist_shown(page):
    """The hidden layers as the controls, the link and the summary show them."""
    return page.evaluate("""() => {
        const lis = [...document.querySelectorAll('#layers li')];
        const params = new URLSearchParams(location.hash.slice(1));
        return {
            controls: lis.map((li) => [Number(li.querySelector('[data-key="units"]').value),
                                       li.querySelector('[data-key="activation"]').value]),
            link: [params.get('networkShape'), params.get('activations')],
            summary: document.getElementById('net-summary').textContent,
        };
    }""")


def test_mnist_fast_changes_never_leave_the_engine_on_another_network(page, site_url):
    page.goto(site_url + "/mnist.html#digits=1000&epochs=50&networkShape=32&activations=relu")
    page.wait_for_function("performance.getEntriesByName('nnpy:mnist-ready').length > 0", timeout=240_000)
    rng = random.Random(12)
    units = ["16", "32", "64", "128"]
    for round_ in range(4):
        for _ in range(12):
            n = page.locator("#layers li").count()
            action = rng.choice(["units", "units", "activation", "add", "remove", "train", "train", "lr"])
            if action == "units" and n:
                page.select_option(f'#layers li:nth-child({rng.randint(1, n)}) [data-key="units"]', rng.choice(units))
            elif action == "activation" and n:
                page.select_option(f'#layers li:nth-child({rng.randint(1, n)}) [data-key="activation"]',
                                   rng.choice(["relu", "tanh", "sigmoid"]))
            elif action == "add" and n < 4:
                page.click("#add-layer")
            elif action == "remove" and n > 1:
                page.click(f"#layers li:nth-child({rng.randint(1, n)}) button")
            elif action == "lr":
                page.select_option("#lr", rng.choice(["0.01", "0.03", "0.1"]))
            else:
                page.click("#train-button")
        if page.evaluate("window.nnpy.loop.playing"):
            page.click("#train-button")
        wait_quiet(page)
        shown = mnist_shown(page)
        sizes = [784] + [u for u, _ in shown["controls"]] + [10]
        expected = " → ".join(map(str, sizes))
        page.wait_for_function(f"{MNIST_SUMMARY}.startsWith({json.dumps(expected + ':')})", timeout=60_000)
        engine = page.evaluate("window.nnpy.engine.call('network')")
        assert engine["sizes"] == sizes, (round_, shown)
        assert engine["activations"] == [a for _, a in shown["controls"]] + ["softmax"]
        assert shown["link"] == [",".join(str(u) for u, _ in shown["controls"]),
                                 ",".join(a for _, a in shown["controls"])]
        state = page.evaluate("window.nnpy.store.get()")
        assert state["layers"] == [{"units": u, "activation": a} for u, a in shown["controls"]]
    page.assert_no_errors()


def test_mnist_a_live_setting_travels_as_a_patch_of_what_changed(page, site_url):
    page.goto(site_url + "/mnist.html#digits=1000&networkShape=16")
    page.wait_for_function("performance.getEntriesByName('nnpy:mnist-ready').length > 0", timeout=240_000)
    page.evaluate("""() => {
        const engine = window.nnpy.engine;
        const call = engine.call.bind(engine);
        window.sent = [];
        engine.call = (method, args) => { window.sent.push([method, JSON.parse(JSON.stringify(args || {}))]); return call(method, args); };
    }""")
    page.select_option("#lr", "0.03")
    page.wait_for_function("window.sent.some(([m]) => m === 'update')")
    wait_quiet(page)
    updates = page.evaluate("window.sent.filter(([m]) => m === 'update' || m === 'configure')")
    assert updates == [["update", {"changes": {"lr": 0.03}}]]
    assert page.evaluate("window.nnpy.engine.call('network')")["epoch"] == 0
    page.assert_no_errors()


# ------------------------------------------------------------------ the 2-D playground

def test_playground_fast_changes_never_leave_the_engine_on_another_network(page, site_url):
    page.goto(site_url + "/#dataset=circle&networkShape=4,2")
    page.wait_for_function("performance.getEntriesByName('nnpy:first-snapshot').length > 0", timeout=240_000)
    rng = random.Random(3)
    for round_ in range(4):
        for _ in range(14):
            layers = page.locator(".layer-head").count()
            action = rng.choice(["add", "remove", "plus", "minus", "feature", "dataset", "play", "play", "lr"])
            if action == "add" and layers < 6:
                page.click('[data-act="add-layer"]')
            elif action == "remove" and layers > 1:
                page.click('[data-act="remove-layer"]')
            elif action in ("plus", "minus") and layers:
                d = "1" if action == "plus" else "-1"
                button = page.locator(f'.layer-head[data-layer="{rng.randint(1, layers)}"] button[data-d="{d}"]')
                if button.is_enabled():
                    button.click()
            elif action == "feature":
                page.locator(f'.node.feature[data-unit="{rng.randint(0, 6)}"]').click()
                if page.locator("#size-warning").is_visible():
                    page.click('#size-warning button[value="ok"]')
            elif action == "dataset":
                page.click(f'input[name="dataset"][value="{rng.choice(["circle", "xor", "spiral", "gauss"])}"]',
                           force=True)
            elif action == "lr":
                page.select_option("#learningRate", rng.choice(["0.01", "0.03", "0.1"]))
            else:
                page.click("#play-button")
        if page.evaluate("window.nnpy.loop.playing"):
            page.click("#play-button")
        wait_quiet(page)
        wait_idle(page)
        state = page.evaluate("import('/js/playground/state.js').then((S) => S.toEngine(window.nnpy.store.get()))")
        engine = page.evaluate("window.nnpy.engine.call('network')")
        assert engine["features"] == state["features"], round_
        assert [(l["units"], l["activation"]) for l in engine["layers"][:-1]] == \
            [(l["units"], l["activation"]) for l in state["layers"]], round_
        params = hash_params(page)
        assert params["networkShape"] == ",".join(str(l["units"]) for l in state["layers"])
        assert page.evaluate("window.nnpy.loop.network.params") == engine["params"]
        assert page.inner_text(".net-params").startswith(f"{engine['params']:,} ")
    page.assert_no_errors()


# ------------------------------------------------------------------ links made before the page core

def test_links_from_before_give_the_same_page(page, site_url):
    """Old URL hashes (tests/data/before_page_core/links.json, read by the state modules of commit
    7a45d9f in node) parse to the same engine state, the same link and the same notes."""
    old = json.loads((DATA / "links.json").read_text())
    page.goto(site_url + "/docs.html")
    now = page.evaluate("""async (old) => {
        const P = await import('/js/playground/state.js');
        const M = await import('/js/mnist/state.js');
        return {
            playground: old.playground.map(({ hash }) => {
                const r = P.parseHash(hash);
                return { hash, engine: P.toEngine(r.state), link: P.serialize(r.state), notes: r.notes };
            }),
            mnist: old.mnist.map(({ hash }) => {
                const r = M.parseHash(hash);
                return { hash, engine: M.toEngine(r.state), epochs: r.state.epochs, link: M.serialize(r.state),
                         notes: r.notes };
            }),
        };
    }""", old)
    assert now == old

"""axe-core on every page (index, mnist, docs, blog, workshop), in the states a student reaches (issue 12, item 6).

axe-core (npm, a test dependency pinned in web/package.json; never shipped in dist/) is injected
from web/node_modules into the built pages. Its experimental rules run too (the name of a button
must contain the text it shows is one of them). Every page and state has no serious or critical
violation, and no content outside landmarks and no repeated landmark (the two moderate rules a
student's screen reader trips over when jumping between regions).
"""

from pathlib import Path

import pytest

from test_mnist import READY, stroke
from test_page_support import open_page, pause, play, set_hash, wait_idle
from test_pyscript import BOOT_TIMEOUT_MS, CELL_FINISHED

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
ALSO_REFUSED = {"region", "landmark-unique"}

RUN_AXE = """async () => {
    const experimental = axe.getRules(["experimental"]).map((r) => r.ruleId);
    const rules = Object.fromEntries(experimental.map((id) => [id, { enabled: true }]));
    const result = await axe.run(document, { rules, resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => n.target.join(" ")) }));
}"""


def violations(page):
    """axe-core's serious and critical violations on the page as it is now (and the two above)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate(RUN_AXE)
    return [f"{v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])}: {', '.join(v['nodes'][:4])})"
            for v in found if v["impact"] in ("serious", "critical") or v["id"] in ALSO_REFUSED]


def assert_accessible(page, state):
    bad = violations(page)
    assert not bad, f"axe-core, {state}:\n" + "\n".join(bad)


# WCAG 2.x contrast of a button's text colour against what is behind it, the button's own
# background composited over its ancestors' (https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio).
CONTRAST = """(el) => {
    const rgba = (c) => { const m = c.match(/[\\d.]+/g).map(Number); return m.length === 3 ? [...m, 1] : m; };
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
        const c = rgba(getComputedStyle(e).backgroundColor);
        if (c[3] > 0) layers.push(c);
        if (c[3] >= 1) break;
    }
    let bg = [255, 255, 255];
    for (const [r, g, b, a] of layers.reverse()) bg = [r * a + bg[0] * (1 - a), g * a + bg[1] * (1 - a), b * a + bg[2] * (1 - a)];
    const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
        .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
    const fg = rgba(getComputedStyle(el).color).slice(0, 3);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    return (hi + 0.05) / (lo + 0.05);
}"""


def hover_contrast_failures(page, state):
    """Each visible, enabled button that shows text or an icon (a child element drawn in its colour),
    under the mouse pointer: that colour against its hover background, at least 4.5:1."""
    bad = []
    for button in page.locator("button:visible:not(:disabled)").all():
        if not button.evaluate("(e) => e.textContent.trim() !== '' || e.children.length > 0"):
            continue  # a swatch (a neuron's colour in Look inside): no foreground to read
        button.hover()
        ratio = button.evaluate(CONTRAST)
        if ratio < 4.5:
            bad.append(f"{state}: {button.evaluate('(e) => e.id || e.outerHTML.slice(0, 80)')} {ratio:.2f}:1")
    page.mouse.move(0, 0)
    return bad


def test_axe_core_is_a_test_dependency_only():
    assert AXE.is_file(), "npm ci in web/ installs axe-core (a devDependency)"
    assert not list((ROOT / "dist").rglob("axe*")), "axe-core must not be shipped in dist/"


@pytest.fixture(scope="module")
def playground(module_page, site_url):
    module_page.set_viewport_size({"width": 1280, "height": 900})
    open_page(module_page, site_url, "index.html#dataset=spiral&networkShape=6,4")
    yield module_page
    module_page.assert_no_errors()


def test_playground_at_boot_and_while_training(playground):
    assert_accessible(playground, "index.html after boot")
    play(playground)
    playground.wait_for_function("Number(document.querySelector('#epoch').textContent.replace(/,/g, '')) >= 3")
    assert_accessible(playground, "index.html while training")
    pause(playground)


@pytest.mark.parametrize("panel", ["share", "export", "embed"])
def test_playground_header_panels(playground, panel):
    playground.click(f"#{panel}-button")
    assert playground.is_visible(f"#{panel}-panel")
    assert_accessible(playground, f"index.html with {panel} open")
    playground.click(f"#{panel}-close")


def test_playground_code_panel(playground):
    playground.click("#code-button")
    playground.wait_for_selector("#code-text span.hljs-keyword", state="attached", timeout=60_000)
    assert_accessible(playground, "index.html with the Code panel open")
    playground.click("#code-toggle")


def test_playground_import_message_and_neuron_card(playground):
    playground.set_input_files("#model-file", files=[{"name": "notes.nnpy", "mimeType": "application/octet-stream",
                                                      "buffer": b"not a model file"}])
    playground.wait_for_function("document.getElementById('file-status-text').textContent.length > 0")
    assert_accessible(playground, "index.html with an import message")
    playground.click("#file-status-close")
    playground.locator(".net-nodes .node.hidden").first.click()
    wait_idle(playground)
    assert playground.is_visible("#card"), "a click on a neuron opens its card"
    assert_accessible(playground, "index.html with a neuron's card open")


def test_playground_look_inside_each_stage_its_cards_and_the_matrices(playground):
    """Look inside (issue 13): each of the four stages, a neuron card, a link card, the matrix view."""
    page = playground
    page.click("#inside-button")
    page.fill("#inside-x1", "1.5")
    page.fill("#inside-x2", "-2")
    page.click("#inside-form button[type=submit]")
    page.wait_for_function("() => window.nnpy.inside.result !== null", timeout=120_000)
    seen = set()
    while True:
        stage = page.get_attribute("#inside-panel", "data-stage")
        if stage not in seen:
            seen.add(stage)
            assert_accessible(page, f"index.html, Look inside at the {stage} stage")
        if page.is_disabled("#inside-next"):
            break
        page.click("#inside-next")
    assert seen == {"forward", "loss", "backward", "update"}
    page.click("[data-neuron='1,0']")
    assert_accessible(page, "index.html, Look inside with a neuron card open")
    page.click("[data-open-link='1,0,0']")
    assert_accessible(page, "index.html, Look inside with a link card open")
    page.click("#inside-matrices-box summary")
    page.wait_for_selector("#inside-matrices [data-matrix]", timeout=120_000)  # the update stage's matrices
    assert_accessible(page, "index.html, Look inside with the matrix view open")
    page.click("#inside-health-box summary")
    page.wait_for_selector("#inside-health[data-samples]", state="attached", timeout=120_000)
    assert_accessible(page, "index.html, Look inside with gradient health open")
    page.click("#inside-close")
    page.wait_for_selector("#inside-panel", state="hidden")


def test_playground_ways_back_messages(playground):
    """The message after a blow-up and the one for a dead network, with their buttons (issue 12)."""
    page = playground
    for link, words in [("#problem=regression&regDataset=reg-plane&learningRate=10&activations=relu,relu",
                         "grew too large"),
                        ("#dataset=spiral&learningRate=10&networkShape=4,2&activations=relu,relu", "stopped learning")]:
        set_hash(page, link)
        page.click("#play-button")
        page.wait_for_selector("#diverged", state="visible", timeout=120_000)
        assert words in page.inner_text("#diverged")
        pause(page)
        assert_accessible(page, f"index.html with the message: {words}")
    set_hash(page, "#dataset=spiral&networkShape=6,4")


def test_playground_buttons_keep_their_contrast_under_the_pointer(playground):
    """A dark button (Play, Look inside pressed, Take this step) must not turn light under the
    pointer while its text stays white: the generic button:hover rule once won over theirs."""
    page = playground
    bad = hover_contrast_failures(page, "index.html")
    play(page)
    bad += hover_contrast_failures(page, "index.html while training")
    pause(page)
    page.click("#inside-button")
    page.fill("#inside-x1", "1")
    page.fill("#inside-x2", "1")
    page.click("#inside-form button[type=submit]")
    page.wait_for_function("() => window.nnpy.inside.result !== null", timeout=120_000)
    while not page.is_disabled("#inside-next"):
        page.click("#inside-next")
    bad += hover_contrast_failures(page, "index.html, Look inside at the update")
    page.click("#inside-close")
    assert not bad, "\n".join(bad)


def test_playground_on_a_phone(playground):
    playground.set_viewport_size({"width": 390, "height": 844})
    try:
        assert_accessible(playground, "index.html at 390 px")
    finally:
        playground.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture(scope="module")
def mnist(browser, site_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(site_url + "/mnist.html#networkShape=32&epochs=1&digits=1000")
    page.wait_for_function(READY, timeout=180_000)
    yield page
    context.close()


def test_mnist_at_boot_while_training_and_trained(mnist):
    assert_accessible(mnist, "mnist.html after boot")
    mnist.wait_for_function("document.getElementById('train-status').textContent.endsWith('press Train.')")
    mnist.click("#train-button")
    assert_accessible(mnist, "mnist.html while training")
    mnist.wait_for_function(
        "document.getElementById('train-status').textContent.startsWith('Stopped after epoch 1')", timeout=120_000)
    mnist.wait_for_selector("#digits .mn-digit.wrong")
    assert_accessible(mnist, "mnist.html trained, with its test digits")


def test_mnist_draw_pad_share_and_import_message(mnist):
    stroke(mnist, [(0.5, 0.2), (0.5, 0.8)])
    mnist.wait_for_function("document.getElementById('prediction').dataset.prediction !== undefined")
    assert_accessible(mnist, "mnist.html with a drawn digit")
    mnist.click("#share-button")
    assert_accessible(mnist, "mnist.html with Share open")
    mnist.click("#share-close")
    mnist.set_input_files("#model-file", files=[{"name": "notes.nnpy", "mimeType": "application/octet-stream",
                                                 "buffer": b"not a model file"}])
    mnist.wait_for_function("document.getElementById('file-status-text').textContent.length > 0")
    assert_accessible(mnist, "mnist.html with an import message")


def test_mnist_ways_back_message(page, site_url):
    """The MNIST page's message after a blow-up, with its buttons (issue 12)."""
    page.goto(site_url + "/mnist.html#networkShape=64,64,64&activations=linear,linear,linear&optimizer=sgd"
                         "&learningRate=10&epochs=1&digits=2000")
    page.wait_for_function(READY, timeout=180_000)
    page.click("#train-button")
    page.wait_for_selector("#diverged", state="visible", timeout=120_000)
    page.wait_for_function("!document.getElementById('train-button').classList.contains('playing')", timeout=60_000)
    assert "grew too large" in page.inner_text("#diverged")
    assert_accessible(page, "mnist.html with the message after a blow-up")


def test_docs_page(page, site_url):
    page.goto(site_url + "/docs.html")
    page.wait_for_load_state("load")
    assert_accessible(page, "docs.html")
    # every scrolling code block is reached by Tab and scrolls with the arrow keys
    blocks = page.locator("pre")
    for i in range(blocks.count()):
        if blocks.nth(i).evaluate("e => e.scrollWidth > e.clientWidth"):
            assert blocks.nth(i).get_attribute("tabindex") == "0"


def test_blog_post_after_its_example_ran(page, site_url):
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(site_url + "/blog.html")
    page.wait_for_function(CELL_FINISHED, timeout=BOOT_TIMEOUT_MS)
    assert_accessible(page, "blog.html after its example ran")


def test_workshop_page_and_its_check_results(page, site_url):
    """The workshop page (issue 14): after boot, and after Check shows the results of a step."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(site_url + "/workshop.html")
    page.wait_for_function("window.nnpyWorkshop && window.nnpyWorkshop.ready", timeout=180_000)
    assert_accessible(page, "workshop.html after boot")
    runs = page.evaluate("nnpyWorkshop.runs")
    page.click("#check")
    page.wait_for_function(f"window.nnpyWorkshop.runs > {runs}", timeout=180_000)
    assert_accessible(page, "workshop.html with check results")


def test_mnist_look_inside_each_stage_and_its_cards(mnist):
    """The MNIST page's Look inside (issue 13): a drawing waiting for its label, each stage on a
    test digit, a neuron's card and a pixel's weight card, and at phone width."""
    page = mnist
    page.click("#clear-canvas")
    stroke(page, [(0.5, 0.2), (0.5, 0.8)])
    page.click("#inside-button")
    page.wait_for_function("/Which digit did you draw/.test(document.getElementById('inside-message').textContent)")
    assert_accessible(page, "mnist.html, Look inside asking for the drawing's label")
    page.click("#sample-digit")
    page.wait_for_function("() => window.nnpy.inside.result !== null && window.nnpy.inside.result.source === 'test'",
                           timeout=120_000)
    seen = set()
    while True:
        stage = page.get_attribute("#inside-panel", "data-stage")
        if stage not in seen:
            seen.add(stage)
            assert_accessible(page, f"mnist.html, Look inside at the {stage} stage")
        if page.is_disabled("#inside-next"):
            break
        page.click("#inside-next")
    assert seen == {"forward", "loss", "backward", "update"}
    bad = hover_contrast_failures(page, "mnist.html, Look inside at the update")
    assert not bad, "\n".join(bad)
    page.click("#inside-view [data-neuron='1,0']")
    assert_accessible(page, "mnist.html, Look inside with a neuron's card open")
    page.click("#inside-view canvas[data-weights='0']", position={"x": 30, "y": 30})
    page.wait_for_selector("#inside-card [data-open-neuron]")
    assert_accessible(page, "mnist.html, Look inside with a pixel's weight card open")
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        assert_accessible(page, "mnist.html, Look inside at 390 px")
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
    page.click("#inside-close")

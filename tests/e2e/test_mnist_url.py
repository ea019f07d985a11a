"""The MNIST page's setup in the URL hash, in a real Chromium with the real engine.

The hash holds every setting the page has a control for (web/js/mnist/state.js). These tests show
that the controls write it (replaceState, no history entries), that a link opened in a fresh page
reproduces the setup, that parse(serialize(s)) == s for random states (the module itself, in the
page), that bad links get a note and a page that still trains, that an edited hash applies like
the controls (a new network starts at epoch 0), that an import rewrites it, and the Share button.

One page (the module's) is shared by the tests that do not need a fresh load; they run in order.
Training is kept to one epoch on 1,000 digits wherever it happens.
"""

from urllib.parse import urlsplit

import pytest

import nnpy
from nnpy.browser.mnist_files import export_metadata
from nnpy.browser.mnist import check_state

from test_mnist import READY

pytestmark = pytest.mark.e2e

DEFAULT_HASH = ("#networkShape=128&activations=relu&optimizer=momentum&learningRate=0.1&batchSize=64"
                "&epochs=10&digits=10000&testRatio=0.2&seed=0")
NOTES = "document.getElementById('notes')"
SUMMARY = "document.getElementById('net-summary').textContent"
STOPPED_AFTER_ONE = "document.getElementById('train-status').textContent.startsWith('Stopped after epoch 1')"


def params(page):
    """The page's hash as a dict (and it is the whole setup, in the table's order)."""
    text = page.evaluate("location.hash")
    assert text.startswith("#")
    return dict(part.split("=", 1) for part in text[1:].split("&"))


def controls(page):
    """What the controls show: the same names as the hash."""
    return page.evaluate("""() => {
        const v = (id) => document.getElementById(id).value;
        const layers = [...document.querySelectorAll('#layers li')];
        return {
            networkShape: layers.map((li) => li.querySelector('[data-key="units"]').value).join(','),
            activations: layers.map((li) => li.querySelector('[data-key="activation"]').value).join(','),
            optimizer: v('optimizer'), learningRate: v('lr'), batchSize: v('batch-size'), epochs: v('epochs'),
            digits: v('subset'), testRatio: v('test-fraction'), seed: v('seed'),
        };
    }""")


def notes_text(page):
    return page.inner_text("#notes") if page.is_visible("#notes") else ""


def open_mnist(page, site_url, hash_=""):
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(site_url + "/mnist.html" + hash_)
    page.wait_for_function(READY, timeout=180_000)


def set_hash(page, hash_):
    """The reader edits the URL; returns once the page has had the hashchange (it must be a change)."""
    page.evaluate("""(h) => new Promise((resolve, reject) => {
        addEventListener("hashchange", () => resolve(), { once: true });
        setTimeout(() => reject(new Error("no hashchange for " + h)), 10000);
        location.hash = h;
    })""", hash_)


def train_one_epoch(page):
    """Press Train with one epoch per run; returns when it has stopped at epoch 1 (of a fresh network)."""
    page.wait_for_function("document.getElementById('train-status').textContent.endsWith('press Train.')")
    page.select_option("#epochs", "1")
    page.click("#train-button")
    page.wait_for_function(STOPPED_AFTER_ONE, timeout=120_000)
    assert page.inner_text("#epoch") == "1 / 1"


@pytest.fixture(scope="module")
def mnist_page(module_page, site_url):
    open_mnist(module_page, site_url)
    yield module_page
    module_page.assert_no_errors()


# ------------------------------------------------------------------ the controls write the hash

def test_the_page_opens_with_its_defaults_in_the_hash(mnist_page):
    page = mnist_page
    assert page.evaluate("location.hash") == DEFAULT_HASH
    assert not page.is_visible("#notes")
    assert params(page) == controls(page)


def test_every_control_writes_the_hash_without_history_entries(mnist_page):
    page = mnist_page
    length = page.evaluate("history.length")
    page.select_option("#subset", "1000")  # first, so every later network is quick to build
    page.wait_for_function("document.getElementById('data-summary').textContent.startsWith('800 training')")
    assert params(page)["digits"] == "1000"
    for select, key, value in [("#optimizer", "optimizer", "adam"), ("#lr", "learningRate", "0.003"),
                               ("#batch-size", "batchSize", "32"), ("#epochs", "epochs", "3"),
                               ("#test-fraction", "testRatio", "0.3")]:
        page.select_option(select, value)
        assert params(page)[key] == value, key
    page.wait_for_function("document.getElementById('data-summary').textContent.startsWith('700 training')")
    page.fill("#seed", "42")
    page.dispatch_event("#seed", "change")
    assert params(page)["seed"] == "42"
    page.fill("#seed", "-3")  # typed out of range: refused and said, the hash keeps the seed in use
    page.dispatch_event("#seed", "change")
    assert params(page)["seed"] == "42" and page.get_attribute("#seed", "aria-invalid") == "true"
    assert "The seed must be a whole number from 0 to 2,147,483,647" in page.inner_text("#train-status")
    page.fill("#seed", "0")
    page.dispatch_event("#seed", "change")
    assert params(page)["seed"] == "0" and page.get_attribute("#seed", "aria-invalid") is None

    page.click("#add-layer")
    page.wait_for_function(f"{SUMMARY}.startsWith('784 → 128 → 64 → 10')")
    assert (params(page)["networkShape"], params(page)["activations"]) == ("128,64", "relu,relu")
    page.select_option('#layers li:nth-child(2) [data-key="activation"]', "tanh")
    page.select_option('#layers li:nth-child(1) [data-key="units"]', "32")
    page.wait_for_function(f"{SUMMARY}.startsWith('784 → 32 → 64 → 10')")
    assert (params(page)["networkShape"], params(page)["activations"]) == ("32,64", "relu,tanh")
    page.click('#layers li:nth-child(1) button')
    page.wait_for_function(f"{SUMMARY}.startsWith('784 → 64 → 10')")
    assert (params(page)["networkShape"], params(page)["activations"]) == ("64", "tanh")

    assert page.evaluate("location.hash") == (
        "#networkShape=64&activations=tanh&optimizer=adam&learningRate=0.003&batchSize=32&epochs=3"
        "&digits=1000&testRatio=0.3&seed=0")
    assert params(page) == controls(page)
    assert page.evaluate("history.length") == length  # replaceState: Back leaves the page, not a setting


# ------------------------------------------------------------------ the module itself

def test_state_module_round_trips_random_states_and_survives_garbage(mnist_page):
    """parseHash(serialize(s)) == s with no note for random valid states (listed values and others
    in range); junk never throws, and always gives a complete, valid state and a few notes."""
    result = mnist_page.evaluate("""async () => {
        const S = await import('/js/mnist/state.js');
        let seed = 20240611;
        const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
        const pick = (a) => a[Math.floor(rand() * a.length)];
        const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
        const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
        const bad = [];
        for (let n = 0; n < 500; n++) {
            const layers = int(0, S.MAX_LAYERS);
            const s = {
                layers: Array.from({ length: layers }, () => ({
                    units: rand() < 0.5 ? pick(S.UNITS) : int(1, S.MAX_UNITS), activation: pick(S.ACTIVATION_NAMES) })),
                optimizer: pick(S.OPTIMIZERS),
                lr: rand() < 0.5 ? pick(S.LEARNING_RATES) : pick([1e-6, 10, 0.05, 2.5e-5, 0.123456789, 7]),
                batch_size: rand() < 0.5 ? pick(S.BATCH_SIZES) : int(1, 1024),
                epochs: pick(S.EPOCHS),
                n: rand() < 0.5 ? pick(S.DIGITS) : int(200, S.MAX_DIGITS),
                test_fraction: rand() < 0.5 ? pick(S.TEST_RATIOS) : pick([0.05, 0.5, 0.25, 0.125, 0.333]),
                seed: rand() < 0.5 ? int(0, 999999) : pick([0, S.MAX_SEED, 123456789]),
                inside: rand() < 0.5,
                insideDigit: rand() < 0.5 ? null : int(0, 9999),
                insideLabel: rand() < 0.5 ? null : int(0, 9),
            };
            const back = S.parseHash(S.serialize(s));
            if (back.notes.length || !same(back.state, s)) bad.push([S.serialize(s), back]);
            if (!same(S.fromEngine(S.toEngine(s), s), s)) bad.push(['engine', s]);
        }
        const junk = ['', '#', '#&&&', '#=1', '#seed', '#seed=%E0%A4%A', '#networkShape=,,,', '#seed=1e400',
            '#learningRate=NaN', '#learningRate=Infinity', '#learningRate=0x10', '#learningRate=1e-7',
            '#batchSize=1.5', '#epochs=7', '#optimizer=rmsprop', '#activations=swish',
            '#networkShape=64,64,64,64,64,64&activations=tanh', '#networkShape=0', '#networkShape=2000',
            '#activations=relu,relu&networkShape=16', '#digits=100&testRatio=0.05', '#digits=99999',
            '#' + 'a'.repeat(20000), '#networkShape=' + '1,'.repeat(5000) + '1', '#x=1&'.repeat(300),
            '#__proto__=1&constructor=2&toString=3', '#optimizer=__proto__', '#seed=<script>alert(1)</script>',
            '#javascript:alert(1)', "#learningRate=1;alert('x')"];
        for (let n = 0; n < 300; n++) {
            junk.push('#' + Array.from({ length: int(1, 6) }, () =>
                pick([...S.PROPS.map((p) => p.name), 'layers', 'activation', 'bogus']) + '=' +
                String.fromCharCode(...Array.from({ length: int(0, 8) }, () => int(32, 121)))).join('&'));
        }
        const broken = [];
        for (const h of junk) {
            try {
                const { state, notes } = S.parseHash(h);
                const again = S.parseHash(S.serialize(state));
                if (again.notes.length || !same(again.state, state)) broken.push([h, 'not valid after parsing', again.notes]);
                if (state.layers.some((l) => !S.ACTIVATION_NAMES.includes(l.activation))) broken.push([h, 'activations']);
                if (state.layers.length > S.MAX_LAYERS) broken.push([h, 'layers']);
                if (notes.length > S.MAX_NOTES || notes.some((t) => t.length > 200)) broken.push([h, 'notes', notes]);
            } catch (e) {
                broken.push([h, String(e)]);
            }
        }
        const A = (hash) => S.parseHash(hash);
        return {
            bad: bad.slice(0, 3), broken: broken.slice(0, 5), junk: junk.length,
            defaults: S.serialize(S.defaults()),
            teacher: A('#layers=64,64&activation=tanh&optimizer=adam&learningRate=0.001'),
            tooMany: A('#networkShape=64,64,64,64,64,64'),
            few: A('#networkShape=64,32,16&activations=tanh'),
            tooFewTest: A('#digits=100&testRatio=0.05'),
            many: A('#' + Array.from({ length: 40 }, (_, i) => `bogus${i}=1`).join('&')),
        };
    }""")
    assert result["bad"] == []
    assert result["broken"] == []
    assert result["junk"] > 300
    assert result["defaults"] == DEFAULT_HASH
    teacher = result["teacher"]  # the README's wording: layers= and one activation= for all
    assert teacher["notes"] == []
    assert teacher["state"]["layers"] == [{"units": 64, "activation": "tanh"}] * 2
    assert (teacher["state"]["optimizer"], teacher["state"]["lr"]) == ("adam", 0.001)
    too_many = result["tooMany"]
    assert [l["units"] for l in too_many["state"]["layers"]] == [64] * 4 and "6 hidden layers" in too_many["notes"][0]
    few = result["few"]
    assert [l["activation"] for l in few["state"]["layers"]] == ["tanh"] * 3 and "1 activation for 3" in few["notes"][0]
    assert result["tooFewTest"]["state"]["test_fraction"] == 0.2 and result["tooFewTest"]["state"]["n"] == 100
    many = result["many"]["notes"]
    assert len(many) == 5 and many[-1] == "… and 36 more problems with the link."


def test_the_module_knows_the_selects_options(mnist_page):
    """state.js's lists are the page's options (the hash takes exactly these for the epochs)."""
    out = mnist_page.evaluate("""async () => {
        const S = await import('/js/mnist/state.js');
        const values = (id) => [...document.getElementById(id).options].map((o) => o.value);
        const units = document.querySelector('#layers [data-key="units"]');
        return {
            page: [values('optimizer'), values('lr').map(Number), values('batch-size').map(Number),
                   values('epochs').map(Number), values('subset').map(Number), values('test-fraction').map(Number),
                   [...document.querySelector('#layers [data-key="activation"]').options].map((o) => o.value)],
            module: [S.OPTIMIZERS, S.LEARNING_RATES, S.BATCH_SIZES, S.EPOCHS, S.DIGITS, S.TEST_RATIOS, S.ACTIVATION_NAMES],
            units: [...units.options].map((o) => Number(o.value)), UNITS: S.UNITS,
        };
    }""")
    assert out["page"] == out["module"]
    assert out["units"] == out["UNITS"]


# ------------------------------------------------------------------ an edited hash

def test_an_edited_hash_applies_like_the_controls(mnist_page):
    page = mnist_page
    set_hash(page, "#networkShape=32&activations=relu&digits=1000&testRatio=0.2&seed=1&epochs=1")
    page.wait_for_function(f"{SUMMARY}.startsWith('784 → 32 → 10')")
    train_one_epoch(page)

    # a live setting: the engine takes it, the trained network stays
    set_hash(page, "#networkShape=32&activations=relu&digits=1000&testRatio=0.2&seed=1&epochs=1"
                   "&optimizer=sgd&learningRate=0.01&batchSize=16")
    page.wait_for_function("document.getElementById('lr').value === '0.01'")
    assert (page.input_value("#optimizer"), page.input_value("#batch-size")) == ("sgd", "16")
    assert page.inner_text("#epoch") == "1 / 1" and page.inner_text("#net-summary").startswith("784 → 32 → 10")
    assert page.evaluate("location.hash") == ("#networkShape=32&activations=relu&optimizer=sgd&learningRate=0.01"
                                              "&batchSize=16&epochs=1&digits=1000&testRatio=0.2&seed=1")

    # a new network: epoch 0, as the layer editor would do; values off the lists get an option
    set_hash(page, "#layers=100,48&activations=sigmoid,tanh&digits=1000&seed=1&learningRate=0.05&batchSize=100")
    page.wait_for_function(f"{SUMMARY}.startsWith('784 → 100 → 48 → 10: 83,838 weights')")
    page.wait_for_function("document.getElementById('epoch').textContent === '0'")
    assert not page.is_visible("#notes")
    assert controls(page) == params(page) == {
        "networkShape": "100,48", "activations": "sigmoid,tanh", "optimizer": "momentum", "learningRate": "0.05",
        "batchSize": "100", "epochs": "10", "digits": "1000", "testRatio": "0.2", "seed": "1"}
    assert page.eval_on_selector("#lr", "s => s.selectedOptions[0].textContent") == "0.05"
    assert page.eval_on_selector('#layers [data-key="units"]', "s => s.selectedOptions[0].textContent") == "100 neurons"

    # a different data split alone also starts again
    train_one_epoch(page)
    set_hash(page, page.evaluate("location.hash").replace("seed=1", "seed=2"))
    page.wait_for_function("document.getElementById('epoch').textContent === '0'")
    assert params(page)["seed"] == page.input_value("#seed") == "2"


BAD_LINKS = [
    # (hash, what the note names, what is used)
    ("#networkShape=64,64,9999&optimizer=rmsprop&digits=1000&epochs=1",
     ["networkShape=64,64,9999", "optimizer=rmsprop"], {"networkShape": "128", "optimizer": "momentum", "digits": "1000"}),
    ("#networkShape=16,16,16,16,16,16&activations=tanh,swish&learningRate=99&digits=1000&epochs=1",
     ["6 hidden layers", "activations=tanh,swish", "learningRate=99"],
     {"networkShape": "16,16,16,16", "activations": "relu,relu,relu,relu", "learningRate": "0.1"}),
    ("#digits=1000&epochs=1&batchSize=0&seed=-1&testRatio=0.9&bogus=1&epochs=7",   # a repeated key: the first counts
     ["batchSize=0", "seed=-1", "testRatio=0.9", "bogus", "Ignored “epochs=7”: the link already gives epochs (“epochs=1”)"],
     {"batchSize": "64", "seed": "0", "testRatio": "0.2", "epochs": "1"}),
    ("#digits=1000&epochs=1&%E0%A4%A=1&seed=1e400&activations=relu&networkShape=",
     ["not valid URL encoding", "seed=1e400", "1 activation for 0 hidden layers"],
     {"networkShape": "", "activations": "", "seed": "0"}),
    ("#digits=1000&epochs=1&learningRate=" + "9" * 3000 + "&" + "&".join(f"<b>junk{i}</b>=1" for i in range(50)),
     ["learningRate=999", "junk0", "more problems with the link"], {"learningRate": "0.1", "digits": "1000"}),
]


@pytest.mark.parametrize("hash_, named, used", BAD_LINKS, ids=range(len(BAD_LINKS)))
def test_a_bad_edited_hash_gets_a_note_and_its_good_parts(mnist_page, hash_, named, used):
    page = mnist_page
    set_hash(page, hash_)
    page.wait_for_function(f"!{NOTES}.hidden")
    text = notes_text(page)
    for part in named:
        assert part in text, (part, text)
    assert text.count("\n") <= 6  # at most five notes, and Dismiss
    got = params(page)
    for key, value in used.items():
        assert got[key] == value, key
    assert controls(page) == got
    assert page.evaluate("document.querySelectorAll('#notes b').length") == 0  # text, never HTML
    page.wait_for_function("!document.getElementById('train-button').disabled")


def test_a_bad_link_still_trains_and_a_good_one_clears_the_note(mnist_page):
    page = mnist_page
    set_hash(page, BAD_LINKS[1][0])
    page.wait_for_function(f"!{NOTES}.hidden && {SUMMARY}.startsWith('784 → 16 → 16 → 16 → 16 → 10')")
    train_one_epoch(page)
    assert page.inner_text("#test-acc").endswith("%")
    set_hash(page, "#digits=1000&epochs=1")
    page.wait_for_function(f"{NOTES}.hidden && {SUMMARY}.startsWith('784 → 128 → 10')")
    page.click("#add-layer")  # the note stays gone while the controls are used
    page.wait_for_function(f"{SUMMARY}.startsWith('784 → 128 → 64 → 10')")
    assert not page.is_visible("#notes")


# ------------------------------------------------------------------ an import

def test_an_import_writes_its_setup_to_the_hash(mnist_page, tmp_path):
    page = mnist_page
    set_hash(page, "#digits=1000&epochs=3&seed=1")
    page.wait_for_function(f"{SUMMARY}.startsWith('784 → 128 → 10')")
    # a model saved in CPython: its layers come in, the data and training settings stay
    model = nnpy.SequentialModel.from_structure([784, 100, 32, 10], seed=0)
    path = tmp_path / "cpython.nnpy"
    nnpy.save_model(model, str(path))
    page.set_input_files("#model-file", str(path))
    page.wait_for_function("document.getElementById('file-status-text').textContent.startsWith('Loaded cpython.nnpy')",
                           timeout=60_000)
    assert page.inner_text("#net-summary").startswith("784 → 100 → 32 → 10")
    assert page.evaluate("location.hash") == (
        "#networkShape=100,32&activations=relu,relu&optimizer=momentum&learningRate=0.1&batchSize=64&epochs=3"
        "&digits=1000&testRatio=0.2&seed=1")

    # a page export brings its settings along: the hash says them all (the epochs per run stay)
    state = check_state({"n": 2000, "test_fraction": 0.25, "seed": 9, "optimizer": "adam", "lr": 0.0005,
                         "batch_size": 50, "layers": [{"units": 64, "activation": "tanh"}]})
    model = nnpy.SequentialModel([nnpy.DenseLayer(784, 64, "tanh"), nnpy.DenseLayer(64, 10, "softmax")], seed=1)
    data = nnpy.save_model_bytes(model, export_metadata(state, 0))
    page.set_input_files("#model-file", files=[{"name": "page.nnpy", "mimeType": "application/octet-stream", "buffer": data}])
    page.wait_for_function("document.getElementById('file-status-text').textContent.startsWith('Loaded page.nnpy')",
                           timeout=60_000)
    assert page.evaluate("location.hash") == (
        "#networkShape=64&activations=tanh&optimizer=adam&learningRate=0.0005&batchSize=50&epochs=3"
        "&digits=2000&testRatio=0.25&seed=9")
    assert controls(page) == params(page)
    assert page.inner_text("#data-summary").startswith("1,500 training and 500 test digits")
    assert page.inner_text("#epoch") == "0"


# ------------------------------------------------------------------ share

def test_share_copies_the_link_or_selects_it(mnist_page):
    page = mnist_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=page.evaluate("location.origin"))
    page.click("#share-button")
    page.wait_for_function("document.getElementById('share-copied').textContent !== ''")
    assert page.get_attribute("#share-button", "aria-expanded") == "true"
    href = page.evaluate("location.href")
    assert page.input_value("#share-link") == href
    assert page.inner_text("#share-copied") == "Link copied."
    assert page.evaluate("navigator.clipboard.readText()") == href
    # the open panel follows the setup
    page.select_option("#optimizer", "sgd")
    assert page.input_value("#share-link") == page.evaluate("location.href") != href
    page.focus("#share-copy")  # Escape in the panel closes it
    page.keyboard.press("Escape")
    assert page.is_hidden("#share-panel")
    assert page.evaluate("document.activeElement.id") == "share-button"
    # by keyboard alone: Enter copies the link and the focus stays on Share; Escape there closes it too
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('share-copied').textContent === 'Link copied.'")
    assert page.evaluate("document.activeElement.id") == "share-button"
    page.keyboard.press("Escape")
    assert page.is_hidden("#share-panel")
    assert page.get_attribute("#share-button", "aria-expanded") == "false"

    # no clipboard (an http:// site): the link is selected for Ctrl+C
    page.evaluate("Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true })")
    page.click("#share-button")
    page.wait_for_function("document.getElementById('share-copied').textContent !== ''")
    assert page.inner_text("#share-copied").startswith("Press Ctrl+C")
    assert page.evaluate("""() => { const l = document.getElementById('share-link');
        return document.activeElement === l && l.selectionStart === 0 && l.selectionEnd === l.value.length; }""")
    page.click("#share-close")
    assert page.is_hidden("#share-panel")


# ------------------------------------------------------------------ fresh pages: a link opened

def test_a_link_opened_in_a_fresh_page_reproduces_the_setup(page, site_url):
    hash_ = ("#networkShape=64,64&activations=tanh,tanh&optimizer=adam&learningRate=0.001&batchSize=32"
             "&epochs=1&digits=2000&testRatio=0.3&seed=7")
    open_mnist(page, site_url, hash_)
    assert page.evaluate("location.hash") == hash_  # nothing changed, nothing dropped, same order
    assert not page.is_visible("#notes")
    assert controls(page) == params(page)
    assert page.inner_text("#net-summary") == "784 → 64 → 64 → 10: 55,050 weights and biases."
    assert page.inner_text("#data-summary").startswith("1,400 training and 600 test digits ")
    assert urlsplit(page.url).fragment == hash_[1:]
    train_one_epoch(page)
    page.assert_no_errors()


def test_a_bad_link_opened_in_a_fresh_page_gets_a_note_and_trains(page, site_url):
    hash_ = ("#networkShape=32,4096&activations=tanh&optimizer=Adam&learningRate=abc&bogus=1&digits=1000"
             "&epochs=1&seed=" + "7" * 2000)
    open_mnist(page, site_url, hash_)
    text = notes_text(page)
    assert "networkShape=32,4096" in text and "learningRate=abc" in text and "bogus" in text and "seed=777" in text
    assert len(text) < 1000  # the long value is shortened
    assert page.evaluate("location.hash") == (
        "#networkShape=128&activations=tanh&optimizer=adam&learningRate=0.1&batchSize=64&epochs=1"
        "&digits=1000&testRatio=0.2&seed=0")  # the refused layers' sizes are the default's; their activation is kept
    assert page.inner_text("#net-summary").startswith("784 → 128 → 10")
    train_one_epoch(page)
    page.click("#notes-close")
    assert page.is_hidden("#notes")
    page.assert_no_errors()

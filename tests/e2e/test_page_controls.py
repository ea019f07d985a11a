"""Every family of controls of the playground (issue 4), each checked by what a person sees:
the heatmap changed, the counter moved, the URL round-trips, a message appeared."""

import time

import pytest
from playwright.sync_api import expect

from test_page_support import (
    changed_fraction, epoch, hash_params, heatmap_pixels, is_playing, open_page, pause, percent,
    play, point_count, set_hash, train_until, wait_idle,
)

pytestmark = pytest.mark.e2e

ALL_FEATURES = "&x=true&y=true&xSquared=true&ySquared=true&xTimesY=true&sinX=true&sinY=true"


@pytest.fixture(scope="module")
def playground(module_page, site_url):
    open_page(module_page, site_url, "#dataset=circle")
    yield module_page
    module_page.assert_no_errors()


def nodes(page, kind):
    return page.locator(f".net-nodes .node.{kind}").count()


def test_toggling_a_feature_changes_the_network_and_the_heatmap(playground):
    set_hash(playground, "#dataset=circle&seed=3")
    before = heatmap_pixels(playground)
    feature = playground.locator('.node.feature[data-unit="2"]')  # x1 squared
    assert feature.get_attribute("aria-pressed") == "false"
    feature.click()
    wait_idle(playground)
    assert feature.get_attribute("aria-pressed") == "true"
    assert hash_params(playground)["xSquared"] == "true"
    assert playground.inner_text(".net-params").startswith("29 ")  # 3*4+4 + 4*2+2 + 2+1
    assert changed_fraction(before, heatmap_pixels(playground)) > 0.05
    feature.click()
    wait_idle(playground)
    assert hash_params(playground)["xSquared"] == "false"


def test_the_last_feature_cannot_be_switched_off(playground):
    set_hash(playground, "#dataset=circle&x=true&y=false")
    playground.locator('.node.feature[data-unit="0"]').click()
    assert "at least one input feature" in playground.inner_text("#network-message")
    assert hash_params(playground)["x"] == "true"


def test_layers_and_neurons_plus_and_minus(playground):
    set_hash(playground, "#dataset=circle&networkShape=4,2")
    assert nodes(playground, "hidden") == 6
    playground.click('[data-act="add-layer"]')
    wait_idle(playground)
    assert playground.inner_text(".net-count") == "3 hidden layers"
    assert nodes(playground, "hidden") == 8
    playground.click('.layer-head[data-layer="1"] button[data-d="1"]')  # + a neuron in layer 1
    wait_idle(playground)
    assert hash_params(playground)["networkShape"] == "5,2,2"
    assert nodes(playground, "hidden") == 9
    playground.click('.layer-table button[data-act="units"][data-layer="2"][data-d="-1"]')
    wait_idle(playground)
    assert hash_params(playground)["networkShape"] == "5,2,1"
    playground.select_option('.layer-table select[data-layer="0"]', "relu")
    wait_idle(playground)
    assert hash_params(playground)["activations"] == "relu,tanh,tanh"
    playground.click('[data-act="remove-layer"]')
    playground.click('[data-act="remove-layer"]')
    playground.click('[data-act="remove-layer"]')
    wait_idle(playground)
    assert playground.inner_text(".net-count") == "0 hidden layers"
    assert nodes(playground, "hidden") == 0
    assert playground.is_disabled('[data-act="remove-layer"]')
    # a network without hidden layers still trains (logistic regression)
    train_until(playground, lambda p: epoch(p) >= 5, what="5 epochs")


def test_a_big_network_asks_first(playground):
    set_hash(playground, "#dataset=circle&networkShape=32,32,32&activations=relu,relu,relu")
    playground.click('[data-act="add-layer"]')  # 2,241 -> 3,297 weights and biases
    dialog = playground.locator("#size-warning")
    assert dialog.is_visible()
    assert "3,297 weights and biases" in dialog.inner_text()
    playground.click('#size-warning button[value="cancel"]')
    wait_idle(playground)
    assert playground.inner_text(".net-count") == "3 hidden layers"
    playground.click('[data-act="add-layer"]')
    playground.click('#size-warning button[value="ok"]')
    # the dialog's close event comes a task after the click returns, and the engine call after it:
    # poll for the engine's count rather than trusting an idle check that may run before either
    expect(playground.locator(".net-params")).to_have_text("3,297 weights and biases", timeout=20_000)
    wait_idle(playground)
    assert playground.inner_text(".net-count") == "4 hidden layers"
    assert nodes(playground, "hidden") == 128


def test_learning_rate_changes_live_without_a_reset(playground):
    set_hash(playground, "#dataset=spiral&learningRate=0.03")
    play(playground)
    playground.wait_for_function("() => Number(document.querySelector('#epoch').textContent.replace(/,/g, '')) > 40")
    playground.select_option("#learningRate", "0.3")
    before = epoch(playground)
    time.sleep(0.5)
    assert is_playing(playground)
    assert epoch(playground) > before  # it went on from where it was
    assert playground.evaluate("window.nnpy.loop.snapshot.lr") == 0.3
    pause(playground)
    assert hash_params(playground)["learningRate"] == "0.3"


def test_other_live_settings_and_data_settings(playground):
    set_hash(playground, "#dataset=circle")
    train_until(playground, lambda p: epoch(p) >= 10, what="10 epochs")
    for select, value in (("#optimizer", "adam"), ("#regularization", "L2"), ("#regularizationRate", "0.01")):
        playground.select_option(select, value)
        wait_idle(playground)
        assert epoch(playground) >= 10  # live: no reset
    assert (hash_params(playground)["optimizer"], hash_params(playground)["regularization"]) == ("adam", "L2")
    # data settings make new data and a new network
    playground.fill("#noise", "25")
    playground.dispatch_event("#noise", "change")
    wait_idle(playground)
    assert epoch(playground) == 0 and hash_params(playground)["noise"] == "25"
    before = point_count(playground)
    playground.locator('#percTrainData').fill("80")
    playground.dispatch_event("#percTrainData", "change")
    wait_idle(playground)
    assert playground.inner_text("#percTrainData-out") == "80 %" and point_count(playground) == before


def test_problem_type_regression(playground):
    set_hash(playground, "#dataset=circle")
    playground.select_option("#problem", "regression")
    wait_idle(playground)
    assert playground.locator('[data-control="regDataset"]').is_visible()
    assert not playground.locator('[data-control="dataset"]').is_visible()
    assert not playground.locator("#test-acc").is_visible()  # no accuracy for regression
    assert playground.locator(".confusion-table").count() == 0
    start = float(playground.inner_text("#test-loss"))
    train_until(playground, lambda p: float(p.inner_text("#test-loss")) < start / 3, what="a lower loss")


def test_url_hash_round_trips(browser, site_url):
    hash_ = ("#problem=classification&dataset=blobs&regDataset=reg-gauss&classes=4&noise=15&percTrainData=70"
             "&batchSize=25&seed=4242&networkShape=6,3&activations=relu,sigmoid&learningRate=0.003"
             "&optimizer=momentum&regularization=L1&regularizationRate=0.003&x=true&y=false&xSquared=true"
             "&ySquared=false&xTimesY=true&sinX=false&sinY=true&showTestData=true&discretize=true")
    context = browser.new_context()
    page = context.new_page()
    open_page(page, site_url, hash_)
    assert page.evaluate("location.hash") == hash_  # nothing changed, nothing dropped, same order
    assert page.is_visible("#notes") is False
    assert page.input_value("#learningRate") == "0.003"
    assert page.input_value("#classes") == "4"
    assert page.input_value("#seed") == "4242"
    assert page.is_checked("#showTestData") and page.is_checked("#discretize")
    assert page.locator(".net-nodes .node.output").count() == 4  # 4 classes: softmax
    assert [page.locator(f'.node.feature[data-unit="{i}"]').get_attribute("aria-pressed")
            for i in range(7)] == ["true", "false", "true", "false", "true", "false", "true"]
    # a link made from this page reproduces it
    page2 = context.new_page()
    open_page(page2, site_url, page.evaluate("location.hash"))
    assert page2.inner_text("#test-loss") == page.inner_text("#test-loss")
    context.close()


def test_a_bad_hash_shows_a_note_and_falls_back_to_defaults(page, site_url):
    open_page(page, site_url, "#noise=abc&learningRate=-3&networkShape=4,99&bogus=1&dataset=spiral"
                              "&activation=relu")
    notes = page.inner_text("#notes")
    assert "noise=abc" in notes and "learningRate=-3" in notes and "networkShape=4,99" in notes
    assert "bogus" in notes
    params = hash_params(page)
    assert params["noise"] == "0" and params["learningRate"] == "0.03"
    assert params["networkShape"] == "4,2" and params["dataset"] == "spiral"
    assert params["activations"] == "relu,relu"  # TF Playground's one activation for all layers
    page.click("#notes-close")
    assert page.is_hidden("#notes")
    counted = page.evaluate("""async () => { const S = await import('/js/playground/state.js');
        return ['#networkShape=4&activations=relu,tanh', '#networkShape=4,2&activations=relu']
            .map((h) => S.parseHash(h).notes.join(' ')); }""")
    assert "lists 2 activations for 1 hidden layer;" in counted[0]
    assert "lists 1 activation for 2 hidden layers;" in counted[1]
    page.assert_no_errors()


def test_classroom_links_hide_controls(playground):
    set_hash(playground, "#dataset=xor&learningRate_hide=true&userData_hide=true&dataset_hide=true")
    assert not playground.locator('[data-control="learningRate"]').is_visible()
    assert not playground.locator('[data-control="userData"]').is_visible()
    assert not playground.locator('[data-control="dataset"]').is_visible()
    assert playground.locator('[data-control="noise"]').is_visible()
    assert "learningRate_hide=true" in playground.evaluate("location.hash")
    set_hash(playground, "#dataset=xor")
    assert playground.locator('[data-control="learningRate"]').is_visible()


def upload(page, name, text):
    page.set_input_files("#csv-file", files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode()}])


def test_bad_csv_shows_its_message_and_keeps_the_old_data(playground):
    set_hash(playground, "#dataset=moons")
    source = playground.inner_text("#data-source")
    before = heatmap_pixels(playground)
    upload(playground, "broken.csv", "x1,x2,label\n1,2,0\n3,abc,1\n")
    playground.wait_for_function("document.querySelector('#data-message').textContent.includes('broken.csv')")
    wait_idle(playground)
    message = playground.inner_text("#data-message")
    assert "broken.csv" in message and "row 3" in message and "'abc' is not a number" in message
    assert "unchanged" in message
    assert playground.inner_text("#data-source") == source
    assert changed_fraction(before, heatmap_pixels(playground)) == 0
    upload(playground, "far.csv", "x1,x2,label\n1,2,0\n1,1,1\n2,2,1\n30,0,1\n")
    playground.wait_for_function("document.querySelector('#data-message').textContent.includes('far.csv')")
    assert "row 5" in playground.inner_text("#data-message") and "outside" in playground.inner_text("#data-message")


def test_csv_upload_with_three_classes_and_download(playground):
    set_hash(playground, "#dataset=circle")
    rows = [f"{x / 2},{y / 2},{(x + y) % 3}" for x in range(-8, 9, 2) for y in range(-8, 9, 2)]
    upload(playground, "grid.csv", "x1,x2,label\n" + "\n".join(rows) + "\n")
    playground.wait_for_function("document.querySelector('#data-message').textContent.includes('Loaded')")
    wait_idle(playground)
    assert playground.inner_text("#data-message") == (
        f"Loaded {len(rows)} points from grid.csv. First row read as the header: x1,x2,label "
        "(to read it as data, choose: CSV first row is data).")
    assert "grid.csv" in playground.inner_text("#data-source")
    assert playground.locator(".net-nodes .node.output").count() == 3
    assert playground.locator(".confusion-table tbody tr").count() == 3
    with playground.expect_download() as info:
        playground.click("#csv-download")
    text = open(info.value.path()).read()
    lines = text.strip().split("\n")
    assert lines[0] == "x1,x2,label" and len(lines) == len(rows) + 1
    assert sorted(lines[1:]) == sorted(f"{float(r.split(',')[0])!r},{float(r.split(',')[1])!r},{r.split(',')[2]}"
                                       for r in rows)


def test_add_and_remove_points_by_clicking(playground):
    set_hash(playground, "#dataset=xor")
    n = point_count(playground)
    playground.check('input[name="edit-mode"][value="add"]')
    playground.select_option("#add-class", "1")
    box = playground.locator(".heatmap-canvas").bounding_box()
    # aim at (x1, x2) = (3, -3) through the page's own coordinate mapping
    x, y = playground.evaluate("""() => {
        const c = document.querySelector('.heatmap-canvas').getBoundingClientRect();
        const w = c.width - 36;  // the plot area: left margin 30, right margin 6
        return [c.left + 30 + (3 + 6) / 12 * w, c.top + 6 + (6 - -3) / 12 * w];
    }""")
    playground.mouse.click(x, y)
    wait_idle(playground)
    assert point_count(playground) == n + 1
    assert "edited" in playground.inner_text("#data-source")
    playground.check('input[name="edit-mode"][value="remove"]')
    playground.mouse.click(x, y)
    wait_idle(playground)
    assert point_count(playground) == n
    playground.check('input[name="edit-mode"][value=""]')
    assert box is not None


def test_three_class_spiral_reaches_90_percent(playground):
    set_hash(playground, "#dataset=spiral&classes=3&networkShape=16,16,16&activations=relu,relu,relu"
                         "&optimizer=adam&learningRate=0.003")
    assert playground.locator(".net-nodes .node.output").count() == 3
    train_until(playground, lambda p: percent(p, "#test-acc") >= 90, timeout=90, what="90 % test accuracy")
    assert percent(playground, "#test-acc") >= 90
    assert playground.locator(".confusion-table tbody tr").count() == 3
    legend = playground.inner_text(".heatmap-legend")
    assert "class 2" in legend


def test_neuron_thumbnails_enlarge_on_hover_and_tap_and_the_card_edits_a_bias(playground):
    set_hash(playground, "#dataset=circle&seed=5")
    output = heatmap_pixels(playground)
    neuron = playground.locator('.node.hidden[data-layer="1"][data-unit="0"]')
    neuron.hover()
    playground.wait_for_function("document.querySelector('.heatmap-caption').textContent.includes('neuron 1 of layer 1')")
    wait_idle(playground)
    assert changed_fraction(output, heatmap_pixels(playground)) > 0.05
    playground.mouse.move(0, 0)
    playground.wait_for_function("document.querySelector('.heatmap-caption').textContent === ''")
    # a click (a tap on a phone) pins it and opens its card
    neuron.click()
    playground.mouse.move(0, 0)
    assert "neuron 1 of layer 1" in playground.inner_text("#focus-text")
    card = playground.locator("#card")
    assert card.is_visible() and "bias" in card.inner_text()
    assert card.locator("input").count() == 1 + 2  # the bias and the weights from x1, x2
    pinned = heatmap_pixels(playground)
    bias = card.locator('input[data-name="b"]')
    bias.fill("3")
    bias.press("Enter")
    wait_idle(playground)
    assert changed_fraction(pinned, heatmap_pixels(playground)) > 0.05  # tanh(z + 3): mostly blue now
    assert card.locator('input[data-name="b"]').input_value() == "3"
    playground.click("#focus-back")
    assert card.is_hidden()


def test_tap_on_a_touch_screen_enlarges_a_neuron(browser, site_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    open_page(page, site_url, "#dataset=xor")
    page.locator('.node.hidden[data-layer="2"][data-unit="1"]').tap()
    page.wait_for_function("document.querySelector('.heatmap-caption').textContent.includes('neuron 2 of layer 2')")
    assert page.locator("#card").is_visible()
    page.locator('.node.hidden[data-layer="2"][data-unit="1"]').tap()  # tap again: back to the output
    page.wait_for_function("document.querySelector('.heatmap-caption').textContent === ''")
    context.close()


def test_divergence_pauses_with_a_message_and_a_way_back(playground):
    set_hash(playground, "#problem=regression&regDataset=reg-gauss&learningRate=10"
                         "&networkShape=8,8,8&activations=relu,relu,relu")
    playground.click("#play-button")  # it may diverge, and pause, before the next line runs
    playground.wait_for_selector("#diverged", state="visible", timeout=30_000)
    assert not is_playing(playground)
    assert "learning rate" in playground.inner_text("#diverged")
    playground.click("#diverged-lower")  # ten times lower (tests/e2e/test_ways_back_page.py clicks on)
    assert playground.input_value("#learningRate") == "1"
    assert hash_params(playground)["learningRate"] == "1"
    pause(playground)
    if playground.is_visible("#diverged"):  # 1 may blow up too; its message offers Reset again
        playground.click("#diverged-reset")
    else:
        playground.click("#reset-button")
    wait_idle(playground)
    assert playground.is_hidden("#diverged") and epoch(playground) == 0


def test_regenerate_gives_new_data_and_keeps_training(playground):
    set_hash(playground, "#dataset=gauss&noise=20&seed=1")
    train_until(playground, lambda p: epoch(p) >= 10, what="10 epochs")
    before = heatmap_pixels(playground)
    at = epoch(playground)
    playground.click("#regenerate")
    wait_idle(playground)
    assert hash_params(playground)["seed"] != "1"
    assert epoch(playground) == at
    assert changed_fraction(before, heatmap_pixels(playground), threshold=60) > 0.001  # the points moved


def test_keyboard_operation(playground):
    set_hash(playground, "#dataset=xor")
    playground.evaluate("document.activeElement && document.activeElement.blur()")
    playground.keyboard.press("Space")
    assert is_playing(playground)
    playground.wait_for_function("() => Number(document.querySelector('#epoch').textContent.replace(/,/g, '')) > 5")
    playground.keyboard.press("Space")
    assert not is_playing(playground)
    wait_idle(playground)
    # Tab reaches the controls; a feature toggles with Enter, a menu with the arrow keys
    playground.focus('.node.feature[data-unit="4"]')
    playground.keyboard.press("Enter")
    wait_idle(playground)
    assert hash_params(playground)["xTimesY"] == "true"
    playground.focus("#learningRate")
    playground.keyboard.press("ArrowDown")
    wait_idle(playground)
    assert hash_params(playground)["learningRate"] == "0.1"
    # every control has an accessible name
    unnamed = playground.evaluate("""() => [...document.querySelectorAll('button, select, input')]
        .filter(e => e.offsetParent !== null && e.type !== 'file')
        .filter(e => !(e.getAttribute('aria-label') || e.labels?.length || e.textContent.trim()))
        .map(e => e.outerHTML.slice(0, 80))""")
    assert unnamed == []


@pytest.mark.parametrize("width", [390, 320])
def test_phone_viewport_has_no_horizontal_scrolling(browser, site_url, width):
    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    open_page(page, site_url, "#dataset=spiral&networkShape=8,8,8,8,8,8,8,8,8,8" + ALL_FEATURES)
    sizes = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert sizes[0] <= sizes[1] == width
    wide = page.evaluate("""w => [...document.querySelectorAll('body *')]
        .filter(e => e.offsetParent !== null && e.getBoundingClientRect().right > w + 0.5)
        .map(e => e.tagName + '.' + e.className)""", width)
    assert wide == []
    context.close()


def test_a_link_shows_its_weight_and_a_click_opens_it_for_editing(playground):
    set_hash(playground, "#dataset=xor&seed=2")
    centre = lambda box: (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # noqa: E731
    ax, ay = centre(playground.locator('.node.feature[data-unit="0"]').bounding_box())
    bx, by = centre(playground.locator('.node.hidden[data-layer="1"][data-unit="0"]').bounding_box())
    mx, my = (ax + bx) / 2, (ay + by) / 2  # the middle of the curve from x1 to neuron 1 of layer 1
    playground.mouse.move(mx, my)
    tooltip = playground.locator(".net-tooltip")
    tooltip.wait_for(state="visible")
    text = tooltip.inner_text()
    assert "x₁ → neuron 1 of layer 1" in text
    shown = float(text.split("weight ")[1].split(":")[0])
    playground.mouse.click(mx, my)
    card = playground.locator("#card")
    assert card.is_visible()
    focused = playground.evaluate("[document.activeElement.dataset.name, document.activeElement.dataset.index]")
    assert focused == ["W", "0"]
    assert float(card.locator('input[data-name="W"][data-index="0"]').input_value()) == pytest.approx(shown, abs=1e-3)
    playground.click("#focus-back")


def test_hovering_an_input_feature_shows_it_in_the_main_view(playground):
    set_hash(playground, "#dataset=circle")
    before = heatmap_pixels(playground)
    playground.locator('.node.feature[data-unit="5"]').hover()  # sin(x1), switched off: still shown
    playground.wait_for_function("document.querySelector('.heatmap-caption').textContent.includes('sin(x₁)')")
    playground.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    assert changed_fraction(before, heatmap_pixels(playground)) > 0.2
    playground.mouse.move(0, 0)


def test_state_module_round_trips_random_states_and_survives_garbage(playground):
    """parseHash(serialize(s)) == s for random valid states; random junk never throws and always
    gives a complete, valid state."""
    result = playground.evaluate("""async () => {
        const S = await import('/js/playground/state.js');
        let seed = 12345;
        const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
        const pick = (a) => a[Math.floor(rand() * a.length)];
        const bad = [];
        for (let n = 0; n < 300; n++) {
            const s = S.defaults();
            for (const p of S.PROPS) {
                if (p.type === 'enum') s[p.name] = pick(p.values);
                else if (p.type === 'int') s[p.name] = p.min + Math.floor(rand() * (p.max - p.min + 1));
                else if (p.type === 'number') s[p.name] = pick([p.min, p.max, 0.003, 1e-5, 0.25, 7]);
                else if (p.type === 'bool') s[p.name] = rand() < 0.5;
            }
            const layers = Math.floor(rand() * (S.MAX_LAYERS + 1));
            s.networkShape = Array.from({ length: layers }, () => 1 + Math.floor(rand() * S.MAX_UNITS));
            s.activations = s.networkShape.map(() => pick(S.ACTIVATIONS));
            if (!S.FEATURES.some((f) => s[f.key])) s.x = true;
            s.hide = S.HIDEABLE.filter(() => rand() < 0.1);
            const back = S.parseHash(S.serialize(s));
            if (back.notes.length || JSON.stringify(back.state) !== JSON.stringify(s)) bad.push([s, back]);
        }
        const junk = ['#', '#&&&', '#=1', '#noise', '#noise=%E0%A4%A', '#networkShape=,,,', '#seed=1e400',
            '#learningRate=NaN', '#x=false&y=false', '#activations=relu&networkShape=1,2,3',
            '#' + 'a'.repeat(5000), '#dataset=__proto__', '#__proto__=1&constructor=2', '#toString=1'];
        for (let n = 0; n < 200; n++) {
            junk.push('#' + Array.from({ length: 1 + Math.floor(rand() * 6) }, () =>
                pick(S.PROPS).name + '=' + String.fromCharCode(...Array.from({ length: Math.floor(rand() * 8) },
                    () => 32 + Math.floor(rand() * 90)))).join('&'));
        }
        const broken = [];
        for (const h of junk) {
            try {
                const { state } = S.parseHash(h);
                const again = S.parseHash(S.serialize(state));
                if (again.notes.length) broken.push([h, 'not valid after parsing', again.notes]);
                if (!S.FEATURES.some((f) => state[f.key])) broken.push([h, 'no feature']);
                if (state.activations.length !== state.networkShape.length) broken.push([h, 'activations']);
            } catch (e) {
                broken.push([h, String(e)]);
            }
        }
        return { bad: bad.slice(0, 3), broken: broken.slice(0, 5), junk: junk.length };
    }""")
    assert result["bad"] == []
    assert result["broken"] == []
    assert result["junk"] > 200

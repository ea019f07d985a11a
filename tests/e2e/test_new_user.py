"""What confused a new user (issue 12, item 11), done as they did it, checked by what they then see."""

import pytest

from test_page_support import open_page, point_count, set_hash, wait_idle

pytestmark = pytest.mark.e2e

CHECKED_CHIPS = "[...document.querySelectorAll('input[name=dataset]:checked')].map((i) => i.value)"


@pytest.fixture(scope="module")
def playground(module_page, site_url):
    module_page.set_viewport_size({"width": 1280, "height": 900})
    open_page(module_page, site_url, "index.html#dataset=circle")
    yield module_page
    module_page.assert_no_errors()


def data_line(page):
    return page.inner_text("#data-source")


def test_the_data_line_names_datasets_as_the_chips_do(playground):
    for key, label in (("xor", "Exclusive or"), ("gauss", "Gaussian"), ("circle", "Circle")):
        set_hash(playground, f"#dataset={key}")
        assert data_line(playground).startswith(f"Data: {label}, "), data_line(playground)
        assert playground.evaluate(CHECKED_CHIPS) == [key]
    set_hash(playground, "#problem=regression&regDataset=reg-gauss")
    assert data_line(playground).startswith("Data: Multi-Gaussian, "), data_line(playground)
    set_hash(playground, "#dataset=circle")


def test_after_a_csv_upload_no_chip_is_highlighted_and_the_chip_brings_the_dataset_back(playground):
    set_hash(playground, "#dataset=circle")
    rows = [f"{x},{y},{(x * y > 0) + (x > 2)}" for x in range(-4, 5) for y in range(-4, 5)]
    playground.set_input_files("#csv-file", files=[{"name": "mine.csv", "mimeType": "text/csv",
                                                    "buffer": ("x1,x2,label\n" + "\n".join(rows)).encode()}])
    playground.wait_for_function("document.querySelector('#data-message').textContent.includes('Loaded')")
    wait_idle(playground)
    assert data_line(playground).startswith("Data: mine.csv, 81 points")
    assert playground.evaluate(CHECKED_CHIPS) == [], "a chip stays highlighted over the user's own data"
    assert playground.locator(".net-nodes .node.output").count() == 3
    # the Circle chip, clicked: the circle again (and a network with one output for its two classes)
    playground.click("label.chip:has(input[value=circle])")
    wait_idle(playground)
    assert data_line(playground).startswith("Data: Circle, 500 points"), data_line(playground)
    assert playground.evaluate(CHECKED_CHIPS) == ["circle"]
    assert playground.locator(".net-nodes .node.output").count() == 1


def test_after_clicking_points_in_no_chip_is_highlighted(playground):
    set_hash(playground, "#dataset=xor")
    n = point_count(playground)
    playground.check('input[name="edit-mode"][value="add"]')
    x, y = playground.evaluate("""() => {
        const c = document.querySelector('.heatmap-canvas').getBoundingClientRect();
        const w = c.width - 36;
        return [c.left + 30 + (3 + 6) / 12 * w, c.top + 6 + (6 - -3) / 12 * w];
    }""")
    playground.mouse.click(x, y)
    wait_idle(playground)
    playground.check('input[name="edit-mode"][value=""]')
    assert point_count(playground) == n + 1
    assert data_line(playground).startswith("Data: Exclusive or (edited), "), data_line(playground)
    assert playground.evaluate(CHECKED_CHIPS) == []
    playground.click("label.chip:has(input[value=xor])")
    wait_idle(playground)
    assert point_count(playground) == n and playground.evaluate(CHECKED_CHIPS) == ["xor"]


def visible(page, selector):
    return page.evaluate(f"[...document.querySelectorAll({selector!r})].filter((e) => e.offsetParent !== null).length")


def test_network_shape_hide_takes_the_buttons_away_not_the_network(playground):
    """The docs' classroom example: the network stays in view, only what changes it goes."""
    set_hash(playground, "#dataset=spiral&networkShape=8,8&activations=tanh,tanh&networkShape_hide=true"
                         "&activations_hide=true")
    assert visible(playground, ".net-nodes .node.hidden") == 16
    assert playground.is_visible(".net-links")
    assert visible(playground, ".net-toolbar .icon-button, .layer-head .icon-button") == 0
    assert not playground.is_visible("#layer-table")
    set_hash(playground, "#dataset=spiral&networkShape=8,8&activations=tanh,tanh&networkShape_hide=true")
    assert visible(playground, ".layer-table select") == 2, "the activations can still be changed"
    assert visible(playground, ".layer-table .icon-button, .layer-table [data-act=add]") == 0
    set_hash(playground, "#dataset=spiral&networkShape=8,8&activations=tanh,tanh")
    assert visible(playground, ".net-toolbar .icon-button") == 2 and playground.is_visible("#layer-table")


# the map's top in its panel (hovering may scroll the page: that moves both)
MAP_TOP = """document.querySelector('.heatmap-canvas').getBoundingClientRect().top
    - document.querySelector('.output-panel').getBoundingClientRect().top"""


def test_hovering_a_neuron_does_not_move_the_map(playground):
    set_hash(playground, "#dataset=circle&networkShape=8,8&activations=tanh,tanh")
    for width in (1280, 390):
        playground.set_viewport_size({"width": width, "height": 900})
        wait_idle(playground)
        top = playground.evaluate(MAP_TOP)
        playground.locator(".net-nodes .node.hidden").last.hover()
        playground.wait_for_function("document.querySelector('.heatmap-caption').textContent.startsWith('Showing')")
        moved = playground.evaluate(MAP_TOP)
        assert moved == top, f"at {width} px the map moved by {moved - top} px when a neuron was hovered"
        playground.mouse.move(0, 0)
    playground.set_viewport_size({"width": 1280, "height": 900})


# The colour at a point's centre against the map right beside it, for train points where the map has
# the point's own colour (the network classifies it right, discretized).
POINT_CONTRAST = """() => {
    const c = document.querySelector('.heatmap-canvas');
    const ctx = c.getContext('2d');
    const pts = window.nnpy.loop.points;
    const w = (c.width - 36), h = w, x0 = 30, y0 = 6;
    const xs = pts.train_x.data, n = pts.train_y.data.length;
    const at = (i) => [x0 + (xs[2 * i] + 6) / 12 * w, y0 + (6 - xs[2 * i + 1]) / 12 * h];
    const px = (x, y) => [...ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data.slice(0, 3)];
    const out = [];
    for (let i = 0; i < n && out.length < 20; i++) {
        const [x, y] = at(i);
        let alone = true;
        for (let j = 0; j < n; j++) {
            if (j === i) continue;
            const [a, b] = at(j);
            if (Math.hypot(a - x, b - y) < 16) { alone = false; break; }
        }
        if (!alone || x < x0 + 12 || x > x0 + w - 12 || y < y0 + 12 || y > y0 + h - 12) continue;
        const beside = [px(x + 10, y), px(x - 10, y), px(x, y + 10), px(x, y - 10)];
        const same = beside.every((p) => p.every((v, k) => Math.abs(v - beside[0][k]) < 4));
        if (same) out.push({ centre: px(x, y), map: beside[0] });
    }
    return out;
}"""


def test_points_show_on_a_map_of_their_own_colour(playground):
    set_hash(playground, "#dataset=gauss&discretize=true&noise=0")
    playground.click("#play-button")
    playground.wait_for_function("Number(document.querySelector('#epoch').textContent.replace(/,/g, '')) >= 10",
                                 timeout=300_000)
    playground.click("#play-button")
    wait_idle(playground)
    pairs = playground.evaluate(POINT_CONTRAST)
    assert len(pairs) >= 5, pairs
    for pair in pairs:
        distance = max(abs(a - b) for a, b in zip(pair["centre"], pair["map"]))
        assert distance >= 30, f"a point's centre {pair['centre']} is lost on the map's {pair['map']}"
    set_hash(playground, "#dataset=circle")


def test_the_charts_have_axis_titles_and_distinct_loss_ticks_at_epoch_zero(playground):
    set_hash(playground, "#dataset=circle&seed=2")
    playground.click("#reset-button")
    wait_idle(playground)
    axes = playground.evaluate("""() => Object.fromEntries(Object.entries(window.nnpy.charts.plots).map(
        ([name, u]) => [name, { titles: u.axes.map((a) => a.label), ticks: u.axes[1]._values }]))""")
    assert axes["loss"]["titles"] == ["epoch", "loss"] and axes["accuracy"]["titles"] == ["epoch", "accuracy"]
    ticks = axes["loss"]["ticks"]
    assert len(ticks) >= 2 and len(set(ticks)) == len(ticks), f"loss ticks at epoch 0: {ticks}"
    labels = playground.evaluate("""async () => {
        const { distinct } = await import('/js/playground/charts.js');
        return [distinct([0.695, 0.7, 0.705]), distinct([0, 0.2, 0.4, 0.6])];
    }""")
    assert labels == [["0.695", "0.7", "0.705"], ["0", "0.2", "0.4", "0.6"]]


def test_on_a_phone_the_data_comes_before_the_network_and_a_tapped_neuron_is_shown(browser, site_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
                                  device_scale_factor=2)
    page = context.new_page()
    try:
        open_page(page, site_url, "index.html#dataset=spiral&networkShape=6,4")
        top = lambda sel: page.evaluate(f"document.querySelector({sel!r}).getBoundingClientRect().top + scrollY")
        assert top("#datasets") < top("#network"), "the dataset chooser is below the network on a phone"
        node = page.locator(".net-nodes .node.hidden").nth(2)
        node.scroll_into_view_if_needed()
        node.tap()
        page.wait_for_function("document.querySelector('.heatmap-caption').textContent.startsWith('Showing')")
        page.wait_for_function("""() => { const r = document.querySelector('.heatmap-canvas').getBoundingClientRect();
            return r.top >= -1 && r.top < innerHeight / 2; }""", timeout=10_000)
    finally:
        context.close()

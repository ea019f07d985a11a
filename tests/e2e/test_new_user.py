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

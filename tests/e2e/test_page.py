"""The playground page in a real Chromium with the real engine (issue 3): it starts, trains XOR
to 100 % test accuracy, pauses for real, resets to its first state, and draws a boundary that
changes as a spiral trains; an engine that cannot start says so and can be retried."""

import time

import pytest

from test_page_support import (
    changed_fraction, epoch, heatmap_pixels, number, open_page, pause, percent, play, set_hash,
    train_until, wait_idle,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def playground(module_page, site_url):
    open_page(module_page, site_url, "#dataset=xor&seed=2")
    yield module_page
    module_page.assert_no_errors()


def test_controls_work_before_the_engine_and_it_becomes_ready(page, site_url):
    page.goto(site_url + "/")
    # the controls answer while Python is still starting
    page.wait_for_function("performance.getEntriesByName('nnpy:controls-ready').length > 0")
    page.select_option("#learningRate", "0.1")
    assert "learningRate=0.1" in page.evaluate("location.hash")
    page.wait_for_function("performance.getEntriesByName('nnpy:first-snapshot').length > 0", timeout=60_000)
    marks = page.evaluate("""() => Object.fromEntries(['nnpy:controls-ready', 'nnpy:engine-ready',
        'nnpy:first-snapshot'].map(n => [n, performance.getEntriesByName(n)[0].startTime]))""")
    assert marks["nnpy:controls-ready"] < marks["nnpy:engine-ready"] <= marks["nnpy:first-snapshot"]
    assert page.is_hidden("#engine-status")
    assert page.inner_text("#epoch") == "000,000"
    assert 0 < number(page, "#test-loss") < 5
    assert "Pyodide 0.27.7" in page.inner_text("#versions")
    # the setting chosen before the engine was ready is the one it trains with
    assert page.evaluate("window.nnpy.loop.snapshot.lr") == 0.1
    page.assert_no_errors()


def test_xor_trains_to_full_test_accuracy(playground):
    train_until(playground, lambda p: percent(p, "#test-acc") == 100.0, timeout=60,
                what="100 % test accuracy on XOR")
    assert percent(playground, "#test-acc") == 100.0
    assert epoch(playground) > 0
    cells = playground.locator(".confusion-table td").all_inner_texts()
    assert len(cells) == 4 and cells[1] == cells[2] == "0"  # no test point in the wrong class


def test_pause_really_stops_the_epoch_counter(playground):
    play(playground)
    start = epoch(playground)
    playground.wait_for_function(f"() => Number(document.querySelector('#epoch').textContent.replace(/,/g, '')) > {start + 20}")
    pause(playground)
    paused_at = epoch(playground)
    time.sleep(1.0)
    assert epoch(playground) == paused_at
    assert playground.get_attribute("#play-button", "aria-label") == "Train"


def test_reset_restores_the_initial_state(playground):
    set_hash(playground, "#dataset=spiral&seed=4")
    first_loss = playground.inner_text("#test-loss")
    first_pixels = heatmap_pixels(playground)
    play(playground)
    playground.wait_for_function("() => Number(document.querySelector('#epoch').textContent.replace(/,/g, '')) >= 30")
    assert playground.inner_text("#test-loss") != first_loss
    playground.click("#reset-button")  # while training: it stops, as in TF Playground
    wait_idle(playground)
    assert playground.get_attribute("#play-button", "aria-pressed") == "false"
    assert playground.inner_text("#epoch") == "000,000"
    assert playground.inner_text("#test-loss") == first_loss
    assert changed_fraction(first_pixels, heatmap_pixels(playground)) == 0


def test_spiral_training_changes_the_boundary(playground):
    set_hash(playground, "#dataset=spiral&seed=1&networkShape=8,8&activations=tanh,tanh"
                         "&x=true&y=true&xSquared=true&ySquared=true&sinX=true&sinY=true")
    before = heatmap_pixels(playground)
    loss_before = number(playground, "#test-loss")
    train_until(playground, lambda p: epoch(p) >= 300, what="300 epochs")
    after = heatmap_pixels(playground)
    assert changed_fraction(before, after) > 0.1
    assert number(playground, "#test-loss") < loss_before


def test_step_trains_exactly_one_epoch(playground):
    pause(playground)
    start = epoch(playground)
    playground.click("#step-button")
    wait_idle(playground)
    assert epoch(playground) == start + 1


def test_an_engine_that_cannot_start_says_so_and_can_be_retried(page, site_url, fail_next_request):
    fail_next_request("/build-info.json")
    page.goto(site_url + "/#dataset=xor")
    page.wait_for_selector("#engine-retry", state="visible", timeout=30_000)
    text = page.inner_text("#engine-status")
    assert "could not run" in text and "503" in text
    # what really happened: a download failed, so the connection is worth checking
    assert "A file the engine needs did not arrive. Check the connection to this site." in text
    # the page is alive: the controls still work
    page.select_option("#learningRate", "0.3")
    assert "learningRate=0.3" in page.evaluate("location.hash")
    page.click("#engine-retry")
    page.wait_for_function("performance.getEntriesByName('nnpy:first-snapshot').length > 0", timeout=60_000)
    assert page.is_hidden("#engine-status")
    assert page.evaluate("window.nnpy.loop.snapshot.lr") == 0.3
    errors = [e for e in page.errors if "503" not in e and "build-info" not in e]
    assert errors == []

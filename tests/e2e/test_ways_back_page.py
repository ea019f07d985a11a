"""The ways back when training goes wrong (issue 12), clicked as a student would in both pages:
after a blow-up the message's buttons train again, a dead network is named and its ways back
learn, the words are plain and the numbers readable."""

import re

import pytest

from test_page_support import epoch, hash_params, is_playing, open_page, pause, percent, play, set_hash, wait_idle

pytestmark = pytest.mark.e2e

JARGON = re.compile(r"\bstep\b|overflow|\binf\b|\bnan\b|not finite|e\+\d|e-\d", re.I)
MNIST_READY = "performance.getEntriesByName('nnpy:mnist-ready').length > 0"
MNIST_STOPPED = "!document.getElementById('train-button').classList.contains('playing')"


@pytest.fixture(scope="module")
def playground(module_page, site_url):
    open_page(module_page, site_url, "#dataset=circle")
    yield module_page
    module_page.assert_no_errors()


def banner(page):
    page.wait_for_selector("#diverged", state="visible", timeout=60_000)
    text = page.inner_text("#diverged .banner-text")
    assert not JARGON.search(text) and "((" not in text, text
    return text


def visible_buttons(page):
    return [b.inner_text() for b in page.locator("#diverged button").all() if b.is_visible()]


def train_on_without_a_message(page, target):
    """After a way-back click: training runs to epoch `target` with no new message (True), or a message comes."""
    page.wait_for_function(f"""() => document.querySelector('#diverged').hidden === false
        || Number(document.querySelector('#epoch').textContent.replace(/,/g, '')) >= {target}""",
                           timeout=120_000)
    pause(page)
    # a chunk still training when the epoch was read may have blown up since: look after the pause
    return page.is_hidden("#diverged") and epoch(page) >= target


def click_the_way_back(page):
    """Click the message's first way back: go on at a lower rate, or (a network that died) start again."""
    button = "#diverged-lower" if page.is_visible("#diverged-lower") else "#diverged-fresh"
    rate = page.inner_text(button).rsplit(" ", 1)[1]
    target = (epoch(page) if button == "#diverged-lower" else 0) + 20
    page.click(button)  # it may blow up again, and pause, before the next line runs
    assert page.input_value("#learningRate") == rate and hash_params(page)["learningRate"] == rate
    return target


@pytest.mark.parametrize("link,first_rate", [
    # TF Playground's issue 3: regression, plane, learning rate 1, batch size 1, noise 50
    ("#problem=regression&regDataset=reg-plane&learningRate=1&batchSize=1&noise=50", "0.1"),
    ("#problem=regression&regDataset=reg-plane&learningRate=10&activations=relu,relu", "1"),
], ids=["issue 3", "relu lr 10"])
def test_after_a_blow_up_the_message_says_where_the_network_is_and_its_buttons_train_again(
        playground, link, first_rate):
    page = playground
    set_hash(page, link)
    page.click("#play-button")  # it may blow up, and pause, before the next line runs
    text = banner(page)
    assert not is_playing(page)
    wait_idle(page)
    assert "grew too large to compute" in text and "back to the weights it started with" in text
    assert epoch(page) == 0  # the epoch of the weights it went back to
    assert visible_buttons(page) == [f"Go on at learning rate {first_rate}", "Reset the network"]
    assert "–" not in page.inner_text("#test-loss") and "×" not in page.inner_text("#test-loss")
    for _ in range(3):  # each click goes back to good weights; the rate goes ten times lower each time
        if train_on_without_a_message(page, click_the_way_back(page)):
            break
        banner(page)  # a rate ten times lower may blow up too, or (ReLU) let the network die
    else:
        raise AssertionError("three ways back in a row ended in a new message")
    assert epoch(page) >= 20 and page.is_hidden("#diverged")
    assert re.fullmatch(r"[\d,]+(\.\d{3})?", page.inner_text("#test-loss").strip())  # a number for people
    page.click("#diverged-reset") if page.is_visible("#diverged-reset") else page.click("#reset-button")
    wait_idle(page)
    assert epoch(page) == 0


@pytest.mark.parametrize("button,expect_activation", [("#diverged-fresh", "relu"), ("#diverged-leaky", "leaky_relu")])
def test_a_dead_network_gets_a_message_and_its_ways_back_learn(playground, button, expect_activation):
    page = playground
    set_hash(page, "#dataset=spiral&learningRate=10&networkShape=4,2&activations=relu,relu")
    page.click("#play-button")
    text = banner(page)
    assert "stopped learning" in text and "ReLU in hidden layer" in text and "has died" in text
    assert visible_buttons(page) == ["Start again at learning rate 0.1", "Switch to leaky ReLU at rate 0.1",
                                     "Reset the network"]
    pause(page)  # the dead network trains on meanwhile; paused, what follows the click is the new run's
    page.click(button)
    # the new run: fresh weights (Reset, then Train) or a new network of leaky ReLUs, 300 epochs on
    page.wait_for_function(f"""() => window.nnpy.loop.playing
        && window.nnpy.loop.network.layers[0].activation === '{expect_activation}'
        && window.nnpy.loop.snapshot.lr === 0.1 && window.nnpy.loop.snapshot.epoch >= 300""", timeout=120_000)
    pause(page)
    assert page.is_hidden("#diverged")
    assert page.input_value("#learningRate") == "0.1"
    assert hash_params(page)["activations"] == f"{expect_activation},{expect_activation}"
    assert percent(page, "#train-acc") > 60


def test_pause_stops_where_it_is_and_the_epoch_shown_is_the_engines(playground):
    page = playground
    set_hash(page, "#dataset=spiral&learningRate=0.03")
    play(page)
    page.wait_for_function("() => Number(document.querySelector('#epoch').textContent.replace(/,/g, '')) >= 200",
                           timeout=120_000)
    page.wait_for_function("/^[\\d,]+ epochs\\/s$/.test(document.querySelector('#rate').textContent)")  # the speed, while training
    clicked_at = page.evaluate("""() => { document.querySelector('#play-button').click();
        return performance.timeOrigin + performance.now(); }""")
    wait_idle(page)
    engine_epoch = page.evaluate("async () => (await window.nnpy.engine.call('snapshot', {})).epoch")
    shown = epoch(page)
    assert shown == engine_epoch
    # what trained after the click is only the chunk the worker was running: the last chunk, the
    # one shown, started before the click (on the worker's clock; a chunk queued ahead, or one the
    # worker started after the cancel reached it, would start later). The cancel takes a fraction
    # of a millisecond to reach the worker: a chunk started within 2 ms of the click is the one
    # it found running.
    times = page.evaluate("() => window.nnpy.loop.chunkTimes")
    assert times["started"] <= clicked_at + 2, (times, clicked_at)
    page.wait_for_timeout(1500)
    assert epoch(page) == shown and not is_playing(page)
    assert page.inner_text("#rate") == ""  # no speed is shown once training stopped
    assert page.evaluate("async () => (await window.nnpy.engine.call('snapshot', {})).epoch") == shown


def test_a_worker_that_ends_while_training_is_reported_and_restart_goes_on_from_the_same_weights(playground):
    page = playground
    set_hash(page, "#dataset=xor&learningRate=0.1&networkShape=5,3")
    play(page)
    page.wait_for_function("() => Number(document.querySelector('#epoch').textContent.replace(/,/g, '')) >= 50",
                           timeout=120_000)
    # end the worker as a browser does under memory pressure: no message, no error event
    page.evaluate("() => window.nnpy.engine._worker.terminate()")
    page.wait_for_selector("#engine-status.failed", state="visible", timeout=10_000)
    assert "Python stopped" in page.inner_text("#engine-status") and "worker ended" in page.inner_text("#engine-status")
    assert not is_playing(page)
    assert page.inner_text("#rate") == ""  # no speed is shown once training stopped
    held = page.evaluate("() => ({ epoch: window.nnpy.loop.snapshot.epoch, params: [...window.nnpy.loop.snapshot.params.data] })")
    assert f"weights after epoch {held['epoch']:,} are kept" in page.inner_text("#engine-status")
    link = page.evaluate("location.hash")
    page.click("#engine-retry")
    page.wait_for_selector("#engine-status", state="hidden", timeout=180_000)
    wait_idle(page)
    now = page.evaluate("async () => { const s = await window.nnpy.engine.call('snapshot', {}); "
                        "return { epoch: s.epoch, lr: s.lr, params: [...s.params.data] }; }")
    assert now["epoch"] == held["epoch"] == epoch(page)
    assert now["params"] == held["params"] and now["lr"] == 0.1 and page.evaluate("location.hash") == link
    play(page)
    page.wait_for_function(f"() => Number(document.querySelector('#epoch').textContent.replace(/,/g, '')) >= {held['epoch'] + 20}",
                           timeout=120_000)
    pause(page)


@pytest.fixture(scope="module")
def mnist_page(second_module_page):
    """The MNIST page's own tab: the 2-D page's tests check their tab for errors when they end."""
    yield second_module_page
    second_module_page.assert_no_errors()


def open_mnist(page, url):
    """A fresh load of the MNIST page (a goto that changes only the hash would keep the page and its network)."""
    page.goto("about:blank")
    page.goto(url)


def test_mnist_after_a_blow_up_going_on_at_a_lower_rate_trains_again(mnist_page, site_url):
    page = mnist_page
    open_mnist(page, site_url + "/mnist.html#networkShape=64,64,64&activations=linear,linear,linear&optimizer=sgd"
                         "&learningRate=10&epochs=1&digits=2000")
    page.wait_for_function(MNIST_READY, timeout=180_000)
    page.click("#train-button")
    text = banner(page)
    page.wait_for_function(MNIST_STOPPED, timeout=60_000)
    assert "grew too large to compute" in text and "back to the weights it started with" in text
    assert page.inner_text("#epoch").startswith("0")
    assert visible_buttons(page) == ["Go on at learning rate 1", "Reset the network"]
    for _ in range(3):
        rate = page.inner_text("#diverged-lower").rsplit(" ", 1)[1]
        page.click("#diverged-lower")  # the button shows 'playing' at once; it may blow up again and stop
        assert page.input_value("#lr") == rate
        page.wait_for_function(MNIST_STOPPED, timeout=120_000)
        if page.is_hidden("#diverged"):
            break
        banner(page)
    else:
        raise AssertionError("three lower rates all blew up")
    assert page.inner_text("#epoch") == "1 / 1"
    assert float(page.inner_text("#test-acc").split()[0]) > 50
    assert f"learningRate={rate}" in page.evaluate("location.hash")


def mnist_epoch(page):
    return int(page.inner_text("#epoch").split(" ")[0])


@pytest.mark.parametrize("button,activation", [("#diverged-fresh", "relu"), ("#diverged-leaky", "leaky_relu")])
def test_mnist_a_dead_network_gets_a_message_and_its_ways_back_learn(mnist_page, site_url, button, activation):
    page = mnist_page
    open_mnist(page, site_url + "/mnist.html#networkShape=32,32&activations=relu,relu&learningRate=10&digits=2000&epochs=20")
    page.wait_for_function(MNIST_READY, timeout=180_000)
    page.click("#train-button")
    text = banner(page)
    page.wait_for_function(MNIST_STOPPED, timeout=60_000)  # the engine stopped training with its report
    assert "stopped learning" in text and "for every digit" in text and re.search(r"ReLU in hidden layer \d has died", text)
    assert page.get_attribute("#diverged", "role") == "status"
    assert visible_buttons(page) == ["Start again at learning rate 0.1", "Switch to leaky ReLU at rate 0.1",
                                     "Reset the network"]
    assert float(page.inner_text("#test-acc").split()[0]) < 20  # one answer for every digit
    # the status line beside the message does not tell the student to train on
    page.wait_for_function("document.querySelector('#train-status').textContent.startsWith('Stopped after')")
    status = page.inner_text("#train-status")
    assert "train on" not in status and status.endswith("The message below says why, and the ways on.")
    page.click(button)
    # the new run: the starting weights (or a new network of leaky ReLUs) at 0.1, training
    page.wait_for_function("document.querySelector('#train-button').classList.contains('playing')")
    assert page.is_hidden("#diverged") and page.input_value("#lr") == "0.1"
    assert hash_params(page)["learningRate"] == "0.1" and hash_params(page)["activations"] == f"{activation},{activation}"
    page.wait_for_function("Number(document.querySelector('#epoch').textContent.split(' ')[0]) >= 3", timeout=180_000)
    page.click("#train-button")
    page.wait_for_function(MNIST_STOPPED, timeout=60_000)
    assert page.is_hidden("#diverged") and mnist_epoch(page) >= 3
    assert float(page.inner_text("#test-acc").split()[0]) > 60
    layers = [s.input_value() for s in page.locator("#layers select[data-key=activation]").all()]
    assert layers == [activation, activation]


def test_mnist_a_worker_that_ends_while_training_is_reported_and_restart_goes_on_from_the_kept_weights(
        mnist_page, site_url):
    page = mnist_page
    open_mnist(page, site_url + "/mnist.html#networkShape=32&learningRate=0.03&epochs=20&digits=1000")
    page.wait_for_function(MNIST_READY, timeout=180_000)
    page.click("#train-button")
    page.wait_for_function("Number(document.querySelector('#epoch').textContent.split(' ')[0]) >= 2", timeout=180_000)
    # end the worker as a browser does under memory pressure: no message, no error event
    page.evaluate("() => window.nnpy.engine._worker.terminate()")
    page.wait_for_selector("#engine-status.failed", state="visible", timeout=10_000)
    page.wait_for_function(MNIST_STOPPED)
    held = page.evaluate("""() => { const w = window.nnpy.kept.weights;
        return { epoch: w.epoch, params: [...w.params], history: w.history }; }""")
    assert held["epoch"] >= 2 and len(held["history"]) == held["epoch"]
    text = page.inner_text("#engine-status")
    assert "Python stopped" in text and "worker ended" in text
    assert f"settings and the network's weights after epoch {held['epoch']} are kept" in text
    link = page.evaluate("location.hash")
    page.click("#engine-retry")
    page.wait_for_selector("#engine-status", state="hidden", timeout=180_000)
    page.wait_for_function("!document.querySelector('#train-button').disabled", timeout=180_000)
    assert page.inner_text("#train-status") == f"Python restarted: the network is back at epoch {held['epoch']}. Press Train to go on."
    assert page.inner_text("#net-summary").startswith("784 → 32 → 10") and page.input_value("#lr") == "0.03"
    assert page.evaluate("location.hash") == link and mnist_epoch(page) == held["epoch"]
    # the new engine has the kept weights: its first layer as images, and the test accuracy of that epoch
    images = page.evaluate("async () => [...(await window.nnpy.engine.call('weights', { limit: 32 })).images.data]")
    W = [held["params"][i * 32 + j] for j in range(32) for i in range(784)]  # W (784, 32) -> one image a unit
    assert images == W
    assert float(page.get_attribute("#test-acc", "data-value")) == held["history"][-1]["test_accuracy"]
    page.click("#train-button")
    page.wait_for_function(f"Number(document.querySelector('#epoch').textContent.split(' ')[0]) >= {held['epoch'] + 1}",
                           timeout=180_000)
    page.click("#train-button")
    page.wait_for_function(MNIST_STOPPED, timeout=60_000)
    assert float(page.inner_text("#test-acc").split()[0]) > 50


def test_mnist_a_worker_that_ends_before_an_epoch_is_done_restarts_from_the_starting_weights(mnist_page, site_url):
    page = mnist_page
    open_mnist(page, site_url + "/mnist.html#networkShape=32&learningRate=0.03&epochs=1&digits=1000")
    page.wait_for_function(MNIST_READY, timeout=180_000)
    page.evaluate("() => window.nnpy.engine._worker.terminate()")
    page.wait_for_selector("#engine-status.failed", state="visible", timeout=10_000)
    text = page.inner_text("#engine-status")
    assert "settings are kept; the network goes back to its starting weights" in text
    page.click("#engine-retry")
    page.wait_for_selector("#engine-status", state="hidden", timeout=180_000)
    page.wait_for_function("!document.querySelector('#train-button').disabled", timeout=180_000)
    assert page.inner_text("#train-status") == "Ready: press Train." and mnist_epoch(page) == 0
    page.click("#train-button")
    page.wait_for_function(MNIST_STOPPED + " && document.querySelector('#epoch').textContent === '1 / 1'",
                           timeout=180_000)
    assert float(page.inner_text("#test-acc").split()[0]) > 50


def first_layer_images(page, units):
    return page.evaluate(f"async () => [...(await window.nnpy.engine.call('weights', {{ limit: {units} }})).images.data]")


def end_the_worker_and_restart(page):
    page.evaluate("() => window.nnpy.engine._worker.terminate()")
    page.wait_for_selector("#engine-status.failed", state="visible", timeout=10_000)
    page.wait_for_function(MNIST_STOPPED)
    text = page.inner_text("#engine-status")
    page.click("#engine-retry")
    page.wait_for_selector("#engine-status", state="hidden", timeout=180_000)
    page.wait_for_function("!document.querySelector('#train-button').disabled", timeout=180_000)
    return text


def test_mnist_restart_after_an_import_brings_back_the_files_network_then_the_weights_trained_from_it(
        mnist_page, site_url):
    """An imported model file is what a restarted Python goes back to (not the seed's network), and
    after an epoch trained from it, the weights of that epoch."""
    import numpy as np

    import nnpy
    from nnpy.mnist import load_mnist
    from pathlib import Path

    page = mnist_page
    open_mnist(page, site_url + "/mnist.html#networkShape=32&learningRate=0.03&epochs=1&digits=1000")
    page.wait_for_function(MNIST_READY, timeout=180_000)
    mnist = Path(__file__).resolve().parents[2] / "dist" / "data" / "mnist.npz"
    X_train, y_train, _, _ = load_mnist(str(mnist), n=1000, test_size=0.2, seed=0)
    model = nnpy.SequentialModel.from_structure([784, 16, 10], seed=3)
    nnpy.Trainer(model, "softmax_cross_entropy", lr=0.1, optimizer="momentum", seed=0).train(
        X_train, y_train, epochs=2, batch_size=32)
    page.set_input_files("#model-file", {"name": "mine.nnpy", "mimeType": "application/octet-stream",
                                         "buffer": nnpy.save_model_bytes(model, {"input_divisor": 255})})
    page.wait_for_function("document.getElementById('file-status-text').textContent.startsWith('Loaded mine.nnpy')",
                           timeout=60_000)
    from_file, accuracy = first_layer_images(page, 16), page.get_attribute("#test-acc", "data-value")
    W = model.layers[0].params["W"]  # (784, 16): the page holds it in float32
    assert np.array_equal(np.float32(from_file), W.T.astype(np.float32).ravel())
    # the worker ends before any training: Restart re-imports the file, not the seed's 784-32-10
    text = end_the_worker_and_restart(page)
    assert "network goes back to its starting weights from mine.nnpy" in text
    assert page.inner_text("#net-summary").startswith("784 → 16 → 10") and mnist_epoch(page) == 0
    assert first_layer_images(page, 16) == from_file and page.get_attribute("#test-acc", "data-value") == accuracy
    # one epoch trained from the file's weights, then the worker ends: Restart goes on from that epoch
    page.click("#train-button")
    page.wait_for_function(MNIST_STOPPED + " && document.querySelector('#epoch').textContent === '1 / 1'",
                           timeout=180_000)
    held = page.evaluate("() => { const w = window.nnpy.kept.weights; return { epoch: w.epoch, params: [...w.params] }; }")
    assert held["epoch"] == 1
    text = end_the_worker_and_restart(page)
    assert "weights after epoch 1 are kept" in text
    assert page.inner_text("#train-status") == "Python restarted: the network is back at epoch 1. Press Train to go on."
    assert page.inner_text("#net-summary").startswith("784 → 16 → 10") and mnist_epoch(page) == 1
    trained = first_layer_images(page, 16)
    assert trained == [held["params"][i * 16 + j] for j in range(16) for i in range(784)] and trained != from_file


def test_mnist_a_python_error_while_training_is_reported_and_stays_said(page, site_url):
    open_mnist(page, site_url + "/mnist.html#networkShape=32&epochs=5&digits=1000")
    page.wait_for_function(MNIST_READY, timeout=180_000)
    page.click("#train-button")
    page.wait_for_function("document.querySelector('#train-button').classList.contains('playing')")
    # reading the digits again drops the engine's network: the next training chunk raises in Python
    page.evaluate("""async () => {
        const bytes = new Uint8Array(await (await fetch('data/mnist.npz')).arrayBuffer());
        await window.nnpy.engine.call('load_data', { data: bytes });
    }""")
    page.wait_for_function(MNIST_STOPPED, timeout=60_000)
    page.wait_for_timeout(500)  # the views refresh after the loop ends: the error is still said then
    assert page.inner_text("#train-status") == "Error: no network yet: call configure first"

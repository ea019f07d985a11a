"""nnpy.browser.session: the lifecycle both engines share, through both engines.

A patch ({"lr": 0.1}) of a live setting reaches the running trainer and the optimizer without a
new network; a patch of a data or network setting builds a new network at epoch 0; a bad patch,
or a change that fails half-way, leaves the engine exactly as it was.
"""

import io

import numpy as np
import pytest

from nnpy.browser import schema
from nnpy.browser.mnist import MnistPlayground
from nnpy.browser.playground import Playground
from nnpy.browser.session import Session


def trained_playground():
    p = Playground()
    p.configure({"dataset": "xor", "seed": 2})
    p.train(epochs=3)
    return p


def test_a_live_patch_reaches_the_optimizer_and_training_goes_on():
    p = trained_playground()
    weights = p.model.flat_parameters[0].copy()
    model, epoch = p.model, p.trainer.epoch
    out = p.update({"lr": 0.1})
    assert out["changed"] == ["live"]
    assert p.trainer.optimizer.lr == 0.1 and p.state["lr"] == 0.1
    assert p.model is model and p.trainer.epoch == epoch
    np.testing.assert_array_equal(p.model.flat_parameters[0], weights)
    # the same as sending the whole state with the one key changed
    q = trained_playground()
    q.configure({**q.state, "lr": 0.1})
    p.train(epochs=2)
    q.train(epochs=2)
    np.testing.assert_array_equal(p.model.flat_parameters[0], q.model.flat_parameters[0])


@pytest.mark.parametrize("patch", [{"layers": [{"units": 3, "activation": "relu"}]}, {"noise": 0.1},
                                   {"features": ["x1", "x2", "x1*x2"]}])
def test_a_rebuild_patch_builds_a_new_network_at_epoch_0(patch):
    p = trained_playground()
    out = p.update(patch)
    kind = schema.setting(schema.PLAYGROUND, next(iter(patch)))["kind"]
    assert "network" in out["changed"] and ("data" in out["changed"]) == (kind == "data")
    assert p.trainer.epoch == 0 and all(p.state[k] == v for k, v in patch.items())


def test_a_bad_patch_changes_nothing():
    p = trained_playground()
    state, weights = dict(p.state), p.model.flat_parameters[0].copy()
    for patch, message in (({"lr": -1}, "lr must be"), ({"bogus": 1}, "unknown state keys"),
                           ({"layers": [{"units": 99}]}, "units must be")):
        with pytest.raises(ValueError, match=message):
            p.update(patch)
        assert p.state == state
        np.testing.assert_array_equal(p.model.flat_parameters[0], weights)
    with pytest.raises(ValueError, match="changes must be a dict"):
        p.update([("lr", 0.1)])
    with pytest.raises(RuntimeError, match="configure"):
        Playground().update({"lr": 0.1})


def test_a_change_that_fails_half_way_is_rolled_back():
    class Failing(Session):
        page = schema.PLAYGROUND

        def _change(self, kind, old, result):
            self.model = "half-built"
            if self.state["seed"] == 13:
                raise MemoryError("no room")

    s = Failing()
    s.configure({"seed": 1})
    before = dict(s.__dict__)
    with pytest.raises(MemoryError):
        s.configure({"seed": 13})
    assert s.__dict__ == before


def tiny_mnist_npz():
    """300 random 28x28 "digits", 30 of each class: enough for the engine's checks, not to learn."""
    rng = np.random.default_rng(0)
    buf = io.BytesIO()
    np.savez(buf, images=rng.integers(0, 256, (300, 784), dtype=np.uint8),
             labels=np.tile(np.arange(10, dtype=np.uint8), 30))
    return buf.getvalue()


def test_the_mnist_engine_takes_the_same_patches():
    mp = MnistPlayground()
    mp.load_data(data=tiny_mnist_npz())
    mp.configure({"n": 300, "layers": [{"units": 8}]})
    mp.train(steps=3, budget_ms=None)
    model = mp.model
    out = mp.update({"lr": 0.03, "batch_size": 16})
    assert out["changed"] == ["live"] and mp.model is model
    assert (mp.trainer.optimizer.lr, mp.trainer.batch_size) == (0.03, 16)
    out = mp.update({"layers": [{"units": 4, "activation": "tanh"}]})
    assert out["changed"] == ["network"] and out["network"]["sizes"] == [784, 4, 10]
    assert out["network"]["epoch"] == 0
    with pytest.raises(ValueError, match="epochs"):
        mp.update({"epochs": 3})  # the page's own setting never reaches the engine

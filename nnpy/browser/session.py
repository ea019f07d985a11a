"""The lifecycle every page engine shares: configure, patch, live settings, rollback.

An engine (:class:`~nnpy.browser.playground.Playground`,
:class:`~nnpy.browser.mnist.MnistPlayground`, or a new page's) subclasses
:class:`Session`, names its page in :mod:`nnpy.browser.schema`, and writes one
hook, :meth:`Session._change`, that makes new data and builds the network::

    class MyEngine(Session):
        page = "mypage"                   # its rows in schema.SETTINGS

        def _change(self, kind, old, result):
            if kind == "data": ...        # new data (then a new network)
            if kind in ("data", "network"): self._build()   # sets self.model, self.trainer

The page then sends whole states (``configure``) or, once running, only what
changed (``update({"lr": 0.1})``): a live setting goes straight to the running
trainer (:meth:`apply_live`), anything else builds a new network at epoch 0.
A call that raises leaves the engine exactly as it was (:meth:`rollback`).
"""

import contextlib

from ..optim import Regularizer, get_optimizer
from . import schema

# what configure() reports for each kind of change
CHANGED = {"data": ("data", "network"), "network": ("network",), "live": ("live",), None: ()}


class Session:
    """State, model and trainer of one page, and the changes the page makes to them."""

    page = None  # the schema page whose settings this engine takes

    def __init__(self):
        self.state = None      # the checked engine state (schema names)
        self.model = None
        self.trainer = None
        self.diverged = None   # None, or why the last training chunk stopped

    # ------------------------------------------------------------ hooks for the engine

    def check_state(self, state):
        """``state`` checked against the page's schema rows (defaults filled in)."""
        return schema.check_state(self.page, state)

    def _change(self, kind, old, result):
        """Make what ``kind`` of change needs ("data", "network", "live"); ``self.state`` is new."""
        raise NotImplementedError

    # ------------------------------------------------------------ the lifecycle

    def configure(self, state):
        """Apply a whole state; do only what the change needs.

        Returns ``{"changed": [...]}`` plus what the engine's ``_change``
        adds. Raises ``ValueError`` for a bad state; any failure leaves
        everything as it was.
        """
        new = self.check_state(state)
        kind = schema.changed_kind(self.page, self.state, new)
        result = {"changed": list(CHANGED[kind])}
        with self.rollback():
            old, self.state = self.state, new
            if kind == "live":
                self.apply_live()
            self._change(kind, old, result)
        return result

    def update(self, changes):
        """Apply a patch of settings, e.g. ``{"lr": 0.1}``: only the keys that changed.

        Raises ``ValueError`` for an unknown key or a bad value (nothing changes).
        """
        if self.state is None:
            raise RuntimeError("no state yet: call configure(state) first")
        if not isinstance(changes, dict):
            raise ValueError(f"changes must be a dict of settings. Received: {type(changes).__name__}")
        return self.configure({**self.state, **changes})

    def apply_live(self):
        """Give the running trainer the live settings of ``self.state`` (learning rate, ...).

        A new optimizer starts without momentum; the others keep theirs.
        """
        s, t = self.state, self.trainer
        t.batch_size = s["batch_size"]
        if t.optimizer.name != s["optimizer"]:
            t.optimizer = get_optimizer(s["optimizer"], lr=s["lr"])
        t.lr = s["lr"]
        if "regularization" in s:
            t.regularizer = Regularizer(s["regularization"], s["reg_rate"])

    @contextlib.contextmanager
    def rollback(self):
        """Run a change; if it raises, put every attribute back as it was and re-raise.

        Attributes are restored, not deep-copied: a change must replace
        arrays and objects rather than edit them in place before it can fail.
        """
        saved = dict(self.__dict__)
        try:
            yield
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

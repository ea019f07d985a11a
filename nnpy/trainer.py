"""Trainer: mini-batch gradient descent, history, evaluation, divergence guard.

One training step is: forward a mini-batch, compute the loss and its
gradient, backpropagate, add any weight penalty, let the optimizer update
the weights. An epoch is a pass over the shuffled training set in steps.

The trainer keeps a cursor into the current epoch, so a caller may train a
few steps at a time (``train_steps``) or whole epochs (``train_epochs``): the
playground trains in short chunks between drawing frames, and the order of
samples is the same as in one long ``train`` call with the same seed.

The divergence guard has two parts. Every step refuses an update that is not
finite (:meth:`Trainer.train_step`). And while training by epochs, the
trainer keeps the last *good* weights (:class:`GoodWeights`): when training
diverges it goes back to them, so the weights it hands back give a finite
loss and training can go on from there with a smaller learning rate. A
blow-up grows for many steps before a number overflows, so "the weights
from before the failing step" are usually already ruined (about 1e153).
"""

import math

import numpy as np

from .history import History
from .losses import get_loss
from .metrics import accuracy
from .optim import Regularizer, get_optimizer
from .progress import check_verbose, progress
from .rng import as_generator
from .samples import as_samples, check_finite


class TrainingDiverged(FloatingPointError):
    """The loss, the gradient or the updated weights became NaN or infinite.

    No weight is ever set to a non-finite number: the loss is checked before
    any update, and the update (``param -= delta``) only happens once it is
    proven finite. :meth:`Trainer.train_step` alone leaves the weights from
    before the failing step. Training by epochs (``train``,
    ``train_epochs``, ``train_steps``) goes back further, to the last good
    weights (see :class:`GoodWeights`): ``trainer.epoch`` is then their
    epoch. Either way the optimizer's state (momentum, Adam's moments) is
    reset when it took in a bad step.

    Attributes:
        step: the failing step, counted from 1 over the whole run.
        failed_epoch: the epoch it was in, counted from 1.
        reason: ``"loss"`` (the loss was not finite), ``"gradient"`` (the
            gradient or the update was not finite) or ``"overflow"`` (the
            update would have overflowed the weights).
        restored_epoch: the epoch whose weights the model holds now (0: the
            weights training started from), or ``None`` when the weights are
            those from before the failing step (``train_step`` alone).
        usable: ``False`` when the weights kept are themselves bad (their
            loss was not finite); then only new weights help.
    """

    def __init__(self, message, *, step=None, failed_epoch=None, reason=None,
                 restored_epoch=None, usable=True):
        super().__init__(message)
        self.step, self.failed_epoch, self.reason = step, failed_epoch, reason
        self.restored_epoch, self.usable = restored_epoch, usable


class _UpdateRefused(FloatingPointError):
    """Raised by the trainer's update check; becomes :class:`TrainingDiverged`."""

    def __init__(self, message, reason):
        super().__init__(message)
        self.reason = reason


# Half the largest finite value of each float dtype: bounds below it cannot overflow.
_LIMITS = {np.dtype(t).char: float(np.finfo(t).max) / 2 for t in (np.float32, np.float64)}


class Trainer:
    """Trains a model on a dataset with mini-batch gradient descent.

    Args:
        model: a :class:`~nnpy.model.SequentialModel`.
        loss: a name (``"mse"``, ``"binary_cross_entropy"``,
            ``"softmax_cross_entropy"``), a ``Loss``, or a seed-style
            function (with ``loss_deriv``).
        loss_deriv: the derivative of a seed-style loss pair.
        lr: learning rate; may be changed between steps (``trainer.lr = ...``).
        optimizer: ``"sgd"`` (default), ``"momentum"``, ``"adam"`` or an
            ``Optimizer``; ``optimizer_options`` go to its constructor.
        regularization: ``None``, ``"l1"`` or ``"l2"`` (weights only), with ``reg_rate``.
        batch_size: default mini-batch size for ``train``/``train_epochs``.
        seed: int or ``Generator`` for shuffling; the same seed and the same
            initial weights give the same run, bit for bit.
        fast: hand the optimizer the model's one flat parameter vector and
            let it update in place (its fast path, see :mod:`nnpy.optim`); the
            page engines turn it on. The default is the readable path over
            ``model.parameters()``; both give the same weights bit for bit.

    Example (seed 1):
        >>> trainer = Trainer(model, binary_cross_entropy, binary_cross_entropy_deriv, lr=0.01)
        >>> trainer.train(X_train, y_train, epochs=2000, batch_size=4)
        >>> loss, acc = trainer.evaluate(X_test, y_test, classification=True)
    """

    def __init__(self, model, loss="mse", loss_deriv=None, lr=0.01, *, optimizer="sgd",
                 optimizer_options=None, regularization=None, reg_rate=0.0, batch_size=32,
                 seed=None, fast=False):
        self.model = model
        self.fast = bool(fast)
        self.loss = get_loss(loss, loss_deriv)
        self.optimizer = get_optimizer(optimizer, lr=lr, **(optimizer_options or {}))
        self.regularizer = Regularizer(regularization, reg_rate)
        self.batch_size = _check_batch_size(batch_size)
        self.rng = as_generator(seed)
        self.history = History()
        self.epoch = 0           # completed epochs
        self.step_count = 0      # completed steps
        self._data = None        # (X source, y source, X, Y) prepared for training
        self._order = None       # shuffled copy of the data for the current epoch
        self._cursor = 0         # next sample of the current epoch
        self.good = GoodWeights(self)  # the last good weights, to go back to after a blow-up

    # -- settings -------------------------------------------------------------

    @property
    def lr(self):
        return self.optimizer.lr

    @lr.setter
    def lr(self, value):
        self.optimizer.lr = value

    @property
    def logits(self):
        """True when the loss works on the output layer's logits ``z``: its activation is
        fused into the loss, whose gradient is then ``dL/dz = (p - y) / n``."""
        activation = self.loss.logits_activation
        return activation is not None and self.model.layers[-1].activation.name == activation

    # -- one step ----------------------------------------------------------------

    def _loss_and_grad(self, x, y, need_grad=True, logits=None):
        """Forward ``x``; the loss and ``dL/d(output)`` (``dL/dz`` of the logits when ``logits``)."""
        if logits is None:
            logits = self.logits
        out = self.model.forward(x, logits=logits)  # logits: the output activation is not needed
        if logits:
            return self.loss.loss_and_grad_from_logits(y, out, need_grad)
        if need_grad:
            return self.loss.loss_and_grad(y, out)
        return self.loss.forward(y, out), None

    def train_step(self, x, y):
        """One gradient step on the batch ``(x, y)``; returns the batch loss.

        ``y`` is in the form :meth:`prepare` returns (use :meth:`train_steps`
        to have that done for you). Raises :class:`TrainingDiverged`, with
        the weights from before the step, if the loss, the gradient or the
        updated weights are not finite.
        """
        model = self.model
        logits = self.logits
        loss, grad = self._loss_and_grad(x, y, True, logits)
        if not math.isfinite(loss):
            raise TrainingDiverged(
                f"Training diverged at step {self.step_count + 1}: the loss is {loss}. "
                "The weights from before this step are kept; try a smaller learning rate.",
                step=self.step_count + 1, failed_epoch=self.epoch + 1, reason="loss")
        model.backward(grad, logits=logits)
        if self.regularizer.active:
            weights = [layer.params["W"] for layer in model.layers]
            self.regularizer.add_gradient(weights, [layer.grads["W"] for layer in model.layers])
        try:
            if self.fast:
                flat_params, flat_grads = model.flat_parameters
                self.optimizer.step((("params", flat_params, flat_grads),), self._check_update,
                                    inplace=True)
            else:
                self.optimizer.step(model.parameters(), self._check_update)
        except _UpdateRefused as refused:
            self.optimizer.reset()  # its state took in the refused step
            raise TrainingDiverged(
                f"Training diverged at step {self.step_count + 1}: {refused}. "
                "The weights from before this step are kept; try a smaller learning rate.",
                step=self.step_count + 1, failed_epoch=self.epoch + 1, reason=refused.reason) from None
        self.step_count += 1
        return loss

    def _check_update(self, updates):
        """Refuse the step unless every ``param - delta`` is finite; no ``param`` is touched.

        ``updates`` is ``[(param, delta), ...]`` (one pair on the fast path: the
        flat vectors). No element of ``param - delta`` exceeds ``|param|_2 +
        |delta|_2`` in size, so dot products (read-only passes, BLAS) prove the
        update finite: no copy of the weights is needed to undo it. The bound is
        conservative: weights whose norm passes half the float range, or whose
        squared norm overflows (beyond ~1e154 in float64, ~1e19 in float32),
        count as diverged too.
        """
        if len(updates) == 1:   # the fast path's flat vectors: two dot products, nothing more
            param, delta = updates[0]
            size = math.sqrt(np.vdot(delta, delta))
        else:   # every parameter is a view of the model's flat vector: its norm covers them all
            param = self.model.flat_parameters[0]
            # |delta|_2 over every parameter's delta, without joining them (a copy of every weight)
            size = math.sqrt(sum(float(np.vdot(d, d)) for _, d in updates))
        limit = _LIMITS[param.dtype.char]
        if size < limit and math.sqrt(np.vdot(param, param)) + size < limit:
            return
        if not all(np.isfinite(d).all() for _, d in updates):
            raise _UpdateRefused("the gradient or the update is not finite", "gradient")
        raise _UpdateRefused("the update would overflow the weights", "overflow")

    # -- epochs ------------------------------------------------------------------

    def prepare(self, X, y):
        """Inputs as the model's dtype and targets in the loss's form, converted once.

        ``X`` is read by :func:`nnpy.samples.as_samples` (the rule every entry
        point shares); NaN or infinite inputs or targets raise ``ValueError``
        naming the cell, before any training step.
        """
        X, _ = as_samples(X, self.model.input_size, self.model.dtype, "X")
        check_finite(y, "y")
        Y = self.loss.prepare_targets(y, self.model.output_size, self.model.dtype)
        if Y.shape[0] != X.shape[0]:
            raise ValueError(f"X has {X.shape[0]} samples but y has {Y.shape[0]}.")
        if X.shape[0] == 0:
            raise ValueError("Cannot train on an empty dataset.")
        return X, Y

    def set_data(self, X, y):
        """Use ``(X, y)`` for the following steps; restarts the current epoch."""
        Xp, Yp = self.prepare(X, y)
        self._data = (X, y, Xp, Yp)
        self._order = None
        self._cursor = 0
        self.good.new_data()

    def _ensure_data(self, X, y):
        if X is None and y is None:
            if self._data is None:
                raise ValueError("No training data: pass X and y, or call set_data first.")
            return
        if self._data is None or self._data[0] is not X or self._data[1] is not y:
            self.set_data(X, y)

    def train_steps(self, steps, X=None, y=None, batch_size=None, shuffle=True):
        """Run ``steps`` mini-batch steps, continuing the current epoch.

        Returns ``(mean loss of these steps, epochs completed during them)``.
        """
        self._ensure_data(X, y)
        batch_size = _check_batch_size(self.batch_size if batch_size is None else batch_size)
        total, done, epochs_done = 0.0, 0, 0
        while done < steps:
            loss, ended = self._next_step(batch_size, shuffle)
            total += loss
            done += 1
            epochs_done += ended
        return (total / done if done else float("nan")), epochs_done

    def _next_step(self, batch_size, shuffle):
        _, _, X, Y = self._data
        if self._order is None:
            self.good.epoch_starts()
            if shuffle:
                perm = self.rng.permutation(X.shape[0])
                self._order = (X[perm], Y[perm])
            else:
                self._order = (X, Y)
        Xs, Ys = self._order
        start = self._cursor
        end = min(start + batch_size, Xs.shape[0])
        try:
            loss = self.train_step(Xs[start:end], Ys[start:end])
        except TrainingDiverged as exc:
            raise self.good.restore_after(exc) from None
        self.good.step_done(loss)
        if end >= Xs.shape[0]:
            self._order, self._cursor = None, 0
            self.epoch += 1
            self.good.epoch_ended()
            return loss, 1
        self._cursor = end
        return loss, 0

    def train_epochs(self, epochs=1, X=None, y=None, batch_size=None, shuffle=True):
        """Run ``epochs`` whole epochs (finishing the current one first). Returns the mean step loss."""
        self._ensure_data(X, y)
        batch_size = _check_batch_size(self.batch_size if batch_size is None else batch_size)
        total, steps, target = 0.0, 0, self.epoch + epochs
        while self.epoch < target:
            total += self._next_step(batch_size, shuffle)[0]
            steps += 1
        return total / steps if steps else float("nan")

    def train(self, X, y, epochs=1, batch_size=None, validation_data=None, shuffle=True,
              verbose=0, callback=None):
        """Train for ``epochs`` epochs and record the history.

        Args:
            X: inputs of shape ``(n, n_features)``.
            y: targets: class labels ``(n,)``, one-hot ``(n, C)`` or values ``(n, k)``.
            epochs: number of passes over the data.
            batch_size: samples per step (default: the trainer's ``batch_size``).
            validation_data: optional ``(X_val, y_val)`` evaluated after each epoch.
            verbose: as in Keras: ``0`` (default) silent, ``1`` a progress bar
                (tqdm's in a notebook, a text bar on a terminal, else one line
                an epoch), ``2`` one line per epoch; see :mod:`nnpy.progress`.
            callback: ``callback(epoch, logs)`` after each epoch, ``logs`` a
                dict of this epoch's metrics; returning ``False`` stops training.

        Returns:
            The trainer's :class:`~nnpy.history.History` (a dict of lists
            ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``, one entry an
            epoch, accuracy entries ``None`` for regression; it grows over
            successive ``train`` calls). ``history.plot()`` draws it.
        """
        epochs = int(epochs)
        if epochs < 0:
            raise ValueError(f"epochs must be >= 0. Received: epochs={epochs}")
        verbose = check_verbose(verbose)
        self.set_data(X, y)
        batch_size = _check_batch_size(self.batch_size if batch_size is None else batch_size)
        _, _, Xp, Yp = self._data
        steps = math.ceil(Xp.shape[0] / batch_size)
        shown = progress(verbose, epochs, steps, val_name="validation")
        try:
            for e in range(1, epochs + 1):
                # one epoch, as train_epochs(1) runs it, telling the progress display each step
                total, done, target = 0.0, 0, self.epoch + 1
                while self.epoch < target:
                    total += self._next_step(batch_size, shuffle)[0]
                    done += 1
                    if shown is not None:
                        shown.step(e, done)
                logs = {"epoch": self.epoch, "loss": total / done,
                        "accuracy": self._accuracy(Xp, Yp) if self.loss.is_classification else None}
                if validation_data is not None:
                    logs["val_loss"], logs["val_accuracy"] = self.evaluate(*validation_data)
                else:
                    logs["val_loss"] = logs["val_accuracy"] = None
                self.history.append(logs)
                if shown is not None:
                    shown.end_epoch(e, logs)
                if callback is not None and callback(self.epoch, logs) is False:
                    break
        finally:
            if shown is not None:
                shown.close()
        return self.history

    # -- evaluation ---------------------------------------------------------------

    def _accuracy(self, X, Y, batch_size=4096):
        # the training metric: blocked products (fast), not predict's one-row-at-a-time ones
        out = np.concatenate([self.model.forward(X[i:i + batch_size])
                              for i in range(0, X.shape[0], batch_size)])
        return accuracy(Y, out)

    def evaluate(self, X, y, classification=None, batch_size=4096):
        """Loss (without any weight penalty) and accuracy of the model on ``(X, y)``.

        Args:
            classification: compute accuracy; ``None`` means "if the loss is a
                classification loss". Accuracy is ``None`` when false.

        Returns:
            ``(loss, accuracy)``.
        """
        Xp, Yp = self.prepare(X, y)
        total = 0.0
        logits = self.logits
        for i in range(0, Xp.shape[0], batch_size):
            xb, yb = Xp[i:i + batch_size], Yp[i:i + batch_size]
            total += self._loss_and_grad(xb, yb, False, logits)[0] * xb.shape[0]
        loss = total / Xp.shape[0]
        if classification is None:
            classification = self.loss.is_classification
        return loss, (self._accuracy(Xp, Yp) if classification else None)


def _check_batch_size(batch_size):
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer. Received: batch_size={batch_size!r}")
    return int(batch_size)



# An epoch whose mean step loss passes this many times the lowest loss of the run is "exploding".
EXPLODING = 10.0
# The loss of the weights training starts from is measured on this many training samples at most.
PROBE_SAMPLES = 256


class GoodWeights:
    """The last good weights of a run: where training goes back to when it diverges.

    A blow-up is exponential growth: step after step the weights and the
    loss multiply, until after tens or hundreds of steps a number overflows.
    The weights from just before that step are already ruined (about 1e153,
    their loss is infinite, and training diverges again from them at any
    learning rate), so the trainer keeps better ones, at epoch boundaries,
    in two buffers allocated once:

    - the *kept* weights: at first those training starts from (with their
      epoch, step count and shuffling state);
    - a *candidate*: the weights at the end of the latest epoch.

    The candidate from the end of epoch ``e`` becomes the kept weights once
    epoch ``e + 1``, trained from it, stayed sane: its mean step loss is
    finite and at most ``EXPLODING`` (10) times the lowest loss of the run,
    that is the lowest epoch mean so far or the loss of the starting weights
    (measured once on up to 256 evenly spread training samples). So the
    kept weights are always ones from which a whole epoch of training stayed
    finite and within ten times the run's best loss.

    Why ten: a blow-up passes any fixed factor within an epoch or two (its
    loss multiplies every step), while a run that still learns, even noisily
    at a high rate, stays within a few times its best. A false alarm only
    means going back further than needed, to better weights, never to
    ruined ones.

    Cost: one copy of the weights and of the random generator's state per
    epoch, and two additions per step; the speed of a training step does
    not change (bench/train_step.py).
    """

    def __init__(self, trainer):
        self.trainer = trainer
        self.kept = None              # float array like model.flat_parameters[0]
        self.kept_epoch = self.kept_steps = None
        self._kept_rng = None
        self.usable = True            # False when the kept weights' own loss is not finite
        self._candidate = None        # the second buffer
        self._candidate_epoch = None  # None: no candidate
        self._candidate_steps = self._candidate_rng = None
        self.best = None              # the lowest loss of the run (None: measure it first)
        self._loss_sum, self._steps = 0.0, 0

    # -- called by the trainer ----------------------------------------------------

    def new_data(self):
        """The training data changed: the losses so far measured other data."""
        self.best = None
        self._candidate_epoch = None
        self._loss_sum, self._steps = 0.0, 0

    def epoch_starts(self):
        t = self.trainer
        flat = t.model.flat_parameters[0]
        first = self.kept is None
        if first:
            self.kept, self._candidate = flat.copy(), np.empty_like(flat)
            self.kept_epoch, self.kept_steps = t.epoch, t.step_count
            self._kept_rng = t.rng.bit_generator.state
        if self.best is None:
            probe = self._probe_loss()
            self.best = probe if math.isfinite(probe) else math.inf
            if first:
                self.usable = math.isfinite(probe)

    def step_done(self, loss):
        self._loss_sum += loss
        self._steps += 1

    def epoch_ended(self):
        t = self.trainer
        mean = self._loss_sum / self._steps if self._steps else math.nan
        self._loss_sum, self._steps = 0.0, 0
        if math.isfinite(mean):
            if self._candidate_epoch is not None and mean <= EXPLODING * self.best:
                self.kept, self._candidate = self._candidate, self.kept
                self.kept_epoch, self.kept_steps = self._candidate_epoch, self._candidate_steps
                self._kept_rng, self.usable = self._candidate_rng, True
            self.best = min(self.best, mean)
        np.copyto(self._candidate, t.model.flat_parameters[0])
        self._candidate_epoch, self._candidate_steps = t.epoch, t.step_count
        self._candidate_rng = t.rng.bit_generator.state

    def _probe_loss(self):
        _, _, X, Y = self.trainer._data
        every = max(1, X.shape[0] // PROBE_SAMPLES)
        with np.errstate(all="ignore"):
            loss = self.trainer._loss_and_grad(X[::every][:PROBE_SAMPLES], Y[::every][:PROBE_SAMPLES],
                                               need_grad=False)[0]
        return float(loss)

    # -- going back ---------------------------------------------------------------

    def restore(self):
        """Put the kept weights back (with their epoch, step count and shuffling state).

        The optimizer's state is reset and the next step starts a new epoch.
        Returns the kept weights' epoch, or ``None`` if nothing was kept yet.
        """
        t = self.trainer
        if self.kept is None:
            return None
        t.model.flat_parameters[0][...] = self.kept
        t.epoch, t.step_count = self.kept_epoch, self.kept_steps
        t.rng.bit_generator.state = self._kept_rng
        t._order, t._cursor = None, 0
        t.optimizer.reset()
        self._candidate_epoch = None
        self._loss_sum, self._steps = 0.0, 0
        return self.kept_epoch

    def restore_after(self, exc):
        """Go back to the kept weights after ``exc``; the :class:`TrainingDiverged` to raise."""
        epoch = self.restore()
        if epoch is None:
            return exc
        what = {"loss": "the loss became infinite or NaN",
                "gradient": "the gradient became infinite or NaN",
                "overflow": "the next update would have overflowed the weights"}.get(exc.reason, "not finite")
        where = "training started from" if epoch == 0 else f"after epoch {epoch}"
        advice = ("train on with a smaller learning rate" if self.usable else
                  "their loss is not finite either: start from new weights")
        return TrainingDiverged(
            f"Training diverged at step {exc.step}, in epoch {exc.failed_epoch}: {what}. The weights are "
            f"back to those {where} (trainer.epoch is {epoch}), the last good ones; {advice}.",
            step=exc.step, failed_epoch=exc.failed_epoch, reason=exc.reason, restored_epoch=epoch,
            usable=self.usable)
